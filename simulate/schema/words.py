"""A field and its value in the planner's words: labels and units from the schema, never a
field path or a bare number.

`label("roles.reach_associate.benefits_rate", scenario)` is "Reach associate: benefits rate"
and `written("budget.funding[0].amount", 160000)` is "$160,000". Items of lists are named by
what they are (a school, a need tier, a team, a funding line, a coach's plan) and roles by
their titles, so the report, the workbooks and the app say the same thing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from simulate.schema.fields import describe
from simulate.schema.model import Scenario
from simulate.schema.paths import get, parse
from simulate.schema.yamlsafe import FieldPath

# Top-level sections as headings (roles, schools and budget items are named by their items).
SECTIONS = {
    "calendar": "Calendar",
    "small_groups": "Small groups",
    "relationships": "Relationships",
    "absences": "Adults' absences",
    "substitutes": "Substitutes",
    "coverage": "Coverage",
    "budget": "Budget",
}
# Fields whose values are role names: shown by the roles' titles.
ROLE_LISTS = {"cascade", "needs_cover", "fill_priority", "coachees", "coach"}
# Mappings whose keys are role names (positions) or activities (minutes a day).
POSITIONS = {"members": "positions per team", "staff": "positions (school-wide)"}
ACTIVITY_MINUTES = "minutes a day"


def label(path: str, scenario: Scenario | None = None) -> str:
    """The field at `path` as a planner reads it: where it is, then what it is."""
    parts = parse(path)
    if len(parts) == 1 and parts[0] in SECTIONS:
        return SECTIONS[str(parts[0])]
    where = [
        text for depth in range(len(parts) - 1) if (text := _place(parts[: depth + 1], scenario))
    ]
    last, parent = parts[-1], (parts[-2] if len(parts) > 1 else None)
    if parent in POSITIONS:
        what = f"{_role(str(last), scenario)} {POSITIONS[str(parent)]}"
    elif parent == "schedule":
        what = f"{ACTIVITY_MINUTES} of {str(last).replace('_', ' ')}"
    elif isinstance(last, int):
        what = _item(parts, scenario)
    else:
        what = describe(path).label
        what = what[:1].lower() + what[1:] if where else what
    text = ", ".join(where) + (": " if where else "") + what
    return text[:1].upper() + text[1:]


def written(path: str, value: Any, scenario: Scenario | None = None) -> str:
    """A value of the field at `path` with its unit: $72,030, 4.7%, 180 days, yes/no."""
    if value is None:
        return "none"
    parts = parse(path)
    name = parts[-1]
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if not value:  # a course's grades or tiers left out: it takes every one
            return EVERY.get(str(name), "none") if "courses" in parts else "none"
        return ", ".join(_entry(path, v, scenario) for v in value)
    if isinstance(value, str):
        if name in ROLE_LISTS:
            return _role(value, scenario)
        return value.replace("_", " ") if describe(path).choices else value
    if len(parts) > 1 and parts[-2] == "schedule":
        return _counted(value, "minute")
    meta = describe(path)
    if name == "salary" and not value and _scheduled(parts, scenario):
        return "the salary schedule's average"  # the field's 0 is no pay: the schedule pays
    if meta.kind == "money":
        return dollars(value)
    if meta.unit.startswith("share"):
        return f"{_number(float(value) * 100)}%"
    if name in CALENDAR_YEARS:
        return str(value)
    if name in ORDINALS:
        return f"{ORDINALS[str(name)]} {_number(value)}"
    unit = meta.unit if meta.unit and not meta.unit.startswith(("per ", "$")) else ""
    words = unit.split(" ", 1)
    return _counted(value, words[0].removesuffix("s"), words[1] if len(words) > 1 else "")


EVERY = {"grades": "every grade", "tiers": "every tier"}  # a course's lists left out


def _scheduled(parts: FieldPath, scenario: Scenario | None) -> bool:
    """Whether `parts` is a role's field (roles.NAME....) and the role has a salary schedule."""
    if scenario is None or len(parts) != 3 or parts[0] != "roles":
        return False
    role = scenario.roles.get(str(parts[1]))
    return role is not None and bool(role.salary_schedule)


def dollars(value: float | int | Decimal) -> str:
    """Money as a planner writes it: $72,030, or $23.10 where it has cents."""
    amount = Decimal(str(value))
    cents = amount != amount.to_integral_value()
    return f"${amount:,.2f}" if cents else f"${amount:,.0f}"


# Fields that name a position in time (day 160, week 4, year 3) rather than an amount of it.
ORDINALS = {
    "start_day": "day",
    "from_week": "week",
    "start_year": "year",
    "end_year": "year",
    "year": "year",
}
CALENDAR_YEARS = {"first_year"}


def _counted(value: Any, unit: str, rest: str = "") -> str:
    """`180 days`, `1 day`, `10 minutes per week`: a number and its unit, plural when due."""
    if not unit:
        return _number(value)
    plural = "" if float(value) == 1 else "s"
    return " ".join(x for x in (_number(value), unit + plural, rest) if x)


def _number(value: float | int | Decimal) -> str:
    """Thousands separated; at most four significant decimals, no trailing zeros."""
    if float(value) == int(float(value)):
        return f"{int(float(value)):,}"
    return f"{float(value):,.4g}" if abs(float(value)) < 1000 else f"{float(value):,.2f}"


def _place(here: tuple[str | int, ...], scenario: Scenario | None) -> str:
    """A step of a path in words: a section, a role, a school, an item; '' to say nothing."""
    part = here[-1]
    if len(here) == 1:
        return SECTIONS.get(str(part), "") if part != "budget" else ""
    parent = here[-2]
    if parent == "roles":
        return _role(str(part), scenario)
    if isinstance(part, int):
        return _item(here, scenario)
    if part in ("attendance", "projection", "devices", "rotation"):
        return describe(_dotted(here)).label.lower()
    return ""


def _item(here: tuple[str | int, ...], scenario: Scenario | None) -> str:
    """A list item by what it is: the school's name, 'strategic tier', 'coaching by ...'."""
    kind = here[-2]
    item = get(scenario, _dotted(here)) if scenario is not None else None
    number = int(here[-1]) + 1
    if kind == "schools":
        return item.name if item is not None else f"school {number}"
    if kind == "need_tiers":
        return f"{item.name} tier" if item is not None else f"need tier {number}"
    if kind == "teams":
        return item.name if item is not None else f"team {number}"
    if kind == "coaching":
        if item is None:
            return f"coaching plan {number}"
        return f"coaching by the {_role(item.coach, scenario).lower()}"
    if kind == "funding":
        return f"funding “{item.name}”" if item is not None else f"funding line {number}"
    if kind == "one_off":
        return f"one-off cost “{item.name}”" if item is not None else f"one-off cost {number}"
    if kind == "courses":
        return f"course “{item.name}”" if item is not None else f"course {number}"
    if kind == "class_absence_rates":
        return f"part-day absence in period {number}"
    if kind == "testing_windows":
        return f"testing window {number}"
    if kind == "stations":
        return f"station {number}" + (f" ({item.kind.replace('_', ' ')})" if item else "")
    if kind == "ramp":
        return f"ramp step {number}"
    if kind == "salary_schedule":
        if item is None:
            return f"salary schedule, row {number}"
        return f"salary schedule, step {item.step}" + (f", {item.lane}" if item.lane else "")
    return f"item {number}"


def _entry(path: str, value: Any, scenario: Scenario | None) -> str:
    """One item of a list: a role by its title, a share as a percent (a grant's 100%, 66%,
    33%), a name without its underscores (small group, one off)."""
    name = parse(path)[-1]
    if isinstance(value, int | float) and describe(path).unit.startswith("share"):
        return f"{_number(float(value) * 100)}%"
    if name in ROLE_LISTS or (scenario is not None and str(value) in scenario.roles):
        return _role(str(value), scenario)
    return str(value).replace("_", " ")


def _role(name: str, scenario: Scenario | None) -> str:
    role = scenario.roles.get(name) if scenario is not None else None
    if role is not None and role.title:
        return role.title
    return name.replace("_", " ") if name != "split" else "split the class"


def _dotted(parts: tuple[str | int, ...]) -> str:
    from simulate.schema.yamlsafe import dotted

    return dotted(parts)
