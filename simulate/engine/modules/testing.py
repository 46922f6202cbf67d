"""Testing windows: on their days they cancel the activities they name (small groups,
coaching) for every adult, after coverage has taken its share."""

from __future__ import annotations

import numpy as np

from simulate.engine.module import Module, Today
from simulate.engine.timesheet import ACTIVITY

TESTING = "testing"


class Testing(Module[None]):
    name = "testing"
    order = 60
    reads = ("calendar.testing_windows",)
    losses = (TESTING,)

    def day(self, today: Today) -> None:
        if not today.cancels or today.closed:
            return
        cancelled = np.zeros(len(ACTIVITY))
        cancelled[[ACTIVITY[a] for a in today.cancels]] = np.inf
        for sheet in self.run.timesheets:
            sheet.take_on(TESTING, today.day, cancelled)
