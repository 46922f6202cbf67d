"""A scenario of the planner's own school in any bundled arrangement: `simulate new`.

The bundled arrangement is the base; the school's own figures replace its school's: name,
enrollment, classrooms, grades, need-tier shares, teacher pay, the benefits rate, and any
other field by path. Every arrangement of one school has the same students, classrooms (as
they are today) and tiers, so two of them compare fairly.

Classrooms are counted as the school has them today (one teacher each). Where the
arrangement's teams are grade-level teams that do not share students (traditional,
lab_rotation), a team is a grade: N grades and C classrooms make N teams of C/N classrooms
when C is a multiple of N. Otherwise the teams keep the arrangement's shape and only their
number changes: a team serves as many of today's classrooms as the bundled school gives it
(four for grade-level and MCL teams, two for specialist pairs, eight for MCL teams within the
existing budget, which hold them in six larger homerooms), and the classrooms must fill whole
teams.

Money is not rescaled: the funding lines stay the bundled arrangement's, calibrated for its
school, and the file's header says so and how to set the school's own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from simulate import __version__
from simulate.schema import bundled
from simulate.schema.errors import InputError, suggest
from simulate.schema.loading import load_data, validate
from simulate.schema.model import Scenario
from simulate.schema.notes import canonical, carried
from simulate.schema.paths import locate, set_value
from simulate.schema.writing import plain, to_yaml

LOCAL = {"kind": "local", "text": "The school's own figure, given to simulate new."}


@dataclass(frozen=True)
class MySchool:
    """What a planner knows about the school; None keeps the arrangement's figure."""

    enrollment: int
    classrooms: int  # as today: one teacher per classroom
    name: str = "My school"
    grades: Sequence[str] | None = None
    tiers: Mapping[str, float] | None = None  # need-tier shares by tier name
    teacher_salary: Decimal | None = None  # base salary of every salaried teaching role
    benefits_rate: float | None = None  # budget.benefits_rate
    settings: Mapping[str, Any] = field(default_factory=dict)  # any field path -> value


@dataclass(frozen=True)
class NewScenario:
    arrangement: str
    data: dict[str, Any]  # plain scenario data, as written
    scenario: Scenario
    changes: dict[str, Any]  # field path -> value set on the arrangement
    base: Scenario  # the bundled arrangement it was made from

    def yaml(self) -> str:
        """The scenario file: a comment header saying where it came from, then the data."""
        base = bundled.path(self.arrangement)
        header = [
            f"{self.scenario.name}",
            f"Made by `simulate new` (simulate {__version__}) from the bundled arrangement",
            f"'{self.arrangement}' ({base.name}), with these fields set:",
            *(f"  {path}: {_shown(value)}" for path, value in self.changes.items()),
            "Every other figure is the arrangement's; the bundled files say where each comes",
            "from ([source] or [assumption]; see docs/sources.md).",
            *self.funding_note(),
            "",
        ]
        return to_yaml(self.data, header)

    def funding_note(self) -> list[str]:
        """Header lines naming the funding figures kept from the bundled arrangement, which
        are calibrated for its school and not rescaled for this one."""
        kept = [
            (f"budget.funding[{k}].{name}", line, value)
            for k, line in enumerate(self.scenario.budget.funding)
            if not self._set(("budget", "funding", k))
            for name, value in (("amount", line.amount), ("per_pupil", line.per_pupil))
            if value
        ]
        if not kept:
            return []
        school = self.base.schools[0]
        return [
            "Funding is NOT rescaled for this school: these lines are the bundled arrangement's,",
            f"calibrated so that its school ({school.enrollment} students in {school.classrooms} "
            "classrooms) can pay for today's",
            "staffing; with other enrollment, class sizes or pay, today's staffing may look not",
            "sustainable only because of them:",
            *(
                f"  {path}: {_shown(value)} ({line.name}, {line.kind})"
                for path, line, value in kept
            ),
            f"Set your district's figures with --set '{kept[0][0]}=...' (one --set per figure).",
        ]

    def _set(self, parts: tuple[str | int, ...]) -> bool:
        """True when a field at, above or below `parts` was set by the planner."""
        for path in self.changes:
            done = locate(self.data, path).parts
            if done[: len(parts)] == parts or parts[: len(done)] == done:
                return True
        return False


@dataclass(frozen=True)
class Teams:
    """The teams a school's classrooms make in an arrangement."""

    count: int
    classrooms: int  # homerooms per team
    members: dict[str, int]  # positions per team, by role


def arrangements() -> list[str]:
    """Bundled scenarios `new` can start from: one school with one shape of team."""
    out = []
    for name in bundled.names():
        schools = load_data(bundled.path(name)).get("schools", [])
        if len(schools) == 1 and len(schools[0].get("teams", [])) == 1:
            out.append(name)
    return out


def new_scenario(school: MySchool, arrangement: str) -> NewScenario:
    """The arrangement re-sized to the school; InputError naming the field when it cannot be."""
    choices = arrangements()
    if arrangement not in choices:
        why = (
            "has more than one school or team shape"
            if arrangement in bundled.names()
            else "is not a bundled arrangement" + suggest(arrangement, choices)
        )
        raise InputError(None, "arrangement", f"'{arrangement}' {why}", ", ".join(choices))
    file = str(bundled.path(arrangement))
    data = load_data(bundled.path(arrangement))
    base = validate(json.loads(json.dumps(data)), file)
    label = f"{school.name} as {base.name}"  # how a problem names the scenario being made
    grades = [str(g) for g in school.grades] if school.grades is not None else None
    team = base.schools[0].teams[0]
    teams = _teams(school.classrooms, grades or base.schools[0].grades, arrangement, base, label)
    changes: dict[str, Any] = {
        "name": f"{school.name}: {base.name}",
        "schools[0].name": school.name,
        "schools[0].enrollment": school.enrollment,
        "schools[0].classrooms": teams.count * teams.classrooms,
        "schools[0].teams[0].count": teams.count,
    }
    if teams.classrooms != team.classrooms:
        changes["schools[0].teams[0].classrooms"] = teams.classrooms
        changes["schools[0].teams[0].members"] = teams.members
    if grades is not None:
        changes["schools[0].grades"] = grades
    if school.tiers is not None:
        changes["schools[0].need_tiers"] = _tiers(base, school.tiers)
    if school.teacher_salary is not None:
        for name, role in base.roles.items():
            if role.is_teacher and role.salary > 0:
                changes[f"roles.{name}.salary"] = plain(school.teacher_salary)
    if school.benefits_rate is not None:
        changes["budget.benefits_rate"] = school.benefits_rate
    changes |= {path: plain(value) for path, value in school.settings.items()}
    before = json.loads(json.dumps(data))
    for path, value in changes.items():
        set_value(data, path, value)
    figures = {canonical(p): LOCAL for p in changes if p not in ("name", "schools[0].name")}
    data["notes"] = carried(before.get("notes") or {}, before, data, figures)
    data["description"] = (
        f"{school.name}: {school.enrollment} students in {school.classrooms} classrooms "
        f"today, as {teams.count} x {team.name} ({teams.classrooms} classrooms each) of the "
        f"bundled arrangement '{arrangement}' ({base.name})."
    )
    data = {"name": data.pop("name"), "description": data.pop("description"), **data}
    scenario = validate(json.loads(json.dumps(data)), label)
    return NewScenario(arrangement, data, scenario, changes, base)


def _teams(
    classrooms: int, grades: Sequence[str], arrangement: str, base: Scenario, label: str
) -> Teams:
    """The teams `classrooms` of today make (see the module's docstring), or an InputError
    that says what one team covers and which counts fit."""
    team = base.schools[0].teams[0]
    served = _classrooms_per_team(arrangement, base)
    per_classroom = _grade_team(base)
    by_grade = per_classroom is not None and len(grades) > 0
    if by_grade and classrooms >= len(grades) and classrooms % len(grades) == 0:
        size = classrooms // len(grades)
        members = {role: n * size for role, n in (per_classroom or {}).items()}
        return Teams(len(grades), size, members)
    if classrooms >= served and classrooms % served == 0:
        return Teams(classrooms // served, team.classrooms, dict(team.members))
    one = _one_team(base, served)
    if by_grade:
        why = (
            f"is {classrooms}; in this arrangement a {team.name} is a grade, so the "
            f"{len(grades)} grades ({', '.join(grades)}) need a multiple of {len(grades)} "
            "classrooms (one team per grade)"
        )
        steps = [len(grades)]
        if served % len(grades):  # whole teams of the bundled shape fit other counts
            why += f", or else whole teams as the bundled school has them: {one}, a multiple "
            why += f"of {served}"
            steps.append(served)
    else:
        why = (
            f"is {classrooms}; this arrangement is made of whole teams: {one}, so classrooms "
            f"must be a multiple of {served}"
        )
        steps = [served]
    raise InputError(label, "classrooms", why, _nearest(classrooms, steps))


def _grade_team(base: Scenario) -> dict[str, int] | None:
    """Positions per classroom when the arrangement's teams are grades (one team per grade,
    students not shared), else None."""
    school = base.schools[0]
    team = school.teams[0]
    if team.shares_students or team.count != len(school.grades):
        return None
    if any(n % team.classrooms for n in team.members.values()):
        return None
    return {role: n // team.classrooms for role, n in team.members.items()}


def _one_team(base: Scenario, served: int) -> str:
    """What one team of the arrangement is and covers, in words."""
    school = base.schools[0]
    team = school.teams[0]
    members = ", ".join(f"{n} x {base.roles[r].title}" for r, n in team.members.items())
    homerooms = f" in {team.classrooms} homerooms" if team.classrooms != served else ""
    students = school.enrollment / team.count
    return (
        f"one {team.name} ({members}) serves {served} of today's classrooms{homerooms} "
        f"({students:.0f} students in the bundled school)"
    )


def _nearest(count: int, steps: Sequence[int]) -> str:
    """The allowed counts next to `count`: the largest below and the smallest above."""
    multiples = {m for s in steps for m in (count // s * s, (count // s + 1) * s) if m > 0}
    below = [m for m in multiples if m < count]
    above = [m for m in multiples if m > count]
    return " or ".join(str(m) for m in [*([max(below)] if below else []), min(above)])


def _classrooms_per_team(arrangement: str, base: Scenario) -> int:
    """Today's classrooms one team of the arrangement serves (see the module's docstring)."""
    today = validate(load_data(bundled.path(bundled.TODAY)), bundled.TODAY).schools[0]
    team = base.schools[0].teams[0]
    served, rest = divmod(today.classrooms, team.count)
    if rest or base.schools[0].enrollment != today.enrollment:  # a bundled file changed shape
        raise InputError(
            str(bundled.path(arrangement)),
            "schools[0].teams[0].count",
            f"{team.count} teams do not divide the {today.classrooms} classrooms of "
            f"{bundled.TODAY}, so today's classrooms per team are unknown",
        )
    return served


def _tiers(base: Scenario, shares: Mapping[str, float]) -> list[dict[str, Any]]:
    """The named tiers with their shares; a tier the arrangement has keeps its other figures."""
    known = {t.name: t for t in base.schools[0].need_tiers}
    tiers = []
    for name, share in shares.items():
        tier = known.get(name)
        fields = tier.model_dump(mode="json", exclude_unset=True) if tier else {"name": name}
        tiers.append(plain({**fields, "share": share}))
    return tiers


def _shown(value: Any) -> str:
    """A set value in the header; need tiers by their shares."""
    if isinstance(value, list) and all(isinstance(v, dict) and "share" in v for v in value):
        return ", ".join(f"{v['name']} {v['share']:g}" for v in value)
    return json.dumps(plain(value), ensure_ascii=False)
