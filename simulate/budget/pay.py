"""A role's base salary: its own figure, or the average of the district's salary schedule
weighted by the staff on each step and lane."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from simulate.schema.model import Role


def salary(role: Role) -> Decimal:
    """Base salary of one position of the role, in dollars and cents."""
    if not role.salary_schedule:
        return role.salary
    return schedule_average((step.salary, step.staff) for step in role.salary_schedule)


def schedule_average(steps: Iterable[tuple[Any, Any]]) -> Decimal:
    """The pay of a salary schedule's (salary, staff) steps: their average weighted by the
    staff on each, in dollars and cents."""
    pairs = [(Decimal(str(paid)), Decimal(str(staff))) for paid, staff in steps]
    total = sum((paid * staff for paid, staff in pairs), Decimal(0))
    staff = sum((staff for _, staff in pairs), Decimal(0))
    return (total / staff).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
