"""Teaching: the minutes adults give whole classes, and the day's register of who is in.

Only students present that day receive minutes. A homeroom adult teaches its class (in a
specialized team, every class of the team in turn); a co-teacher joins a team's classrooms in
turn and adds contact, not minutes; a covering adult teaches an absent colleague's class.
Small groups are in engine.small_groups.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulate.engine.roster import NO_TEAM, Adult
from simulate.engine.school import SchoolState

if TYPE_CHECKING:
    from simulate.engine.school import Run


class Instruction:
    def __init__(self, run: Run) -> None:
        self.run = run

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
