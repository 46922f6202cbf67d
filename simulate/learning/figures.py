"""One year's learning figures, as every command reads them (the `learning.*` metrics).

The estimate here is at the effect sizes' centres; the year-to-year and evidence ranges of a
comparison come from uncertainty.py. Costs are the recurring cost of small-group time (see
adapter.small_group_cost) per adult hour scheduled and delivered, and per student who reached
their tier's dosage target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulate.learning.adapter import Year
from simulate.learning.estimate import SUBJECTS, percentile_points
from simulate.learning.uncertainty import central
from simulate.schema.model import Learning

Key = tuple[str, str, str]
# A cost per student who reached the target is given only when at least this many did: fewer
# leaves a per-student figure resting on a handful of students. 10 is the most students the
# Alliance for Excellent Education (2016, "Ensuring Equity in ESSA: The Role of N-Size in
# Subgroup Accountability") would have a state require before it reports on a group.
FEWEST_AT_TARGET = 10


@dataclass(frozen=True)
class SmallGroupCost:
    """What small-group time cost in a year and what it delivered."""

    cost: float  # recurring dollars
    scheduled_hours: float  # adult hours planned
    delivered_hours: float  # adult hours in sessions
    students_at_target: int  # students with a target who received at least 90% of it


def figures(year: Year, settings: Learning, spent: SmallGroupCost) -> dict[Key, float]:
    """Every learning figure of one year, keyed as in the measures catalogue."""
    out: dict[Key, float] = {}
    coefficients = central(settings)
    for group, inputs in year.inputs.items():
        sd = coefficients @ np.asarray(inputs)
        for s, subject in enumerate(SUBJECTS):
            out[(f"learning.{subject}_sd", group, "value")] = float(sd[s])
            out[(f"learning.{subject}_percentile_points", group, "value")] = float(
                percentile_points(sd[s])
            )
        out[("learning.tutored_share", group, "value")] = year.tutored[group]
    at_target = spent.students_at_target if spent.students_at_target >= FEWEST_AT_TARGET else 0
    per = {
        "learning.small_group_cost_per_scheduled_hour": spent.scheduled_hours,
        "learning.small_group_cost_per_delivered_hour": spent.delivered_hours,
        "learning.cost_per_student_at_target": float(at_target),
    }
    for name, amount in per.items():
        if amount:  # none: the year has no such figure (the catalogue's `empty`), not $0
            out[(name, "all", "value")] = spent.cost / amount
    return out
