"""Planning, collaboration and supervision: they happen as planned, less what friction took
(engine.timesheet), booked once for the year."""

from __future__ import annotations

from simulate.engine.module import Module
from simulate.engine.timesheet import ACTIVITY

DUTIES = ("planning", "collaboration", "supervision")


class Duties(Module[None]):
    name = "duties"
    order = 140
    reads = ("roles.*.schedule",)
    books = DUTIES

    def year(self) -> None:
        for school, sheet in zip(self.run.schools, self.run.timesheets, strict=True):
            ledger = self.run.ledgers[school.number]
            given = sheet.left.sum(axis=0)  # adults x activities
            for role in sorted({a.role_name for a in school.adults}):
                who = [a.index for a in school.adults if a.role_name == role]
                for duty in DUTIES:
                    ledger.delivered(duty, role, float(given[who, ACTIVITY[duty]].sum()))
