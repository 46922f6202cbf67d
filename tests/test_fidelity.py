"""Model fidelity: results follow from the arrangement and from public figures, not from a
scheduling shortcut. Every expectation here is computed from the scenario, never copied from
an output."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from conftest import build, data
from yearview import contact, grouped_by_role, received

import simulate
from simulate.engine import Engine
from simulate.engine.modules import small_groups
from simulate.engine.modules.small_groups import SmallGroups
from simulate.study.new import arrangements

WEEK_DAYS = 5
ARRANGEMENTS = sorted(arrangements(secondary=False))  # small groups: elementary schools


def one_classroom(
    small_group: int,
    tiers: list[dict[str, Any]],
    days: int = 180,
    regroup: int = 10,
    group_size: int = 6,
    enrollment: int = 20,
) -> dict[str, Any]:
    """One teacher, one class, no friction: the teacher's small-group block is all there is."""
    return {
        "name": "one classroom",
        "calendar": {"school_days": days},
        "roles": {
            "teacher": {
                "homeroom": True,
                "is_teacher": True,
                "group_size": group_size,
                "schedule": {"instruction": 240, "small_group": small_group},
            }
        },
        "schools": [
            {
                "enrollment": enrollment,
                "classrooms": 1,
                "need_tiers": tiers,
                "teams": [{"name": "class", "members": {"teacher": 1}, "shares_students": False}],
            }
        ],
        "small_groups": {"regroup_every_days": regroup},
    }


INTENSIVE = {
    "name": "intensive",
    "share": 0.4,
    "dosage_minutes_per_week": 150,
    "group_size": 3,
    "session_minutes": 30,
    "max_sessions_per_day": 2,
}
CORE = {"name": "core", "share": 0.6, "dosage_minutes_per_week": 0, "session_minutes": 30}


def tier_minutes(result: simulate.Result, tier: str) -> float:
    return result.value("small_group.minutes_per_student_week", "mean", f"tier={tier}")


def test_intensive_minutes_rise_with_the_teachers_small_group_time_until_the_target() -> None:
    """Intensive students need one 30-minute session a day (150 minutes a week), three to a
    group. Each extra session a day serves three more of them, until all are served: no plateau
    at one session a day. Once every one is served, leftover seats may add more, never less."""
    scenario = one_classroom(0, [CORE, INTENSIVE])
    engine = Engine(build(scenario), seed=1)
    intensive = int((engine.schools[0].students.tier == 1).sum())
    needed = -(-intensive // 3)  # sessions of three to seat every intensive student once a day
    got = []
    for sessions in range(needed + 2):
        scenario["roles"]["teacher"]["schedule"]["small_group"] = 30 * sessions
        got.append(tier_minutes(simulate.run(build(scenario), seed=1), "intensive"))
    per_week = 30 * WEEK_DAYS  # one 30-minute session every school day
    for sessions in range(needed):
        assert got[sessions] == pytest.approx(per_week * 3 * sessions / intensive)
    assert got[needed] >= 150 - 1e-9
    assert got[needed + 1] >= got[needed]


def test_with_seats_to_spare_every_tier_meets_its_target() -> None:
    strategic = {**INTENSIVE, "name": "strategic", "share": 0.3, "dosage_minutes_per_week": 90}
    strategic.update(group_size=4, max_sessions_per_day=1)
    tiers = [{**CORE, "share": 0.4}, strategic, {**INTENSIVE, "share": 0.3}]
    result = simulate.run(build(one_classroom(300, tiers)), seed=2)
    for tier in ("strategic", "intensive"):
        group = f"tier={tier}"
        assert result.value("small_group.reaching_target_share", "value", group) == 1.0
        assert result.value("small_group.target_delivered_share", "value", group) == 1.0
        assert result.value("small_group.shortfall_minutes_week", "mean", group) == 0.0


def test_with_too_few_seats_the_most_behind_are_served_first() -> None:
    """On the first day intensive students are furthest behind (their target accrues fastest),
    so the one session goes to them; with daily regrouping the seats then rotate to whoever is
    furthest behind, so every intensive student ends with the same minutes, one session apart."""
    strategic = {**INTENSIVE, "name": "strategic", "share": 0.3, "dosage_minutes_per_week": 90}
    tiers = [{**CORE, "share": 0.4}, strategic, {**INTENSIVE, "share": 0.3}]
    first = Engine(build(one_classroom(30, tiers, days=1)), seed=3).run()
    got, tier = received(first)["small_group"], first.schools[0].students.tier
    names = [t["name"] for t in tiers]
    by_tier = {name: got[tier == i].sum() for i, name in enumerate(names)}
    assert by_tier["intensive"] == 30 * 3 and by_tier["strategic"] == by_tier["core"] == 0

    only = [{**INTENSIVE, "share": 1.0}]
    year = Engine(build(one_classroom(30, only, days=60, regroup=1)), seed=3).run()
    minutes = received(year)["small_group"]
    assert minutes.max() - minutes.min() <= 30
    assert minutes.sum() == 60 * 30 * 3  # every seat of every session was used


def test_group_sizes_are_never_exceeded_per_tier() -> None:
    """One 30-minute session on the first day seats exactly the tier's group size, or the
    role's group size when that is smaller."""
    for tier_size, role_size in ((2, 6), (4, 6), (4, 3)):
        tier = {**INTENSIVE, "share": 1.0, "group_size": tier_size}
        scenario = one_classroom(30, [tier], days=1, group_size=role_size)
        got = received(Engine(build(scenario), seed=4).run())["small_group"]
        assert (got > 0).sum() == min(tier_size, role_size)


def test_group_sizes_hold_over_a_year_of_a_bundled_arrangement() -> None:
    """Every role's student-minutes in groups fit its sessions: the minutes its adults spent in
    sessions (the ledger) times the largest group any tier allows it (role cap, tier size)."""
    scenario = build(data("mcl_residents_tutors"))
    engine = Engine(scenario, seed=5).run()
    school = engine.schools[0]
    ledger = engine.ledger()
    largest = max(t.group_size for t in school.spec.need_tiers)
    by_role = grouped_by_role(engine)
    assert by_role
    for role, student_minutes in by_role.items():
        seats = min(largest, scenario.roles[role].group_size)
        sessions = ledger.total("small_group", "delivered", roles={role})
        assert 0 < student_minutes <= sessions * seats


@pytest.mark.parametrize("name", ARRANGEMENTS)
def test_a_session_seats_each_student_once(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every session of a year of each bundled arrangement, counted seat by seat: no student
    holds two seats of one session (which would credit it twice the session's minutes for one
    session of an adult's time), each session seats at most its tier's and its adult's group
    size, and each seat is credited with the students its session really seats."""
    plans: list[tuple[small_groups.Seats, np.ndarray]] = []

    def seat(g: small_groups.Groups, w: small_groups.Window) -> small_groups.Seats:
        seats = seat_of(g, w)
        plans.append((seats, g.size[seats.who]))  # the adult's group size
        return seats

    seat_of = small_groups._seat
    monkeypatch.setattr(small_groups, "_seat", seat)
    scenario = build(data(name))
    engine = Engine(scenario, seed=0).run()
    assert plans
    tiers = scenario.schools[0].need_tiers
    length = np.array([t.session_minutes or scenario.small_groups.session_minutes for t in tiers])
    for seats, adults in plans:
        session = np.stack([seats.who, seats.tier, seats.session])
        seat = np.vstack([session, seats.student])
        _, twice = np.unique(seat, axis=1, return_counts=True)
        assert twice.max() == 1
        _, where, students = np.unique(session, axis=1, return_inverse=True, return_counts=True)
        np.testing.assert_array_equal(seats.size, students[where.ravel()])
        allowed = np.array([t.group_size for t in tiers])[seats.tier]
        assert (seats.size <= np.minimum(allowed, adults)).all()
    minutes = engine.module(SmallGroups).results().minutes[0]
    credited = sum(np.bincount(s.student, length[s.tier], minutes.size) for s, _ in plans)
    np.testing.assert_array_equal(credited, minutes)


def covered_day() -> dict[str, Any]:
    """One teacher absent on the only day, covered by a coach from the cascade."""
    scenario = one_classroom(60, [{**CORE, "share": 1.0}], days=1)
    scenario["roles"]["teacher"]["absence_rate"] = 1.0
    scenario["roles"]["coach"] = {"schedule": {"coaching": 30, "planning": 300}}
    scenario["schools"][0]["staff"] = {"coach": 1}
    scenario["coverage"] = {"needs_cover": ["teacher"], "cascade": ["coach"]}
    scenario["schools"][0]["attendance"] = {"chronic_share": 0.8, "severe_share": 0.5}
    return scenario


def test_contact_from_a_covered_day_equals_the_minutes_delivered() -> None:
    """The coach teaches the class for the teacher's 240 instruction minutes; the teacher's
    small groups do not happen. Each student present gets exactly those minutes of contact
    with the coach, and absent students none."""
    engine = Engine(build(covered_day()), seed=6).run()
    school = engine.schools[0]
    coach = next(a for a in school.adults if a.role_name == "coach")
    present = ~school.students.absent[0]
    assert present.any() and (~present).any()
    with_coach = contact(engine)[:, coach.index]
    np.testing.assert_array_equal(with_coach, np.where(present, 240.0, 0.0))
    np.testing.assert_array_equal(received(engine)["instruction"], with_coach)
    assert received(engine)["small_group"].sum() == 0


def test_absent_students_receive_no_minutes_that_day() -> None:
    scenario = covered_day()
    scenario["roles"]["teacher"]["absence_rate"] = 0.0
    engine = Engine(build(scenario), seed=7).run()
    school = engine.schools[0]
    absent = school.students.absent[0]
    assert absent.any() and (~absent).any()
    for minutes in received(engine).values():
        assert (minutes[absent] == 0).all()
    assert (contact(engine)[absent] == 0).all()
    assert (received(engine)["instruction"][~absent] == 240).all()


def test_halving_coach_time_raises_feedback_latency_and_lowers_on_time() -> None:
    base = data("traditional")
    full = simulate.run(build(base), seed=8, replications=4)
    half = copy.deepcopy(base)
    coach = half["roles"]["building_coach"]["schedule"]
    coach["coaching"] //= 2
    halved = simulate.run(build(half), seed=8, replications=4)
    latency = "coaching.feedback_latency_days"
    assert halved.value(latency, "mean") > full.value(latency, "mean")
    on_time = "coaching.feedback_on_time_share"
    assert halved.value(on_time, "value") < full.value(on_time, "value")
    # the minutes booked as delivered are the minutes observations and feedback used
    ledger = halved.ledger[halved.ledger.activity == "coaching"]
    used = ledger[ledger.outcome == "delivered"].amount.sum()
    unused = ledger[ledger.detail == "unused"].amount.sum()
    assert used > 0 and unused >= 0
    assert used + ledger[ledger.outcome == "lost"].amount.sum() == ledger.amount.sum()


def test_teacher_absence_days_match_nctq_mean_and_chronic_share() -> None:
    """NCTQ Roll Call (2014): about 11 days missed of 186 (10.6 of 180) and 16% of teachers at
    18 or more. Over 2,400 teacher-years the model is within sampling error of both."""
    scenario = build(data("traditional"))
    days = []
    for replication in range(100):
        adults = Engine(scenario, 11, replication).schools[0].adults
        days += [int(a.absent.sum()) for a in adults if a.role_name == "teacher"]
    absent = np.array(days)
    n = absent.size
    assert n == 2400
    assert abs(absent.mean() - 11 * 180 / 186) < 3 * absent.std() / np.sqrt(n)
    chronic = (absent >= 18).mean()
    assert abs(chronic - 0.16) < 3 * np.sqrt(0.16 * 0.84 / n)


def test_tiers_are_matched_by_name_across_schools() -> None:
    """Two schools listing their tiers in opposite orders: the per-tier figures of the pair are
    those of each tier's students, read by name, and lie between the two schools' own."""
    d = data("traditional")
    school = d["schools"][0]
    reversed_school = {**copy.deepcopy(school), "name": "Reversed"}
    reversed_school["need_tiers"] = list(reversed(school["need_tiers"]))
    d["schools"] = [school, reversed_school]
    scenario = build(d)
    engine = Engine(scenario, seed=9).run()
    result = simulate.run(scenario, seed=9)
    weeks = engine.days.weeks
    grouped = engine.module(SmallGroups).results()
    for name in ("core", "strategic", "intensive"):
        own = []
        for n, s in enumerate(engine.schools):
            mask = np.array(grouped.tiers[n].names)[s.students.tier] == name
            own.append(grouped.minutes[n][mask] / weeks)
        expected = float(np.concatenate(own).mean())
        got = tier_minutes(result, name)
        assert got == pytest.approx(expected)
        assert min(o.mean() for o in own) - 1e-9 <= got <= max(o.mean() for o in own) + 1e-9
