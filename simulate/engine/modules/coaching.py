"""Coaching: each coach keeps a book of coachees with observations due at the plan's rate.

A coach is a SimPy process, because observations and feedback compete for its minutes: on each
day it coaches, from the bell, it gives the feedback it owes (oldest first), then observes the
day's appointments, each followed by its feedback when there is time, one after the other in
simulated time, while its coaching minutes last. An observation happens only if coach and
coachee are both present and it fits in the time left (else it is lost, with the reason);
feedback waits for a day with time and the coachee present, and past the plan's feedback
window it is lost. What the coach's minutes were used for is delivered, the rest unused.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import simpy

from simulate.engine.ledger import UNUSED
from simulate.engine.module import Module, Today, cached
from simulate.engine.modules.attrition import VACANCY
from simulate.engine.modules.availability import PRESENT, VACANT, Availability
from simulate.engine.modules.closures import CLOSURE
from simulate.engine.modules.coverage import COVERAGE
from simulate.engine.modules.testing import TESTING
from simulate.engine.roster import Adult, Roster
from simulate.engine.timesheet import ACTIVITY
from simulate.schema.model import CoachingPlan

if TYPE_CHECKING:
    from simulate.engine.core import Engine

COACHING = ACTIVITY["coaching"]
COACH_ABSENT = "coach_absent"
COACHEE_ABSENT = "coachee_absent"
CAPACITY = "capacity"  # the coach had no coaching time left


@dataclass
class Appointment:
    """A coachee on a coach's list under one plan, with its phase in the observation rhythm."""

    plan: CoachingPlan
    coachee: int
    phase: float
    due: np.ndarray = field(repr=False)  # observations due on each school day


_Call = tuple[Today, float, str]  # a coach's day: the day, its coaching minutes, why one is short


class _Due(NamedTuple):
    """Observations due of one appointment on one school day."""

    coachee: int
    due: int
    role: str  # the coachee's
    observation: int  # minutes
    feedback: int  # minutes
    plan: CoachingPlan


@dataclass
class _Desk:
    """One school's coaching: each coach's agenda and the feedback it owes."""

    school: Roster
    agenda: dict[int, list[list[_Due]]]  # coach -> for each school day, the observations due
    observed: dict[int, np.ndarray]  # coachee -> observations in each week
    owed: dict[int, list[tuple[int, int, CoachingPlan]]] = field(default_factory=dict)
    # the year's observations given (coachee role, coach role) and lost (coachee role, reason),
    # and coaching minutes used and unused by coach role, booked at the end
    given: Counter[tuple[str, str]] = field(default_factory=Counter)
    lost: Counter[tuple[str, str]] = field(default_factory=Counter)
    used: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    unused: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[int, simpy.Event] = field(default_factory=dict)  # coach -> its next call


@dataclass(frozen=True)
class Coached:
    """What coaching offers: feedback latencies (school days) and how many came on time; per
    school, each coachee's observations in each instructional week, and each adult's
    observations in the year."""

    latencies: list[int]
    on_time: int
    observed: list[dict[int, np.ndarray]]
    observations: list[np.ndarray]


class Coaching(Module[Coached]):
    name = "coaching"
    order = 130
    reads = ("coaching", "roles.*.schedule")
    books = ("coaching", "observation")
    losses = (CLOSURE, VACANCY, COACH_ABSENT, COACHEE_ABSENT, TESTING, COVERAGE, CAPACITY, UNUSED)

    def __init__(self, run: Engine) -> None:
        super().__init__(run)
        self.status = run.module(Availability).rows
        self.desks = [self._desk(school) for school in run.schools]
        self.latencies: list[int] = []
        self.on_time = 0
        for desk in self.desks:
            for coach in desk.agenda:
                desk.calls[coach] = run.env.event()
                run.env.process(self._coach(desk, desk.school.adults[coach]))

    def _desk(self, school: Roster) -> _Desk:
        """The school's coaching desk, from each coach's agenda (the same every year of the
        scenario, so built once)."""
        key = ("coaching", school.number)
        agenda, coachees = cached(self.run.scenario, key, lambda: self._book(school))
        weeks = int(self.run.days.week.max()) + 1
        return _Desk(school, agenda, {c: np.zeros(weeks) for c in coachees})

    def _book(self, school: Roster) -> tuple[dict[int, list[list[_Due]]], list[int]]:
        """Each coach's book (its coachees under every plan, staggered through the week), as
        an agenda: for each school day, the appointments with observations due; and everyone
        coached."""
        books: dict[int, list[Appointment]] = {}
        for plan in self.run.scenario.coaching:
            for coach in school.adults:
                if coach.role_name != plan.coach:
                    continue
                observed = _coachees(school, coach, plan)
                book = books.setdefault(coach.index, [])
                for j, coachee in enumerate(observed):
                    phase = j / max(len(observed), 1)
                    book.append(Appointment(plan, coachee.index, phase, self._rhythm(plan, phase)))
        n = int(self.run.days.instructional.sum())
        coachees = list(dict.fromkeys(a.coachee for book in books.values() for a in book))
        return {coach: _agenda(school, book, n) for coach, book in books.items()}, coachees

    def _rhythm(self, plan: CoachingPlan, phase: float) -> np.ndarray:
        """Observations due on each school day: an even rhythm at the plan's rate, staggered by
        the coachee's phase."""
        days = self.run.days
        rate = plan.observations_per_week / days.days_per_week
        k = np.arange(int(days.instructional.sum()), dtype=float)
        return (np.floor((k + 1) * rate + phase) - np.floor(k * rate + phase)).astype(np.int64)

    def day(self, today: Today) -> None:
        """Misses the observations of coaches who cannot coach today; calls the others."""
        for desk in self.desks:
            sheet = self.run.timesheets[desk.school.number]
            status = self.status[desk.school.number][today.day]
            for coach, call in list(desk.calls.items()):
                if today.closed:
                    self._miss(desk, coach, today, CLOSURE)
                elif status[coach] != PRESENT:
                    self._miss(
                        desk, coach, today, VACANCY if status[coach] == VACANT else COACH_ABSENT
                    )
                elif planned := sheet.planned(today.day, coach, "coaching"):
                    if "coaching" in today.cancels:
                        self._miss(desk, coach, today, TESTING)
                        continue
                    left = float(sheet.left[today.day, coach, COACHING])
                    desk.calls[coach] = self.run.env.event()
                    call.succeed((today, left, COVERAGE if left < planned else CAPACITY))

    def _miss(self, desk: _Desk, coach: int, today: Today, reason: str) -> None:
        """The coach cannot coach today: every observation due is lost for `reason`."""
        for entry in desk.agenda[coach][today.school_day]:
            desk.lost[(entry.role, reason)] += entry.due

    def _coach(self, desk: _Desk, coach: Adult) -> Generator[simpy.Event, _Call, None]:
        """A coach (a SimPy process, for the year): each day it is called, from the bell, the
        feedback it owes, then the day's observations, each with its feedback when there is
        time, taking their minutes in turn while its minutes last. An observation that does not
        fit is lost for the reason the call gives (no time left, or time taken by coverage)."""
        env = self.run.env
        timeout = env.timeout
        school = desk.school
        observed = desk.observed
        lost = desk.lost
        name = coach.role_name
        while True:
            today, minutes, short = yield desk.calls[coach.index]
            status = self.status[school.number][today.day]
            day, week = today.school_day, today.week - 1
            start = env.now
            end = start + minutes
            still: list[tuple[int, int, CoachingPlan]] = []
            for coachee, observed_on, plan in desk.owed.get(coach.index, ()):
                if day - observed_on > plan.feedback_window_days:
                    continue  # too late to be useful: lost
                if status[coachee] == PRESENT and env.now + plan.feedback_minutes <= end:
                    yield timeout(plan.feedback_minutes)
                    self._feedback(day - observed_on, plan)
                else:
                    still.append((coachee, observed_on, plan))
            for coachee, due, role, observation, feedback, plan in desk.agenda[coach.index][day]:
                if status[coachee] != PRESENT:
                    reason = VACANCY if status[coachee] == VACANT else COACHEE_ABSENT
                    lost[(role, reason)] += due
                    continue
                for _ in range(due):
                    if env.now + observation > end:
                        lost[(role, short)] += 1
                    elif env.now + observation + feedback <= end:  # with its feedback
                        yield timeout(observation + feedback)
                        desk.given[(role, name)] += 1
                        observed[coachee][week] += 1
                        self._feedback(0, plan)
                    else:
                        yield timeout(observation)
                        desk.given[(role, name)] += 1
                        observed[coachee][week] += 1
                        still.append((coachee, day, plan))
            desk.owed[coach.index] = still
            used = env.now - start
            desk.used[name] += used
            desk.unused[name] += minutes - used

    def _feedback(self, latency: int, plan: CoachingPlan) -> None:
        self.latencies.append(latency)
        if latency <= plan.feedback_window_days:
            self.on_time += 1

    def year(self) -> None:
        """The year's observations and coaches' minutes; coaching time of an adult who coaches
        no one under any plan is booked as it was planned, less friction."""
        for desk, sheet in zip(self.desks, self.run.timesheets, strict=True):
            ledger = self.run.ledgers[desk.school.number]
            for (role, coach), count in desk.given.items():
                ledger.delivered("observation", role, count, coach)
            for (role, reason), count in desk.lost.items():
                ledger.lost("observation", role, count, reason)
            for coach, minutes in desk.used.items():
                ledger.delivered("coaching", coach, minutes)
                ledger.lost("coaching", coach, desk.unused[coach], UNUSED)
            for adult in desk.school.adults:
                if adult.index not in desk.agenda:
                    left = float(sheet.left[:, adult.index, COACHING].sum())
                    ledger.delivered("coaching", adult.role_name, left)

    def results(self) -> Coached:
        observations = []
        for desk in self.desks:
            received = np.zeros(len(desk.school.adults))
            for coachee, weeks in desk.observed.items():
                received[coachee] = weeks.sum()
            observations.append(received)
        return Coached(self.latencies, self.on_time, [d.observed for d in self.desks], observations)


def _coachees(school: Roster, coach: Adult, plan: CoachingPlan) -> list[Adult]:
    """Whom a coach observes under a plan: the plan's roles, on its team or in the school."""
    return [
        a
        for a in school.adults
        if a.role_name in plan.coachees
        and a is not coach
        and (plan.scope == "school" or a.team == coach.team)
    ]


def _agenda(school: Roster, book: list[Appointment], days: int) -> list[list[_Due]]:
    """For each school day, the appointments with observations due and how many, starting from
    a book position that moves each day, so a short day does not always fall on the same
    coachees."""
    agenda: list[list[_Due]] = [[] for _ in range(days)]
    if not book:
        return agenda
    due = np.array([appt.due for appt in book])  # appointments x days
    position, day = np.nonzero(due)
    turn = (position - day % len(book)) % len(book)
    for i in np.lexsort((turn, day)).tolist():
        appt = book[position[i]]
        plan = appt.plan
        entry = _Due(
            appt.coachee,
            int(due[position[i], day[i]]),
            school.adults[appt.coachee].role_name,
            plan.observation_minutes,
            plan.feedback_minutes,
            plan,
        )
        agenda[day[i]].append(entry)
    return agenda
