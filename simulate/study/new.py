"""A scenario of the planner's own school in any bundled arrangement: `simulate new`.

The bundled arrangement is the base; the school's own figures replace its school's: name,
enrollment, classrooms (in all or grade by grade), grades, need-tier shares, pay (a salary by
role, or the district's salary schedule), the benefits rate, the substitute daily rate, the
district's funding lines, and any other field by path. Every arrangement of one school has
the same students, classrooms as they are today and tiers, so two of them compare fairly.

Teams come in the shapes schools have (simulate.schema.shapes): today's classrooms, grade by
grade, are cut into balanced teams of the arrangement's make, keeping grades together where
they can; grades outside a pilot keep today's staffing. `simulate new` says what it chose,
and refuses only when no team shape fits, naming the nearest classroom counts that do.

School-wide staff stay as the bundled school has them (one principal, one building coach),
except roles the bundled school has several of (the lab's paraprofessionals), which follow
the classrooms, as its devices follow the students.

Funding stays the bundled district's until the planner gives the district's own lines; the
file's header and the lines' notes say so. Every figure keeps its note: the bundled one where
the figure is the bundled school's, a local one where it is the planner's, and a note saying
how `new` derived the rest (simulate.schema.notes).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from simulate import __version__
from simulate.budget.pay import schedule_average
from simulate.schema import bundled, shapes
from simulate.schema.errors import InputError, suggest
from simulate.schema.loading import load_data, validate
from simulate.schema.model import Scenario
from simulate.schema.notes import canonical, carried, in_order
from simulate.schema.paths import locate, set_value
from simulate.schema.typed import Building, FundingLine
from simulate.schema.words import label
from simulate.schema.writing import plain, to_yaml

GIVEN = "The school's own figure, given to simulate new."


@dataclass(frozen=True)
class MySchool:
    """What a planner knows about the school (and the district's other buildings, which
    share its pay, funding and substitute pool); None keeps the arrangement's figure."""

    enrollment: int
    classrooms: int | Sequence[int] | None = None  # today (one teacher each), elementary only
    name: str = "My school"
    grades: Sequence[str] | None = None
    pilot_grades: Sequence[str] | None = None  # grades in the arrangement; others as today
    team_size: int | None = None  # homerooms a team should hold (teams come as near as fits)
    tiers: Mapping[str, float] | None = None  # need-tier shares by tier name
    class_size_cap: int | None = None  # a middle or high school's cap on sections
    buildings: Sequence[Building] = ()  # the district's other schools, each adopting its way
    district: str | None = None  # the district's name, for a scenario of several buildings
    teacher_salary: Decimal | None = None  # base salary of every salaried teaching role
    salaries: Mapping[str, Decimal] = field(default_factory=dict)  # base salary by role
    salary_schedule: Sequence[Mapping[str, Any]] | None = None  # every salaried teaching role's
    benefits_rate: float | None = None  # budget.benefits_rate
    substitute_daily_rate: Decimal | None = None
    funding: Sequence[FundingLine] | None = None  # the district's recurring lines
    sources: Mapping[str, str] = field(default_factory=dict)  # field or section -> source
    settings: Mapping[str, Any] = field(default_factory=dict)  # any field path -> value


@dataclass(frozen=True)
class NewScenario:
    arrangement: str
    data: dict[str, Any]  # plain scenario data, as written
    scenario: Scenario
    changes: dict[str, Any]  # field path -> value set on the arrangement
    base: Scenario  # the bundled arrangement it was made from
    chose: list[str]  # what `new` chose for the school, in sentences

    def yaml(self) -> str:
        """The scenario file: a comment header saying where it came from, then the data."""
        base = bundled.path(self.arrangement)
        header = [
            f"{self.scenario.name}",
            f"Made by `simulate new` (simulate {__version__}) from the bundled arrangement",
            f"'{self.arrangement}' ({base.name}), with these fields set:",
            *(f"  {path}: {_shown(value)}" for path, value in self.changes.items()),
            *(line for said in self.chose for line in textwrap.wrap(said, 95)),
            "Every other figure is the arrangement's; `notes` at the end says where each figure",
            "comes from (public, with its source; local: the school's own; or an assumption).",
            *self.funding_note(),
            "",
        ]
        return to_yaml(self.data, header)

    def funding_note(self) -> list[str]:
        """Header lines naming the funding lines that are still the bundled district's, and
        the arrangement's illustrative grants."""
        kept = [
            (k, line)
            for k, line in enumerate(self.scenario.budget.funding)
            if not self._set(("budget", "funding", k)) or self._grant_kept(k)
        ]
        grants = [(k, line) for k, line in kept if line.kind == "grant"]
        out = (
            [
                "Grants are the bundled arrangement's illustration: replace them with your awards:",
                *(f"  budget.funding[{k}]: {_line(line)}" for k, line in grants),
            ]
            if grants
            else []
        )
        kept = [(k, line) for k, line in kept if line.kind == "recurring"]
        if not kept:
            return out
        school = self.base.schools[0]
        rooms = f" in {school.classrooms} classrooms" if school.periods is None else ""
        return out + [
            "Funding is the bundled district's, NOT yours: these recurring lines were sized so",
            f"that its school ({school.enrollment} students{rooms}) can pay for today's",
            "staffing; per-pupil lines follow your enrollment, fixed sums do not, and with",
            "other class sizes or pay today's staffing may look unsustainable only because of",
            "them:",
            *(f"  budget.funding[{k}]: {_line(line)}" for k, line in kept),
            "Give your district's lines: --funding 'NAME=AMOUNT [per pupil | per eligible",
            "pupil, SHARE eligible]; SOURCE' (once per line), or --set one figure.",
        ]

    def _grant_kept(self, k: int) -> bool:
        """A grant the arrangement has, kept where the planner gave the district's lines."""
        line = self.scenario.budget.funding[k]
        return line.kind == "grant" and line in self.base.budget.funding

    def _set(self, parts: tuple[str | int, ...]) -> bool:
        """True when a field at, above or below `parts` was set by the planner."""
        for path in self.changes:
            done = locate(self.data, path).parts
            if done[: len(parts)] == parts or parts[: len(done)] == done:
                return True
        return False


def arrangements(secondary: bool = True) -> list[str]:
    """Bundled scenarios `new` can start from: one school with one shape of team, or (unless
    `secondary` is False) one middle or high school, staffed from its sections."""
    out = []
    for name in bundled.names():
        schools = load_data(bundled.path(name)).get("schools", [])
        if len(schools) != 1:
            continue
        period_day = schools[0].get("periods") is not None
        if secondary and period_day or not period_day and len(schools[0].get("teams", [])) == 1:
            out.append(name)
    return out


def new_scenario(school: MySchool, arrangement: str) -> NewScenario:
    """The arrangement re-sized to the school (or to each building of a district); InputError
    naming the field when it cannot be."""
    choices = arrangements()
    if arrangement not in choices:
        why = (
            "has more than one school or team shape"
            if arrangement in bundled.names()
            else "is not a bundled arrangement" + suggest(arrangement, choices)
        )
        raise InputError(None, "arrangement", f"'{arrangement}' {why}", ", ".join(choices))
    data = load_data(bundled.path(arrangement))
    if data["schools"][0].get("periods") is not None:
        from simulate.study.new_secondary import secondary_scenario

        return secondary_scenario(school, arrangement, data)
    if school.classrooms is None:
        raise InputError(
            None,
            "--classrooms",
            "is required for an elementary school (its homerooms today)",
            "the school's classrooms today: a total, or one count per grade",
        )
    if school.class_size_cap is not None:
        raise InputError(
            None,
            "--class-size-cap",
            "is for middle and high schools; an elementary class is enrollment / classrooms",
            "leave it out, or give --classrooms",
        )
    base = validate(json.loads(json.dumps(data)), str(bundled.path(arrangement)))
    today_data = load_data(bundled.path(bundled.TODAY))
    today = _make(bundled.TODAY, validate(json.loads(json.dumps(today_data)), "today"), None)
    first = Building(
        school.name,
        school.enrollment,
        school.classrooms,
        school.grades,
        school.pilot_grades,
        school.team_size,
        school.tiers,
    )
    buildings = [first, *school.buildings]
    many = len(buildings) > 1
    name = school.district if many and school.district else school.name
    label = f"{name} as {base.name}"  # how a problem names the scenario being made
    plans = [
        _plan(b, k, arrangement, base, today, data, today_data, label, many)
        for k, b in enumerate(buildings)
    ]
    chose = [line for plan in plans for line in plan.chose]
    piloted = "" if many or not plans[0].kept else f" (pilot in {plans[0].adopting})"
    changes: dict[str, Any] = {"name": f"{name}: {base.name}{piloted}"}
    if many:
        changes["schools"] = [json.loads(json.dumps(data["schools"][0])) for _ in buildings]
    for plan in plans:
        changes |= plan.changes
    homerooms = sum(plan.homerooms for plan in plans)
    changes |= _scaled(base, homerooms, len(buildings), school.funding is not None)
    money, moves = _money(data, base, school, label)
    changes |= money
    changes |= {path: plain(value) for path, value in school.settings.items()}

    before = json.loads(json.dumps(data))
    for path, value in changes.items():
        set_value(data, path, value)
    notes = _notes(changes, school, plans, len(buildings), base)
    if any(plan.kept for plan in plans) and any(plan.teams for plan in plans):
        notes |= _today_alongside(data, today_data)
    old = before.get("notes") or {}
    kept = carried(old, before, data, notes, moves)
    for k in range(1, len(buildings)):  # each building is a copy of the bundled school
        copied = {key: note for key, note in old.items() if key.startswith("schools[0]")}
        kept |= carried(copied, before, data, {}, {"schools[0]": f"schools[{k}]"})
    data["notes"] = in_order(kept, data)
    data["description"] = (
        f"{name}: {sum(p.enrollment for p in plans)} students in "
        f"{sum(p.today for p in plans)} classrooms today, in the bundled arrangement "
        f"'{arrangement}' ({base.name}). " + " ".join(chose)
    )
    data = {"name": data.pop("name"), "description": data.pop("description"), **data}
    scenario = validate(json.loads(json.dumps(data)), label)
    return NewScenario(arrangement, data, scenario, changes, base, chose)


@dataclass(frozen=True)
class _Plan:
    """One building made anew: its school's fields, its teams and what `new` chose."""

    changes: dict[str, Any]  # paths under schools[k]
    teams: list[shapes.Team]  # in the arrangement
    kept: list[shapes.Team]  # in today's staffing
    make: shapes.Make
    chose: list[str]
    enrollment: int
    today: int  # today's classrooms
    homerooms: int
    adopting: str  # the grades in the arrangement, in words


def _plan(
    building: Building,
    k: int,
    arrangement: str,
    base: Scenario,
    today: shapes.Make,
    data: dict[str, Any],
    today_data: dict[str, Any],
    label: str,
    many: bool,
) -> _Plan:
    """The teams, homerooms and fields of one building (schools[k])."""
    at = f"schools[{k}]"
    where = f"{building.name} ({label})" if many else label
    grades = [str(g) for g in (building.grades or base.schools[0].grades)]
    rooms = _rooms(building.classrooms, grades, where)
    pilot = _pilot(building.pilot_grades, grades, arrangement, base, where, many)
    make = _make(arrangement, base, building.team_size)
    arranged = [(g, n) for g, n in zip(grades, rooms, strict=True) if g in pilot]
    others = [(g, n) for g, n in zip(grades, rooms, strict=True) if g not in pilot]
    teams, kept = _teams(make, arranged, where), _teams(today, others, where)
    head = f"{building.name}: " if many else ""
    chose = _said(make, teams, base, [n for _, n in arranged], [g for g, _ in arranged])
    chose = [head + line for line in chose + _said(today, kept, base, [], [])]
    homerooms = sum(t.homerooms for t in teams) + sum(t.homerooms for t in kept)
    changes: dict[str, Any] = {
        f"{at}.name": building.name,
        f"{at}.enrollment": building.enrollment,
        f"{at}.classrooms": homerooms,
    }
    if building.grades is not None:
        changes[f"{at}.grades"] = grades
    by_grade = {g: n for n, g in enumerate(grades)}
    made = sorted(
        [(by_grade[t.grades[0]], t, make, data) for t in teams]
        + [(by_grade[t.grades[0]], t, today, today_data) for t in kept],
        key=lambda x: x[0],
    )
    changes[f"{at}.teams"] = _templates(made)
    changes |= _staff(base, at, homerooms, building.enrollment)
    if building.tiers is not None:
        changes[f"{at}.need_tiers"] = _tiers(base, building.tiers)
    adopting = f"grades {', '.join(g for g, _ in arranged)}" if arranged else "no grade"
    return _Plan(
        changes,
        teams,
        kept,
        make,
        chose,
        building.enrollment,
        sum(rooms),
        homerooms,
        adopting,
    )


# ---- classrooms and teams -----------------------------------------------------------------
def _rooms(classrooms: int | Sequence[int], grades: Sequence[str], label: str) -> list[int]:
    """Today's classrooms of each grade: as given, or a total spread evenly (earlier grades
    take the extra ones)."""
    if isinstance(classrooms, int):
        if classrooms < len(grades):
            raise InputError(
                label,
                "classrooms",
                f"is {classrooms}, fewer than the {len(grades)} grades ({', '.join(grades)})",
                f"at least {len(grades)}, or give the grades the school has",
            )
        size, extra = divmod(classrooms, len(grades))
        return [size + (k < extra) for k in range(len(grades))]
    rooms = [int(n) for n in classrooms]
    if len(rooms) != len(grades) or min(rooms, default=0) < 1:
        raise InputError(
            label,
            "classrooms",
            f"gives {len(rooms)} grades' classrooms ({', '.join(map(str, rooms))}) for "
            f"{len(grades)} grades ({', '.join(grades)})",
            "one count of at least 1 for each grade, in order, or the total",
        )
    return rooms


def _pilot(
    pilot: Sequence[str] | None,
    grades: list[str],
    arrangement: str,
    base: Scenario,
    label: str,
    many: bool = False,
) -> set[str]:
    """The grades that take the arrangement: all of them without a pilot; none of them in a
    building of a district that keeps today's staffing."""
    if pilot is None:
        return set(grades)
    wanted = [str(g) for g in pilot]
    if many and not wanted:
        return set()
    unknown = [g for g in wanted if g not in grades]
    if unknown or not wanted:
        raise InputError(
            label,
            "pilot_grades",
            f"names {', '.join(unknown) or 'no grade'}, not a grade of the school",
            ", ".join(grades),
        )
    if arrangement == bundled.TODAY:
        raise InputError(
            label, "pilot_grades", "is today's staffing in every grade already", "another"
        )
    if base.schools[0].rotation is not None:
        raise InputError(
            label,
            "pilot_grades",
            f"cannot be given for {base.name}: its rotation runs in every classroom",
            "an arrangement without a rotation",
        )
    return set(wanted)


def _make(arrangement: str, base: Scenario, team_size: int | None) -> shapes.Make:
    """What one team of the arrangement is made of, and the homerooms it may hold."""
    school = base.schools[0]
    team = school.teams[0]
    homeroom = {r for r in team.members if base.roles[r].homeroom}
    per_room = {r: n // team.classrooms for r, n in team.members.items() if r in homeroom}
    fixed = {r: n for r, n in team.members.items() if r not in homeroom}
    today = validate(load_data(bundled.path(bundled.TODAY)), bundled.TODAY).schools[0]
    served, rest = divmod(today.classrooms, team.count)
    if rest or school.enrollment != today.enrollment:  # a bundled file changed shape
        raise InputError(
            str(bundled.path(arrangement)),
            "schools[0].teams[0].count",
            f"{team.count} teams do not divide the {today.classrooms} classrooms of "
            f"{bundled.TODAY}, so today's classrooms per team are unknown",
        )
    given_up = served - team.classrooms
    leader = any(base.roles[r].leads_team for r in fixed)
    if not team.shares_students and not fixed:
        low, high, typical = 1, shapes.MAX_GRADE_TEAM, (1, shapes.MAX_GRADE_TEAM)
    elif leader:
        (low, high), typical = (
            (shapes.WITHIN_RANGE, shapes.WITHIN_TYPICAL)
            if given_up
            else (shapes.MCL_RANGE, shapes.MCL_TYPICAL)
        )
    else:
        (low, high), typical = shapes.SPECIALIST_RANGE, shapes.SPECIALIST_TYPICAL
    if team_size is not None:
        typical = (team_size, team_size)
    by_grade = not team.shares_students and not fixed
    order = tuple(team.members)
    return shapes.Make(team.name, order, per_room, fixed, given_up, by_grade, low, high, typical)


def _teams(make: shapes.Make, grades: list[tuple[str, int]], label: str) -> list[shapes.Team]:
    """The teams of the grades, or an InputError naming the nearest counts that fit."""
    if not grades:
        return []
    found = shapes.teams(make, [g for g, _ in grades], [n for _, n in grades])
    if found is not None:
        return found
    total = sum(n for _, n in grades)
    near = " or ".join(f"{n} classrooms" for n in _nearest(make, total, len(grades)))
    one = f"a team holds {make.low} to {make.high} homerooms"
    if make.given_up:
        one += (
            f" and serves {make.given_up} more of today's classrooms than it has homerooms "
            "(fewer, larger homerooms pay for its roles)"
        )
    raise InputError(
        label,
        "classrooms",
        f"gives {', '.join(f'{g}: {n}' for g, n in grades)} of today's classrooms, which no "
        f"team shape fits: {one}",
        f"{near}; or keep some grades in today's staffing (pilot grades)",
    )


def _nearest(make: shapes.Make, total: int, grades: int) -> list[int]:
    """The classroom counts nearest `total` (spread over the grades) that some shape fits."""
    below = next((n for n in range(total - 1, 0, -1) if _spread_fits(make, n, grades)), None)
    above = next((n for n in range(total + 1, total + 200) if _spread_fits(make, n, grades)), None)
    return [n for n in (below, above) if n is not None]


def _spread_fits(make: shapes.Make, total: int, grades: int) -> bool:
    if total < grades:
        return shapes.fits(make, [total])
    size, extra = divmod(total, grades)
    return shapes.fits(make, [size + (k < extra) for k in range(grades)])


def _templates(made: list[tuple[int, shapes.Team, shapes.Make, dict[str, Any]]]) -> list[Any]:
    """Team entries of the school, in grade order: teams of one run of grades and one size
    are one entry, named by their grades."""
    out: list[dict[str, Any]] = []
    for _, team, make, source in made:
        entry = dict(source["schools"][0]["teams"][0])
        entry["name"] = f"{make.name} ({_span(team.grades)})"
        entry["classrooms"] = team.homerooms
        entry["members"] = make.members(team.homerooms)
        previous = out[-1] if out else None
        same = previous is not None and {**previous, "count": 1} == {**entry, "count": 1}
        if same and previous is not None:
            previous["count"] += 1
        else:
            out.append({**entry, "count": 1})
    return [_ordered(entry) for entry in out]


def _ordered(entry: dict[str, Any]) -> dict[str, Any]:
    keys = ["name", "count", "classrooms", "members"]
    return {**{k: entry[k] for k in keys}, **{k: v for k, v in entry.items() if k not in keys}}


def _span(grades: Sequence[str]) -> str:
    return f"grade {grades[0]}" if len(grades) == 1 else f"grades {grades[0]}-{grades[-1]}"


def _said(
    make: shapes.Make,
    teams: list[shapes.Team],
    base: Scenario,
    rooms: Sequence[int],
    grades: Sequence[str],
) -> list[str]:
    """What `new` chose, in sentences for the header and the terminal: for the arranged
    grades (`rooms` of today's classrooms in `grades`), or else the grades kept as today."""
    if not teams:
        return []
    runs: dict[tuple[str, ...], list[int]] = {}
    for team in teams:
        runs.setdefault(team.grades, []).append(team.homerooms)
    groups: list[tuple[list[tuple[str, ...]], list[int]]] = []  # neighbouring grades alike
    for span, sizes in runs.items():
        last = groups[-1] if groups else None
        if last and len(span) == 1 and len(last[0][-1]) == 1 and last[1] == sizes:
            last[0].append(span)
        else:
            groups.append(([span], sizes))
    shown = "; ".join(
        f"{_span(spans[0]) if len(spans) == 1 else f'each of grades {spans[0][0]}-{spans[-1][0]}'}"
        f": {_sizes(sizes)}"
        for spans, sizes in groups
    )
    names = f"{len(teams)} {make.name}{'s' if len(teams) > 1 else ''}"
    if rooms:
        per_grade = ", ".join(f"{g}: {n}" for g, n in zip(grades, rooms, strict=True))
        today = sum(t.serves for t in teams)
        out = [f"{today} of today's classrooms ({per_grade}) make {names} ({shown})."]
    else:
        kept = ", ".join(dict.fromkeys(g for t in teams for g in t.grades))
        out = [f"Grades {kept} keep today's staffing: {names} ({shown})."]
    if make.given_up:
        out.append(
            f"Each {make.name} serves {make.given_up} more of today's classrooms than it has "
            "homerooms (fewer, larger homerooms pay for its roles)."
        )
    return out + _coaching_load(make, teams, base)


def _sizes(sizes: list[int]) -> str:
    """`1 team of 6 homerooms`, `2 teams of 5 and 1 team of 4 homerooms`."""
    counted: dict[int, int] = {}
    for size in sizes:
        counted[size] = counted.get(size, 0) + 1
    parts = [f"{n} {'team' if n == 1 else 'teams'} of {size}" for size, n in counted.items()]
    return " and ".join(parts) + " homerooms"


def _coaching_load(make: shapes.Make, teams: list[shapes.Team], base: Scenario) -> list[str]:
    """A sentence when a leader's coaching minutes cannot hold her team's observations."""
    days = base.calendar.days_per_week
    for leader in (r for r in make.fixed if base.roles[r].leads_team):
        minutes = base.roles[leader].schedule.get("coaching", 0) * days
        plans = [p for p in base.coaching if p.coach == leader and p.scope == "team"]
        weekly = sum(
            p.observations_per_week * (p.observation_minutes + p.feedback_minutes) for p in plans
        )
        if not weekly:
            continue
        coachees = {r for p in plans for r in p.coachees}
        per_team = max(
            sum(n for r, n in make.members(t.homerooms).items() if r in coachees) for t in teams
        )
        fit = int(minutes // weekly)
        if per_team > fit:
            title = base.roles[leader].title or leader
            return [
                f"A {title.lower()}'s {minutes // days} coaching minutes a day hold her "
                f"observations of {fit} coachees; teams with {per_team} leave some undone (the "
                f"run counts them as lost): raise "
                f"“{label(f'roles.{leader}.schedule.coaching', base)}” to give her more."
            ]
    return []


def _staff(base: Scenario, at: str, homerooms: int, enrollment: int) -> dict[str, Any]:
    """School-wide roles the bundled school has several of follow the classrooms; its
    devices follow the students."""
    school = base.schools[0]
    out: dict[str, Any] = {}
    for role, n in school.staff.items():
        if n > 1:
            out[f"{at}.staff.{role}"] = max(1, round(n * homerooms / school.classrooms))
    if school.devices is not None:
        out[f"{at}.devices"] = max(1, round(school.devices * enrollment / school.enrollment))
    return out


def _scaled(base: Scenario, homerooms: int, schools: int, own_funding: bool) -> dict[str, Any]:
    """The district's substitute pool follows the classrooms of all its schools; the bundled
    district's fixed funding (a base allotment per school) follows the schools."""
    out: dict[str, Any] = {}
    pool = base.substitutes.pool
    scaled = max(1, round(pool * homerooms / base.schools[0].classrooms)) if pool else 0
    if scaled != pool:
        out["substitutes.pool"] = scaled
    if schools > 1 and not own_funding:
        for k, line in enumerate(base.budget.funding):
            if line.kind == "recurring" and line.amount:
                out[f"budget.funding[{k}].amount"] = plain(line.amount * schools)
    return out


def _today_alongside(data: dict[str, Any], today: dict[str, Any]) -> dict[str, Any]:
    """Grades that keep today's staffing in a pilot keep its roles, coaching and coverage:
    today's plans for today's homeroom roles are added, with their notes."""
    homeroom = {r for r in today["schools"][0]["teams"][0]["members"]}
    for role in homeroom:
        data["roles"].setdefault(role, today["roles"][role])
    notes: dict[str, Any] = {}
    coached = {r for plan in data.get("coaching", []) for r in plan["coachees"]}
    for k, plan in enumerate(today.get("coaching", [])):
        coachees = [r for r in plan["coachees"] if r in homeroom and r not in coached]
        if coachees:
            data.setdefault("coaching", []).append({**plan, "coachees": coachees})
            note = (today.get("notes") or {}).get(f"coaching[{k}]")
            if note is not None:
                notes[f"coaching[{len(data['coaching']) - 1}]"] = note
    for where, field_name in (("coverage", "needs_cover"), ("substitutes", "fill_priority")):
        listed = data.setdefault(where, {}).setdefault(field_name, [])
        listed += [r for r in today[where].get(field_name, []) if r not in listed]
    return notes


# ---- pay and money ------------------------------------------------------------------------
def _money(
    data: dict[str, Any], base: Scenario, school: MySchool, label: str
) -> tuple[dict[str, Any], dict[str, str | None]]:
    """The school's own money, as changes to the bundled scenario: pay, the benefits rate, the
    substitute daily rate and the district's funding lines; and where the funding lines'
    notes move (for simulate.schema.notes.carried)."""
    changes = _pay(base, school, label)
    if school.benefits_rate is not None:
        changes["budget.benefits_rate"] = school.benefits_rate
    if school.substitute_daily_rate is not None:
        changes["substitutes.daily_rate"] = plain(school.substitute_daily_rate)
    moves: dict[str, str | None] = {}
    if school.funding is not None:
        changes["budget.funding"] = _funding(data, school.funding, moves)
    return changes, moves


def _pay(base: Scenario, school: MySchool, label: str) -> dict[str, Any]:
    """Base pay: every salaried teaching role's, by role, or the district's salary schedule.

    A teacher's salary, or the schedule's staff-weighted average, also pays the roles on the
    teacher scale: those the arrangement pays its teachers' base salary (an instructional coach
    "at the average teacher salary"), unless the planner gives their salary by role."""
    out: dict[str, Any] = {}
    teaching = _teaching(base)
    on_scale = _on_teacher_scale(base, teaching, school.salaries)
    if school.teacher_salary is not None:
        for name in teaching + on_scale:
            out[f"roles.{name}.salary"] = plain(school.teacher_salary)
    for name, amount in school.salaries.items():
        if name not in base.roles:
            raise InputError(
                label,
                "salary",
                f"names role '{name}', which the arrangement has not"
                + suggest(name, list(base.roles)),
                ", ".join(base.roles),
            )
        out[f"roles.{name}.salary"] = plain(amount)
    if school.salary_schedule is not None:
        for name in teaching:
            out[f"roles.{name}.salary"] = 0
            out[f"roles.{name}.salary_schedule"] = plain(list(school.salary_schedule))
        average = schedule_average((s["salary"], s["staff"]) for s in school.salary_schedule)
        for name in on_scale:  # paid the teachers' average, not placed on the schedule
            out[f"roles.{name}.salary"] = plain(average)
    return out


def _teaching(base: Scenario) -> list[str]:
    """The arrangement's salaried teaching roles: those a teacher salary or schedule pays."""
    teaching = [n for n, r in base.roles.items() if r.is_teacher and r.hourly_wage is None]
    return [n for n in teaching if base.roles[n].salary or base.roles[n].salary_schedule]


def _on_teacher_scale(base: Scenario, teaching: list[str], named: Mapping[str, Any]) -> list[str]:
    """The salaried roles other than `teaching` that the arrangement pays its teachers' one
    base salary (none when its teachers' salaries differ), but those the planner names."""
    salaries = {base.roles[n].salary for n in teaching if not base.roles[n].salary_schedule}
    if len(salaries) != 1 or not (salary := salaries.pop()):
        return []
    return [
        name
        for name, role in base.roles.items()
        if name not in teaching and name not in named and role.hourly_wage is None
        if not role.salary_schedule and role.salary == salary
    ]


def _funding(
    data: dict[str, Any], lines: Sequence[FundingLine], moves: dict[str, str | None]
) -> list[dict[str, Any]]:
    """The district's recurring lines in place of the bundled ones; the arrangement's grants
    stay after them (with their notes)."""
    out = [
        {
            k: v
            for k, v in plain(
                {
                    "name": line.name,
                    "kind": "recurring",
                    "amount": line.amount,
                    "per_pupil": line.per_pupil,
                    "per_eligible_pupil": line.per_eligible_pupil,
                    "eligible_share": line.eligible_share,
                }
            ).items()
            if v or k in ("name", "kind")
        }
        for line in lines
    ]
    for k, line in enumerate(data.get("budget", {}).get("funding", [])):
        if line.get("kind") == "grant":
            moves[f"budget.funding[{k}]"] = f"budget.funding[{len(out)}]"
            out.append(json.loads(json.dumps(line)))
        else:
            moves[f"budget.funding[{k}]"] = None
    return out


# ---- notes --------------------------------------------------------------------------------
def _notes(
    changes: Mapping[str, Any],
    school: MySchool,
    plans: Sequence[_Plan],
    schools: int,
    base: Scenario,
) -> dict[str, Any]:
    """The notes of what `new` set: the school's own figures (local, with the planner's
    source where given), and how it derived the teams, homerooms, staff, pool, funding and
    the pay of roles on the teacher scale."""
    mine = {canonical(path): source for path, source in school.sources.items()}

    def local(path: str) -> dict[str, str]:
        """The planner's source for the field, or for a section holding it."""
        heads = [k for k in mine if path == k or path.startswith((k + ".", k + "["))]
        source = mine[max(heads, key=len)] if heads else ""
        return {"kind": "local", "source": source} if source else {"kind": "local", "text": GIVEN}

    scaled = {
        "kind": "assumption",
        "text": "The bundled school's, in proportion to this school's classrooms (staff, the "
        "substitute pool) or students (devices).",
    }
    notes: dict[str, Any] = {}
    for path in map(canonical, changes):
        last = path.rsplit(".", 1)[-1]
        if path in ("name", "schools", "budget.funding") or last in NOT_FIGURES:
            continue
        if ".staff." in path or last == "devices" or path == "substitutes.pool":
            notes[path] = scaled
        elif path.startswith("budget.funding["):  # the bundled formula for several schools
            notes[path] = {
                "kind": "assumption",
                "text": f"The bundled district's base allotment for each of {schools} schools, "
                "not yours.",
            }
        else:
            notes[path] = local(path)
    for k, plan in enumerate(plans):
        notes |= _team_notes(f"schools[{k}]", plan, local)
    if school.teacher_salary is not None or school.salary_schedule is not None:
        # the roles paid a teacher's salary: the planner's teacher pay and its source
        teaching = _teaching(base)
        fields = ["salary"] if school.salary_schedule is None else ["salary_schedule", "salary"]
        given = [local(f"roles.{name}.{f}") for f in fields for name in teaching]
        sourced = next((note for note in given if "source" in note), {"kind": "local"})
        pay = "The teacher salary given to simulate new: the arrangement pays this role a "
        pay += "teacher's base salary."
        if school.salary_schedule is not None:
            pay = "The staff-weighted average of the salary schedule given to simulate new: "
            pay += "the arrangement pays this role an average teacher's base salary."
        for name in _on_teacher_scale(base, teaching, school.salaries):
            path = f"roles.{name}.salary"
            own = local(path)  # a source the planner gave for this role itself comes first
            notes[path] = {**(own if "source" in own else sourced), "text": pay}
    for k, line in enumerate(school.funding or ()):
        notes[f"budget.funding[{k}]"] = (
            {"kind": "local", "source": line.source}
            if line.source
            else {"kind": "local", "text": "The district's own line, given to simulate new."}
        )
    sections = {k for k in mine if any(p.startswith((k + ".", k + "[")) for p in notes)}
    notes |= {path: local(path) for path in mine if path not in notes and path not in sections}
    return notes


NOT_FIGURES = {"name", "grades", "teams", "classrooms"}  # named, or noted by _team_notes


def _team_notes(at: str, plan: _Plan, local: Any) -> dict[str, Any]:
    """How `new` made a building's teams and homerooms."""
    told = " ".join(plan.chose)
    by_grade = plan.make.by_grade
    leader = any(plan.make.fixed)
    notes: dict[str, Any] = {
        f"{at}.teams": {"kind": "local", "text": f"Made by simulate new. {told}"}
        if by_grade or not plan.teams
        else {
            "kind": "assumption",
            "source": "Public Impact, Opportunity Culture: an MCL leads a team of two to eight "
            "teachers, typically 4 to 6 [§3]"
            if leader
            else "",
            "text": f"Made by simulate new from the school's classrooms. {told}",
        }
    }
    notes[f"{at}.classrooms"] = (
        local(f"{at}.classrooms")
        if plan.homerooms == plan.today
        else {
            "kind": "assumption",
            "text": f"The school's {plan.today} classrooms today, held in {plan.homerooms} "
            "homerooms by the arrangement's teams.",
        }
    )
    return notes


def _tiers(base: Scenario, shares: Mapping[str, float]) -> list[dict[str, Any]]:
    """The named tiers with their shares; a tier the arrangement has keeps its other figures."""
    known = {t.name: t for t in base.schools[0].need_tiers}
    tiers = []
    for name, share in shares.items():
        tier = known.get(name)
        fields = tier.model_dump(mode="json", exclude_unset=True) if tier else {"name": name}
        tiers.append(plain({**fields, "share": share}))
    return tiers


def _line(line: Any) -> str:
    """A funding line in words: '$4,200 per pupil (recurring)'."""
    parts = []
    if line.amount:
        parts.append(f"${line.amount:,} a year")
    if line.per_pupil:
        parts.append(f"${line.per_pupil:,} per pupil")
    if line.per_eligible_pupil:
        share = f"{line.eligible_share:.0%} eligible"
        parts.append(f"${line.per_eligible_pupil:,} per eligible pupil, {share}")
    return f"{line.name}: {' + '.join(parts) or 'nothing'}"


def _shown(value: Any) -> str:
    """A set value in the header; need tiers by their shares, teams by their names."""
    if isinstance(value, list) and all(isinstance(v, dict) and "share" in v for v in value):
        return ", ".join(f"{v['name']} {v['share']:g}" for v in value)
    if isinstance(value, list) and all(isinstance(v, dict) and "count" in v for v in value):
        return ", ".join(f"{v['count']} x {v['name']} of {v['classrooms']}" for v in value)
    if isinstance(value, list) and all(isinstance(v, dict) and "name" in v for v in value):
        return ", ".join(str(v["name"]) for v in value)
    return json.dumps(plain(value), ensure_ascii=False)
