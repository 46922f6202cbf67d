"""Instruction: the minutes adults teach whole classes, booked once for the year.

Only students in school that day receive minutes. A homeroom adult teaches its class (in a
specialized team, every class of the team in turn); a co-teacher (no class of its own) joins
its team's (or the school's) classrooms in turn, one a day, and adds contact, not minutes (the
students already have their teacher's); the class of an adult away is taught by whoever
covered it (engine.modules.coverage), or lost as uncovered. What friction took is the
timesheet's; what is left of each adult's instruction is booked here, with every minute each
student received and who gave it. Small groups are engine.modules.small_groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulate.engine.ledger import Ledger
from simulate.engine.module import Module
from simulate.engine.modules.availability import PRESENT, VACANT, Availability
from simulate.engine.modules.coverage import COVERERS, NOT_ASKED, UNCOVERED, Coverage
from simulate.engine.modules.period_coverage import PeriodCoverage
from simulate.engine.roster import NO_TEAM, Roster
from simulate.engine.sections import UNCOVERED_CLASS, Met, meet
from simulate.engine.timesheet import INSTRUCTION
from simulate.engine.timetable import NONE

if TYPE_CHECKING:
    from simulate.engine.core import Engine


@dataclass(frozen=True)
class Taught:
    """What instruction offers: per school, the minutes each student was taught, the minutes
    each student spent with each adult (students x adults) and the open days each adult's team
    had its leader in post (0 off a team led by a multi-classroom leader); over all schools,
    student-days and those on a team whose leader was in post (not a vacancy), a school with
    a period day counting each student-day by the share of the student's classes taught on
    such a team; per school with a period day, what its classes gave (engine.sections)."""

    minutes: list[np.ndarray]
    contact: list[np.ndarray]
    led_days: list[np.ndarray]
    student_days: float
    led_student_days: float
    sections: list[Met | None]


class Instruction(Module[Taught]):
    name = "instruction"
    order = 100
    reads = (
        "roles.*.schedule",
        "roles.*.periods",
        "roles.*.homeroom",
        "roles.*.leads_team",
        "schools.*.teams",
        "schools.*.periods",
    )
    books = ("instruction",)
    losses = (UNCOVERED_CLASS,)

    def __init__(self, run: Engine) -> None:
        super().__init__(run)
        self.minutes = [np.zeros(s.students.count) for s in run.schools]
        # column-major: a class is credited one adult's column at a time
        self.contact = [np.zeros((s.students.count, len(s.adults)), order="F") for s in run.schools]
        self.led_days = [np.zeros(len(s.adults)) for s in run.schools]
        self.student_days = self.led_student_days = 0.0
        self.sections: list[Met | None] = [None for _ in run.schools]

    def year(self) -> None:
        run = self.run
        days = run.days
        open_ = np.flatnonzero(days.instructional & ~days.closed)
        status = run.module(Availability).status
        cover = run.module(Coverage).cover
        for school in run.schools:
            n = school.number
            if school.timetable is not None:
                by = run.module(PeriodCoverage).results().by[n]
                assert by is not None
                met = meet(run, school, False, status[n], cover[n], by)
                self.sections[n] = met
                self.minutes[n] += met.minutes
                self.contact[n] += met.contact
                self._reach_by_section(school, open_, status[n])
                continue
            here = status[n][open_]
            left = run.timesheets[n].left[open_, :, INSTRUCTION]
            attending = (~school.students.absent[open_]).astype(float)  # open days x students
            self._teach(school, open_, left * (here == PRESENT), attending)
            self._covered(
                school, run.ledgers[n], left * (here != PRESENT), cover[n][open_], attending
            )
            self._reach(school, open_, here)

    def _teach(
        self, school: Roster, open_: np.ndarray, taught: np.ndarray, attending: np.ndarray
    ) -> None:
        """Each adult's own instruction, for the students in school each day."""
        ledger = self.run.ledgers[school.number]
        given = taught.sum(axis=0)
        for role in sorted({a.role_name for a in school.adults}):
            who = [a.index for a in school.adults if a.role_name == role]
            ledger.delivered("instruction", role, float(given[who].sum()))
        minutes, contact = self.minutes[school.number], self.contact[school.number]
        school_day = self.run.school_days[open_]
        teaching = set(np.flatnonzero(taught.any(axis=0)).tolist())
        for adult in school.adults:
            if adult.index not in teaching:
                continue
            mine = taught[:, adult.index]
            if adult.homeroom >= 0:
                students, share = school.taught_by(adult)
                credit = (mine * share) @ attending[:, students]
                minutes[students] += credit
                contact[students, adult.index] += credit
                continue
            room_of = school.co_taught_rooms(adult, school_day)
            for room in sorted(set(room_of[mine > 0].tolist())):  # a few: faster than unique
                on = room_of == room
                students = school.room_students[room]
                contact[students, adult.index] += mine[on] @ attending[on, students]

    def _covered(
        self,
        school: Roster,
        ledger: Ledger,
        handed: np.ndarray,
        by: np.ndarray,
        attending: np.ndarray,
    ) -> None:
        """The classes of adults away: taught by whoever covered them, or lost as uncovered."""
        minutes, contact = self.minutes[school.number], self.contact[school.number]
        away = set(np.flatnonzero(handed.any(axis=0)).tolist())
        for adult in school.adults:
            if adult.index not in away:
                continue
            mine = handed[:, adult.index]
            coverers = by[:, adult.index]
            asked = set(coverers[mine > 0].tolist())  # a few: faster than unique
            assert NOT_ASKED not in asked, "a class went on unasked"
            students, share = school.taught_by(adult)
            for coverer in sorted(asked):
                on = coverers == coverer
                amount = float(mine[on].sum())
                if coverer == UNCOVERED:
                    ledger.lost("instruction", adult.role_name, amount, UNCOVERED_CLASS)
                    continue
                name = COVERERS[coverer] if coverer < 0 else school.adults[coverer].role_name
                ledger.delivered("instruction", adult.role_name, amount, by=name)
                credit = (mine[on] * share) @ attending[on, students]
                minutes[students] += credit
                if coverer >= 0:
                    contact[students, coverer] += credit

    def _reach(self, school: Roster, open_: np.ndarray, status: np.ndarray) -> None:
        """Student-days, and those on a team whose leader is in post (not a vacancy)."""
        self.student_days += float(school.students.count * len(open_))
        for team in range(len(school.team_rooms)):
            leaders = [a.index for a in school.adults if a.role.leads_team and a.team == team]
            if not leaders or team == NO_TEAM:
                continue
            led = (status[:, leaders] != VACANT).any(axis=1).sum()
            on_team = int((school.students.team == team).sum())
            self.led_student_days += float(led * on_team)
            members = [a.index for a in school.adults if a.team == team]
            self.led_days[school.number][members] = float(led)

    def _reach_by_section(self, school: Roster, open_: np.ndarray, status: np.ndarray) -> None:
        """Reach in a school with a period day: each student-day counts by the share of the
        student's classes that day taught on a team whose leader was in post."""
        table = school.timetable
        assert table is not None
        weeks = int(self.run.days.week.max()) + 1
        term = table.terms_of(self.run.days.week[open_], weeks)
        per = table.day.periods_per_day
        classes = ~table.tutoring() & (table.adult != NONE)
        for t in range(table.day.terms):
            days = open_[term == t]
            self.student_days += float(school.students.count * len(days))
            mine = np.flatnonzero(classes & (table.slot // per == t))
            taken = np.zeros(school.students.count)  # classes of each student in the term
            for s in mine.tolist():
                taken[table.students[s]] += 1
            for team in range(len(school.team_rooms)):
                leaders = [a.index for a in school.adults if a.role.leads_team and a.team == team]
                if not leaders:
                    continue
                led = float((status[np.ix_(days, leaders)] != VACANT).any(axis=1).sum())
                members = [a.index for a in school.adults if a.team == team]
                self.led_days[school.number][members] += led
                for s in mine[table.team[mine] == team].tolist():
                    pupils = table.students[s]
                    self.led_student_days += led * float((1.0 / taken[pupils]).sum())

    def results(self) -> Taught:
        return Taught(
            self.minutes,
            self.contact,
            self.led_days,
            self.student_days,
            self.led_student_days,
            self.sections,
        )
