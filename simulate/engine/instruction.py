"""Teaching: the minutes adults give whole classes, and the day's register of who is in.

Only students present that day receive minutes. A homeroom adult teaches its class (in a
specialized team, every class of the team in turn); a co-teacher joins a team's classrooms in
turn and adds contact, not minutes; a covering adult teaches an absent colleague's class.
Small groups are in engine.small_groups.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulate.engine.roster import NO_TEAM, Adult
from simulate.engine.school import SchoolState, Status

if TYPE_CHECKING:
    from simulate.engine.school import Run


class Instruction:
    def __init__(self, run: Run) -> None:
        self.run = run

    def morning(self, school: SchoolState) -> None:
        """A new day: who is in school; nobody has been in a small group yet."""
        school.served_today[:] = 0
        school.present = ~school.students.absent[self.run.day]
        school.attending = school.present.astype(float)

    def count_student_day(self, school: SchoolState) -> None:
        """An open day: students on teams whose leader is in post count towards reach."""
        school.student_days += school.students.count
        led = self._led_teams(school)
        if led.size:
            school.led_student_days += float(np.isin(school.students.team, led).sum())

    @staticmethod
    def _led_teams(school: SchoolState) -> np.ndarray:
        teams = {
            a.team
            for a in school.adults
            if a.role.leads_team and a.team != NO_TEAM and school.status[a.index] != Status.VACANCY
        }
        return np.fromiter(teams, dtype=np.int64, count=len(teams))

    def teach(self, school: SchoolState, adult: Adult, minutes: float) -> None:
        """A homeroom adult's class gets its instruction; a co-teacher (no class of its own)
        joins a team's (or the school's) classrooms in turn, one a day: the students already
        have their teacher's minutes, so a co-teacher adds contact, not minutes."""
        if adult.homeroom >= 0:
            taught, share = school.taught_by(adult)
            self.credit_class(school, taught, minutes * share, adult.index)
            return
        taught = school.room_students[co_taught_room(school, adult, self.run.school_day)]
        school.contact[taught, adult.index] += minutes * school.attending[taught]

    @staticmethod
    def credit_class(school: SchoolState, taught: slice, minutes: float, by: int | None) -> None:
        """Instruction for the students present in a class; contact with the adult `by`."""
        given = minutes * school.attending[taught]
        school.received.instruction[taught] += given
        if by is not None:
            school.contact[taught, by] += given


def co_taught_room(school: SchoolState, adult: Adult, school_day: int) -> int:
    """The classroom a co-teacher joins on a school day: its team's (or the school's) rooms in
    turn, one a day."""
    team = adult.team
    rooms = school.team_rooms[team] if team != NO_TEAM else range(school.spec.classrooms)
    return list(rooms)[school_day % len(rooms)]
