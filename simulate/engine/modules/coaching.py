"""Coaching: each coach keeps a book of coachees with observations due at the plan's rate.

Under a team plan a coach's book is its team's coachees; under a school-wide plan the school's
coachees are shared out among the adults of the coach role in that school, in balanced blocks
of the roster (where a team's members sit together, so a team is split only at a block's edge):
more coaches means a smaller caseload each, not more observations per coachee.

A coach is a SimPy process, because observations and feedback compete for its minutes: on each
day it coaches, from the bell, it works through what it owes in the order that work arose
(observations as they fall due, the feedback on each behind whatever was already waiting),
one after the other in simulated time, while its coaching minutes last. An observation happens
only if coach and coachee are both present (a coachee absent on the day it falls due loses
it); one that does not fit in the time left waits for another day, and is lost, for the
reason it first missed, when the coachee's next one falls due while it still waits or when
the year ends. Feedback waits for a day with time and the coachee present, and is late once
past the plan's feedback window: an overloaded coach gives fewer observations and later
feedback. What the coach's minutes were used for is delivered, the rest unused.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
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
from simulate.engine.timesheet import ACTIVITY, Timesheet
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


# a desk's bell: the day, and each coach called: its coaching minutes, why one is short
_Bell = tuple[Today, dict[int, tuple[float, str]]]


class _Due(NamedTuple):
    """Observations due of one appointment on one school day."""

    coachee: int
    due: int
    role: str  # the coachee's
    plan: CoachingPlan  # its minutes of observation and feedback


# Work a coach owes, kept in the order it arose: (feedback, coachee, day, role, plan, times,
# reason), the feedback on an observation made on `day`, or `times` observations that fell due
# on `day` and did not fit (missed for `reason`); role is the coachee's, the plan gives the
# minutes of observation and feedback. Plain tuples: a year makes thousands, and a named
# tuple costs several times as much to build.
_Work = tuple[bool, int, int, str, CoachingPlan, int, str]


@dataclass
class _Desk:
    """One school's coaching: each coach's agenda and the feedback it owes."""

    school: Roster
    agenda: dict[int, list[list[_Due]]]  # coach -> for each school day, the observations due
    waiting: dict[int, list[_Work]]  # coach -> what it owes, kept from day to day
    observed: dict[int, list[int]]  # coachee -> observations in each week
    sheet: Timesheet
    planned: list[list[float]]  # each week's coaching minutes of each coach, in agenda order
    bell: simpy.Event  # the next day's bell: every coach waits on it, those called start
    # the year's observations given (coachee role, coach role) and lost (coachee role, reason),
    # and coaching minutes used and unused by coach role, booked at the end
    given: Counter[tuple[str, str]] = field(default_factory=Counter)
    lost: Counter[tuple[str, str]] = field(default_factory=Counter)
    used: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    unused: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))


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
                run.env.process(self._coach(desk, desk.school.adults[coach]))

    def _desk(self, school: Roster) -> _Desk:
        """The school's coaching desk, from each coach's agenda (the same every year of the
        scenario, so built once)."""
        key = ("coaching", school.number)
        agenda, coachees = cached(self.run.scenario, key, lambda: self._book(school))
        weeks = int(self.run.days.week.max()) + 1
        sheet = self.run.timesheets[school.number]
        planned = sheet.plan[:, list(agenda), COACHING].tolist()
        waiting: dict[int, list[_Work]] = {coach: [] for coach in agenda}
        observed = {c: [0] * weeks for c in coachees}
        return _Desk(school, agenda, waiting, observed, sheet, planned, self.run.env.event())

    def _book(self, school: Roster) -> tuple[dict[int, list[list[_Due]]], list[int]]:
        """Each coach's book (its coachees under every plan, staggered through the week), as
        an agenda: for each school day, the appointments with observations due; and everyone
        coached."""
        books: dict[int, list[Appointment]] = {}
        for plan in self.run.scenario.coaching:
            coaches = [a for a in school.adults if a.role_name == plan.coach]
            for k, coach in enumerate(coaches):
                observed = _coachees(school, coach, plan, k, len(coaches))
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
        """Misses the observations of coaches who cannot coach today; rings each desk's bell
        for the others (one event a desk and day, not one a coach)."""
        for desk in self.desks:
            status = self.status[desk.school.number][today.day]
            planned = desk.planned[today.week - 1]
            left = desk.sheet.left[today.day, :, COACHING].tolist()  # every adult's
            calls: dict[int, tuple[float, str]] = {}
            for k, coach in enumerate(desk.agenda):
                if today.closed:
                    self._miss(desk, coach, today, CLOSURE)
                elif status[coach] != PRESENT:
                    self._miss(
                        desk, coach, today, VACANCY if status[coach] == VACANT else COACH_ABSENT
                    )
                elif planned[k]:
                    if "coaching" in today.cancels:
                        self._miss(desk, coach, today, TESTING)
                        continue
                    calls[coach] = (left[coach], COVERAGE if left[coach] < planned[k] else CAPACITY)
            if calls:
                bell, desk.bell = desk.bell, self.run.env.event()
                bell.succeed((today, calls))

    def _miss(self, desk: _Desk, coach: int, today: Today, reason: str) -> None:
        """The coach cannot coach today: every observation due is lost for `reason`."""
        for entry in desk.agenda[coach][today.school_day]:
            desk.lost[(entry.role, reason)] += entry.due

    def _coach(self, desk: _Desk, coach: Adult) -> Generator[simpy.Event, _Bell, None]:
        """A coach (a SimPy process, for the year): each day it is called, from the bell, it
        works through what it owes in the order the work arose, taking each piece's minutes in
        turn; what does not fit waits (see the module's docstring). Today's observations join
        behind the work already waiting, unless the coachee is absent or one is still waiting
        (it stands for the new one, which is lost for the reason the waiting one missed).
        Nothing else takes a coach's minutes once it is called, so its day is worked out on its
        own clock and it holds SimPy's for the minutes it used, in one step."""
        env = self.run.env
        rows = self.status[desk.school.number]
        agenda = desk.agenda[coach.index]
        observed, lost, given = desk.observed, desk.lost, desk.given
        latencies = self.latencies
        name = coach.role_name
        # the least any piece of work takes: with less time left, the rest waits as it is
        least = min(
            min(p.observation_minutes, p.feedback_minutes) for p in self.run.scenario.coaching
        )
        waiting = desk.waiting[coach.index]
        while True:
            today, calls = yield desk.bell
            if coach.index not in calls:
                continue
            minutes, short = calls[coach.index]
            status = rows[today.day]
            day, week = today.school_day, today.week - 1
            work: deque[_Work] = deque(waiting)
            missed = {(w[1], id(w[4])): w[6] for w in waiting if not w[0]} if waiting else {}
            waiting.clear()
            for coachee, due, role, plan in agenda[day]:
                if status[coachee] != PRESENT:
                    lost[(role, VACANCY if status[coachee] == VACANT else COACHEE_ABSENT)] += due
                elif missed and (coachee, id(plan)) in missed:
                    lost[(role, missed[(coachee, id(plan))])] += due
                else:
                    work.append((False, coachee, day, role, plan, due, short))
            used = 0  # minutes since the call
            while work:
                if used + least > minutes:
                    waiting.extend(work)
                    break
                item = work.popleft()
                feedback, coachee, since, role, plan, times, reason = item
                if status[coachee] != PRESENT:
                    waiting.append(item)
                elif feedback:
                    if used + plan.feedback_minutes <= minutes:
                        used += plan.feedback_minutes
                        latencies.append(day - since)
                        if day - since <= plan.feedback_window_days:
                            self.on_time += 1
                    else:
                        waiting.append(item)
                else:
                    done = 0
                    while done < times and used + plan.observation_minutes <= minutes:
                        used += plan.observation_minutes
                        done += 1
                        observed[coachee][week] += 1
                        work.append((True, coachee, day, role, plan, 1, CAPACITY))
                    if done:
                        given[(role, name)] += done
                    if done < times:
                        waiting.append((False, coachee, since, role, plan, times - done, reason))
            desk.used[name] += used
            desk.unused[name] += minutes - used
            if used:
                yield env.timeout(used)

    def year(self) -> None:
        """The year's observations and coaches' minutes; coaching time of an adult who coaches
        no one under any plan is booked as it was planned, less friction."""
        for desk, sheet in zip(self.desks, self.run.timesheets, strict=True):
            ledger = self.run.ledgers[desk.school.number]
            for (role, coach), count in desk.given.items():
                ledger.delivered("observation", role, count, coach)
            for waiting in desk.waiting.values():  # observations still waiting: lost
                for feedback, _, _, role, _, times, reason in waiting:
                    if not feedback:
                        desk.lost[(role, reason)] += times
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
                received[coachee] = sum(weeks)
            observations.append(received)
        observed = [{c: np.array(w, float) for c, w in d.observed.items()} for d in self.desks]
        return Coached(self.latencies, self.on_time, observed, observations)


def _coachees(school: Roster, coach: Adult, plan: CoachingPlan, k: int, of: int) -> list[Adult]:
    """Whom a coach (the `k`th of the `of` adults of the plan's coach role in the school)
    observes under a plan: the plan's roles on its team; or, school-wide, its share of the
    school's, shared out among the coaches of the role in balanced blocks of the roster (see
    the module's docstring). Never itself."""
    if plan.scope == "school":
        pool = [a for a in school.adults if a.role_name in plan.coachees]
        share = [a for j, a in enumerate(pool) if j * of // len(pool) == k]
    else:
        share = [a for a in school.adults if a.role_name in plan.coachees and a.team == coach.team]
    return [a for a in share if a is not coach]


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
        entry = _Due(
            appt.coachee,
            int(due[position[i], day[i]]),
            school.adults[appt.coachee].role_name,
            appt.plan,
        )
        agenda[day[i]].append(entry)
    return agenda
