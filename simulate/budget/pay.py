"""A role's base salary: its own figure, or the average of the district's salary schedule
weighted by the staff on each step and lane."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from simulate.schema.model import Role


def salary(role: Role) -> Decimal:
    """Base salary of one position of the role, in dollars and cents."""
    if not role.salary_schedule:
        return role.salary
    staff = [Decimal(str(step.staff)) for step in role.salary_schedule]
    paid = sum(
        (step.salary * n for step, n in zip(role.salary_schedule, staff, strict=True)), Decimal(0)
    )
    return (paid / sum(staff, Decimal(0))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
