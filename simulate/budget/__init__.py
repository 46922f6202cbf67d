"""Money: line items, the multi-year projection, goal-seek, budget tables and workbooks.

The names most callers need are re-exported here: `simulate.budget.line_items(scenario)`,
`simulate.budget.budget_study(scenario, baseline)`.
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
from simulate.budget.study import budget_study

__all__ = [
    "LineItem",
    "Usage",
    "budget_study",
    "line_items",
    "per_pupil",
    "positions",
    "recurring_items",
    "recurring_total",
    "teacher_cost",
    "total",
]
