"""The school-year engine: ledger identity, limiting cases, arrangements, determinism."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yearview
from conftest import BUNDLED, build, data, frictionless

import simulate
from simulate.engine.core import Engine
from simulate.engine.modules.attendance import StudentAttendance
from simulate.engine.modules.availability import _episodes
from simulate.engine.modules.coaching import Coaching
from simulate.engine.modules.instruction import Instruction
from simulate.engine.modules.small_groups import SmallGroups
from simulate.engine.streams import _as_int, _Hashed, _pcg64_seed, source_key, stream
from simulate.measures import compute as compute_module
from simulate.measures.catalogue import CATALOGUE
from simulate.schema.loading import load_scenario


def ledger_by(result: simulate.Result) -> dict[tuple[str, str], dict[str, float]]:
    out: dict[tuple[str, str], dict[str, float]] = {}
    for row in result.ledger.itertuples():
        entry = out.setdefault((row.activity, row.role), {"delivered": 0.0, "lost": 0.0})
        entry[row.outcome] += row.amount
    return out


@pytest.mark.parametrize("name", ["traditional", "mcl_teams", "mcl_residents_tutors"])
def test_no_friction_means_nothing_is_lost(name: str) -> None:
    """Without friction nothing is lost to it. What the arrangement itself leaves over (time
    nobody needed: unused) or asks beyond a coach's day (capacity) is not friction."""
    result = simulate.run(build(frictionless(data(name))), seed=3)
    ledger = result.ledger
    lost = ledger[(ledger.outcome == "lost") & ~ledger.detail.isin(["unused", "capacity"])]
    assert lost.empty, lost.to_string()
    assert result.value("coverage.absences", "count") == 0


def test_planned_minutes_match_the_schedules() -> None:
    """Ledger planned = schedule minutes x instructional days x positions (residents ramp)."""
    scenario = build(frictionless(data("mcl_residents_tutors")))
    result = simulate.run(scenario, seed=1)
    days = scenario.calendar.school_days - len(scenario.calendar.non_instructional_days)
    weeks = np.arange(days) // scenario.calendar.days_per_week + 1
    positions = simulate.budget.positions(scenario)
    ledger = ledger_by(result)
    for role_name, role in scenario.roles.items():
        for activity, minutes in role.schedule.items():
            allowed = sum(activity in role.duties_in_week(int(w)) for w in weeks)
            expected = minutes * allowed * positions.get(role_name, 0)
            got = ledger.get((activity, role_name), {"delivered": 0, "lost": 0})
            assert got["delivered"] + got["lost"] == expected, (role_name, activity)


def test_traditional_teachers_are_observed_far_less_than_on_mcl_teams() -> None:
    traditional = simulate.run(load_scenario("scenarios/traditional.yaml"), seed=5)
    mcl = simulate.run(load_scenario("scenarios/mcl_teams.yaml"), seed=5)
    metric = "coaching.observations_per_teacher_week"
    trad_obs = traditional.value(metric, "realized")
    mcl_obs = mcl.value(metric, "realized")
    assert mcl_obs > 2.5 * trad_obs > 0
    share = "coaching.teacher_weeks_observed_share"
    assert mcl.value(share, "value") > traditional.value(share, "value")


def test_tutors_raise_small_group_minutes_per_student() -> None:
    teams = simulate.run(load_scenario("scenarios/mcl_teams.yaml"), seed=2)
    tutors = simulate.run(load_scenario("scenarios/mcl_residents_tutors.yaml"), seed=2)
    metric = "small_group.minutes_per_student_week"
    assert tutors.value(metric, "mean") > 1.3 * teams.value(metric, "mean")
    assert tutors.value(metric, "p10") >= teams.value(metric, "p10")


def test_groups_are_led_only_by_allowed_adults_and_never_too_big() -> None:
    scenario = build(frictionless(data("mcl_residents_tutors")))  # no coverage duty
    engine = Engine(scenario, seed=4).run()
    school = engine.schools[0]
    leaders = {n for n, r in scenario.roles.items() if r.schedule.get("small_group")}
    assert set(yearview.grouped_by_role(engine)) <= leaders
    tiers = school.spec.need_tiers
    rules = scenario.small_groups
    most_a_day = max(
        (t.session_minutes or rules.session_minutes)
        * (t.max_sessions_per_day or rules.max_sessions_per_student_per_day)
        for t in tiers
    )
    days = scenario.calendar.school_days
    assert yearview.received(engine)["small_group"].max() <= most_a_day * days
    # each session seats at most the role's group size: student-minutes <= block x group size
    for adult in school.adults:
        given = yearview.contact(engine)[:, adult.index].sum()
        if adult.homeroom < 0 and not adult.role.schedule.get("instruction"):
            block = adult.role.schedule.get("small_group", 0) * days
            assert given <= block * adult.role.group_size


def test_same_seed_same_bytes_other_seed_differs(tmp_path) -> None:
    scenario = load_scenario("scenarios/mcl_residents_tutors.yaml")
    a = json.dumps(simulate.run(scenario, seed=11, replications=2).summary(), sort_keys=True)
    b = json.dumps(simulate.run(scenario, seed=11, replications=2).summary(), sort_keys=True)
    c = json.dumps(simulate.run(scenario, seed=12, replications=2).summary(), sort_keys=True)
    assert a == b
    assert a != c


def test_arrangements_share_students_and_calendar() -> None:
    one = Engine(load_scenario("scenarios/traditional.yaml"), seed=9)
    two = Engine(load_scenario("scenarios/mcl_residents_tutors.yaml"), seed=9)
    np.testing.assert_array_equal(one.schools[0].students.tier, two.schools[0].students.tier)
    np.testing.assert_array_equal(one.days.closed, two.days.closed)


@pytest.mark.parametrize(
    ("seed", "replication", "source", "identity"),
    [
        (0, 0, "students", (0,)),
        (7, 3, "absence", (2, "homeroom", 5)),
        (2**40 + 5, 1, "substitute_market", (2**33, "mcl")),  # numbers of more than one word
        (2**70, 0, "learning_evidence", ()),
    ],
)
def test_a_stream_is_numpys_seed_sequence_of_its_key(seed, replication, source, identity) -> None:
    """streams builds its generators from words, not through SeedSequence's spawn_key: the
    numbers must be the ones that key gives."""
    key = (replication, source_key(source), *(_as_int(part) for part in identity))
    expected = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
    got = stream(seed, replication, source, *identity)
    assert got.bit_generator.state == expected.bit_generator.state
    np.testing.assert_array_equal(got.random(50), expected.random(50))


def test_absence_episodes_run_their_length_and_count_notice_from_their_posting() -> None:
    """Episodes drawn to start on days 1, 2 (inside the first: no new one), 5 and 8 (cut at
    the year's end, 9 days): 3 days each. The first is reported that morning; the second posted
    2 days ahead; the third 9 days ahead, which is before the year, so from its first day."""
    starts = np.zeros(9, dtype=bool)
    starts[[1, 2, 5, 8]] = True
    lengths = np.full(9, 3)
    ahead = np.zeros(9, dtype=np.int64)
    ahead[[2, 5, 8]] = [4, 2, 9]
    absent, notice = np.zeros(9, dtype=bool), np.zeros(9, dtype=np.int32)
    _episodes(starts, lengths, ahead, absent, notice)
    np.testing.assert_array_equal(absent, [0, 1, 1, 1, 0, 1, 1, 1, 1])
    np.testing.assert_array_equal(notice, [0, 0, 1, 2, 0, 2, 3, 4, 8])


def test_the_compiled_hash_is_numpys_seed_sequence_for_any_words() -> None:
    """2,000 random entropies (1 to 13 words, short and full 32-bit ones, shorter and longer
    than the pool): the state `_pcg64_seed` hashes is the one SeedSequence generates, and a
    PCG64 seeded by either draws the same numbers."""
    rng = np.random.default_rng(11)
    for _ in range(2000):
        n = int(rng.integers(1, 14))
        full = rng.integers(0, 2**32, n, dtype=np.uint64)
        words = np.where(rng.random(n) < 0.3, full, rng.integers(0, 50, n)).astype(np.uint32)
        expected = np.random.SeedSequence(words).generate_state(4, np.uint64)
        np.testing.assert_array_equal(_pcg64_seed(words.astype(np.uint64)), expected)
    got = np.random.PCG64(_Hashed(_pcg64_seed(words.astype(np.uint64))))
    assert got.state == np.random.PCG64(np.random.SeedSequence(words)).state


@pytest.mark.slow
@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_every_bundled_scenario_validates_and_runs(path) -> None:
    scenario = load_scenario(path)
    result = simulate.run(scenario, seed=0)
    stats = result.stats
    assert not stats["value"].isna().any()
    assert (result.ledger["amount"] >= 0).all()
    if all(school.periods is None for school in scenario.schools):
        assert result.value("small_group.minutes_per_student_week", "mean") > 0
    else:  # a middle or high school: classes in sections, tutoring where it is a period
        assert result.value("secondary.class_size", "mean") > 0
    assert result.summary()["budget"]["recurring"] > 0


def test_reach_counts_students_on_led_teams() -> None:
    scenario = build(frictionless(data("mcl_teams")))
    assert simulate.run(scenario).value("reach.students_on_led_teams_share", "value") == 1.0
    trad = build(frictionless(data("traditional")))
    assert simulate.run(trad).value("reach.students_on_led_teams_share", "value") == 0.0


def test_more_adults_know_each_student_on_teams() -> None:
    trad = simulate.run(load_scenario("scenarios/traditional.yaml"), seed=1)
    mcl = simulate.run(load_scenario("scenarios/mcl_residents_tutors.yaml"), seed=1)
    metric = "relationships.adults_per_student"
    assert mcl.value(metric, "mean") > trad.value(metric, "mean") + 1


def test_every_figure_has_a_row_in_every_replication() -> None:
    """But a share with nothing to measure in a year (a fill rate by notice where no absence
    had that notice, a band with no student) has no row that year, rather than 0."""
    result = simulate.run(load_scenario("scenarios/traditional.yaml"), seed=0, replications=4)
    counts = result.metrics.groupby(["metric", "group", "statistic"]).size()
    metrics = counts.index.get_level_values("metric")
    sparse = np.array([bool(m in CATALOGUE and CATALOGUE[m].empty) for m in metrics])
    assert (counts[~sparse] == 4).all()
    assert (counts[sparse] <= 4).all()


def test_roles_nobody_holds_get_no_per_role_figures() -> None:
    result = simulate.run(load_scenario("scenarios/mcl_teams.yaml"), seed=0)
    groups = set(result.metrics.group)
    assert "role=team_teacher" in groups
    assert "role=teacher" not in groups  # defined by the base scenario, staffed by nobody


def test_what_the_learning_estimate_reads_adds_up() -> None:
    """Per student: small-group minutes by leader (role, on a team or not) and group size add
    up to the student's minutes and to its minutes with those adults, a team's adults group
    only the team's students, no session seats more than its tier allows, and days absent are
    counted on open days; per adult: observations received match the ledger, and team members have
    their leader's days in post."""
    scenario = load_scenario("scenarios/mcl_residents_tutors.yaml")
    engine = Engine(scenario, seed=6).run()
    grouped = engine.module(SmallGroups).results()
    minutes = grouped.minutes[0]
    assert minutes.sum() > 0
    by_leader, contact, school = grouped.by_leader[0], grouped.contact[0], engine.schools[0]
    np.testing.assert_allclose(by_leader.sum(axis=(1, 2)), minutes)
    largest = max(t.group_size for t in scenario.schools[0].need_tiers)
    assert by_leader.shape[2] == largest
    allowed = np.array([t.group_size for t in scenario.schools[0].need_tiers])
    too_many = np.arange(largest)[None, :] >= allowed[school.students.tier][:, None]
    assert by_leader.sum(axis=1)[too_many].sum() == 0
    by_role: dict[str, float] = {}
    for k, (role, on_team) in enumerate(grouped.leaders[0]):
        adults = [a.index for a in school.adults if (a.role_name, a.team >= 0) == (role, on_team)]
        np.testing.assert_array_equal(by_leader[:, k].sum(axis=1), contact[:, adults].sum(axis=1))
        by_role[role] = by_role.get(role, 0.0) + by_leader[:, k].sum()
    assert {r: m for r, m in by_role.items() if m} == grouped.by_role
    for adult in school.adults:  # a team's adults group its own students only
        if adult.team >= 0:
            assert not contact[school.students.team != adult.team, adult.index].any()
    absent = engine.module(StudentAttendance).results().days_absent[0]
    days = engine.days
    open_days = days.instructional & ~days.closed
    np.testing.assert_array_equal(absent, engine.schools[0].students.absent[open_days].sum(0))
    observations = engine.module(Coaching).results().observations[0]
    assert observations.sum() == engine.ledger().total("observation", "delivered")
    led = engine.module(Instruction).results().led_days[0]
    for adult in engine.schools[0].adults:
        assert (led[adult.index] > 0) == (adult.team >= 0)  # every team here has an MCL
    known = compute_module.known(engine)[0]
    assert known.shape == (engine.schools[0].students.count, len(engine.schools[0].adults))
