"""Money: line items, the multi-year projection and goal-seek, from a scenario and what its
simulated years used. The tables and workbooks that show them are written in the study.

The names most callers need are re-exported here: `simulate.budget.line_items(scenario)`.
`budget_study` (which runs the simulation) is `simulate.budget_study`, or
`simulate.study.budget_study.budget_study`: money knows nothing of simulations.
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
