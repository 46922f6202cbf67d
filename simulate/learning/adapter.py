"""What the learning estimate reads from a finished engine: `Delivered` (estimate.py) and the
cost of small-group time, built from the results the engine's modules declare.

One approximation, though the engine now declares each student's small-group minutes by the
leader's role and by the students in the session (engine.modules.small_groups): a student's
minutes are split by role in the proportions its school's small groups were delivered, and a
session's size is its tier's group size capped by the role's. Everything else (sessions, days
absent, class size, each teacher's observations and absences, days on a led team) is read
exactly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from simulate.engine.core import Engine
from simulate.engine.ledger import Ledger
from simulate.engine.modules.coaching import Coaching
from simulate.engine.modules.small_groups import SmallGroups
from simulate.engine.roster import NO_TEAM, Roster
from simulate.learning.estimate import ALL, Delivered, Source, exposures, group_means, tutored
from simulate.schema.model import Scenario


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
    led = grouped.by_role_student[school.number].sum(axis=0).tolist()
    by_role = {r: m for r, m in zip(grouped.roles[school.number], led, strict=True) if m}
    total = sum(by_role.values())
    small_group: defaultdict[Source, np.ndarray] = defaultdict(lambda: np.zeros(n))
    for role, minutes in by_role.items():
        if not minutes:
            continue
        share = minutes / total
        kind = _kind(scenario, role)
        size = np.minimum(tiers.group_size[students.tier], scenario.roles[role].group_size)
        own = _on_team(school, role)[students.team]
        for one, team in ((True, True), (True, False), (False, True), (False, False)):
            mask = ((size == 1) == one) & (own == team)
            if mask.any():
                small_group[Source(kind, one, team)] += np.where(mask, received * share, 0.0)
    teachers = [a for a in school.adults if a.homeroom >= 0]
    student, teacher, weight = [], [], []
    for k, adult in enumerate(teachers):
        taught, share = school.taught_by(adult)
        who = np.arange(n)[taught]
        student.append(who)
        teacher.append(np.full(who.size, k))
        weight.append(np.full(who.size, share))
    s = np.concatenate(student) if student else np.zeros(0, dtype=np.int64)
    w = np.concatenate(weight) if weight else np.zeros(0)
    per_student = np.bincount(s, w, minlength=n)
    w = w / np.where(per_student[s] > 0, per_student[s], 1.0)  # each student's weights add to 1
    observations = engine.module(Coaching).results().observed[school.number]
    observed = [observations.get(a.index) for a in teachers]
    return Delivered(
        tier=np.array(tiers.names, dtype=object)[students.tier],
        sessions_per_week=sessions,
        small_group=dict(small_group),
        led_share=_led_share(school, open_days)[students.team],
        class_size=np.bincount(students.classroom, minlength=school.spec.classrooms)[
            students.classroom
        ].astype(float),
        days_absent=students.absent[open_days].sum(axis=0).astype(float),
        observations_per_week=np.array(
            [float(o.sum()) / weeks if o is not None else 0.0 for o in observed]
        ),
        teacher_absence_days=np.array(
            [float((a.absent & ~a.vacant & open_days).sum()) for a in teachers]
        ),
        links=(s, np.concatenate(teacher) if teacher else np.zeros(0, dtype=np.int64), w),
    )


def _kind(scenario: Scenario, role: str) -> str:
    """The kind of tutor a role is: as the scenario says, else teacher or paraprofessional."""
    named = scenario.learning.tutors.get(role)
    if named is not None:
        return named
    return "teacher" if scenario.roles[role].is_teacher else "paraprofessional"


def _on_team(school: Roster, role: str) -> np.ndarray:
    """Per team of the school: whether the role holds a position on it."""
    teams = np.zeros(len(school.team_rooms), dtype=bool)
    for adult in school.adults:
        if adult.role_name == role and adult.team != NO_TEAM:
            teams[adult.team] = True
    return teams


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
    its scheduled day that is small groups [assumption: cost follows the schedule]."""
    cost = 0.0
    for name, amount in cost_by_role.items():
        schedule = scenario.roles[name].schedule
        day = sum(schedule.values())
        if day:
            cost += amount * schedule.get("small_group", 0) / day
    return cost


def small_group_hours(ledger: Ledger) -> tuple[float, float]:
    """Adult hours of small groups in the year: scheduled (planned) and delivered."""
    planned = ledger.total("small_group") / 60.0
    delivered = ledger.total("small_group", "delivered") / 60.0
    return planned, delivered
