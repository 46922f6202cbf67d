"""What the learning estimate reads from a finished engine: `Delivered` (estimate.py) and the
cost of small-group time, built from the results the engine's modules declare, all read
exactly: each student's small-group minutes by who led the session (the role, and whether it
leads on the student's team) and whether the session seated that student alone
(engine.modules.small_groups), its sessions, days absent, class size, each teacher's
observations and absences, and days on a led team.

A school with a period day (a middle or high school) links its students to no teacher: its
students are not yet tied to the teachers of their sections, and its "classrooms" are cohorts
of a grade. There the estimate counts tutoring and students' absences only; coaching, team
leadership, teachers' absences and class size count nothing (`NOT_LINKED`, said in the report
and the app), and class size is held at the estimate's reference class rather than read from
a cohort of hundreds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulate.engine.core import Engine
from simulate.engine.ledger import Ledger
from simulate.engine.modules.attendance import StudentAttendance
from simulate.engine.modules.availability import Availability
from simulate.engine.modules.coaching import Coaching
from simulate.engine.modules.small_groups import SmallGroups
from simulate.engine.roster import Roster
from simulate.learning.estimate import (
    ALL,
    STAR_REGULAR,
    Delivered,
    Source,
    exposures,
    group_means,
    tutored,
)
from simulate.schema.model import Scenario

NOT_LINKED = (
    "In a middle or high school the estimate counts tutoring and students' absences only: the "
    "model does not yet link a student to the teachers of its sections, so coaching, "
    "multi-classroom leadership, teachers' absences and class size count nothing here. A zero "
    "for them means not estimated, not no effect. Most of the evidence comes from elementary "
    "schools (docs/outcomes.md)."
)


def not_linked(scenario: Scenario) -> str:
    """What the estimate leaves out for this scenario's schools, in words ('' if nothing)."""
    return NOT_LINKED if any(s.periods is not None for s in scenario.schools) else ""


@dataclass(frozen=True)
class Year:
    """What one simulated year gives the learning estimate: mean exposures by group (all, and
    tier=<name>) and the share of each group at the tutoring threshold."""

    inputs: dict[str, tuple[float, ...]]
    tutored: dict[str, float]


def year(engine: Engine) -> Year:
    """The learning inputs of one finished year."""
    delivered = delivered_by(engine)
    settings = engine.scenario.learning
    means = group_means(delivered, exposures(delivered, settings))
    on = tutored(delivered, settings)
    shares = {ALL: float(on.mean()) if on.size else 0.0}
    for group in means:
        if group != ALL:
            shares[group] = float(on[delivered.tier == group.removeprefix("tier=")].mean())
    return Year({g: tuple(float(v) for v in m) for g, m in means.items()}, shares)


def delivered_by(engine: Engine) -> Delivered:
    """Every school of the run as one Delivered (students and teachers numbered across schools)."""
    parts = [_school(engine, school) for school in engine.schools]
    offset = 0
    links: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    teacher_base = 0
    for part in parts:
        student, teacher, weight = part.links
        links.append((student + offset, teacher + teacher_base, weight))
        offset += part.count
        teacher_base += part.observations_per_week.size
    sources = sorted({s for p in parts for s in p.small_group}, key=repr)

    def joined(get: str) -> np.ndarray:
        arrays = [getattr(p, get) for p in parts]
        return np.concatenate(arrays) if arrays else np.zeros(0)

    return Delivered(
        tier=joined("tier"),
        sessions_per_week=joined("sessions_per_week"),
        small_group={
            s: np.concatenate([p.small_group.get(s, np.zeros(p.count)) for p in parts])
            for s in sources
        },
        led_share=joined("led_share"),
        class_size=joined("class_size"),
        days_absent=joined("days_absent"),
        observations_per_week=joined("observations_per_week"),
        teacher_absence_days=joined("teacher_absence_days"),
        links=tuple(np.concatenate([link[k] for link in links]) for k in range(3)),  # type: ignore[arg-type]
    )


def _school(engine: Engine, school: Roster) -> Delivered:
    scenario = engine.scenario
    days = engine.days
    weeks = days.weeks or 1.0
    open_days = days.instructional & ~days.closed
    students = school.students
    n = students.count
    grouped = engine.module(SmallGroups).results()
    tiers = grouped.tiers[school.number]
    received = grouped.minutes[school.number]
    sessions = received / tiers.session[students.tier] / weeks
    by_leader = grouped.by_leader[school.number]  # students x leaders x sizes
    small_group: dict[Source, np.ndarray] = {}
    for k, (role, on_team) in enumerate(grouped.leaders[school.number]):
        kind = tutor_kind(scenario, role)
        alone, with_others = by_leader[:, k, 0], by_leader[:, k, 1:].sum(axis=1)
        for one, minutes in ((True, alone), (False, with_others)):
            if minutes.any():
                source = Source(kind, one, on_team)
                small_group[source] = small_group.get(source, np.zeros(n)) + minutes
    teachers = [a for a in school.adults if a.homeroom >= 0]
    taught = [school.taught_by(adult) for adult in teachers]  # (their students, share) each
    everyone = np.arange(n)
    student = [everyone[rows] for rows, _ in taught]
    counts = [who.size for who in student]
    s = np.concatenate(student) if student else np.zeros(0, dtype=np.int64)
    t = np.repeat(np.arange(len(teachers)), counts)
    w = np.repeat(np.array([share for _, share in taught], dtype=float), counts)
    per_student = np.bincount(s, w, minlength=n)
    w = w / np.where(per_student[s] > 0, per_student[s], 1.0)  # each student's weights add to 1
    observations = engine.module(Coaching).results().observed[school.number]
    missed = engine.module(StudentAttendance).results()
    away = engine.module(Availability).results().absence_days[school.number]
    observed = [observations.get(a.index) for a in teachers]
    sizes = np.bincount(students.classroom, minlength=school.spec.classrooms)[students.classroom]
    if school.timetable is not None:  # classrooms are cohorts, not classes: not counted
        sizes = np.full(n, STAR_REGULAR)
    return Delivered(
        tier=np.array(tiers.names, dtype=object)[students.tier],
        sessions_per_week=sessions,
        small_group=small_group,
        led_share=_led_share(school, open_days)[students.team],
        class_size=sizes.astype(float),
        days_absent=missed.days_absent[school.number].astype(float),
        observations_per_week=np.array(
            [float(o.sum()) / weeks if o is not None else 0.0 for o in observed]
        ),
        teacher_absence_days=away[[a.index for a in teachers]].astype(float),
        links=(s, t, w),
    )


def tutor_kind(scenario: Scenario, role: str) -> str:
    """The kind of tutor a role is: as the scenario says, else teacher or paraprofessional."""
    named = scenario.learning.tutors.get(role)
    if named is not None:
        return named
    return "teacher" if scenario.roles[role].is_teacher else "paraprofessional"


def _led_share(school: Roster, open_days: np.ndarray) -> np.ndarray:
    """Per team: the share of open school days its multi-classroom leader was in post."""
    out = np.zeros(len(school.team_rooms))
    days = max(int(open_days.sum()), 1)
    for team in range(len(school.team_rooms)):
        leaders = [a for a in school.adults if a.role.leads_team and a.team == team]
        if leaders:
            in_post = np.any([~a.vacant for a in leaders], axis=0) & open_days
            out[team] = float(in_post.sum()) / days
    return out


def small_group_cost(scenario: Scenario, cost_by_role: dict[str, float]) -> float:
    """The recurring cost of small-group time: each role's recurring cost times the share of
    its planned day that is small groups [assumption: cost follows the plan]. A role's day is
    its schedule's minutes, or, for a role of a school with a period day (no minutes), its
    periods: a tutor tutoring six of seven periods is six sevenths small-group time."""
    cost = 0.0
    for name, amount in cost_by_role.items():
        role = scenario.roles[name]
        plan = role.schedule if sum(role.schedule.values()) else role.periods
        day = sum(plan.values())
        if day:
            cost += amount * plan.get("small_group", 0) / day
    return cost


def small_group_hours(ledger: Ledger) -> tuple[float, float]:
    """Adult hours of small groups in the year: scheduled (planned) and delivered."""
    planned = ledger.total("small_group") / 60.0
    delivered = ledger.total("small_group", "delivered") / 60.0
    return planned, delivered
