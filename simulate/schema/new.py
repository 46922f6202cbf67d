"""A scenario of the planner's own school in any bundled arrangement: `simulate new`.

The bundled arrangement is the base; the school's own figures replace its school's: name,
enrollment, classrooms, grades, need-tier shares, teacher pay, the benefits rate, and any
other field by path. Team shapes stay the arrangement's and only their number changes, so
every arrangement of one school has the same students, classrooms (as they are today) and
tiers, and two of them compare fairly.

Classrooms are counted as the school has them today (one teacher each). A team of an
arrangement serves as many of today's classrooms as the bundled school gives it: four for MCL
teams, two for specialist pairs, six for MCL teams within the existing budget, which hold them
in four larger homerooms. The classrooms must fill whole teams.
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
from simulate.schema.paths import set_value
from simulate.schema.writing import plain, to_yaml


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
            "",
        ]
        return to_yaml(self.data, header)


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
    served = _classrooms_per_team(arrangement, base)
    team = base.schools[0].teams[0]
    if school.classrooms < 1 or school.classrooms % served:
        below = max(served, school.classrooms // served * served)
        raise InputError(
            f"<new {arrangement}>",
            "classrooms",
            f"is {school.classrooms}; '{arrangement}' has teams ('{team.name}') that each "
            f"serve {served} of today's classrooms, so classrooms must be a multiple of {served}",
            f"{below} or {below + served}" if below != school.classrooms else f"{served}, ...",
        )
    teams = school.classrooms // served
    changes: dict[str, Any] = {
        "name": f"{school.name}: {base.name}",
        "schools[0].name": school.name,
        "schools[0].enrollment": school.enrollment,
        "schools[0].classrooms": teams * team.classrooms,
        "schools[0].teams[0].count": teams,
    }
    if school.grades is not None:
        changes["schools[0].grades"] = [str(g) for g in school.grades]
    if school.tiers is not None:
        changes["schools[0].need_tiers"] = _tiers(base, school.tiers)
    if school.teacher_salary is not None:
        for name, role in base.roles.items():
            if role.is_teacher and role.salary > 0:
                changes[f"roles.{name}.salary"] = plain(school.teacher_salary)
    if school.benefits_rate is not None:
        changes["budget.benefits_rate"] = school.benefits_rate
    changes |= {path: plain(value) for path, value in school.settings.items()}
    for path, value in changes.items():
        set_value(data, path, value)
    data["description"] = (
        f"{school.name}: {school.enrollment} students in {school.classrooms} classrooms "
        f"today, as {teams} x {team.name} ({team.classrooms} classrooms each) of the bundled "
        f"arrangement '{arrangement}' ({base.name})."
    )
    data = {"name": data.pop("name"), "description": data.pop("description"), **data}
    scenario = validate(json.loads(json.dumps(data)), f"<new {arrangement}>")
    return NewScenario(arrangement, data, scenario, changes)


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
