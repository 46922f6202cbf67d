"""Annual cost line items, computed exactly in Decimal cents, and comparisons between budgets.

Positions come from the scenario; hours worked, vacant days, leavers and substitute days come
from the simulation (`Usage`), so friction shows up in the budget: a vacant position pays no
salary (the long-term substitute is paid instead; a salary line's quantity is the position-years
filled) and every leaver costs a replacement. Every figure is a Decimal rounded to the cent once,
at the line item; totals are exact sums of line items and floats appear only in tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

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
    path: str = ""  # the scenario field its unit cost (or rate) comes from, for its source


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
            own = role.benefits_rate is not None
            rate_path = f"roles.{name}.benefits_rate" if own else "budget.benefits_rate"
            items += _role_items(name, role, benefits_rate(scenario, role), worked, rate_path)
    subs = scenario.substitutes
    items += _item(
        "substitutes",
        "substitute days",
        usage.substitute_days,
        subs.daily_rate,
        driver="pay",
        path="substitutes.daily_rate",
    )
    items += _item(
        "substitutes",
        "long-term substitute days",
        usage.long_term_substitute_days,
        subs.long_term_daily_rate,
        driver="pay",
        path="substitutes.long_term_daily_rate",
    )
    # the engine gives a rotation school without a device count one device per student
    devices = sum(
        (s.enrollment if s.devices is None else s.devices) * s.copies
        for s in scenario.schools
        if s.rotation
    )
    life = budget.devices.life_years
    items += _item(
        "devices",
        f"devices (cost over {life} years)",
        devices,
        budget.devices.unit_cost / life,
        path="budget.devices.unit_cost",
    )
    items += _item(
        "software",
        "software licences per student",
        scenario.enrollment,
        budget.software_per_student,
        driver="enrollment",
        path="budget.software_per_student",
    )
    return items


def one_off_items(scenario: Scenario, year: int) -> list[LineItem]:
    """The one-off costs the scenario budgets for `year` (1-based), at their nominal amount."""
    items: list[LineItem] = []
    for i, one in enumerate(scenario.budget.one_off):
        if one.year == year:
            path = f"budget.one_off[{i}].amount"
            items += _item(one.category, one.name, 1, one.amount, recurring=False, path=path)
    return items


@dataclass(frozen=True)
class RoleYear:
    """How much of a role the year paid for: positions, days on site, vacancies and leavers."""

    positions: int
    days_worked: Decimal  # adult-days on site (hourly staff are paid for these)
    vacant_years: Decimal  # position-years vacant: vacant position-days / school days
    leavers: Decimal  # holders who left during the year


def _role_items(
    name: str, role: Role, rate: Decimal, year: RoleYear, rate_path: str
) -> list[LineItem]:
    """A role's lines: pay per position for the position-years filled (a vacant position pays
    no salary, supplement or stipend), hourly wages for the hours worked, benefits on what was
    paid, and the replacement of leavers (mid-year and at the end of the year)."""
    label, at = role.title or name, f"roles.{name}"
    filled = year.positions - year.vacant_years
    scale = f"{at}.salary_schedule" if role.salary_schedule else f"{at}.salary"
    items = _item("personnel", f"{label} salaries", filled, salary(role), "pay", name, path=scale)
    items += _item(
        "personnel",
        f"{label} supplements",
        filled,
        role.supplement,
        "pay",
        name,
        path=f"{at}.supplement",
    )
    if role.hourly_wage is not None:
        hours = year.days_worked * Decimal(str(role.hours_per_day))
        wage, path = role.hourly_wage, f"{at}.hourly_wage"
        items += _item(
            "hourly", f"{label} wages (hours worked)", hours, wage, "pay", name, path=path
        )
    stipends = _item(
        "residency", f"{label} stipends", filled, role.stipend, "pay", name, path=f"{at}.stipend"
    )
    # benefits follow the pay: not on a stipend the programme pays without benefits
    pay = total(items) + (total(stipends) if role.stipend_benefits else Decimal(0))
    items += _item("benefits", f"{label} benefits", rate, pay, "pay", name, path=rate_path)
    items += stipends
    leavers = year.leavers + year.positions * Decimal(str(role.turnover_rate))
    cost, path = role.replacement_cost, f"{at}.replacement_cost"
    items += _item(
        "turnover", f"{label} replacements (leavers)", leavers, cost, "pay", name, path=path
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
    path: str = "",
) -> list[LineItem]:
    # six decimals: days and position-years averaged over years stay readable and exact in
    # every file (a spreadsheet keeps 15 digits)
    quantity = Decimal(str(quantity)).quantize(QUANTITY, rounding=ROUND_HALF_UP)
    amount = cents(quantity * unit_cost)
    if not amount:
        return []
    return [LineItem(category, item, quantity, unit_cost, amount, recurring, role, driver, path)]


def total(items: Iterable[LineItem]) -> Decimal:
    return sum((i.amount for i in items), Decimal(0))


def recurring_total(items: Iterable[LineItem]) -> Decimal:
    return total(i for i in items if i.recurring)


def per_pupil(amount: Decimal, enrollment: int) -> Decimal:
    return cents(amount / enrollment) if enrollment else Decimal(0)


def teacher_cost(scenario: Scenario) -> Decimal | None:
    """The average teacher position: the unit finance offices trade positions in.

    The mean base salary x (1 + benefits rate) over the salaried roles with `is_teacher: true`,
    weighted by their positions. Supplements, stipends and hourly staff are left out: a
    position is priced on the salary schedule, so the same school's unit is the same whatever
    supplements an arrangement adds and whatever it is compared with. None when the scenario
    has no salaried teacher positions.
    """
    cost, count = Decimal(0), 0
    for name, n in positions(scenario).items():
        role = scenario.roles[name]
        if n and role.is_teacher and role.hourly_wage is None:
            cost += n * salary(role) * (1 + benefits_rate(scenario, role))
            count += n
    return cents(cost / count) if count else None


def key_figures(scenario: Scenario, usage: Usage | None = None) -> dict[str, Decimal]:
    """The budget's headline figures of one scenario, by the keys the measures catalogue's
    budget entries name (their `exact`): recurring and year-1 cost, per pupil and in all, the
    one-off costs of year 1, the district's other spending where given, the average teacher
    position and the recurring cost counted in it."""
    items = line_items(scenario, usage)
    recurring, year1 = recurring_total(items), total(items)
    enrollment = scenario.enrollment
    out = {
        "recurring_per_pupil": per_pupil(recurring, enrollment),
        "recurring": recurring,
        "year1_per_pupil": per_pupil(year1, enrollment),
        "year1_total": year1,
        "one_off": year1 - recurring,
    }
    other = scenario.budget.other_per_pupil
    if other is not None:  # shown apart, never added to the staffing cost
        out |= {"other_per_pupil": other, "whole_per_pupil": out["recurring_per_pupil"] + other}
    unit = teacher_cost(scenario)
    if unit:
        out["average_teacher_position"] = unit
        out["teacher_positions"] = (recurring / unit).quantize(CENT, rounding=ROUND_HALF_UP)
    return out


def differences(figures: dict[str, Decimal], baseline: dict[str, Decimal]) -> dict[str, Decimal]:
    """Each key figure minus the baseline's, keyed `<key>_difference`."""
    return {f"{k}_difference": v - baseline[k] for k, v in figures.items() if k in baseline}


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
