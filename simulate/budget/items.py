"""Annual cost line items, computed exactly in Decimal cents, and comparisons between budgets.

Positions come from the scenario; hours worked, vacant days, leavers and substitute days come
from the simulation (`Usage`), so friction shows up in the budget: a vacant position pays no
salary (the long-term substitute is paid instead; a salary line's quantity is the position-years
filled) and every leaver costs a replacement. Every figure is a Decimal rounded to the cent once,
at the line item; totals are exact sums of line items and floats appear only in tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

import pandas as pd

from simulate.budget.pay import salary
from simulate.schema.model import Role, Scenario

CENT = Decimal("0.01")
QUANTITY = Decimal("0.000001")  # the precision of a line item's quantity
Driver = Literal["pay", "enrollment", "fixed"]  # what makes an item grow in later years
Key = tuple[str, str, str]  # (category, item, role): a line item's name across years


def cents(value: Decimal | float | int) -> Decimal:
    """Round half up to the cent; via str, so a float 2.675 rounds as written, to 2.68."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Usage:
    """What the simulated year consumed that is paid by the day or hour, or not paid at all."""

    days_worked: dict[str, float] = field(default_factory=dict)  # role -> adult-days on site
    substitute_days: float = 0.0
    long_term_substitute_days: float = 0.0
    vacancy_days: dict[str, float] = field(default_factory=dict)  # role -> position-days vacant
    leavers: dict[str, float] = field(default_factory=dict)  # role -> holders who left mid-year


@dataclass(frozen=True)
class LineItem:
    """One budget line: amount = cents(quantity x unit_cost).

    Benefits lines read "rate x pay": quantity is the benefits rate, unit_cost the pay it
    applies to, so unit_cost is money on every line (Excel formats it as currency).
    """

    category: str  # personnel, benefits, residency, hourly, substitutes, devices, software, one-off
    item: str
    quantity: Decimal
    unit_cost: Decimal
    amount: Decimal
    recurring: bool = True
    role: str = ""
    driver: Driver = "fixed"  # pay: grows with salaries; enrollment: scales with students


def key(item: LineItem) -> Key:
    return (item.category, item.item, item.role)


def positions(scenario: Scenario) -> dict[str, int]:
    """Positions per role across all schools (team members and school-wide staff)."""
    out: dict[str, int] = {}
    for school in scenario.schools:
        for team in school.teams:
            for role, n in team.members.items():
                out[role] = out.get(role, 0) + n * team.count * school.copies
        for role, n in school.staff.items():
            out[role] = out.get(role, 0) + n * school.copies
    return out


def benefits_rate(scenario: Scenario, role: Role) -> Decimal:
    rate = role.benefits_rate if role.benefits_rate is not None else scenario.budget.benefits_rate
    return Decimal(str(rate))


def line_items(scenario: Scenario, usage: Usage | None = None) -> list[LineItem]:
    """Year-1 line items: recurring costs plus the one-off costs budgeted for year 1."""
    return recurring_items(scenario, usage) + one_off_items(scenario, 1)


def recurring_items(scenario: Scenario, usage: Usage | None = None) -> list[LineItem]:
    """Every cost that comes back each year; the projection grows each by its driver."""
    usage = usage or Usage()
    budget = scenario.budget
    items: list[LineItem] = []
    year = Decimal(scenario.calendar.school_days)
    for name, count in positions(scenario).items():
        if count:
            role = scenario.roles[name]
            worked = RoleYear(
                count,
                Decimal(str(usage.days_worked.get(name, 0.0))),
                Decimal(str(usage.vacancy_days.get(name, 0.0))) / year,
                Decimal(str(usage.leavers.get(name, 0.0))),
            )
            items += _role_items(name, role, benefits_rate(scenario, role), worked)
    subs = scenario.substitutes
    items += _item(
        "substitutes", "substitute days", usage.substitute_days, subs.daily_rate, driver="pay"
    )
    items += _item(
        "substitutes",
        "long-term substitute days",
        usage.long_term_substitute_days,
        subs.long_term_daily_rate,
        driver="pay",
    )
    # the engine gives a rotation school without a device count one device per student
    devices = sum(
        (s.enrollment if s.devices is None else s.devices) * s.copies
        for s in scenario.schools
        if s.rotation
    )
    life = budget.devices.life_years
    items += _item(
        "devices", f"devices (cost over {life} years)", devices, budget.devices.unit_cost / life
    )
    items += _item(
        "software",
        "software licences per student",
        scenario.enrollment,
        budget.software_per_student,
        driver="enrollment",
    )
    return items


def one_off_items(scenario: Scenario, year: int) -> list[LineItem]:
    """The one-off costs the scenario budgets for `year` (1-based), at their nominal amount."""
    items: list[LineItem] = []
    for one in scenario.budget.one_off:
        if one.year == year:
            items += _item(one.category, one.name, 1, one.amount, recurring=False)
    return items


@dataclass(frozen=True)
class RoleYear:
    """How much of a role the year paid for: positions, days on site, vacancies and leavers."""

    positions: int
    days_worked: Decimal  # adult-days on site (hourly staff are paid for these)
    vacant_years: Decimal  # position-years vacant: vacant position-days / school days
    leavers: Decimal  # holders who left during the year


def _role_items(name: str, role: Role, rate: Decimal, year: RoleYear) -> list[LineItem]:
    """A role's lines: pay per position for the position-years filled (a vacant position pays
    no salary, supplement or stipend), hourly wages for the hours worked, benefits on what was
    paid, and the replacement of leavers (mid-year and at the end of the year)."""
    label = role.title or name
    filled = year.positions - year.vacant_years
    items = _item("personnel", f"{label} salaries", filled, salary(role), "pay", name)
    items += _item("personnel", f"{label} supplements", filled, role.supplement, "pay", name)
    if role.hourly_wage is not None:
        hours = year.days_worked * Decimal(str(role.hours_per_day))
        items += _item(
            "hourly", f"{label} wages (hours worked)", hours, role.hourly_wage, "pay", name
        )
    stipends = _item("residency", f"{label} stipends", filled, role.stipend, "pay", name)
    # benefits follow the pay: not on a stipend the programme pays without benefits
    pay = total(items) + (total(stipends) if role.stipend_benefits else Decimal(0))
    items += _item("benefits", f"{label} benefits", rate, pay, "pay", name)
    items += stipends
    leavers = year.leavers + year.positions * Decimal(str(role.turnover_rate))
    items += _item(
        "turnover", f"{label} replacements (leavers)", leavers, role.replacement_cost, "pay", name
    )
    return items


def _item(
    category: str,
    item: str,
    quantity: float | Decimal | int,
    unit_cost: Decimal,
    driver: Driver = "fixed",
    role: str = "",
    recurring: bool = True,
) -> list[LineItem]:
    # six decimals: days and position-years averaged over years stay readable and exact in
    # every file (a spreadsheet keeps 15 digits)
    quantity = Decimal(str(quantity)).quantize(QUANTITY, rounding=ROUND_HALF_UP)
    amount = cents(quantity * unit_cost)
    if not amount:
        return []
    return [LineItem(category, item, quantity, unit_cost, amount, recurring, role, driver)]


def total(items: Iterable[LineItem]) -> Decimal:
    return sum((i.amount for i in items), Decimal(0))


def recurring_total(items: Iterable[LineItem]) -> Decimal:
    return total(i for i in items if i.recurring)


def per_pupil(amount: Decimal, enrollment: int) -> Decimal:
    return cents(amount / enrollment) if enrollment else Decimal(0)


def teacher_cost(scenario: Scenario) -> Decimal | None:
    """Cost of one average teacher with benefits: the unit finance offices trade positions in.

    The mean of (salary + supplement) x (1 + benefits rate) over the salaried roles with
    `is_teacher: true`, weighted by their positions; stipends and hourly staff are left out.
    None when the scenario has no salaried teacher positions.
    """
    cost, count = Decimal(0), 0
    for name, n in positions(scenario).items():
        role = scenario.roles[name]
        if n and role.is_teacher and role.hourly_wage is None:
            cost += n * (salary(role) + role.supplement) * (1 + benefits_rate(scenario, role))
            count += n
    return cents(cost / count) if count else None


def position_cost(scenario: Scenario, name: str) -> Decimal:
    """Cost of one position of role `name` filled all year with no absences, benefits included:
    salary, supplement, stipend and, for hourly staff, hours_per_day on every instructional day.

    Divided by teacher_cost it gives a role's position units, the arithmetic Opportunity Culture
    districts trade positions in (leavers' replacement is not included: it is per leaver).
    """
    role = scenario.roles[name]
    rate = benefits_rate(scenario, role)
    calendar = scenario.calendar
    days = calendar.school_days - len(set(calendar.non_instructional_days))
    wages = Decimal(0)
    if role.hourly_wage is not None:
        wages = role.hourly_wage * days * Decimal(str(role.hours_per_day))
    stipend = role.stipend if role.stipend_benefits else Decimal(0)
    benefited = salary(role) + role.supplement + wages + stipend
    return cents(benefited * (1 + rate) + role.stipend - stipend)


def equivalents(amount: Decimal, unit: Decimal | None) -> float:
    """An amount in teacher-position equivalents (two decimals); 0 when there is no unit."""
    return float((amount / unit).quantize(CENT, rounding=ROUND_HALF_UP)) if unit else 0.0


def frame(
    items: list[LineItem],
    enrollment: int,
    unit: Decimal | None = None,
    intervals: dict[Key, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Line items as a table; money turns into floats only here (each exact to the cent).

    With `unit` (see teacher_cost) a `teacher_positions` column gives each amount in
    teacher-position equivalents; with `intervals` (by key) each amount gets its 95% interval
    over the simulated years in `amount_ci_low` and `amount_ci_high`.
    """
    columns = ["category", "item", "role", "quantity", "unit_cost", "amount"]
    columns += ["amount_ci_low", "amount_ci_high"] if intervals is not None else []
    columns += ["per_pupil", "recurring", *(["teacher_positions"] if unit else [])]
    rows = []
    for i in items:
        low, high = (intervals or {}).get(key(i), (float(i.amount), float(i.amount)))
        rows.append(
            {
                "category": i.category,
                "item": i.item,
                "role": i.role,
                "quantity": float(i.quantity),
                "unit_cost": float(i.unit_cost),
                "amount": float(i.amount),
                "amount_ci_low": round(low, 2),
                "amount_ci_high": round(high, 2),
                "per_pupil": float(per_pupil(i.amount, enrollment)),
                "recurring": i.recurring,
                "teacher_positions": equivalents(i.amount, unit),
            }
        )
    return pd.DataFrame(rows, columns=columns)


COMPARISON_COLUMNS = [
    "category",
    "item",
    "role",
    "baseline_amount",
    "amount",
    "difference",
    "baseline_per_pupil",
    "per_pupil",
    "per_pupil_difference",
    "difference_teacher_positions",
]


def compare_budgets(
    scenario: Scenario,
    baseline: Scenario,
    usage: Usage | None = None,
    baseline_usage: Usage | None = None,
    unit: Decimal | None = None,
) -> pd.DataFrame:
    """Year-1 line items of scenario against baseline: amounts, per pupil and differences.

    Items are matched on (category, item, role); an item only one side has is zero on the
    other. Rows follow the baseline's order, then the scenario's new items. `unit` defaults to
    the baseline's average teacher (teacher_cost), so both sides are priced alike.
    """
    return _comparison(
        scenario,
        baseline,
        usage,
        baseline_usage,
        unit,
        key=lambda i: (i.category, i.item, i.role),
    )


def compare_categories(
    scenario: Scenario,
    baseline: Scenario,
    usage: Usage | None = None,
    baseline_usage: Usage | None = None,
    unit: Decimal | None = None,
) -> pd.DataFrame:
    """Like compare_budgets, summed by category: where the money freed goes."""
    out = _comparison(
        scenario, baseline, usage, baseline_usage, unit, key=lambda i: (i.category, "", "")
    )
    return out.drop(columns=["item", "role"])


def _comparison(
    scenario: Scenario,
    baseline: Scenario,
    usage: Usage | None,
    baseline_usage: Usage | None,
    unit: Decimal | None,
    key: Callable[[LineItem], tuple[str, str, str]],
) -> pd.DataFrame:
    """Both sides' year-1 line items summed by `key` (category, item, role), baseline first."""
    unit = unit or teacher_cost(baseline) or teacher_cost(scenario)
    sums: dict[tuple[str, str, str], list[Decimal]] = {}
    for side, items in enumerate(
        (line_items(baseline, baseline_usage), line_items(scenario, usage))
    ):
        for i in items:
            sums.setdefault(key(i), [Decimal(0), Decimal(0)])[side] += i.amount
    out = []
    for (category, item, role), (was, now) in sums.items():
        was_pp = per_pupil(was, baseline.enrollment)
        now_pp = per_pupil(now, scenario.enrollment)
        out.append(
            {
                "category": category,
                "item": item,
                "role": role,
                "baseline_amount": float(was),
                "amount": float(now),
                "difference": float(now - was),
                "baseline_per_pupil": float(was_pp),
                "per_pupil": float(now_pp),
                "per_pupil_difference": float(now_pp - was_pp),
                "difference_teacher_positions": equivalents(now - was, unit),
            }
        )
    return pd.DataFrame(out, columns=COMPARISON_COLUMNS)


def role_table(
    scenario: Scenario,
    usage: Usage | None = None,
    baseline: Scenario | None = None,
    baseline_usage: Usage | None = None,
    unit: Decimal | None = None,
) -> pd.DataFrame:
    """Positions and annual cost by role (all of a role's lines), against the baseline if given.

    This is the table that shows a trade of positions: the teacher positions left unfilled,
    the money they free, and the roles that money now pays for. `cost_per_position` is one
    position filled all year (position_cost) and `position_units` that cost in average
    teachers (`unit`), the units Opportunity Culture districts trade positions in.
    """
    counts, costs = positions(scenario), _cost_by_role(scenario, usage)

    def each(role: str) -> dict[str, float]:
        spec = scenario if role in scenario.roles else baseline
        assert spec is not None
        one = position_cost(spec, role)
        return {"cost_per_position": float(one), "position_units": equivalents(one, unit)}

    if baseline is None:
        return pd.DataFrame(
            [
                {
                    "role": role,
                    "title": scenario.roles[role].title or role,
                    "positions": n,
                    "cost": float(costs.get(role, Decimal(0))),
                    "teacher_positions": equivalents(costs.get(role, Decimal(0)), unit),
                    **each(role),
                }
                for role, n in counts.items()
            ]
        )
    was_counts, was_costs = positions(baseline), _cost_by_role(baseline, baseline_usage)
    rows = []
    for role in dict.fromkeys([*was_counts, *counts]):
        n, was_n = counts.get(role, 0), was_counts.get(role, 0)
        now, was = costs.get(role, Decimal(0)), was_costs.get(role, Decimal(0))
        rows.append(
            {
                "role": role,
                "title": (scenario.roles.get(role) or baseline.roles[role]).title or role,
                "baseline_positions": was_n,
                "positions": n,
                "position_difference": n - was_n,
                "baseline_cost": float(was),
                "cost": float(now),
                "cost_difference": float(now - was),
                "difference_teacher_positions": equivalents(now - was, unit),
                **each(role),
            }
        )
    return pd.DataFrame(rows)


def _cost_by_role(scenario: Scenario, usage: Usage | None) -> dict[str, Decimal]:
    """Recurring cost of each role's lines (salaries, benefits, stipends, wages)."""
    out: dict[str, Decimal] = {}
    for i in recurring_items(scenario, usage):
        if i.role:
            out[i.role] = out.get(i.role, Decimal(0)) + i.amount
    return out
