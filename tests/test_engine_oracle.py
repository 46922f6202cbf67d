"""The engine's numpy against a plain oracle (tests/oracle.py): small-group seating of every
regrouping window and the online stations of every day, on every bundled scenario and on small
random scenarios. Each must agree to the last bit."""

from __future__ import annotations

from typing import Any

import numpy as np
import oracle
import pytest
from conftest import BUNDLED, build, data
from hypothesis import given
from hypothesis import strategies as st
from test_properties import SETTINGS, scenarios
from yearview import contact, grouped_by_role, received

from simulate.engine import Engine, load_compiled, streams
from simulate.engine.modules import availability, coaching, small_groups, stations
from simulate.engine.modules.instruction import Instruction
from simulate.engine.modules.small_groups import Grouped, SmallGroups
from simulate.measures.compute import compute
from simulate.schema.loading import load_scenario
from simulate.schema.model import Scenario


def assert_same_year(one: Engine, two: Engine) -> None:
    assert dict(one.ledger().amounts) == dict(two.ledger().amounts)
    assert compute(one) == compute(two)
    for school in one.schools:
        n = school.number
        a, b = received(one, n)["small_group"], received(two, n)["small_group"]
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(contact(one, n), contact(two, n))
    assert grouped_by_role(one) == grouped_by_role(two)
    for a, b in zip(grouped(one).by_leader, grouped(two).by_leader, strict=True):
        np.testing.assert_array_equal(a, b)


def grouped(engine: Engine) -> Grouped:
    return engine.module(SmallGroups).results()


def seated_both_ways(scenario: Scenario, seed: int, monkeypatch: Any) -> tuple[Engine, Engine]:
    engine = Engine(scenario, seed).run()
    with monkeypatch.context() as patch:
        oracle.plain_seating(patch)
        plain = Engine(scenario, seed).run()
    return engine, plain


@pytest.mark.slow
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_seating_matches_the_plain_oracle_on_every_bundled_scenario(path, monkeypatch) -> None:
    assert_same_year(*seated_both_ways(load_scenario(path), 21, monkeypatch))


@SETTINGS
@given(spec=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_seating_matches_the_plain_oracle_on_random_scenarios(spec, seed: int) -> None:
    scenario = build(spec)
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert_same_year(*seated_both_ways(scenario, seed, monkeypatch))


def assert_online_matches(engine: Engine) -> None:
    days = engine.days
    open_days = np.flatnonzero(days.instructional & ~days.closed)
    school_day = (np.cumsum(days.instructional) - 1)[open_days]
    ledger = engine.ledger()
    expected = {"delivered": 0.0, "device_shortage": 0.0, "student_absent": 0.0}
    for school in engine.schools:
        plain = oracle.online(school, open_days, school_day)
        np.testing.assert_array_equal(received(engine, school.number)["online"], plain["minutes"])
        for key in expected:
            expected[key] += plain[key]
    assert ledger.total("online", "delivered") == expected["delivered"]
    assert ledger.total("online", "lost", detail="device_shortage") == expected["device_shortage"]
    assert ledger.total("online", "lost", detail="student_absent") == expected["student_absent"]


@pytest.mark.parametrize("replication", [0, 1])
def test_online_stations_match_the_plain_oracle_on_the_bundled_rotation(replication: int) -> None:
    scenario = load_scenario("scenarios/lab_rotation.yaml")
    engine = Engine(scenario, 21, replication).run()
    assert engine.ledger().total("online", "delivered") > 0
    assert_online_matches(engine)


def scarce_devices(spec: dict[str, Any]) -> dict[str, Any]:
    """The same scenario with a rotation of two online stations and devices for a few."""
    for school in spec["schools"]:
        school["rotation"] = {
            "blocks_per_day": 2,
            "waves": 2,
            "stations": [
                {"kind": "online", "minutes": 15},
                {"kind": "small_group", "minutes": 20},
                {"kind": "online", "minutes": 10},
            ],
        }
        school["devices"] = 7
        school["attendance"] = {"chronic_share": 0.3, "severe_share": 0.08}
    return spec


@SETTINGS
@given(spec=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_online_stations_match_the_plain_oracle_on_random_scenarios(spec, seed: int) -> None:
    assert_online_matches(Engine(build(spec), seed).run())
    assert_online_matches(Engine(build(scarce_devices(spec)), seed).run())


def assert_instruction_matches(engine: Engine) -> None:
    taught = engine.module(Instruction).results()
    ledger = engine.ledger()
    lines = {
        (role, outcome, detail): amount
        for (activity, role, outcome, detail), amount in ledger.amounts.items()
        if activity == "instruction" and (outcome == "delivered" or detail == "uncovered")
    }
    expected: dict[tuple[str, str, str], float] = {}
    led = 0.0
    for school in engine.schools:
        plain = oracle.instruction(engine, school)
        np.testing.assert_allclose(taught.minutes[school.number], plain["minutes"], rtol=1e-12)
        np.testing.assert_allclose(taught.contact[school.number], plain["contact"], rtol=1e-12)
        for key, amount in plain["ledger"].items():
            expected[key] = expected.get(key, 0.0) + amount
        led += plain["led"]
    assert lines == expected
    assert taught.led_student_days == led


# the oracle knows homerooms; a school with a period day books its sections by period, checked
# against independent counts in tests/test_secondary.py
HOMEROOMS = [p for p in BUNDLED if all(s.periods is None for s in load_scenario(p).schools)]


@pytest.mark.parametrize("path", HOMEROOMS, ids=lambda p: p.stem)
def test_instruction_matches_the_plain_oracle_on_every_bundled_scenario(path) -> None:
    assert_instruction_matches(Engine(load_scenario(path), 21).run())


@SETTINGS
@given(spec=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_instruction_matches_the_plain_oracle_on_random_scenarios(spec, seed: int) -> None:
    assert_instruction_matches(Engine(build(spec), seed).run())


def test_the_compiled_functions_are_loaded_once_for_every_call() -> None:
    """The fork server loads them as load_compiled calls them; a year's own calls (and
    `deal`'s) must use those compiled versions, or each worker would compile or load more."""
    load_compiled()
    Engine(build(data("mcl_residents_tutors")), 3).run()
    small_groups.deal(np.arange(5), np.array([1.0, 2.0]))
    kernels = [small_groups._seat_rounds, small_groups._deal_day, small_groups._deal_tables]
    kernels += [small_groups._deal_cards]
    kernels += [small_groups._need, streams._pcg64_seed]
    kernels += [availability._episodes, coaching._coach_year, stations._slot]
    assert [len(k.signatures) for k in kernels] == [1] * len(kernels)


def test_best_first_orders_by_rank_then_level_and_refuses_what_one_key_cannot_hold() -> None:
    rng = np.random.default_rng(4)
    rank = rng.integers(-50, 50, 400)
    level = rng.permutation(400)
    order = small_groups._best_first(rank, level)
    np.testing.assert_array_equal(order, np.lexsort((-level, -rank)))
    with pytest.raises(OverflowError):
        small_groups._best_first(np.array([0, 2**61]), np.array([0, 5]))


@pytest.mark.parametrize("size", [1, 2, 7, 16, 17, 40])
def test_descending_orders_by_both_keys_keeping_ties_in_item_order(size: int) -> None:
    """Both ways it sorts (insertion for a few items, else `_best_first`) keep equal items in
    item order."""
    rng = np.random.default_rng(size)
    primary = rng.integers(0, 4, size)
    secondary = np.zeros(size, dtype=np.int64)
    order = small_groups._descending(primary, secondary)
    assert order.tolist() == sorted(range(size), key=lambda i: -primary[i])
    secondary = rng.permutation(size)
    order = small_groups._descending(primary, secondary)
    np.testing.assert_array_equal(order, np.lexsort((-secondary, -primary)))


@pytest.mark.parametrize("students", [1, 5, 16, 30])
def test_a_lists_candidates_come_ranked_as_one_sort_would_rank_them(students: int) -> None:
    """`_ranked` orders a list's candidates band by band without sorting them; one sort of
    every candidate's rank and level (each student's k-th candidate ranks need - k x step)
    gives the same order, needs below zero and far apart included."""
    rng = np.random.default_rng(students)
    step = 7000
    for _ in range(20):
        entries = np.sort(rng.choice(3 * students, students, replace=False))
        cap = np.zeros(3 * students, dtype=np.int64)
        cap[entries] = rng.integers(1, 6, students)
        need = rng.integers(-5 * step, 9 * step, 3 * students)
        need[entries[: students // 3]] = need[entries[0]]  # level on need
        level = rng.permutation(3 * students)
        start = np.zeros(3 * students, dtype=np.int64)
        start[entries] = np.cumsum(cap[entries]) - cap[entries]
        scratch = np.empty((5, students), dtype=np.int64)
        ranked = np.empty(int(cap.sum()), dtype=np.int64)
        order = small_groups._ranked(entries, start, cap, need, level, step, scratch, ranked)
        owner = np.repeat(entries, cap[entries])
        k = np.arange(owner.size) - start[owner]
        expected = small_groups._best_first(need[owner] - k * step, level[owner])
        np.testing.assert_array_equal(order, expected)


def test_seating_matches_the_plain_oracle_when_tiers_tie_on_need(monkeypatch) -> None:
    """Tiers with one weekly target put sessions of different tiers level on need (the
    target is need's last place), so an adult's sessions of all tiers are taken in tiebreak
    order where their needs tie."""
    spec = data("traditional")
    for tier in spec["schools"][0]["need_tiers"]:
        tier["dosage_minutes_per_week"] = 90
    assert_same_year(*seated_both_ways(build(spec), 0, monkeypatch))


def test_seating_matches_the_plain_oracle_when_every_round_seats(monkeypatch) -> None:
    """Teams that do not share their students, so each teacher keeps its class (the first
    round) and the team's other adults share the team's students (the second), and tutors on
    the school's staff who share the whole school (the third): the rounds seat the same
    students, each on the needs the rounds before left."""
    spec = data("mcl_residents_tutors")
    school = spec["schools"][0]
    for team in school["teams"]:
        team["shares_students"] = False
    school["staff"]["tutor"] = 2
    engine, plain = seated_both_ways(build(spec), 5, monkeypatch)
    assert_same_year(engine, plain)
    seated = grouped(engine)
    led = dict(zip(seated.leaders[0], seated.by_leader[0].sum(axis=(0, 2)), strict=True))
    for leader in [("team_teacher", True), ("mcl", True), ("tutor", True), ("tutor", False)]:
        assert led[leader] > 0, leader
