"""Money: line items, the multi-year projection, goal-seek, budget tables and workbooks.

The names most callers need are re-exported here: `simulate.budget.line_items(scenario)`.
`budget_study` (which runs the simulation) is `simulate.budget_study`, or
`simulate.budget.study.budget_study`: importing it here would make money depend on the study.
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
