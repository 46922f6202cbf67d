"""Student attendance: each student's daily absence rate is drawn once (the logit-normal spread
that gives the school's chronic and severe chronic shares, engine.attendance), then each day
drawn at that rate. An absent student receives no minutes that day (the modules that credit
students read `Students.absent`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulate.engine.attendance import student_rates
from simulate.engine.module import Module

if TYPE_CHECKING:
    from simulate.engine.core import Engine


@dataclass(frozen=True)
class Attendance:
    """What attendance offers: per school, each student's days absent while school was open."""

    days_absent: list[np.ndarray]


class StudentAttendance(Module[Attendance]):
    name = "attendance"
    order = 40
    reads = ("schools.*.attendance",)
    streams = ("student_absence",)

    def __init__(self, run: Engine) -> None:
        super().__init__(run)
        for school in run.schools:
            attendance = school.spec.attendance
            if attendance.chronic_share <= 0:
                continue
            n = school.students.count
            rng = self.rng("student_absence", school.number)
            rates = student_rates(attendance.chronic_share, attendance.severe_share, rng, n)
            school.students.absent = rng.random((run.days.count, n)) < rates

    def results(self) -> Attendance:
        days = self.run.days
        open_ = days.instructional & ~days.closed
        return Attendance([s.students.absent[open_].sum(axis=0) for s in self.run.schools])
