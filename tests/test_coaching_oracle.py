"""The engine's compiled coaching year against a plain oracle (tests/oracle_coaching.py): every
bundled scenario, coaches with too little time (observations wait, are missed and feedback is
late), and small random scenarios. Each must agree to the last bit."""

from __future__ import annotations

from typing import Any

import numpy as np
import oracle_coaching
import pytest
from conftest import BUNDLED, build
from hypothesis import given
from hypothesis import strategies as st
from test_friction import ten_teachers
from test_properties import SETTINGS, scenarios

from simulate.engine import Engine
from simulate.engine.modules.coaching import Coaching
from simulate.measures.compute import compute
from simulate.schema.loading import load_scenario
from simulate.schema.model import Scenario


def coached_both_ways(scenario: Scenario, seed: int) -> tuple[Engine, Engine]:
    engine = Engine(scenario, seed).run()
    with pytest.MonkeyPatch.context() as patch:
        oracle_coaching.plain_coaching(patch)
        plain = Engine(scenario, seed).run()
        plain_results = plain.module(Coaching).results()
    one = engine.module(Coaching).results()
    assert sorted(one.latencies) == sorted(plain_results.latencies)
    assert one.on_time == plain_results.on_time
    for mine, theirs in zip(one.observed, plain_results.observed, strict=True):
        assert list(mine) == list(theirs)
        for coachee in mine:
            np.testing.assert_array_equal(mine[coachee], theirs[coachee])
    for mine_all, theirs_all in zip(one.observations, plain_results.observations, strict=True):
        np.testing.assert_array_equal(mine_all, theirs_all)
    assert dict(engine.ledger().amounts) == dict(plain.ledger().amounts)
    return engine, plain


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_coaching_matches_the_plain_oracle_on_every_bundled_scenario(path: Any) -> None:
    engine, plain = coached_both_ways(load_scenario(path), 21)
    with pytest.MonkeyPatch.context() as patch:
        oracle_coaching.plain_coaching(patch)
        expected = compute(plain)
    assert compute(engine) == expected


@pytest.mark.parametrize("minutes", [20, 35, 50, 70])
@pytest.mark.parametrize("coaches", [1, 2])
def test_coaching_matches_the_plain_oracle_when_coaches_are_short_of_time(
    minutes: int, coaches: int
) -> None:
    """Ten teachers to observe weekly (35 minutes each with feedback): with 20 or 35 minutes
    a day most work waits and much is missed, with 50 some, with 70 none."""
    engine, _ = coached_both_ways(build(ten_teachers(minutes, coaches)), 3)
    lost = engine.ledger().total("observation", "lost")
    assert (lost > 0) == (minutes * coaches < 70)


@SETTINGS
@given(spec=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_coaching_matches_the_plain_oracle_on_random_scenarios(spec: Any, seed: int) -> None:
    coached_both_ways(build(spec), seed)
