"""Annual cost line items, computed exactly in Decimal cents.

Positions come from the scenario; hours worked and substitute days come from the simulation
(`Usage`), so friction shows up in the budget.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from .scenario import Role, Scenario

CENT = Decimal("0.01")


def cents(value: Decimal | float | int) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Usage:
    """What the simulated year consumed that is paid by the day or hour."""

    days_worked: dict[str, float] = field(default_factory=dict)  # role -> adult-days on site
    substitute_days: float = 0.0
    long_term_substitute_days: float = 0.0


@dataclass(frozen=True)
class LineItem:
    category: str  # personnel, benefits, residency, hourly, substitutes, devices, software, one-off
    item: str
    quantity: Decimal
    unit_cost: Decimal
    amount: Decimal
    recurring: bool = True
    role: str = ""


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


def line_items(scenario: Scenario, usage: Usage | None = None) -> list[LineItem]:
    usage = usage or Usage()
    budget = scenario.budget
    items: list[LineItem] = []
    for name, count in positions(scenario).items():
        if count:
            items.extend(
                _role_items(
                    name,
                    scenario.roles[name],
                    count,
                    budget.benefits_rate,
                    usage.days_worked.get(name, 0.0),
                )
            )
    subs = scenario.substitutes
    items += _item("substitutes", "substitute days", usage.substitute_days, subs.daily_rate)
    items += _item(
        "substitutes",
        "long-term substitute days",
        usage.long_term_substitute_days,
        subs.long_term_daily_rate,
    )
    devices = sum((s.devices or 0) * s.copies for s in scenario.schools if s.rotation)
    life = budget.devices.life_years
    items += _item(
        "devices", f"devices (cost over {life} years)", devices, budget.devices.unit_cost / life
    )
    items += _item(
        "software",
        "software licences per student",
        scenario.enrollment,
        budget.software_per_student,
    )
    for one in budget.one_off:
        if one.year == 1:
            items += _item(one.category, one.name, 1, one.amount, recurring=False)
    return items


def _role_items(
    name: str, role: Role, count: int, default_benefits: float, days: float
) -> list[LineItem]:
    label = role.title or name
    rate = Decimal(str(role.benefits_rate if role.benefits_rate is not None else default_benefits))
    if role.hourly_wage is not None:
        hours = Decimal(str(days)) * Decimal(str(role.hours_per_day))
        wages = _item("hourly", f"{label} wages (hours worked)", hours, role.hourly_wage, role=name)
        pay = sum((i.amount for i in wages), Decimal(0))
        return wages + _item("benefits", f"{label} benefits", pay, rate, role=name)
    items = _item("personnel", f"{label} salaries", count, role.salary, role=name)
    items += _item("personnel", f"{label} supplements", count, role.supplement, role=name)
    pay = (role.salary + role.supplement) * count
    items += _item("benefits", f"{label} benefits", pay, rate, role=name)
    items += _item("residency", f"{label} stipends", count, role.stipend, role=name)
    return items


def _item(
    category: str,
    item: str,
    quantity: float | Decimal | int,
    unit_cost: Decimal,
    recurring: bool = True,
    role: str = "",
) -> list[LineItem]:
    quantity = Decimal(str(quantity))
    amount = cents(quantity * unit_cost)
    if not amount:
        return []
    return [LineItem(category, item, quantity, unit_cost, amount, recurring, role)]


def total(items: Iterable[LineItem]) -> Decimal:
    return sum((i.amount for i in items), Decimal(0))


def frame(items: list[LineItem], enrollment: int) -> pd.DataFrame:
    """Line items as a table, money as exact strings-of-cents turned into floats only here."""
    rows = [
        {
            "category": i.category,
            "item": i.item,
            "role": i.role,
            "quantity": float(i.quantity),
            "unit_cost": float(i.unit_cost),
            "amount": float(i.amount),
            "per_pupil": float(cents(i.amount / enrollment)) if enrollment else 0.0,
            "recurring": i.recurring,
        }
        for i in items
    ]
    columns = [
        "category",
        "item",
        "role",
        "quantity",
        "unit_cost",
        "amount",
        "per_pupil",
        "recurring",
    ]
    return pd.DataFrame(rows, columns=columns)
