"""Friction: absences, the shared substitute pool, the coverage cascade, closures, testing,
vacancies, resident ramp-up and device shortages, each against a figure known in advance."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pytest
import yearview
from conftest import build, data, frictionless

import simulate
from simulate.engine.core import Engine
from simulate.engine.modules import coverage
from simulate.engine.modules.coaching import Coaching
from simulate.engine.modules.coverage import BY_SUBSTITUTE, Coverage, SubstitutePool
from simulate.engine.modules.drills import Drills


def pair_school(p: float, teams: int = 24) -> dict[str, Any]:
    """Each classroom: a teacher (absent with chance p a day) and a tutor who covers for her."""
    return {
        "name": "pairs",
        "calendar": {"school_days": 180},
        "roles": {
            "teacher": {
                "homeroom": True,
                "is_teacher": True,
                "absence_rate": p,
                "schedule": {"instruction": 300, "planning": 45},
            },
            "tutor": {"group_size": 4, "schedule": {"small_group": 300}},
        },
        "schools": [
            {
                "enrollment": 25 * teams,
                "classrooms": teams,
                "need_tiers": [{"name": "all", "share": 1.0, "dosage_minutes_per_week": 60}],
                "teams": [
                    {
                        "name": "pair",
                        "count": teams,
                        "classrooms": 1,
                        "members": {"teacher": 1, "tutor": 1},
                    }
                ],
            }
        ],
        "absences": {"mean_extra_days": 0.0},
        "substitutes": {"pool": 0, "fill_priority": ["teacher"]},
        "coverage": {"needs_cover": ["teacher"], "cascade": ["tutor"]},
    }


def lost_share(result: simulate.Result, activity: str, role: str, reason: str) -> float:
    rows = result.ledger[(result.ledger.activity == activity) & (result.ledger.role == role)]
    planned = rows.amount.sum()
    lost = rows[(rows.outcome == "lost") & (rows.detail == reason)].amount.sum()
    return lost / planned


@pytest.mark.parametrize("p", [0.05, 0.2])
def test_cascade_loses_the_covering_roles_minutes_at_the_absence_rate(p: float) -> None:
    """Teacher absent with chance p, no subs, the tutor covers: the tutor loses a share p of
    her small-group minutes. 24 x 180 x 4 tutor-days give a standard error of at most 0.0031;
    the tolerance of 0.015 is more than four standard errors."""
    result = simulate.run(build(pair_school(p)), seed=21, replications=4)
    share = lost_share(result, "small_group", "tutor", "coverage")
    assert abs(share - p) < 0.015
    # every absence found a tutor, so no class went uncovered and no sub was used
    assert result.value("coverage.substitute_fill_rate", "value") == 0.0
    assert not (result.ledger.detail == "uncovered").any()


def test_no_absences_means_no_coverage_losses() -> None:
    result = simulate.run(build(pair_school(0.0)), seed=1)
    assert lost_share(result, "small_group", "tutor", "coverage") == 0.0


def test_a_larger_substitute_pool_never_lowers_the_fill_rate() -> None:
    base = data("district")
    rates = []
    for pool in (0, 8, 25, 60):
        d = dict(base, substitutes={**base["substitutes"], "pool": pool})
        rates.append(simulate.run(build(d), seed=8).value("coverage.substitute_fill_rate", "value"))
    assert rates == sorted(rates)
    assert rates[0] < rates[-1]


def test_substitutes_go_first_to_the_roles_listed_first() -> None:
    d = pair_school(0.3)
    d["roles"]["tutor"]["absence_rate"] = 0.3
    d["coverage"] = {"needs_cover": ["teacher", "tutor"], "cascade": []}
    d["substitutes"] = {
        "pool": 3,
        "willing_share": 1.0,
        "checks_per_day": 100,
        "fill_priority": ["tutor", "teacher"],
    }
    engine = Engine(build(d), seed=2).run()
    school = engine.schools[0]
    tutor_absent = sum(int(a.absent.sum()) for a in school.adults if a.role_name == "tutor")
    # tutors are absent ~0.3 x 24 = 7 a day, more than the pool of 3, who work every day and
    # look for jobs 100 times a day: a substitute takes a teacher's class only on a day when
    # every absent tutor has one, and they work nearly every day (a morning without a look
    # before the bell, a chance of exp(-100/24) each, is a day missed)
    cover = engine.module(Coverage).cover[0]
    by_sub = cover == BY_SUBSTITUTE
    tutors = [a.index for a in school.adults if a.role_name == "tutor"]
    teachers = [a.index for a in school.adults if a.role_name == "teacher"]
    tutors_waiting = ((cover[:, tutors] != -1) & ~by_sub[:, tutors]).any(axis=1)
    assert not (by_sub[:, teachers].any(axis=1) & tutors_waiting).any()
    assert 0.95 * 3 * 180 <= by_sub.sum() <= 3 * 180
    assert yearview.covered_by(engine)["substitute"] == by_sub.sum() * 300
    assert tutor_absent > 3 * 180


def test_same_seed_same_absences_for_the_same_classroom_across_arrangements() -> None:
    traditional = Engine(simulate.load_scenario("scenarios/traditional.yaml"), seed=4)
    mcl = Engine(simulate.load_scenario("scenarios/mcl_residents_tutors.yaml"), seed=4)

    def by_room(engine: Engine) -> dict[int, np.ndarray]:
        return {a.homeroom: a.absent for a in engine.schools[0].adults if a.homeroom >= 0}

    one, two = by_room(traditional), by_room(mcl)
    assert one.keys() == two.keys()
    for room in one:
        np.testing.assert_array_equal(one[room], two[room])
    assert sum(int(x.sum()) for x in one.values()) > 0


def test_closures_lose_the_whole_day() -> None:
    d = frictionless(data("traditional"))
    d["calendar"]["closure_rate"] = 1.0
    result = simulate.run(build(d), seed=1)
    ledger = result.ledger
    assert (ledger[ledger.outcome == "lost"].detail == "closure").all()
    assert ledger[ledger.outcome == "delivered"].empty


def test_testing_windows_cancel_small_groups_for_their_days() -> None:
    d = frictionless(data("traditional"))
    d["calendar"]["testing_windows"] = [{"start_day": 20, "days": 7, "cancels": ["small_group"]}]
    scenario = build(d)
    result = simulate.run(scenario, seed=1)
    teachers = simulate.budget.positions(scenario)["teacher"]
    minutes = scenario.roles["teacher"].schedule["small_group"]
    assert lost_share(result, "small_group", "teacher", "testing") == pytest.approx(7 / 180)
    lost = result.ledger[result.ledger.detail == "testing"].amount.sum()
    assert lost == 7 * teachers * minutes


def test_residents_take_small_groups_only_from_their_ramp_week() -> None:
    scenario = build(frictionless(data("mcl_residents_tutors")))
    engine = Engine(scenario, seed=1).run()
    ramp_week = min(
        s.from_week for s in scenario.roles["resident"].ramp if "small_group" in s.duties
    )
    planned = engine.ledger().total("small_group", roles={"resident"})
    minutes = scenario.roles["resident"].schedule["small_group"]
    days = 180 - (ramp_week - 1) * 5
    assert planned == minutes * days * 6


def test_vacancies_are_lost_and_covered_by_long_term_substitutes() -> None:
    d = frictionless(data("traditional"))
    d["roles"]["teacher"]["attrition_rate"] = 1.0  # every teacher leaves once, mid-year
    d["coverage"]["hiring_delay_days"] = 20
    engine = Engine(build(d), seed=3).run()
    school = engine.schools[0]
    vacant_days = sum(int(a.vacant.sum()) for a in school.adults)
    assert 0 < vacant_days <= 24 * 20
    assert engine.module(Coverage).results().long_term_substitute_days == vacant_days
    ledger = engine.ledger()
    lost = ledger.total("small_group", "lost", detail="vacancy")
    assert lost == vacant_days * d["roles"]["teacher"]["schedule"]["small_group"]
    assert ledger.total("instruction", "lost") == 0  # every class was covered


def test_device_shortage_matches_the_arithmetic_of_the_pool() -> None:
    """Online students per wave and slot beyond the pool lose their minutes, exactly."""
    scenario = build(frictionless(data("lab_rotation")) | {})
    d = frictionless(data("lab_rotation"))
    d["schools"][0]["devices"] = 80
    scenario = build(d)
    school = scenario.schools[0]
    rotation = school.rotation
    engine = Engine(scenario, seed=1).run()
    students = engine.schools[0].students
    n = len(rotation.stations)
    online = [i for i, s in enumerate(rotation.stations) if s.kind == "online"]
    expected_lost = 0
    for wave in range(rotation.waves):
        for slot in range(n):
            demand = 0
            for room in range(school.classrooms):
                if room % rotation.waves != wave:
                    continue
                groups = np.array_split(np.flatnonzero(students.classroom == room), n)
                demand += sum(len(g) for i, g in enumerate(groups) if (i + slot) % n in online)
            expected_lost += max(0, demand - 80) * rotation.stations[online[0]].minutes
    lost = engine.ledger().total("online", "lost", detail="device_shortage")
    assert expected_lost > 0
    assert lost == expected_lost * 180


def test_one_device_per_student_means_no_shortage() -> None:
    d = frictionless(data("lab_rotation"))
    result = simulate.run(build(d), seed=1)
    assert lost_share(result, "online", "student", "device_shortage") == 0.0
    planned = result.ledger[result.ledger.activity == "online"].amount.sum()
    assert planned == 600 * 20 * 180


def test_regrouping_deals_students_to_the_adults_present() -> None:
    """A team of two tutors shares four students who each need a daily session. Each tutor can
    seat all four in its one session. Dealt anew every day, the students go to whichever tutor
    is in; dealt every 30 days, the two dealt to a tutor who is away that day miss their
    session."""
    d = pair_school(0.0, teams=1)
    d["roles"]["tutor"] = {
        "group_size": 4,
        "absence_rate": 0.3,
        "schedule": {"small_group": 20},
    }
    d["schools"][0]["enrollment"] = 4
    d["schools"][0]["teams"][0]["members"] = {"teacher": 1, "tutor": 2}
    d["schools"][0]["need_tiers"] = [
        {"name": "all", "share": 1.0, "dosage_minutes_per_week": 100, "session_minutes": 20}
    ]
    minutes = {}
    for every in (1, 30):
        d["small_groups"] = {"regroup_every_days": every, "max_sessions_per_student_per_day": 1}
        result = simulate.run(build(d), seed=1, replications=4)
        minutes[every] = result.value("small_group.minutes_per_student_week", "mean")
    both_away = 0.3 * 0.3
    assert minutes[1] == pytest.approx(100 * (1 - both_away), rel=0.08)
    assert minutes[30] < minutes[1] * 0.9  # about 30% x half the students lose a day


def test_dealing_follows_capacity_and_mixes_every_level_of_need() -> None:
    from simulate.engine.modules.small_groups import deal

    order = np.arange(12)  # most behind first
    a, b = deal(order, np.array([2.0, 1.0]))
    assert (len(a), len(b)) == (8, 4)
    assert a[0] == 0 and b[0] < 3  # both get some of the most behind
    assert sorted(np.concatenate([a, b])) == list(range(12))


def test_dealing_takes_turns_in_time_order_and_equal_times_in_adult_order() -> None:
    """Turns at (k + 0.5) / weight: with weights 2 and 1 the first adult's turns come at
    0.25, 0.75, 1.25, 1.75 and the second's at 0.5, 1.5; with equal weights the adults take
    turns in their order. Each adult's students come in student order."""
    from simulate.engine.modules.small_groups import deal

    a, b = deal(np.array([5, 4, 3, 2, 1, 0]), np.array([2.0, 1.0]))
    assert (a.tolist(), b.tolist()) == ([0, 2, 3, 5], [1, 4])
    hands = deal(np.arange(7), np.ones(3))
    assert [h.tolist() for h in hands] == [[0, 3, 6], [1, 4], [2, 5]]


def coach_and_teacher(**coach_plan: Any) -> dict[str, Any]:
    """One coach and one teacher, no other friction: coaching arithmetic is exact."""
    plan = {
        "coach": "coach",
        "coachees": ["teacher"],
        "scope": "school",
        "observations_per_week": 5,
        "observation_minutes": 20,
        "feedback_minutes": 15,
        "feedback_window_days": 0,
    }
    plan.update(coach_plan)
    return {
        "name": "coaching",
        "calendar": {"school_days": 100},
        "roles": {
            "teacher": {"homeroom": True, "is_teacher": True, "schedule": {"instruction": 300}},
            "coach": {"schedule": {"coaching": 35}},
        },
        "schools": [
            {
                "enrollment": 20,
                "classrooms": 1,
                "need_tiers": [{"name": "all", "share": 1.0}],
                "teams": [{"name": "class", "members": {"teacher": 1}}],
                "staff": {"coach": 1},
            }
        ],
        "coaching": [plan],
    }


def test_observations_need_both_coach_and_coachee_present() -> None:
    for absent, reason in (("teacher", "coachee_absent"), ("coach", "coach_absent")):
        d = coach_and_teacher()
        d["roles"][absent]["absence_rate"] = 1.0
        result = simulate.run(build(d), seed=1)
        obs = result.ledger[result.ledger.activity == "observation"]
        assert obs[obs.outcome == "lost"].detail.unique().tolist() == [reason]
        assert obs.amount.sum() == 100  # daily observations planned for 100 days, all lost


def test_feedback_waits_when_the_coach_runs_out_of_time() -> None:
    """35 coaching minutes a day fit an observation and its feedback: latency 0, all on time.
    With 20 minutes, the feedback waits for the next day, whose observation then waits a day
    and stands for the one due after it: every other day an observation, feedback a day late
    (on time in a one-day window, late in a window of 0 days, and given all the same)."""
    full = simulate.run(build(coach_and_teacher()), seed=1)
    assert full.value("coaching.observations_per_teacher_week", "realized") == 5.0
    assert full.value("coaching.feedback_latency_days", "mean") == 0.0
    assert full.value("coaching.feedback_on_time_share", "value") == 1.0
    d = coach_and_teacher(feedback_window_days=1)
    d["roles"]["coach"]["schedule"] = {"coaching": 20}
    short = simulate.run(build(d), seed=1)
    assert short.value("coaching.observations_per_teacher_week", "realized") == 2.5
    assert short.value("coaching.feedback_latency_days", "mean") == 1.0
    assert short.value("coaching.feedback_on_time_share", "value") == 1.0
    d["coaching"][0]["feedback_window_days"] = 0
    late = simulate.run(build(d), seed=1)
    assert late.value("coaching.observations_per_teacher_week", "realized") == 2.5
    assert late.value("coaching.feedback_latency_days", "mean") == 1.0
    assert late.value("coaching.feedback_on_time_share", "value") == 0.0
    assert late.value("coaching.feedback_lost", "count") <= 1  # the year's last, at most
    lost = short.ledger[(short.ledger.activity == "observation") & (short.ledger.outcome == "lost")]
    assert lost.detail.unique().tolist() == ["capacity"]
    assert lost.amount.sum() == 50  # 100 due, 50 made
    assert_balanced(short, 100)


def ten_teachers(coaching_minutes: int, coaches: int = 1) -> dict[str, Any]:
    """Coaches who share ten teachers to observe weekly (20 + 15 minutes each, a two-day
    window); 100 school days, so each teacher has exactly 20 observations due."""
    d = coach_and_teacher(observations_per_week=1, feedback_window_days=2)
    d["schools"][0].update(enrollment=200, classrooms=10, staff={"coach": coaches})
    d["schools"][0]["teams"] = [{"name": "class", "members": {"teacher": 1}, "count": 10}]
    d["roles"]["coach"]["schedule"] = {"coaching": coaching_minutes}
    return d


def overloaded_coach(coaching_minutes: int, coaches: int = 1) -> simulate.Result:
    return simulate.run(build(ten_teachers(coaching_minutes, coaches)), seed=1)


def test_an_overloaded_coach_observes_less_and_gives_feedback_late() -> None:
    """Observations and feedback take the same minutes in the order the work arose: with time
    for all (70 minutes a day, 350 a week for 10 x 35 due), every observation is made and its
    feedback comes the same day; with 50, observations wait and some are missed, and the
    feedback on those made waits behind them, past the window."""
    enough = overloaded_coach(70)
    assert enough.value("coaching.observations_per_teacher_week", "realized") == 1.0
    assert enough.value("coaching.feedback_on_time_share", "value") == 1.0
    busy = overloaded_coach(50)
    realized = busy.value("coaching.observations_per_teacher_week", "realized")
    assert 0.5 < realized < 0.8
    assert busy.value("coaching.feedback_latency_days", "mean") > 2
    assert busy.value("coaching.feedback_on_time_share", "value") < 0.5
    assert_balanced(busy, 200)


def test_school_wide_coaches_share_the_teachers_out_in_roster_order() -> None:
    """Under a school-wide plan two coaches split the ten teachers five and five (the first
    five on the roster and the last five), and each teacher's observations due are those one
    coach would have: a second coach halves the caseload, not doubles the observations."""

    def books(coaches: int) -> tuple[list[list[int]], dict[int, int]]:
        engine = Engine(build(ten_teachers(70, coaches)), seed=1).run()
        book = engine.module(Coaching).desks[0].book
        due: Counter[int] = Counter()
        for coachee, times in zip(book.coachee.tolist(), book.due.tolist(), strict=True):
            due[coachee] += times
        spans = [book.first[k, [0, -1]] for k in range(book.coaches.size)]
        return [sorted(set(book.coachee[lo:hi].tolist())) for lo, hi in spans], due

    teachers = list(range(10))  # the teams' adults come first on the roster
    one, due_one = books(1)
    two, due_two = books(2)
    assert one == [teachers]
    assert two == [teachers[:5], teachers[5:]]
    assert due_one == due_two == dict.fromkeys(teachers, 20)


def test_a_second_coach_gives_an_overloaded_coachs_teachers_their_feedback_on_time() -> None:
    """50 coaching minutes a day cannot hold ten teachers' weekly 35 minutes (see above); two
    coaches of 50 minutes, five teachers each, observe every teacher weekly, feedback the same
    day."""
    alone = overloaded_coach(50)
    assert alone.value("coaching.feedback_on_time_share", "value") < 0.5
    shared = overloaded_coach(50, coaches=2)
    assert shared.value("coaching.observations_per_teacher_week", "planned") == 1.0
    assert shared.value("coaching.observations_per_teacher_week", "realized") == 1.0
    assert shared.value("coaching.feedback_on_time_share", "value") == 1.0
    assert shared.value("coaching.feedback_latency_days", "mean") == 0.0
    obs = shared.ledger[shared.ledger.activity == "observation"]
    assert obs[obs.outcome == "delivered"].amount.sum() == obs.amount.sum() == 200


def assert_balanced(result: simulate.Result, due: int) -> None:
    """Every observation due (the plan's rate over the 20 weeks) is made or lost, once."""
    obs = result.ledger[result.ledger.activity == "observation"]
    assert set(obs.outcome) == {"delivered", "lost"}
    assert obs.amount.sum() == due


class LatePool(SubstitutePool):
    """A pool that closes half an hour after call-in and fills every request it is asked."""

    def closes(self, today):  # type: ignore[no-untyped-def]
        return self.env.timeout(30)

    def took(self, request, day):  # type: ignore[no-untyped-def]
        return True


def test_the_desk_waits_for_the_pool_and_sends_only_what_it_leaves_down_the_cascade(
    monkeypatch,
) -> None:
    """The substitute pool is a seam (a market can replace it): the coverage desk waits for
    it to close (at the bell), and the cascade covers only what it did not fill. With a pool
    that fills everything, no tutor covers and no class goes uncovered; with the daily pool of
    none, tutors cover every absence."""
    monkeypatch.setattr(coverage, "SubstitutePool", LatePool)
    result = simulate.run(build(pair_school(0.2)), seed=3)
    assert result.value("coverage.substitute_fill_rate", "value") == 1.0
    assert lost_share(result, "small_group", "tutor", "coverage") == 0.0
    monkeypatch.undo()
    result = simulate.run(build(pair_school(0.2)), seed=3)
    assert result.value("coverage.substitute_fill_rate", "value") == 0.0
    assert lost_share(result, "small_group", "tutor", "coverage") > 0.1


def test_a_colleague_covers_one_class_at_a_time() -> None:
    """Two teachers absent every day, one tutor on the school's staff who may cover: the tutor
    is held by the first class until it ends, so the second class goes uncovered."""
    d = pair_school(1.0, teams=2)
    d["schools"][0]["teams"][0]["members"] = {"teacher": 1}
    d["schools"][0]["staff"] = {"tutor": 1}
    result = simulate.run(build(d), seed=1)
    instruction = result.ledger[result.ledger.activity == "instruction"]
    by_tutor = instruction[instruction.detail == "tutor"].amount.sum()
    uncovered = instruction[instruction.detail == "uncovered"].amount.sum()
    assert by_tutor == uncovered == 180 * 300


def drilled(days: int, minutes: int, absent: float = 0.0) -> dict[str, Any]:
    """One classroom, no other friction, a teacher absent with chance `absent` and covered by
    the school's coach, and `days` drills of `minutes` a year."""
    d = frictionless(data("traditional"))
    d["schools"][0] |= {"enrollment": 20, "classrooms": 1, "staff": {"building_coach": 1}}
    d["schools"][0]["teams"] = [{"name": "class", "members": {"teacher": 1}}]
    d["roles"]["teacher"]["absence_rate"] = absent
    d["coverage"] = {"needs_cover": ["teacher"], "cascade": ["building_coach"]}
    d["substitutes"] = {"pool": 0, "fill_priority": []}
    d["calendar"]["drills"] = {"days": days, "minutes": minutes}
    return d


def test_drills_take_their_minutes_from_every_class_and_nothing_else() -> None:
    """Ten drills of 15 minutes: each class loses 150 minutes of instruction a year, booked as
    lost to drills, and each student present 150 minutes less instruction than the schedule."""
    scenario = build(drilled(10, 15))
    engine = Engine(scenario, seed=1).run()
    ledger = engine.ledger()
    assert ledger.total("instruction", "lost", detail="drill") == 150
    assert {detail for (_, _, out, detail) in ledger.amounts if out == "lost"} <= {
        "drill",
        "unused",
        "capacity",
    }
    planned = 180 * scenario.roles["teacher"].schedule["instruction"]
    assert (yearview.received(engine)["instruction"] == planned - 150).all()
    result = simulate.run(scenario, seed=1)
    assert result.value("drills.instruction_minutes_per_classroom", "value") == 150
    assert lost_share(result, "instruction", "teacher", "drill") == pytest.approx(150 / planned)


def test_a_covered_class_loses_the_drill_too() -> None:
    """A teacher absent every day, her class covered by the coach: the drill still takes its
    minutes from the class, and the coach teaches the rest."""
    engine = Engine(build(drilled(4, 20, absent=1.0)), seed=2).run()
    ledger = engine.ledger()
    planned = 180 * engine.scenario.roles["teacher"].schedule["instruction"]
    assert ledger.total("instruction", "lost", detail="drill") == 80
    assert ledger.total("instruction", "delivered", detail="building_coach") == planned - 80


def test_without_drills_nothing_is_taken_and_no_figure_is_shown() -> None:
    result = simulate.run(build(drilled(0, 15)), seed=1)
    assert not (result.ledger.detail == "drill").any()
    assert "drills.instruction_minutes_per_classroom" not in set(result.metrics.metric)


def test_drill_days_are_the_same_in_every_arrangement() -> None:
    def days(name: str) -> list[set[int]]:
        d = data(name)
        d["calendar"]["drills"] = {"days": 8, "minutes": 10}
        return Engine(build(d), seed=5).module(Drills).days

    assert days("traditional") == days("mcl_teams")
    assert len(days("traditional")[0]) == 8
