"""Warnings for valid but implausible input: never silent, never fatal (unless asked).

A scenario can pass every rule of the schema and still describe something no school has (40
students to a homeroom, a 20-hour working day, a resident who starts in week 40 of a 36-week
year) or lean on defaults that change the money or the coverage (free long-term substitutes,
one-day absences, no salary growth, students never absent). `warnings(scenario)` lists each such
finding as plain data: the field path, as users write it, and one line of text. The command
line prints them (and `--strict` turns them into exit 2); the planner's web app shows them next
to the field.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel

from simulate.schema.model import Activity, Scenario, Team
from simulate.schema.yamlsafe import dotted

# Students per homeroom outside this range is implausible for a school (NCES NTPS 2017-18:
# self-contained primary classes average 20.9).
CLASS_SIZE = (10.0, 35.0)


@dataclass(frozen=True)
class Warning:  # the name callers use; plain data, not the built-in exception class
    """One implausible input: where it is, and what is odd about it."""

    path: str  # e.g. schools[0].classrooms
    message: str  # one line

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def warnings(scenario: Scenario) -> list[Warning]:
    """Every warning for a valid scenario, in the order of its fields."""
    found: list[Warning] = []
    for check in (_class_sizes, _period_staffing, _long_days, _calendar, _defaults):
        found += check(scenario)
    return found


def _at(*parts: str | int) -> str:
    return dotted(parts)


def _class_sizes(scenario: Scenario) -> Iterator[Warning]:
    low, high = CLASS_SIZE
    for i, school in enumerate(scenario.schools):
        if school.periods is not None:  # cohorts, not homerooms
            continue
        size = school.enrollment / school.classrooms
        if not low <= size <= high:
            yield Warning(
                _at("schools", i, "classrooms"),
                f"{size:.1f} students per homeroom ({school.enrollment:,} students in "
                f"{school.classrooms} classrooms) is outside {low:g}-{high:g}; self-contained "
                "primary classes average 20.9 (NCES NTPS 2017-18)",
            )


def _period_staffing(scenario: Scenario) -> Iterator[Warning]:
    """A team of a school with a period day whose positions cannot teach the sections its
    courses need (or teach far more), counted as the engine counts them for even cohorts:
    each grade's (or team block's) takers of a course over its cap, rounded up."""
    for i, school in enumerate(scenario.schools):
        day = school.periods
        if day is None:
            continue
        per_grade = school.enrollment / len(school.grades)
        cohort = school.enrollment / school.classrooms
        cohorts_a_grade = school.classrooms // len(school.grades)
        shares = {t.name: t.share for t in school.need_tiers}
        first = 0  # the first cohort the team holds (teams hold cohorts in order)
        for j, team in enumerate(school.teams):
            held = range(first, first + team.count * team.classrooms)
            first += len(held)
            grade_of = [school.grades[c // cohorts_a_grade] for c in held]
            need = 0
            for course in day.courses:
                if course.team != team.name:
                    continue
                share = sum(v for k, v in shares.items() if not course.tiers or k in course.tiers)
                grades = course.grades or school.grades
                if team.classrooms:  # a team block teaches its own cohorts
                    sections = math.ceil(cohort * share / course.class_size_cap - 1e-9)
                    need += sections * sum(grade in grades for grade in grade_of)
                elif course.grades:
                    sections = math.ceil(per_grade * share / course.class_size_cap - 1e-9)
                    need += sections * len(grades)
                else:
                    need += math.ceil(school.enrollment * share / course.class_size_cap - 1e-9)
            if not need:
                continue
            # a department split into teams of one name (two MCL teams of English) teaches
            # its courses together: counted once, at its first team
            alike = [t for t in school.teams if t.name == team.name and not t.classrooms]
            if not team.classrooms and alike[0] is not team:
                continue
            group = [team] if team.classrooms else alike
            can = sum(_can_teach(scenario, t, day.terms) for t in group)
            if need > can:
                yield Warning(
                    _at("schools", i, "teams", j, "members"),
                    f"team '{team.name}' can teach {can} sections a day but its courses need "
                    f"about {need} (takers over each course's class-size cap): about "
                    f"{need - can} sections' students would have no class; add positions or "
                    "raise class_size_cap",
                )


def _can_teach(scenario: Scenario, team: Team, terms: int) -> int:
    """Sections a team's positions can teach in a day (tutoring sessions included)."""
    kinds: tuple[Activity, ...] = ("instruction", "small_group")
    return (
        team.count
        * terms
        * sum(
            n * max(scenario.roles[r].periods.get(k, 0) for k in kinds)
            for r, n in team.members.items()
            if scenario.roles[r].is_teacher or scenario.roles[r].periods.get("small_group")
        )
    )


def _long_days(scenario: Scenario) -> Iterator[Warning]:
    day = scenario.calendar.day_minutes
    for name, role in scenario.roles.items():
        minutes = sum(role.schedule.values())
        if minutes > day:
            yield Warning(
                _at("roles", name, "schedule"),
                f"adds up to {minutes} minutes a day, longer than the {day}-minute working "
                "day (calendar.day_minutes)",
            )


def instructional_weeks(scenario: Scenario) -> int:
    """Instructional weeks in the year (weeks of a ramp are counted in these)."""
    calendar = scenario.calendar
    days = calendar.school_days - len(set(calendar.non_instructional_days))
    return -(-days // calendar.days_per_week)


def _calendar(scenario: Scenario) -> Iterator[Warning]:
    weeks = instructional_weeks(scenario)
    for name, role in scenario.roles.items():
        for k, step in enumerate(role.ramp):
            if step.from_week > weeks:
                yield Warning(
                    _at("roles", name, "ramp", k, "from_week"),
                    f"week {step.from_week} never comes: the year has {weeks} instructional "
                    "weeks, so these duties never start",
                )
    calendar = scenario.calendar
    closed = set(calendar.non_instructional_days)
    for k, window in enumerate(calendar.testing_windows):
        days = set(range(window.start_day, window.start_day + window.days))
        if days <= closed:
            yield Warning(
                _at("calendar", "testing_windows", k),
                f"falls on days {window.start_day}-{window.start_day + window.days - 1}, all of "
                "them non-instructional, so it cancels nothing",
            )


def _left_out(section: BaseModel, field: str) -> bool:
    """True when the scenario's data did not set the field (it took its default)."""
    return field not in section.model_fields_set


def _defaults(scenario: Scenario) -> Iterator[Warning]:
    """Sections left to defaults that change the money or the coverage."""
    roles = scenario.roles.values()
    subs, coverage = scenario.substitutes, scenario.coverage
    leaves = any(r.attrition_rate > 0 for r in roles)
    if (
        leaves
        and coverage.vacancy_cover == "long_term_substitute"
        and _left_out(subs, "long_term_daily_rate")
    ):
        yield Warning(
            "substitutes.long_term_daily_rate",
            "is left out: long-term substitutes covering vacancies cost nothing; long-term "
            "substitutes are usually paid the teacher schedule's per diem (about $250 a day)",
        )
    if subs.pool and _left_out(subs, "daily_rate"):
        yield Warning(
            "substitutes.daily_rate",
            "is left out: substitute days cost nothing (BLS 2023: about $21 an hour)",
        )
    if any(r.absence_rate > 0 for r in roles) and _left_out(scenario, "absences"):
        yield Warning(
            "absences",
            "is left out: every absence lasts one day, so long absences, which break "
            "coverage, never happen",
        )
    projection = scenario.budget.projection
    if projection.years > 1 and _left_out(projection, "salary_growth"):
        yield Warning(
            "budget.projection.salary_growth",
            "is left out: pay stays flat over the projection (the average teacher salary "
            "rose 3.8% in 2023-24, NEA)",
        )
    pay = any(r.salary or r.salary_schedule or r.hourly_wage or r.stipend for r in roles)
    if (
        pay
        and _left_out(scenario.budget, "benefits_rate")
        and any(r.benefits_rate is None for r in roles)
    ):
        yield Warning(
            "budget.benefits_rate",
            "is left out: roles without their own benefits_rate carry no benefits (BLS ECEC: "
            "benefits are about 35% of a teacher's total compensation)",
        )
    for name, role in scenario.roles.items():
        if (role.attrition_rate or role.turnover_rate) and _left_out(role, "replacement_cost"):
            yield Warning(
                _at("roles", name, "replacement_cost"),
                "is left out: the role's leavers cost nothing to replace (urban districts "
                "spend more than $20,000 per new teacher, LPI 2017)",
            )
    for i, school in enumerate(scenario.schools):
        if _left_out(school, "attendance"):
            yield Warning(
                _at("schools", i, "attendance"),
                "is left out: students are never absent (NCES: about 7-10% of days missed)",
            )
