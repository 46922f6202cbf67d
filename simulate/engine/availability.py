"""Who is where each morning: absences and vacancies (drawn up front, see roster), closures
and testing windows (see calendar). Sets every adult's status for the day."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulate.engine.roster import Adult
from simulate.engine.school import SchoolState, Status

if TYPE_CHECKING:
    from simulate.engine.school import Run


class Availability:
    def __init__(self, run: Run) -> None:
        self.run = run

    def morning(self, school: SchoolState) -> None:
        """Each adult's status today: vacant, absent or present."""
        day = self.run.day
        for adult in school.adults:
            school.status[adult.index] = self.status(adult, day)

    @staticmethod
    def status(adult: Adult, day: int) -> Status:
        if adult.vacant[day]:
            return Status.VACANCY
        if adult.absent[day]:
            return Status.ABSENCE
        return Status.PRESENT

    def testing_cancels(self) -> frozenset[str]:
        """Activities today's testing window cancels (none outside a window)."""
        return self.run.days.testing_cancels[self.run.day]

    def closed_today(self) -> bool:
        return bool(self.run.days.closed[self.run.day])
