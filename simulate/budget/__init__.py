"""Money: line items, the multi-year projection, goal-seek, budget tables and workbooks.

The names most callers need are re-exported here: `simulate.budget.line_items(scenario)`.
"""

from simulate.budget.items import (
    LineItem,
    Usage,
    line_items,
    per_pupil,
    positions,
    recurring_items,
    recurring_total,
    teacher_cost,
    total,
)

__all__ = [
    "LineItem",
    "Usage",
    "line_items",
    "per_pupil",
    "positions",
    "recurring_items",
    "recurring_total",
    "teacher_cost",
    "total",
]
