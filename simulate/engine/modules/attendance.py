"""Student attendance: each student's daily absence rate is drawn once (the logit-normal spread
that gives the school's chronic and severe chronic shares, engine.attendance), then each day
drawn at that rate. An absent student receives no minutes that day (the modules that credit
students read `Students.absent`). In a school with a period day a student in school may still
miss a class (part-day absence: skipping, arriving late, leaving early): each period at the
period's `class_absence_rates`, drawn for every student, day and period independently
[assumption: part-day absence is not concentrated in some students], kept in
`Students.skips`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulate.engine.attendance import student_rates
from simulate.engine.module import Module, kept

if TYPE_CHECKING:
    from simulate.engine.core import Engine


@dataclass(frozen=True)
class Attendance:
    """What attendance offers: per school, each student's days absent while school was open,
    and (None without a period day) the periods it missed on days it was in school."""

    days_absent: list[np.ndarray]
    periods_missed: list[np.ndarray | None]


class StudentAttendance(Module[Attendance]):
    name = "attendance"
    order = 40
    reads = ("schools.*.attendance", "schools.*.periods.class_absence_rates")
    streams = ("student_absence", "class_absence")

    def __init__(self, run: Engine) -> None:
        super().__init__(run)
        for school in run.schools:
            day = school.spec.periods
            if day is not None and day.class_absence_rates:
                rates = np.array(day.class_absence_rates)
                draws = self.rng("class_absence", school.number).random(
                    (run.days.count, len(rates), school.students.count)
                )
                school.students.skips = draws < rates[None, :, None]
            attendance = school.spec.attendance
            if attendance.chronic_share <= 0:
                continue
            n = school.students.count
            rng = self.rng("student_absence", school.number)
            rates = student_rates(attendance.chronic_share, attendance.severe_share, rng, n)
            school.students.absent = rng.random((run.days.count, n)) < rates

    @kept
    def results(self) -> Attendance:
        days = self.run.days
        open_ = days.instructional & ~days.closed
        missed: list[np.ndarray | None] = []
        for s in self.run.schools:
            skips = s.students.skips
            missed.append(
                None
                if skips is None
                else (skips[open_] & ~s.students.absent[open_][:, None, :]).sum(axis=(0, 1))
            )
        return Attendance(
            [np.count_nonzero(s.students.absent[open_], axis=0) for s in self.run.schools], missed
        )
