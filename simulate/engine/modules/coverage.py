"""Substitutes and coverage: who takes the place of an adult who is away.

Each open day, when absences are called in, every adult away (absent, or a vacant position)
whose role needs cover asks for it (a `Request`). A vacancy may be held by a long-term
substitute. Other requests go to the district's substitute pool, shared by all schools of the
run, which answers by the bell (`SubstitutePool`: today a daily placement by role priority,
the order of schools rotating from day to day; the substitute market replaces this one class,
answering the same requests over time). At the bell, what the pool did not fill goes down the
school's coverage cascade, in the scenario's order (e.g. tutor, resident, MCL, coach, then
splitting the class among the team's teachers): each adult who may cover is a SimPy resource,
held for as long as the class takes, so an adult already covering is not free for the next
request. Covering, an adult gives up its own plans in CANCEL_ORDER. This is a SimPy process
(the desk) because it is where people wait: requests wait for the pool until the bell, and
classes for a free colleague. The class itself is booked by engine.modules.instruction from
what this module offers: who covered each class on each day (`cover`).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from simulate.engine.calendar import BELL, DAY
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


@dataclass(frozen=True, eq=False)
class Request:
    """An adult away asks for someone to take its place today."""

    school: Roster
    adult: Adult
    vacancy: bool  # a vacant position, not an absence


class SubstitutePool:
    """The district's daily substitutes, shared by all schools of the run: `per_day` of them,
    placed when absences are called in, to the requests of the roles in `fill_priority` (the
    first listed first; then schools in an order that rotates from day to day, then adults in
    order). `answer` is the seam the substitute market replaces: it takes the day's requests
    and returns a SimPy event that succeeds, by the bell, with those filled."""

    def __init__(self, run: Engine) -> None:
        self.env = run.env
        self.substitutes = run.scenario.substitutes
        self.priority = {role: i for i, role in enumerate(self.substitutes.fill_priority)}
        self.schools = len(run.schools)

    def asks(self, request: Request) -> bool:
        """Whether the request goes to the pool at all (its role is one the pool fills)."""
        return request.adult.role_name in self.priority

    def answer(self, requests: list[Request], today: Today) -> simpy.Event:
        def place(r: Request) -> tuple[int, int, int]:
            order = (r.school.number - today.school_day) % self.schools
            return (self.priority[r.adult.role_name], order, r.adult.index)

        filled = sorted(requests, key=place)[: self.substitutes.per_day]
        return self.env.event().succeed(filled)


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
        self.pool = SubstitutePool(run)
        cascade = set(run.scenario.coverage.cascade)
        self.coverers = [  # per school: adult -> the resource it is while it may cover
            {a.index: simpy.Resource(run.env) for a in s.adults if a.role_name in cascade}
            for s in run.schools
        ]
        self.absences = self.vacancy_days = 0
        self.requests = self.filled = self.long_term = 0

    def day(self, today: Today) -> simpy.Process | None:
        if today.closed:
            return None
        return self.run.env.process(self._desk(today))

    def _desk(self, today: Today) -> Generator[simpy.Event, Any, None]:
        """The day's requests (a SimPy process): to the pool, then at the bell to the cascade."""
        env = self.run.env
        waiting: list[list[Request]] = [[] for _ in self.run.schools]
        asked: list[Request] = []
        for request in self._requests(today):
            if self.pool.asks(request):
                self.requests += 1
                asked.append(request)
            else:
                waiting[request.school.number].append(request)
        if asked:
            filled: list[Request] = yield self.pool.answer(asked, today)
            for request in filled:
                self.filled += 1
                self._covered(request, BY_SUBSTITUTE, today)
            taken = {id(r) for r in filled}
            for request in asked:
                if id(request) not in taken:
                    waiting[request.school.number].append(request)
        yield env.timeout(today.day * DAY + BELL - env.now)
        for school in self.run.schools:
            self._cascade(school, waiting[school.number], today)

    def _requests(self, today: Today) -> Iterator[Request]:
        """Who needs cover today; a vacancy held by a long-term substitute asks no one."""
        long_term = self.run.scenario.coverage.vacancy_cover == LONG_TERM_SUBSTITUTE
        for school in self.run.schools:
            status = self.availability.rows[school.number][today.day]
            for adult in school.adults:
                if status[adult.index] == PRESENT or not adult.needs_cover:
                    continue
                request = Request(school, adult, status[adult.index] == VACANT)
                if request.vacancy:
                    self.vacancy_days += 1
                    if long_term:
                        self.long_term += 1
                        self._covered(request, BY_LONG_TERM, today)
                        continue
                else:
                    self.absences += 1
                yield request

    def _cascade(self, school: Roster, waiting: list[Request], today: Today) -> None:
        """Cover what the pool could not, with the scenario's cascade of adults, in order."""
        status = self.availability.rows[school.number][today.day]
        sheet = self.run.timesheets[school.number]
        for request in sorted(waiting, key=lambda r: r.adult.index):
            absent = request.adult
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
                coverer = self._free_adult(school, step, absent.team, status, today)
                if coverer is not None:
                    by = coverer.index
                    minutes = class_minutes(absent)
                    if minutes:
                        self._hold(school, coverer, minutes)
                        self.duties[school.number][coverer.index] += 1
                        left = sheet.left[today.day, coverer.index]
                        wanted = cancelled_by_cover(left, minutes)
                        sheet.take_from(COVERAGE, today.day, coverer.index, wanted)
                    break
            self._covered(request, by, today)

    def _hold(self, school: Roster, coverer: Adult, minutes: int) -> None:
        """The coverer is taken (its resource held) for as long as the class takes."""
        resource = self.coverers[school.number][coverer.index]
        request = resource.request()

        def free(_: simpy.Event) -> None:
            resource.release(request)

        self.run.env.timeout(minutes).callbacks.append(free)

    def _free_adult(
        self, school: Roster, role: str, team: int, status: list[int], today: Today
    ) -> Adult | None:
        """The first adult of the role, on the team then among the school's staff, who is in,
        free (not holding another class) and allowed to cover this week."""
        free = self.coverers[school.number]
        for wanted_team in (team, NO_TEAM):
            for adult in school.adults:
                if (
                    adult.role_name == role
                    and adult.team == wanted_team
                    and status[adult.index] == PRESENT
                    and not free[adult.index].count
                    and "coverage" in adult.role.duties_in_week(today.week)
                ):
                    return adult
        return None

    def _covered(self, request: Request, by: int, today: Today) -> None:
        """Record who took the absent adult's class today (UNCOVERED: nobody)."""
        school, absent = request.school, request.adult
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
