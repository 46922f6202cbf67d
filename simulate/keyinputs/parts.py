"""The key inputs of a scenario, in parts a planner recognises, and how edits to them become
overrides of the scenario.

A part is a form (one field per row: the school, the budget and projection) or a table (one
item per row, one field per column: need tiers, roles and pay, teams, funding, one-off costs).
Every row of a table carries a key, the path of its item (`roles.teacher`,
`budget.funding[1]`), so edits land where they came from whatever the row order. Rows of a
table of list items make up their lists: a row the user removes removes its item, a row added
(no key) adds one to the part's list, and a moved row moves its item. Only fields whose value
changes are written, so a scenario read back unchanged is the same scenario.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from simulate.schema import paths
from simulate.schema.errors import InputError
from simulate.schema.fields import FieldMeta, describe, value_kind
from simulate.schema.model import (
    ACTIVITIES,
    Course,
    Funding,
    OneOff,
    PayStep,
    Projection,
    Role,
    Scenario,
)
from simulate.schema.writing import plain


@dataclass(frozen=True)
class Input:
    path: str
    label: str
    meta: FieldMeta
    value: Any  # the scenario's value; None when left out


@dataclass(frozen=True)
class Row:
    key: str  # a form: the field's path; a table: the path of the row's item
    label: str
    inputs: tuple[Input, ...]  # a form: one; a table: one per column


@dataclass(frozen=True)
class Part:
    sheet: str  # a short name (a sheet title in Excel, an anchor on the page)
    title: str
    note: str
    table: bool
    columns: tuple[tuple[str, str], ...]  # a table: (field below the row's item, label)
    rows: tuple[Row, ...]
    metas: tuple[FieldMeta, ...] = ()  # a table: each column's field
    lists: tuple[str, ...] = ()  # a table of list items: the lists its rows make up
    adds_to: str | None = None  # the list that rows without a key are added to


@dataclass
class Edited:
    """A row as read back: its key (None for a row the user added) and its typed values."""

    key: str | None
    values: dict[str, Any]  # a form: {"": value}; a table: field below the item -> value
    where: dict[str, str] = field(default_factory=dict)  # field -> where it was typed
    into: str | None = None  # a row without a key: the list it adds to (default: adds_to)
    note: str | None = None  # the Source/notes text as typed (None: not given)
    sheet_key: str | None = None  # the key the sheet showed, when it is new over this base
    placed: str | None = None  # a row without a key: the path of the item it became


@dataclass
class Applied:
    """What the edits of the parts did to the data: for simulate.keyinputs.notes.settle."""

    changed: list[str] = field(default_factory=list)  # field paths whose values changed
    added: list[str] = field(default_factory=list)  # field paths of the items rows added
    moves: dict[str, str | None] = field(default_factory=dict)  # item path -> new (None: gone)


def parts(scenario: Scenario) -> list[Part]:
    """The key inputs of a scenario, part by part, with its current values. A scenario whose
    schools have a period day (middle and high schools) has three parts more: the period
    day, its courses and the periods of each role."""
    secondary = any(school.periods is not None for school in scenario.schools)
    return [
        _school(scenario),
        *(
            [_period_day(scenario), _courses(scenario), _role_periods(scenario)]
            if secondary
            else []
        ),
        _tiers(scenario),
        _roles(scenario),
        _pay_scale(scenario),
        _teams(scenario),
        _list_table(
            scenario,
            "Funding",
            "Funding sources",
            "Recurring money and time-limited grants; add a row for another source.",
            "budget.funding",
            Funding,
            len(scenario.budget.funding),
        ),
        _list_table(
            scenario,
            "One-offs",
            "One-off costs",
            "Start-up and training costs paid once, in one projection year.",
            "budget.one_off",
            OneOff,
            len(scenario.budget.one_off),
        ),
        _budget(scenario),
    ]


# ---- reading the scenario -----------------------------------------------------------------
def current(scenario: Scenario, path: str, meta: FieldMeta) -> Any:
    """The scenario's value of a field; None for a left-out optional field or mapping entry."""
    if meta.entry:
        parent = paths.get(scenario, path.rsplit(".", 1)[0]) or {}
        return parent.get(meta.name)
    return paths.get(scenario, path)


def _input(scenario: Scenario, path: str, label: str | None = None) -> Input:
    meta = describe(path)
    return Input(path, label or meta.label, meta, current(scenario, path, meta))


def _form_row(scenario: Scenario, path: str, label: str | None = None) -> Row:
    item = _input(scenario, path, label)
    return Row(path, item.label, (item,))


def _scalar_fields(
    model: type[BaseModel], only: Callable[[str], bool] = lambda n: True
) -> list[str]:
    """Fields of a model that fit in one cell, in the model's order."""
    return [
        name
        for name, info in model.model_fields.items()
        if value_kind(info.annotation) != "section" and only(name)
    ]


def _table_rows(
    scenario: Scenario, keys: Iterable[tuple[str, str]], columns: list[tuple[str, str]]
) -> tuple[Row, ...]:
    return tuple(
        Row(key, label, tuple(_input(scenario, f"{key}.{name}", text) for name, text in columns))
        for key, label in keys
    )


def _school(scenario: Scenario) -> Part:
    rows = [
        _form_row(scenario, "name", "Scenario name"),
        _form_row(scenario, "description", "Description"),
    ]
    many = len(scenario.schools) > 1
    for i, school in enumerate(scenario.schools):
        at = f"schools[{i}]"
        head = f"{school.name}: " if many else ""
        fields = [
            ("name", "School name"),
            ("grades", "Grades"),
            ("enrollment", "Enrollment (students)"),
            ("classrooms", COHORTS if school.periods is not None else "Classrooms (homerooms)"),
            *([("copies", "Copies of this school")] if many else []),
            ("attendance.chronic_share", "Students: share chronically absent (10%+ of days)"),
            ("attendance.severe_share", "Students: share severely absent (20%+ of days)"),
            *([("devices", "Devices for online stations")] if school.rotation else []),
        ]
        rows += [_form_row(scenario, f"{at}.{f}", head + text) for f, text in fields]
        for name, role in scenario.roles.items():
            if not role.homeroom:
                title = role.title or name
                path = f"{at}.staff.{name}"
                rows.append(_form_row(scenario, path, f"{head}School-wide staff: {title}"))
    return Part(
        "School",
        "School",
        "The school (or schools): students, classrooms, attendance and school-wide staff.",
        False,
        (),
        tuple(rows),
    )


# A school with a period day has no homerooms: its `classrooms` are its cohorts, the groups of
# a grade scheduled alike. The row is relabelled, not hidden, because a planner still sets it:
# team blocks each share a cohort (three blocks a grade are nine cohorts), and it must split
# the grades evenly.
COHORTS = "Cohorts (groups of a grade scheduled alike)"


def _period_day(scenario: Scenario) -> Part:
    """The period day of each school that has one, and what a covered period pays.

    The class-absence rates are one a period, typed in one cell: a planner who changes the
    periods per day types one rate for each period (the import says so when they differ).
    They are not stretched to the new day, since the profile (most absence in the first and
    last periods) is a figure with a source, not a shape the model may invent."""
    rows = []
    many = len(scenario.schools) > 1
    for i, school in enumerate(scenario.schools):
        if school.periods is None:
            continue
        at = f"schools[{i}].periods"
        head = f"{school.name}: " if many else ""
        fields = [
            ("periods_per_day", "Periods per day"),
            ("period_minutes", "Minutes of a period"),
            ("cover_periods_per_week", "Most periods a week a teacher covers"),
            ("class_absence_rates", "Class absence, each period (one rate a period)"),
        ]
        rows += [_form_row(scenario, f"{at}.{f}", head + text) for f, text in fields]
    rows.append(_form_row(scenario, "coverage.period_rate", "Pay for a period covered"))
    return Part(
        "Period day",
        "Period day",
        "Periods a day and their length, how many periods a week a teacher gives up to cover "
        "an absent colleague's class and what each covered period pays, and the share of "
        "each period's classes students miss.",
        False,
        (),
        tuple(rows),
    )


def _courses(scenario: Scenario) -> Part:
    labels = {
        "name": "Course",
        "team": "Taught by team",
        "grades": "Grades (blank: all)",
        "tiers": "Need tiers (blank: all)",
        "class_size_cap": "Class-size cap (students a section)",
        "tutoring": "Tutoring period",
    }
    columns = [
        (name, labels.get(name, describe(f"schools[0].periods.courses[0].{name}").label))
        for name in _scalar_fields(Course)
    ]
    keys, lists = [], []
    many = len(scenario.schools) > 1
    for i, school in enumerate(scenario.schools):
        if school.periods is None:
            continue
        at = f"schools[{i}].periods.courses"
        lists.append(at)
        head = f"{school.name}: " if many else ""
        keys += [(f"{at}[{j}]", head + c.name) for j, c in enumerate(school.periods.courses)]
    return Part(
        "Courses",
        "Courses",
        "The courses students take, in the order of their day: who takes each, the team that "
        "teaches it and its class-size cap (enrollment / cap sections, rounded up); add a row "
        "for another course.",
        True,
        tuple(columns),
        _table_rows(scenario, keys, columns),
        _metas("schools[0].periods.courses[0]", columns),
        tuple(lists),
        lists[0] if len(lists) == 1 else None,
    )


def _role_periods(scenario: Scenario) -> Part:
    """Periods a day by activity of each role that works in periods (a role with none works
    in minutes and is on the Roles sheet only)."""
    columns = [(a, f"{a.replace('_', '-').capitalize()} periods") for a in ACTIVITIES]
    # an entry of the mapping has no description of its own: the mapping's, and its unit
    help = Role.model_fields["periods"].description or ""
    metas = tuple(
        dataclasses.replace(describe(f"roles.x.periods.{a}"), unit="periods per day", help=help)
        for a in ACTIVITIES
    )
    rows = []
    for name, role in scenario.roles.items():
        if role.periods:
            at = f"roles.{name}.periods"
            inputs = [
                Input(f"{at}.{a}", text, meta, current(scenario, f"{at}.{a}", meta))
                for (a, text), meta in zip(columns, metas, strict=True)
            ]
            rows.append(Row(at, role.title or name, tuple(inputs)))
    return Part(
        "Role periods",
        "Periods by role",
        "Periods a day each role gives to each activity: instruction periods teach sections "
        "(a teacher's load, e.g. 5 of 7), small-group periods teach tutoring sections, the "
        "others are its own (blank: none). They add up to at most the periods of the day.",
        True,
        tuple(columns),
        tuple(rows),
        metas,
    )


def _tiers(scenario: Scenario) -> Part:
    columns = [
        ("name", "Tier"),
        ("share", "Share of students"),
        ("dosage_minutes_per_week", "Small-group target (minutes per week)"),
        ("group_size", "Group size (most students)"),
        ("session_minutes", "Session length (minutes)"),
        ("max_sessions_per_day", "Most sessions per day"),
    ]
    keys, lists = [], []
    for i, school in enumerate(scenario.schools):
        lists.append(f"schools[{i}].need_tiers")
        keys += [(f"schools[{i}].need_tiers[{j}]", t.name) for j, t in enumerate(school.need_tiers)]
    return Part(
        "Tiers",
        "Need tiers",
        "Students by need, with their weekly small-group target; shares add up to 1.",
        True,
        tuple(columns),
        _table_rows(scenario, keys, columns),
        _metas("schools[0].need_tiers[0]", columns),
        tuple(lists),
        lists[0] if len(lists) == 1 else None,
    )


def _roles(scenario: Scenario) -> Part:
    def pay(name: str) -> bool:
        return paths.is_cost_only(f"roles.x.{name}")

    names = [*_scalar_fields(Role, pay), "absence_rate", "attrition_rate"]
    columns = [(n, describe(f"roles.x.{n}").label) for n in names]
    keys = [(f"roles.{name}", role.title or name) for name, role in scenario.roles.items()]
    return Part(
        "Roles",
        "Roles and pay",
        "Pay of each role (salaried, or hourly x hours a day), its benefits rate if it has its "
        "own, and how often its holders are absent or leave.",
        True,
        tuple(columns),
        _table_rows(scenario, keys, columns),
        _metas("roles.x", columns),
    )


def _pay_scale(scenario: Scenario) -> Part:
    """The district's salary schedules: a row per step and lane of a salaried role."""
    salaried = [name for name, role in scenario.roles.items() if role.hourly_wage is None]
    columns = [
        (name, describe(f"roles.x.salary_schedule[0].{name}").label)
        for name in _scalar_fields(PayStep)
    ]
    keys, lists = [], []
    for name in salaried:
        role = scenario.roles[name]
        at = f"roles.{name}.salary_schedule"
        lists.append(at)
        for k, step in enumerate(role.salary_schedule):
            lane = f", {step.lane}" if step.lane else ""
            keys.append((f"{at}[{k}]", f"{role.title or name}: step {step.step}{lane}"))
    return Part(
        "Pay scale",
        "Salary schedules",
        "The district's salary schedule of a salaried role, with how many of its staff are "
        "paid at each step and lane: the role's salary is then their average. To give a role "
        "one, add rows with the Key roles.ROLE.salary_schedule[0], [1], ... and set its "
        "salary on Roles to 0.",
        True,
        tuple(columns),
        _table_rows(scenario, keys, columns),
        _metas("roles.x.salary_schedule[0]", columns),
        tuple(lists),
        None,
    )


def _teams(scenario: Scenario) -> Part:
    secondary = all(school.periods is not None for school in scenario.schools)
    rooms = "Cohorts per team (a team block: 1; a department: 0)"
    columns = [("name", "Team"), ("count", "Teams")]
    columns += [("classrooms", rooms if secondary else "Classrooms per team")]
    columns += [
        (f"members.{name}", f"Positions per team: {role.title or name}")
        for name, role in scenario.roles.items()
    ]
    columns += [("shares_students", "Regroups across the team"), ("specialized", "Specialized")]
    keys, lists = [], []
    for i, school in enumerate(scenario.schools):
        lists.append(f"schools[{i}].teams")
        head = f"{school.name}: " if len(scenario.schools) > 1 else ""
        keys += [(f"schools[{i}].teams[{j}]", head + t.name) for j, t in enumerate(school.teams)]
    note = (
        "Departments, MCL teams and team blocks: how many, the cohorts a team block shares, and "
        "positions per team by role (blank: none); courses name the team that teaches them."
        if secondary
        else "Teams of adults and classrooms: how many, and positions per team by role (blank: "
        "none); teams x classrooms must equal the school's classrooms."
    )
    return Part(
        "Teams",
        "Teams",
        note,
        True,
        tuple(columns),
        _table_rows(scenario, keys, columns),
        _metas("schools[0].teams[0]", columns),
        tuple(lists),
        lists[0] if len(lists) == 1 else None,
    )


def _list_table(
    scenario: Scenario,
    sheet: str,
    title: str,
    note: str,
    at: str,
    model: type[BaseModel],
    n: int,
) -> Part:
    columns = [(name, describe(f"{at}[0].{name}").label) for name in _scalar_fields(model)]
    keys = [(f"{at}[{k}]", str(k + 1)) for k in range(n)]
    rows = _table_rows(scenario, keys, columns)
    metas = _metas(f"{at}[0]", columns)
    return Part(sheet, title, note, True, tuple(columns), rows, metas, (at,), at)


def _metas(item: str, columns: list[tuple[str, str]]) -> tuple[FieldMeta, ...]:
    """Each column's field description, read from the model (an empty table has them too)."""
    return tuple(describe(f"{item}.{name}") for name, _ in columns)


def _budget(scenario: Scenario) -> Part:
    fields = [
        ("budget.benefits_rate", "Benefits rate (roles without their own)"),
        ("budget.software_per_student", "Software per student"),
        ("budget.devices.unit_cost", "Price of one device"),
        ("budget.devices.life_years", "Device life"),
        ("substitutes.pool", "Substitutes on the district's list"),
        ("substitutes.daily_rate", "Substitute daily rate"),
        ("substitutes.long_term_daily_rate", "Long-term substitute daily rate"),
        *((f"budget.projection.{name}", None) for name in _scalar_fields(Projection)),
    ]
    return Part(
        "Budget",
        "Budget and projection",
        "Prices besides pay, the substitute pool, and how later years differ from the "
        "simulated one.",
        False,
        (),
        tuple(_form_row(scenario, path, label) for path, label in fields),
    )


# ---- writing edits back -------------------------------------------------------------------
def apply(
    data: dict[str, Any], scenario: Scenario, part: Part, rows: list[Edited], done: Applied
) -> list[str]:
    """Apply what was typed in one part to plain scenario data; return the changed paths
    (and add them, and the list items that moved, to `done`).

    `scenario` is `data` validated (the values before the edit). InputError names the place
    of a row whose key is not one of the part's.
    """
    known = {row.key: row for row in part.rows}
    changed: list[str] = []
    for row in rows:
        if row.key is None:
            continue
        if row.key not in known:
            where = next(iter(row.where.values()), None)
            raise InputError(
                where, row.key, "is not a row of this part", "the keys the template wrote"
            )
        for name, value in row.values.items():
            path = f"{row.key}.{name}" if part.table else row.key
            meta = describe(path)
            if value != current(scenario, path, meta):
                _put(data, path, meta, value)
                changed.append(path)
    done.changed += changed
    if part.lists:
        rebuilt = _rebuild_lists(data, part, rows, done.moves)
        changed += rebuilt
        done.added += [f"{row.placed}.{name}" for row in rows if row.placed for name in row.values]
    else:
        for row in rows:
            if row.key is None and any(v not in (None, "") for v in row.values.values()):
                where = next(iter(row.where.values()), None)
                raise InputError(
                    where, part.title, "rows cannot be added here", "edit the existing rows"
                )
    return changed


def _put(data: dict[str, Any], path: str, meta: FieldMeta, value: Any) -> None:
    """Set a field in plain data; None leaves it out (its default, or no entry)."""
    if value is None:
        parent_path, _, name = path.rpartition(".")
        parent = paths.get(data, parent_path) if parent_path else data
        if isinstance(parent, dict):
            parent.pop(name, None)
        return
    paths.set_value(data, path, plain(value))


def _rebuild_lists(
    data: dict[str, Any], part: Part, rows: list[Edited], moves: dict[str, str | None]
) -> list[str]:
    """Each list of the part made up of its rows, in their order, with added rows; where an
    item moved or went, `moves` says so, and an added row learns the path of its item."""
    items: dict[str, list[Any]] = {at: [] for at in part.lists}
    keys: dict[str, list[str | None]] = {at: [] for at in part.lists}
    for row in rows:
        if row.key is None:
            if all(v in (None, "", []) for v in row.values.values()):
                continue
            into = row.into or part.adds_to
            if into is None or into not in items:
                where = next(iter(row.where.values()), None)
                raise InputError(where, part.title, "a row without a key cannot be placed")
            item: dict[str, Any] = {}
            for name, value in row.values.items():
                if value is not None:
                    _set_below(item, name, plain(value))
            items[into].append(item)
            keys[into].append(None)
            row.placed = f"{into}[{len(items[into]) - 1}]"
        else:
            at = row.key.rsplit("[", 1)[0]
            items[at].append(copy.deepcopy(paths.get(data, row.key)))
            keys[at].append(row.key)
    changed = []
    for at in part.lists:
        before = [row.key for row in part.rows if row.key.rsplit("[", 1)[0] == at]
        if keys[at] != before:
            paths.set_value(data, at, items[at])
            changed.append(at)
            moves |= {key: None for key in before if key not in keys[at]}
            moves |= {key: f"{at}[{k}]" for k, key in enumerate(keys[at]) if key is not None}
    return changed


def _set_below(item: dict[str, Any], name: str, value: Any) -> None:
    """Set `members.mcl`-style fields in a new item's plain data."""
    *parents, last = name.split(".")
    for part in parents:
        item = item.setdefault(part, {})
    item[last] = value
