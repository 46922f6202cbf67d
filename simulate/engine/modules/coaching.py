"""Coaching: each coach keeps a book of coachees with observations due at the plan's rate.

Under a team plan a coach's book is its team's coachees; under a school-wide plan the school's
coachees are shared out among the adults of the coach role in that school, in balanced blocks
of the roster (where a team's members sit together, so a team is split only at a block's edge):
more coaches means a smaller caseload each, not more observations per coachee.

Observations and feedback compete for a coach's minutes: on each day it coaches, from the
bell, a coach works through what it owes in the order that work arose (observations as they
fall due, the feedback on each behind whatever was already waiting), one after the other,
while its coaching minutes last. An observation happens only if coach and coachee are both
present (a coachee absent on the day it falls due loses it); one that does not fit in the
time left waits for another day, and is lost, for the reason it first missed, when the
coachee's next one falls due while it still waits or when the year ends. Feedback waits for a
day with time and the coachee present, and is late once past the plan's feedback window: an
overloaded coach gives fewer observations and later feedback. What the coach's minutes were
used for is delivered, the rest unused.

Coaching is resolved by the day. What waits is work, from day to day, in each coach's
queue of what it owes. A coach's day reads only the coaching minutes friction left it that
day, and friction takes them before the bell and never after (closures, vacancies and
absences up front; coverage, testing and drills on the day, all of them modules that run
before this one: a module that takes time runs before coaching, tests/test_engine_modules.py
checks), and nothing else reads what coaching did until the year is over. So the
year's coaching is booked in bulk, as instruction is: at the end of the year each school's
coaches go through every school day in turn, in plain loops compiled by numba
(`_coach_year`). tests/oracle_coaching.py writes the same rule another way, each coach a
SimPy process called at each day's bell, one piece of work at a time, to check it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from simulate.engine.ledger import UNUSED
from simulate.engine.module import Module, cached, kept
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
# why observations were lost, by number in the compiled loops
REASONS = (CLOSURE, VACANCY, COACH_ABSENT, COACHEE_ABSENT, TESTING, COVERAGE, CAPACITY)
(
    _CLOSURE,
    _VACANCY,
    _COACH_ABSENT,
    _COACHEE_ABSENT,
    _TESTING,
    _COVERAGE,
    _CAPACITY,
) = range(len(REASONS))
# a piece of work a coach owes, as a row: the feedback on an observation made on school day
# `since` (FEEDBACK 1), or `times` observations that fell due on `since` and did not fit,
# missed for `reason` (FEEDBACK 0); the coachee, and the plan (its place in the scenario's
# coaching plans) giving the minutes of observation and feedback
FEEDBACK, COACHEE, SINCE, PLAN, TIMES, REASON = range(6)


@dataclass(frozen=True)
class Book:
    """A school's coaches and their agendas, the same every year of the scenario: coach k
    (`coaches[k]`, an adult) has on school day d the appointments first[k, d] to
    first[k, d + 1] of `coachee`, `due` (observations due) and `plan`; `coached`: everyone
    coached; `room`: the most pieces of work one coach can owe at once."""

    coaches: np.ndarray
    first: np.ndarray
    coachee: np.ndarray
    due: np.ndarray
    plan: np.ndarray
    coached: list[int]
    room: int


@dataclass
class _Desk:
    """One school's coaching in a year: its book, what each coach owes, and the year's
    tallies, as arrays the compiled year reads and writes."""

    school: Roster
    book: Book
    role: np.ndarray  # each adult's place in `roles`
    roles: list[str]  # the school's roles, in roster order
    owed: np.ndarray  # coaches x room x 6: what each coach owes (rows, see FEEDBACK...)
    owes: np.ndarray  # how many rows of `owed` each coach holds
    work: np.ndarray  # room to work a coach's day in: what it owes, today's, their feedback
    observed: np.ndarray  # adults x weeks: observations received
    lost: np.ndarray  # coachee role x reason: observations lost
    given: np.ndarray  # coachee role x coach role: observations given
    latency: np.ndarray  # each feedback's latency in school days, the first `tally[0]`
    tally: np.ndarray  # feedback given, and on time
    used: np.ndarray  # each coach's minutes used in the year
    unused: np.ndarray


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
    order = 130  # after every module that takes adults' time: it reads what they left
    reads = ("coaching", "roles.*.schedule")
    books = ("coaching", "observation")
    losses = (*REASONS, UNUSED)

    def __init__(self, run: Engine) -> None:
        super().__init__(run)
        self.status = run.module(Availability).status
        plans = run.scenario.coaching
        self.observation = np.array([p.observation_minutes for p in plans], dtype=np.int64)
        self.feedback = np.array([p.feedback_minutes for p in plans], dtype=np.int64)
        self.window = np.array([p.feedback_window_days for p in plans], dtype=np.int64)
        # the least any piece of work takes: with less time left, the rest waits as it is
        self.least = int(min(self.observation.min(), self.feedback.min())) if plans else 0
        self.desks = [self._desk(school) for school in run.schools]

    def _desk(self, school: Roster) -> _Desk:
        book = cached(self.run.scenario, ("coaching", school.number), lambda: self._book(school))
        coaches = book.coaches.size
        roles = list(dict.fromkeys(a.role_name for a in school.adults))
        weeks = int(self.run.days.week.max()) + 1
        observations = int(book.due.sum())
        return _Desk(
            school=school,
            book=book,
            role=np.array([roles.index(a.role_name) for a in school.adults], dtype=np.int64),
            roles=roles,
            owed=np.empty((coaches, book.room, 6), dtype=np.int64),
            owes=np.zeros(coaches, dtype=np.int64),
            work=np.empty((3 * book.room, 6), dtype=np.int64),
            observed=np.zeros((len(school.adults), weeks), dtype=np.int64),
            lost=np.zeros((len(roles), len(REASONS)), dtype=np.int64),
            given=np.zeros((len(roles), len(roles)), dtype=np.int64),
            latency=np.empty(observations, dtype=np.int64),
            tally=np.zeros(2, dtype=np.int64),
            used=np.zeros(coaches),
            unused=np.zeros(coaches),
        )

    def _book(self, school: Roster) -> Book:
        """The school's book: each coach's coachees under every plan, staggered through the
        week, as an agenda of the appointments with observations due on each school day."""
        days = int(self.run.days.instructional.sum())
        books: dict[int, list[tuple[int, int, np.ndarray]]] = {}  # coach -> (plan, coachee, due)
        for p, plan in enumerate(self.run.scenario.coaching):
            holders = [a for a in school.adults if a.role_name == plan.coach]
            for k, holder in enumerate(holders):
                observed = _coachees(school, holder, plan, k, len(holders))
                book = books.setdefault(holder.index, [])
                for j, adult in enumerate(observed):
                    phase = j / max(len(observed), 1)
                    book.append((p, adult.index, self._rhythm(plan, phase)))
        first = np.zeros((len(books), days + 1), dtype=np.int64)
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        start, room = 0, 0
        for k, book in enumerate(books.values()):
            who, times, plans, at = _agenda(book, days)
            first[k] = start + at
            start += who.size
            parts.append((who, times, plans))
            room = max(room, len(book) + int(times.sum()))  # each waiting once, each feedback
        coachee, due, plan_of = (
            np.concatenate([p[i] for p in parts]) if parts else np.zeros(0, np.int64)
            for i in range(3)
        )
        coached = list(dict.fromkeys(c for book in books.values() for _, c, _ in book))
        coaches = np.array(list(books), dtype=np.int64)
        return Book(coaches, first, coachee, due, plan_of, coached, room)

    def _rhythm(self, plan: CoachingPlan, phase: float) -> np.ndarray:
        """Observations due on each school day: an even rhythm at the plan's rate, staggered by
        the coachee's phase."""
        days = self.run.days
        rate = plan.observations_per_week / days.days_per_week
        k = np.arange(int(days.instructional.sum()), dtype=float)
        return (np.floor((k + 1) * rate + phase) - np.floor(k * rate + phase)).astype(np.int64)

    def year(self) -> None:
        """The year's coaching, day by day (see the module), then its observations and coaches'
        minutes; observations still waiting are lost; coaching time of an adult who coaches
        no one under any plan is booked as it was planned, less friction."""
        days = self.run.days
        on = np.flatnonzero(days.instructional)
        cancelled = np.array(["coaching" in days.testing_cancels[d] for d in on.tolist()], bool)
        for desk, sheet in zip(self.desks, self.run.timesheets, strict=True):
            book = desk.book
            _coach_year(
                on,
                self.run.school_days[on],
                days.week[on],
                days.closed[on],
                cancelled,
                self.status[desk.school.number],
                sheet.left,
                sheet.plan,
                book.coaches,
                book.first,
                book.coachee,
                book.due,
                book.plan,
                desk.role,
                self.observation,
                self.feedback,
                self.window,
                self.least,
                desk.owed,
                desk.owes,
                desk.work,
                desk.observed,
                desk.lost,
                desk.given,
                desk.latency,
                desk.tally,
                desk.used,
                desk.unused,
            )
            ledger = self.run.ledgers[desk.school.number]
            roles, coaches = desk.roles, desk.book.coaches
            for k in range(coaches.size):
                for row in desk.owed[k, : desk.owes[k]]:
                    if not row[FEEDBACK]:
                        desk.lost[desk.role[row[COACHEE]], row[REASON]] += row[TIMES]
            for role, coach in zip(*np.nonzero(desk.given), strict=True):
                ledger.delivered(
                    "observation", roles[role], int(desk.given[role, coach]), roles[coach]
                )
            for role, reason in zip(*np.nonzero(desk.lost), strict=True):
                ledger.lost(
                    "observation", roles[role], int(desk.lost[role, reason]), REASONS[reason]
                )
            by_role = desk.role[coaches]
            for r in dict.fromkeys(by_role.tolist()):
                ledger.delivered("coaching", roles[r], float(desk.used[by_role == r].sum()))
                ledger.lost("coaching", roles[r], float(desk.unused[by_role == r].sum()), UNUSED)
            coaching = set(coaches.tolist())
            for adult in desk.school.adults:
                if adult.index not in coaching:
                    left = float(sheet.left[:, adult.index, COACHING].sum())
                    ledger.delivered("coaching", adult.role_name, left)

    @kept
    def results(self) -> Coached:
        latencies = [v for d in self.desks for v in d.latency[: d.tally[0]].tolist()]
        on_time = sum(int(d.tally[1]) for d in self.desks)
        observed = []
        for desk in self.desks:
            weekly = desk.observed.astype(float)  # each coachee's, a row of it
            observed.append({c: weekly[c] for c in desk.book.coached})
        observations = [d.observed.sum(axis=1).astype(float) for d in self.desks]
        return Coached(latencies, on_time, observed, observations)


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


def _agenda(
    book: list[tuple[int, int, np.ndarray]], days: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A coach's appointments with observations due, day by day: their coachees, observations
    due and plans, each day's from at[d] to at[d + 1], starting from a book position that
    moves each day, so a short day does not always fall on the same coachees."""
    if not book:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(days + 1, dtype=np.int64)
    due = np.array([rhythm for _, _, rhythm in book])  # appointments x days
    position, day = np.nonzero(due)
    turn = (position - day % len(book)) % len(book)
    order = np.lexsort((turn, day))
    position, day = position[order], day[order]
    plans = np.array([p for p, _, _ in book], dtype=np.int64)
    coachees = np.array([c for _, c, _ in book], dtype=np.int64)
    at = np.zeros(days + 1, dtype=np.int64)
    at[1:] = np.cumsum(np.bincount(day, minlength=days))
    return coachees[position], due[position, day], plans[position], at


@njit(cache=True)
def _coach_year(
    days,
    school_days,
    weeks,
    closed,
    cancelled,
    status,
    left,
    plan,
    coaches,
    first,
    coachee,
    due,
    plan_of,
    role,
    observation,
    feedback,
    window,
    least,
    owed,
    owes,
    work,
    observed,
    lost,
    given,
    latency,
    tally,
    used,
    unused,
):
    """One school's coaching, day by day through the year (see the module), on the school
    days `days` (calendar days; their school-day numbers, 0-based weeks, closures and whether
    a test cancels coaching): each coach who cannot coach that day loses the observations due;
    each called (present, with coaching planned that week, and no test cancelling it) works
    through what it owes, then the day's observations, with the coaching minutes friction left
    it (`left`, calendar days x adults x activities; `plan`, weeks x adults x activities, says
    what was planned). Updates what each coach owes and the year's tallies (see _Desk)."""
    for i in range(days.size):
        day, school_day, week = days[i], school_days[i], weeks[i]
        for k in range(coaches.size):
            coach = coaches[k]
            lo, hi = first[k, school_day], first[k, school_day + 1]
            planned = plan[week, coach, COACHING]
            if closed[i]:
                reason = _CLOSURE
            elif status[day, coach] != PRESENT:
                reason = _VACANCY if status[day, coach] == VACANT else _COACH_ABSENT
            elif planned == 0:
                continue
            elif cancelled[i]:
                reason = _TESTING
            else:
                minutes = left[day, coach, COACHING]
                short = _COVERAGE if minutes < planned else _CAPACITY
                spent = _work(
                    k,
                    day,
                    school_day,
                    week,
                    minutes,
                    short,
                    status,
                    coachee[lo:hi],
                    due[lo:hi],
                    plan_of[lo:hi],
                    role,
                    role[coach],
                    observation,
                    feedback,
                    window,
                    least,
                    owed,
                    owes,
                    work,
                    observed,
                    lost,
                    given,
                    latency,
                    tally,
                )
                used[k] += spent
                unused[k] += minutes - spent
                continue
            for e in range(lo, hi):
                lost[role[coachee[e]], reason] += due[e]


@njit(cache=True)
def _work(
    k,
    day,
    school_day,
    week,
    minutes,
    short,
    status,
    coachee,
    due,
    plan_of,
    role,
    coach_role,
    observation,
    feedback,
    window,
    least,
    owed,
    owes,
    work,
    observed,
    lost,
    given,
    latency,
    tally,
):
    """Coach k's day with `minutes` of coaching: what it owes, in order, then today's
    observations (`coachee`, `due`, `plan_of`), unless the coachee is absent or one of the
    same appointment still waits (it stands for the new one, which is lost for the reason the
    waiting one missed); each piece of work takes its minutes in turn, an observation adding
    its feedback at the end, and what does not fit waits. Returns the minutes used."""
    waiting = owes[k]
    work[:waiting] = owed[k, :waiting]
    todo = waiting
    for e in range(coachee.size):
        c, p = coachee[e], plan_of[e]
        if status[day, c] != PRESENT:
            lost[role[c], _VACANCY if status[day, c] == VACANT else _COACHEE_ABSENT] += due[e]
            continue
        missed = -1
        for j in range(waiting):
            if work[j, FEEDBACK] == 0 and work[j, COACHEE] == c and work[j, PLAN] == p:
                missed = work[j, REASON]
        if missed >= 0:
            lost[role[c], missed] += due[e]
            continue
        work[todo, FEEDBACK], work[todo, COACHEE], work[todo, SINCE] = 0, c, school_day
        work[todo, PLAN], work[todo, TIMES], work[todo, REASON] = p, due[e], short
        todo += 1
    used = 0
    kept = 0  # rows of owed[k] written again

    i = 0
    while i < todo:
        if used + least > minutes:
            owed[k, kept : kept + todo - i] = work[i:todo]
            kept += todo - i
            break
        c, p = work[i, COACHEE], work[i, PLAN]
        if status[day, c] != PRESENT:
            owed[k, kept] = work[i]
            kept += 1
        elif work[i, FEEDBACK]:
            if used + feedback[p] <= minutes:
                used += feedback[p]
                late = school_day - work[i, SINCE]
                latency[tally[0]] = late
                tally[0] += 1
                if late <= window[p]:
                    tally[1] += 1
            else:
                owed[k, kept] = work[i]
                kept += 1
        else:
            times, done = work[i, TIMES], 0
            while done < times and used + observation[p] <= minutes:
                used += observation[p]
                done += 1
                observed[c, week] += 1
                work[todo, FEEDBACK], work[todo, COACHEE], work[todo, SINCE] = 1, c, school_day
                work[todo, PLAN], work[todo, TIMES], work[todo, REASON] = p, 1, _CAPACITY
                todo += 1
            if done:
                given[role[c], coach_role] += done
            if done < times:
                owed[k, kept] = work[i]
                owed[k, kept, TIMES] = times - done
                kept += 1
        i += 1
    owes[k] = kept
    return used


def load_compiled() -> None:
    """Load the compiled coaching year, called with the types a year calls it with
    (simulate.engine.load_compiled)."""
    ints, floats = np.zeros(0, dtype=np.int64), np.zeros(0)
    table, rows = np.zeros((0, 0), dtype=np.int64), np.zeros((0, 6), dtype=np.int64)
    sheet = np.zeros((0, 0, 0))
    flags = np.zeros(0, dtype=bool)
    _coach_year(
        ints,
        ints,
        ints,
        flags,
        flags,
        np.zeros((0, 0), dtype=np.int8),
        sheet,
        sheet,
        ints,
        np.zeros((0, 1), dtype=np.int64),
        ints,
        ints,
        ints,
        ints,
        ints,
        ints,
        ints,
        0,
        np.zeros((0, 0, 6), dtype=np.int64),
        ints,
        rows,
        table,
        table,
        table,
        ints,
        np.zeros(2, dtype=np.int64),
        floats,
        floats.copy(),
    )
