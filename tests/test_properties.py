"""Invariants of `simulate.run` on random valid scenarios (hypothesis).

Each generated scenario is small (a few classrooms, at most 40 school days) but varies every
knob the engine reads: enrollment, teams and classrooms, schedules, group sizes, absence and
attrition rates, substitutes, cascade order, closures, testing windows, drills, station
rotations with scarce devices, resident ramps. Expected figures are computed here from the
scenario alone.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

import numpy as np
import yearview
from conftest import build
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simulate
from simulate.budget.items import positions
from simulate.engine.core import Engine
from simulate.measures.catalogue import measure
from simulate.schema.model import ACTIVITIES, Scenario

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same examples on every run and in CI
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ROLES = ("teacher", "leader", "tutor", "resident", "coach")
RATES = st.sampled_from([0.0, 0.0, 0.02, 0.1, 0.5, 1.0])


def minutes(low: int = 0, high: int = 120) -> st.SearchStrategy[int]:
    return st.integers(low, high)


@st.composite
def schedules(draw: st.DrawFn, activities: tuple[str, ...]) -> dict[str, int]:
    return {a: draw(minutes()) for a in activities if draw(st.booleans())}


@st.composite
def roles(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    teach = ("instruction", "small_group", "planning", "collaboration")
    shapes = {
        "teacher": dict(homeroom=True, is_teacher=True, salary=60000),
        "leader": dict(leads_team=True, is_teacher=True, salary=70000, supplement=10000),
        "tutor": dict(hourly_wage=draw(st.sampled_from([0, 18, 22.5])), hours_per_day=7),
        "resident": dict(stipend=24000, homeroom=draw(st.booleans())),
        "coach": dict(salary=65000),
    }
    activities = {
        "teacher": teach,
        "leader": (*teach, "coaching"),
        "tutor": ("small_group", "supervision", "planning"),
        "resident": teach,
        "coach": ("coaching", "planning", "supervision"),
    }
    for name in ROLES:
        role = dict(shapes[name])
        role["schedule"] = draw(schedules(activities[name]))
        if name in ("leader", "coach"):  # coaches need coaching minutes to be coaches
            role["schedule"]["coaching"] = draw(minutes(15, 150))
        role["group_size"] = draw(st.integers(1, 8))
        role["absence_rate"] = draw(RATES)
        role["attrition_rate"] = draw(RATES)
        if name == "resident" and draw(st.booleans()):
            duties = (*ACTIVITIES, "coverage")
            role["ramp"] = [
                {
                    "from_week": draw(st.integers(1, 8)),
                    "duties": draw(st.lists(st.sampled_from(duties), max_size=4, unique=True)),
                }
                for _ in range(draw(st.integers(1, 3)))
            ]
        out[name] = role
    return out


@st.composite
def schools(draw: st.DrawFn, resident_homeroom: bool) -> dict[str, Any]:
    teams = []
    for k in range(draw(st.integers(1, 2))):
        rooms = draw(st.integers(1, 3))
        counts = {role: draw(st.integers(0, 1)) for role in ("leader", "tutor", "resident")}
        held = counts["resident"] if resident_homeroom else 0  # residents may hold a class
        counts["teacher"] = draw(st.integers(max(rooms - held, 0), rooms + 1))
        # the order of members decides who gets the classrooms first
        order = draw(st.permutations(sorted(counts)))
        members = {role: counts[role] for role in order if counts[role]}
        teams.append(
            {
                "name": f"team {k}",
                "count": draw(st.integers(1, 2)),
                "classrooms": rooms,
                "members": members,
                "shares_students": draw(st.booleans()),
                "specialized": draw(st.booleans()),
            }
        )
    classrooms = sum(t["count"] * t["classrooms"] for t in teams)
    parts = draw(st.lists(st.integers(1, 10), min_size=1, max_size=3))
    tiers = [
        {
            "name": f"tier{i}",
            "share": p / sum(parts),
            "dosage_minutes_per_week": draw(minutes(0, 150)),
        }
        for i, p in enumerate(parts)
    ]
    tiers[-1]["share"] = 1 - sum(t["share"] for t in tiers[:-1])
    school: dict[str, Any] = {
        "name": "S",
        "copies": draw(st.integers(1, 2)),
        "enrollment": draw(st.sampled_from([0, 1, 7, 25, 80, 150])),
        "classrooms": classrooms,
        "need_tiers": tiers,
        "teams": teams,
        "staff": {"coach": draw(st.integers(0, 1)), "tutor": draw(st.integers(0, 1))},
    }
    if draw(st.booleans()):
        kinds = st.sampled_from(["small_group", "online", "collaborative", "whole_group"])
        school["rotation"] = {
            "blocks_per_day": draw(st.integers(0, 2)),
            "waves": draw(st.integers(1, 3)),
            "stations": [
                {"kind": draw(kinds), "minutes": draw(st.integers(1, 30))}
                for _ in range(draw(st.integers(1, 3)))
            ],
        }
        if any(s["kind"] == "online" for s in school["rotation"]["stations"]):
            school["devices"] = draw(st.one_of(st.none(), st.integers(0, 60)))
    return school


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    days = draw(st.integers(1, 40))
    off = draw(st.lists(st.integers(0, days - 1), max_size=min(5, days - 1), unique=True))
    windows = []
    for _ in range(draw(st.integers(0, 2))):
        start = draw(st.integers(0, days - 1))
        windows.append(
            {
                "start_day": start,
                "days": draw(st.integers(1, days - start)),
                "cancels": draw(
                    st.lists(st.sampled_from(["small_group", "coaching"]), unique=True)
                ),
            }
        )
    role_specs = draw(roles())
    cascade = draw(st.lists(st.sampled_from([*ROLES, "split"]), unique=True, max_size=4))
    plans = []
    for coach in draw(st.lists(st.sampled_from(["leader", "coach"]), unique=True)):
        plans.append(
            {
                "coach": coach,
                "coachees": draw(
                    st.lists(
                        st.sampled_from(["teacher", "resident", "leader"]), min_size=1, unique=True
                    )
                ),
                "scope": draw(st.sampled_from(["team", "school"])),
                "observations_per_week": draw(st.sampled_from([0, 0.5, 1, 2, 5])),
                "observation_minutes": draw(st.integers(1, 40)),
                "feedback_minutes": draw(st.integers(0, 30)),
                "feedback_window_days": draw(st.integers(0, 5)),
            }
        )
    return {
        "name": "generated",
        "calendar": {
            "school_days": days,
            "days_per_week": draw(st.integers(1, 7)),
            "non_instructional_days": off,
            "testing_windows": windows,
            "closure_rate": draw(st.sampled_from([0.0, 0.05, 0.5, 1.0])),
            "drills": {
                "days": draw(st.sampled_from([0, 0, 3, 60])),
                "minutes": draw(st.integers(0, 90)),
            },
        },
        "roles": role_specs,
        "schools": draw(
            st.lists(schools(role_specs["resident"]["homeroom"]), min_size=1, max_size=2)
        ),
        "coaching": plans,
        "small_groups": {
            "session_minutes": draw(st.integers(5, 60)),
            "regroup_every_days": draw(st.integers(1, 20)),
            "max_sessions_per_student_per_day": draw(st.integers(1, 3)),
        },
        "absences": {
            "mean_extra_days": draw(st.sampled_from([0, 0.5, 3])),
            "max_days": draw(st.integers(1, 10)),
        },
        "substitutes": {
            "pool": draw(st.integers(0, 12)),
            "daily_rate": draw(st.sampled_from([0, 130, 133.33])),
            "long_term_daily_rate": 180,
            "fill_priority": draw(st.lists(st.sampled_from(ROLES), unique=True, max_size=3)),
        },
        "coverage": {
            "needs_cover": draw(st.lists(st.sampled_from(ROLES), unique=True, max_size=3)),
            "cascade": cascade,
            "vacancy_cover": draw(st.sampled_from(["long_term_substitute", "cascade"])),
            "hiring_delay_days": draw(st.integers(0, 40)),
        },
        "budget": {
            "benefits_rate": draw(st.sampled_from([0, 0.3, 0.4123])),
            "software_per_student": draw(st.sampled_from([0, 7.77, 30])),
            "devices": {
                "unit_cost": draw(st.sampled_from([0, 299.99])),
                "life_years": draw(st.integers(1, 5)),
            },
            "one_off": [{"name": "launch", "amount": 12345.67}],
        },
    }


def instructional_weeks(scenario: Scenario) -> np.ndarray:
    """The 1-based instructional week of every instructional day, from the calendar alone."""
    cal = scenario.calendar
    count = cal.school_days - len(set(cal.non_instructional_days))
    return np.arange(count) // cal.days_per_week + 1


def planned_from_schedules(scenario: Scenario) -> dict[tuple[str, str], float]:
    """Planned minutes per (activity, role): schedule x instructional days x positions."""
    weeks = instructional_weeks(scenario)
    out: dict[tuple[str, str], float] = {}
    for role_name, n in positions(scenario).items():
        role = scenario.roles[role_name]
        for activity, m in role.schedule.items():
            days = sum(activity in role.duties_in_week(int(w)) for w in weeks)
            if m and n and days:
                out[(activity, role_name)] = float(m * days * n)
    online = 0.0
    for school in scenario.schools:
        if school.rotation is not None:
            station = sum(s.minutes for s in school.rotation.stations if s.kind == "online")
            online += school.enrollment * school.copies * school.rotation.blocks_per_day * station
    if online * len(weeks):
        out[("online", "student")] = online * len(weeks)
    return out


@SETTINGS
@given(spec=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_ledger_planned_equals_delivered_plus_lost_equals_the_schedules(
    spec: dict[str, Any], seed: int
) -> None:
    scenario = build(spec)
    result = simulate.run(scenario, seed=seed)
    ledger = result.ledger[result.ledger.activity != "observation"]
    assert (result.ledger.amount >= 0).all()
    assert set(ledger.outcome) <= {"delivered", "lost"}
    booked = ledger.groupby(["activity", "role"])["amount"].sum().to_dict()
    booked = {k: v for k, v in booked.items() if v}
    assert booked == planned_from_schedules(scenario)
    # the ledger rows in the metrics table say the same: planned = delivered + lost + unused
    rows = result.metrics[result.metrics.metric == "ledger"]
    stats = rows.set_index(["group", "statistic"])
    for activity in {a for a, _ in booked}:
        group = f"activity={activity}"
        if activity == "observation":
            continue
        planned = stats.loc[(group, "planned"), "value"]
        delivered = (
            stats.loc[(group, "delivered"), "value"] if (group, "delivered") in stats.index else 0.0
        )
        lost = stats.loc[(group, "lost"), "value"] if (group, "lost") in stats.index else 0.0
        unused = stats.loc[(group, "unused"), "value"] if (group, "unused") in stats.index else 0.0
        assert planned == delivered + lost + unused
        assert planned == sum(v for (a, _), v in booked.items() if a == activity)


@SETTINGS
@given(spec=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_budget_line_items_sum_to_the_total_to_the_cent(spec: dict[str, Any], seed: int) -> None:
    scenario = build(spec)
    result = simulate.run(scenario, seed=seed)
    summary = result.summary()
    items = result.line_items
    assert all(i.amount >= 0 and i.amount == i.amount.quantize(Decimal("0.01")) for i in items)
    total = sum((i.amount for i in items), Decimal(0))
    assert Decimal(str(summary["budget"]["year1_total"])) == total
    listed = sum((Decimal(str(i["amount"])) for i in summary["budget"]["line_items"]), Decimal(0))
    assert listed == total
    table = sum((Decimal(str(a)) for a in result.budget["amount"]), Decimal(0))
    assert table == total
    numbers = result.budget.select_dtypes("number").to_numpy(dtype=float)
    assert np.isfinite(numbers).all() and (numbers >= 0).all()


@SETTINGS
@given(spec=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_per_student_minutes_are_within_the_school_day(spec: dict[str, Any], seed: int) -> None:
    scenario = build(spec)
    engine = Engine(scenario, seed).run()
    open_days = int((engine.days.instructional & ~engine.days.closed).sum())
    rules = scenario.small_groups
    for school in engine.schools:
        received = np.column_stack(list(yearview.received(engine, school.number).values()))
        assert (received >= 0).all()
        homeroom = [r.schedule.get("instruction", 0) for r in scenario.roles.values() if r.homeroom]
        rotation = school.spec.rotation
        online = 0
        if rotation is not None:
            online = rotation.blocks_per_day * sum(
                s.minutes for s in rotation.stations if s.kind == "online"
            )
        limits = np.array(
            [
                max(homeroom, default=0),
                max(
                    (t.session_minutes or rules.session_minutes)
                    * (t.max_sessions_per_day or rules.max_sessions_per_student_per_day)
                    for t in school.spec.need_tiers
                ),
                online,
            ],
            dtype=float,
        )
        assert (received <= limits * open_days + 1e-9).all()
        assert (received.sum(axis=1) <= 1440 * open_days).all()


@SETTINGS
@given(spec=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_metrics_are_finite_non_negative_and_deterministic(spec: dict[str, Any], seed: int) -> None:
    scenario = build(spec)
    first = simulate.run(scenario, seed=seed, replications=2)
    values = first.metrics["value"].to_numpy(dtype=float)
    assert np.isfinite(values).all()
    signed = first.metrics.metric.map(lambda m: measure(m).signed).to_numpy(dtype=bool)
    negative = (values < 0) & ~signed  # only an estimated effect may be negative
    assert not negative.any(), first.metrics[negative].to_string()
    stats = first.stats[["value", "ci_low", "ci_high"]].to_numpy(dtype=float)
    assert np.isfinite(stats).all()
    text = json.dumps(first.summary(), sort_keys=True, allow_nan=False)
    again = simulate.run(build(spec), seed=seed, replications=2)
    assert json.dumps(again.summary(), sort_keys=True, allow_nan=False) == text
    assert not any(math.isnan(x) for x in first.ledger["amount"])


def test_a_covered_class_books_only_the_instruction_its_ramp_allows() -> None:
    """A homeroom resident absent every day, allowed to teach only from week 2 of 2."""
    spec = {
        "name": "ramp",
        "calendar": {"school_days": 10, "days_per_week": 5},
        "roles": {
            "resident": {
                "homeroom": True,
                "schedule": {"instruction": 100, "planning": 30},
                "absence_rate": 1.0,
                "ramp": [
                    {"from_week": 1, "duties": ["planning"]},
                    {"from_week": 2, "duties": ["instruction", "planning"]},
                ],
            }
        },
        "schools": [
            {
                "enrollment": 10,
                "classrooms": 1,
                "need_tiers": [{"name": "all", "share": 1}],
                "teams": [{"name": "t", "members": {"resident": 1}}],
            }
        ],
    }
    for cover in ({"cascade": []}, {"cascade": [], "needs_cover": ["resident"]}):
        scenario = build({**spec, "coverage": cover})
        result = simulate.run(scenario, seed=0)
        booked = result.ledger.groupby(["activity", "role"])["amount"].sum().to_dict()
        assert (
            booked
            == planned_from_schedules(scenario)
            == {
                ("instruction", "resident"): 500.0,
                ("planning", "resident"): 300.0,
            }
        )
