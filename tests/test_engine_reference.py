"""The engine against the reference engine (the same model written day by day, one SimPy
process per adult, small groups seated with plain loops): every bundled scenario must give the
same ledger, the same metrics and the same minutes for every student, to the last bit."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import BUNDLED

from simulate.engine import Engine, ReferenceEngine
from simulate.measures.compute import compute
from simulate.schema.loading import load_scenario


def both(path, seed: int, replication: int) -> tuple[Engine, ReferenceEngine]:
    scenario = load_scenario(path)
    return Engine(scenario, seed, replication).run(), ReferenceEngine(
        scenario, seed, replication
    ).run()


def assert_same(fast: Engine, reference: ReferenceEngine) -> None:
    assert dict(fast.ledger().amounts) == dict(reference.ledger().amounts)
    assert compute(fast) == compute(reference)
    for a, b in zip(fast.schools, reference.schools, strict=True):
        for name, minutes in a.received.columns().items():
            np.testing.assert_array_equal(minutes, b.received.columns()[name], err_msg=name)
        np.testing.assert_array_equal(a.contact, b.contact)
        np.testing.assert_array_equal(a.days_worked, b.days_worked)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_engine_matches_the_reference_on_every_bundled_scenario(path) -> None:
    assert_same(*both(path, seed=21, replication=0))


@pytest.mark.slow
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
@pytest.mark.parametrize("replication", [1, 2, 3])
def test_engine_matches_the_reference_in_more_years(path, replication: int) -> None:
    assert_same(*both(path, seed=5, replication=replication))
