"""The school-year calendar: which days are instructional, closed, or in a testing window."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulate.engine.streams import stream
from simulate.schema.model import Calendar

DAY = 1440  # minutes; day d of the year starts at d * DAY, when absences are called in
BELL = 60  # the school day starts this long after: cover is settled by then


@dataclass(frozen=True)
class Days:
    instructional: np.ndarray  # bool per school day: students planned to attend
    closed: np.ndarray  # bool per school day: unplanned closure (weather)
    testing_cancels: tuple[frozenset[str], ...]  # activities a testing window cancels that day
    week: np.ndarray  # 0-based instructional week of each day
    days_per_week: int

    @property
    def count(self) -> int:
        return len(self.instructional)

    @property
    def weeks(self) -> float:
        """Instructional weeks: the denominator of every weekly figure."""
        return float(self.instructional.sum()) / self.days_per_week


def build_days(calendar: Calendar, seed: int, replication: int) -> Days:
    n = calendar.school_days
    instructional = np.ones(n, dtype=bool)
    instructional[list(calendar.non_instructional_days)] = False
    draws = stream(seed, replication, "closures").random(n)
    closed = instructional & (draws < calendar.closure_rate)
    cancels: list[frozenset[str]] = [frozenset()] * n
    for window in calendar.testing_windows:
        for day in range(window.start_day, window.start_day + window.days):
            cancels[day] = cancels[day] | frozenset(window.cancels)
    week = np.cumsum(instructional) - 1
    week = np.maximum(week, 0) // calendar.days_per_week
    return Days(instructional, closed, tuple(cancels), week, calendar.days_per_week)
