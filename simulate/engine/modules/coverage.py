"""Substitutes and coverage: who takes the place of an adult who is away.

Each open day, every adult away (absent, or a vacant position) whose role needs cover asks
for it. A vacancy may be held by a long-term substitute. Otherwise the request goes to the
district's substitute pool, shared by all schools of the run (the pool below: today a daily
placement by role priority, the order of schools rotating from day to day); what the pool does
not fill goes down the school's coverage cascade, in the scenario's order (e.g. tutor,
resident, MCL, coach, then splitting the class among the team's teachers). A covering adult
takes the absent adult's class for the day: it gives up its own plans, in CANCEL_ORDER, for
as many minutes as the class takes. The class itself is booked by engine.modules.instruction
from what this module offers: who covered each class on each day (`cover`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulate.engine.module import Module, Today
from simulate.engine.modules.availability import PRESENT, VACANT, Availability
from simulate.engine.roster import NO_TEAM, Adult, Roster
from simulate.engine.timesheet import ACTIVITY

if TYPE_CHECKING:
    from simulate.engine.core import Engine

COVERAGE = "coverage"
SUBSTITUTE = "substitute"
LONG_TERM_SUBSTITUTE = "long_term_substitute"
SPLIT = "split"
# who covered a class, in `Coverage.cover`: an adult of the school (its index), or one of these
NOT_ASKED, UNCOVERED, BY_SUBSTITUTE, BY_LONG_TERM, BY_SPLIT = -1, -2, -3, -4, -5
COVERERS = {BY_SUBSTITUTE: SUBSTITUTE, BY_LONG_TERM: LONG_TERM_SUBSTITUTE, BY_SPLIT: SPLIT}
# When an adult covers a class, its own plans are cancelled in this order.
CANCEL_ORDER = (
    "small_group",
    "coaching",
    "collaboration",
    "planning",
    "supervision",
    "instruction",
)


@dataclass(frozen=True)
class Cover:
    """What coverage offers measures: the year's requests and who answered them."""

    absences: int  # adult-days absent that needed cover
    vacancy_days: int  # adult-days of a vacant position that needed cover
    substitute_requests: int  # adult-days that asked the district pool for a substitute
    substitute_days: int  # of those, filled
    long_term_substitute_days: int
    minutes: dict[str, float]  # minutes spent with an absent adult's class, by who covered
    duties: list[np.ndarray]  # per school: days each adult spent covering a class


@dataclass
class _Request:
    school: Roster
    adult: Adult


class Coverage(Module[Cover]):
    name = "coverage"
    order = 50
    reads = ("substitutes", "coverage", "roles.*.schedule")
    losses = (COVERAGE,)

    def __init__(self, run: Engine) -> None:
        super().__init__(run)
        self.availability = run.module(Availability)
        n_days = run.days.count
        # offered: per school, who covered each adult's class on each day (see NOT_ASKED...)
        self.cover = [np.full((n_days, len(s.adults)), NOT_ASKED, np.int16) for s in run.schools]
        self.duties = [np.zeros(len(s.adults)) for s in run.schools]
        self.minutes: dict[str, float] = {}
        self.absences = self.vacancy_days = 0
        self.requests = self.filled = self.long_term = 0

    def day(self, today: Today) -> None:
        if today.closed:
            return
        waiting = self._requests(today)
        for school in self.run.schools:
            self._cascade(school, waiting[school.number], today)

    def _requests(self, today: Today) -> list[list[Adult]]:
        """Who needs cover today; fill what the district pool can; return, per school, the
        requests left for the cascade."""
        scenario = self.run.scenario
        subs = scenario.substitutes
        priority = {role: i for i, role in enumerate(subs.fill_priority)}
        schools = self.run.schools
        n = len(schools)
        waiting: list[list[Adult]] = [[] for _ in schools]
        wanted: list[tuple[int, int, int, Roster, Adult]] = []
        for school in schools:
            status = self.availability.rows[school.number][today.day]
            for adult in school.adults:
                if status[adult.index] == PRESENT or not adult.needs_cover:
                    continue
                if status[adult.index] == VACANT:
                    self.vacancy_days += 1
                    if scenario.coverage.vacancy_cover == LONG_TERM_SUBSTITUTE:
                        self.long_term += 1
                        self._covered(school, adult, BY_LONG_TERM, today)
                        continue
                else:
                    self.absences += 1
                rank = priority.get(adult.role_name)
                if rank is not None:
                    self.requests += 1
                    order = (school.number - today.school_day) % n
                    wanted.append((rank, order, adult.index, school, adult))
                else:
                    waiting[school.number].append(adult)
        wanted.sort(key=lambda w: w[:3])
        for i, (_, _, _, school, adult) in enumerate(wanted):
            if i < subs.per_day:
                self.filled += 1
                self._covered(school, adult, BY_SUBSTITUTE, today)
            else:
                waiting[school.number].append(adult)
        return waiting

    def _cascade(self, school: Roster, waiting: list[Adult], today: Today) -> None:
        """Cover what the pool could not, with the scenario's cascade of adults, in order."""
        status = self.availability.rows[school.number][today.day]
        busy: dict[int, float] = {}  # class minutes each adult of the school covers today
        for absent in sorted(waiting, key=lambda a: a.index):
            by = UNCOVERED
            for step in self.run.scenario.coverage.cascade:
                if step == SPLIT:
                    peers = [
                        a
                        for a in school.adults
                        if a.team == absent.team
                        and a.homeroom >= 0
                        and a is not absent
                        and status[a.index] == PRESENT
                    ]
                    if absent.team != NO_TEAM and peers:
                        by = BY_SPLIT
                        break
                    continue
                coverer = self._free_adult(school, step, absent.team, status, busy, today)
                if coverer is not None:
                    busy[coverer.index] = busy.get(coverer.index, 0) + class_minutes(absent)
                    by = coverer.index
                    break
            self._covered(school, absent, by, today)
        sheet = self.run.timesheets[school.number]
        for index, minutes in busy.items():
            if not minutes:
                continue
            self.duties[school.number][index] += 1
            left = sheet.left[today.day, index]
            sheet.take_from(COVERAGE, today.day, index, cancelled_by_cover(left, minutes))

    @staticmethod
    def _free_adult(
        school: Roster,
        role: str,
        team: int,
        status: list[int],
        busy: dict[int, float],
        today: Today,
    ) -> Adult | None:
        for wanted_team in (team, NO_TEAM):
            for adult in school.adults:
                if (
                    adult.role_name == role
                    and adult.team == wanted_team
                    and status[adult.index] == PRESENT
                    and not busy.get(adult.index)
                    and "coverage" in adult.role.duties_in_week(today.week)
                ):
                    return adult
        return None

    def _covered(self, school: Roster, absent: Adult, by: int, today: Today) -> None:
        """Record who took the absent adult's class today (UNCOVERED: nobody)."""
        self.cover[school.number][today.day, absent.index] = by
        if by == UNCOVERED:
            return
        name = COVERERS[by] if by < 0 else school.adults[by].role_name
        self.minutes[name] = self.minutes.get(name, 0) + class_minutes(absent)

    def results(self) -> Cover:
        return Cover(
            self.absences,
            self.vacancy_days,
            self.requests,
            self.filled,
            self.long_term,
            self.minutes,
            self.duties,
        )


def class_minutes(adult: Adult) -> int:
    """Minutes a covering adult spends with the absent adult's class."""
    return adult.role.schedule.get("instruction", 0) + adult.role.schedule.get("small_group", 0)


def cancelled_by_cover(left: np.ndarray, cover: float) -> dict[str, float]:
    """Minutes of each activity left to an adult that covering a class of `cover` minutes
    cancels, in CANCEL_ORDER."""
    out: dict[str, float] = {}
    for activity in CANCEL_ORDER:
        take = min(cover, float(left[ACTIVITY[activity]]))
        if take:
            out[activity] = take
            cover -= take
    return out
