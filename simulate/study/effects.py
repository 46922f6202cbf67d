"""What a change does to a scenario, in the figures a planner weighs first: the recurring
staffing cost per pupil, the small-group time delivered, coaching, and the learning estimate
where the catalogue has one. Both scenarios run on the same seed and years (common random
numbers), so the difference is the change's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulate.measures.catalogue import CATALOGUE

if TYPE_CHECKING:
    from simulate.study.run import Result

FIGURES = [  # (metric, statistic); those the catalogue does not have are left out
    ("budget.per_pupil", "value"),
    ("small_group.minutes_per_student_week", "mean"),
    ("small_group.target_delivered_share", "value"),
    ("coaching.observations_per_teacher_week", "realized"),
    ("coaching.feedback_on_time_share", "value"),  # what an overloaded coach loses first
    ("learning.reading_sd", "value"),  # the learning estimate: from published studies
    ("learning.math_sd", "value"),
]
ESTIMATES = ("learning.",)  # figures said to be estimates from published studies


@dataclass(frozen=True)
class Effect:
    label: str
    unit: str
    kind: str  # a format of measures.formats
    better: int  # +1 higher is better, -1 lower, 0 neither
    before: float
    after: float
    estimate: bool = False  # the learning estimate (docs/outcomes.md), said as such

    @property
    def difference(self) -> float:
        return self.after - self.before


def effects(before: Result, after: Result) -> list[Effect]:
    """The key figures of two results of the same seed and years, side by side; a figure that
    is nothing both before and after (small groups in a middle school without tutoring) is
    left out, as the school does not have it."""
    out = []
    for metric, statistic in FIGURES:
        entry = CATALOGUE.get(metric)
        if entry is None:
            continue
        was, now = before.value(metric, statistic), after.value(metric, statistic)
        if was == 0 and now == 0:
            continue
        out.append(
            Effect(
                entry.label,
                entry.unit,
                entry.kind_of(statistic),
                entry.better_for(statistic),
                was,
                now,
                metric.startswith(ESTIMATES),
            )
        )
    return out
