"""A deliberately plain oracle of coaching (engine.modules.coaching): each coach a SimPy
process that, when the bell calls it, works through what it owes one piece of work at a time,
in a queue of named pieces, with the scenario's plans as objects; to check the engine's
compiled year against (tests/test_coaching_oracle.py). `plain_coaching(monkeypatch)` makes the
engine's Coaching module run this instead."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from simulate.engine.ledger import UNUSED
from simulate.engine.module import Module, Today
from simulate.engine.modules.attrition import VACANCY
from simulate.engine.modules.availability import PRESENT, VACANT, Availability
from simulate.engine.modules.closures import CLOSURE
from simulate.engine.modules.coaching import (
    CAPACITY,
    COACH_ABSENT,
    COACHEE_ABSENT,
    COACHING,
    Coached,
    Coaching,
    _coachees,
)
from simulate.engine.modules.coverage import COVERAGE
from simulate.engine.modules.testing import TESTING
from simulate.engine.roster import Roster
from simulate.schema.model import CoachingPlan


@dataclass
class Work:
    """A piece of work a coach owes: the feedback on an observation made on school day
    `since`, or `times` observations that fell due on `since` and did not fit (missed for
    `reason`)."""

    feedback: bool
    coachee: int
    since: int
    plan: CoachingPlan
    times: int
    reason: str


@dataclass
class Desk:
    """A school's coaches: for each, what is due on each school day and what it owes."""

    school: Roster
    agenda: dict[int, list[list[tuple[int, int, CoachingPlan]]]]  # coach -> day -> due
    owes: dict[int, list[Work]]
    bell: simpy.Event
    observed: dict[int, list[int]]  # coachee -> observations in each week
    given: Counter[tuple[str, str]] = field(default_factory=Counter)
    lost: Counter[tuple[str, str]] = field(default_factory=Counter)
    used: Counter[str] = field(default_factory=Counter)
    unused: Counter[str] = field(default_factory=Counter)


class PlainCoaching:
    def __init__(self, run: Any) -> None:
        self.run = run
        self.status = run.module(Availability).status
        self.latencies: list[int] = []
        self.on_time = 0
        self.desks = [self.desk(school) for school in run.schools]
        for desk in self.desks:
            for coach in desk.agenda:
                run.env.process(self.coach(desk, coach))

    def desk(self, school: Roster) -> Desk:
        days = self.run.days
        n = int(days.instructional.sum())
        agenda: dict[int, list[list[tuple[int, int, CoachingPlan]]]] = {}
        order: dict[int, list[tuple[int, CoachingPlan, np.ndarray]]] = {}
        for plan in self.run.scenario.coaching:
            coaches = [a for a in school.adults if a.role_name == plan.coach]
            for k, coach in enumerate(coaches):
                coached = _coachees(school, coach, plan, k, len(coaches))
                book = order.setdefault(coach.index, [])
                for j, coachee in enumerate(coached):
                    phase = j / max(len(coached), 1)
                    rate = plan.observations_per_week / days.days_per_week
                    due = [int((d + 1) * rate + phase) - int(d * rate + phase) for d in range(n)]
                    book.append((coachee.index, plan, np.array(due)))
        for coach, book in order.items():
            # each day the book is read from a position that moves a place a day
            agenda[coach] = [
                [
                    (book[j][0], int(book[j][2][d]), book[j][1])
                    for j in sorted(range(len(book)), key=lambda j: (j - d) % len(book))
                    if book[j][2][d]
                ]
                for d in range(n)
            ]
        weeks = int(days.week.max()) + 1
        coached = [c for book in order.values() for c, _, _ in book]
        observed = {c: [0] * weeks for c in coached}
        return Desk(school, agenda, {c: [] for c in agenda}, self.run.env.event(), observed)

    def day(self, today: Today) -> None:
        for desk in self.desks:
            n = desk.school.number
            status = self.status[n][today.day]
            sheet = self.run.timesheets[n]
            calls = {}
            for coach in desk.agenda:
                planned = sheet.plan[today.week - 1, coach, COACHING]
                reason = None
                if today.closed:
                    reason = CLOSURE
                elif status[coach] != PRESENT:
                    reason = VACANCY if status[coach] == VACANT else COACH_ABSENT
                elif planned and "coaching" in today.cancels:
                    reason = TESTING
                elif planned:
                    left = sheet.left[today.day, coach, COACHING]
                    calls[coach] = (left, COVERAGE if left < planned else CAPACITY)
                if reason is not None:
                    for coachee, due, _ in desk.agenda[coach][today.school_day]:
                        role = desk.school.adults[coachee].role_name
                        desk.lost[(role, reason)] += due
            if calls:
                bell, desk.bell = desk.bell, self.run.env.event()
                bell.succeed((today, calls))

    def coach(self, desk: Desk, coach: int) -> Generator[simpy.Event, Any, None]:
        env = self.run.env
        adults = desk.school.adults
        name = adults[coach].role_name
        while True:
            today, calls = yield desk.bell
            if coach not in calls:
                continue
            minutes, short = calls[coach]
            status = self.status[desk.school.number][today.day]
            day = today.school_day
            waiting = desk.owes[coach]
            work = deque(waiting)
            desk.owes[coach] = []
            for coachee, due, plan in desk.agenda[coach][day]:
                role = adults[coachee].role_name
                missed = [
                    w for w in waiting if not w.feedback and w.coachee == coachee and w.plan is plan
                ]
                if status[coachee] != PRESENT:
                    desk.lost[(role, VACANCY if status[coachee] == VACANT else COACHEE_ABSENT)] += (
                        due
                    )
                elif missed:
                    desk.lost[(role, missed[-1].reason)] += due
                else:
                    work.append(Work(False, coachee, day, plan, due, short))
            used = 0
            least = min(
                min(p.observation_minutes, p.feedback_minutes) for p in self.run.scenario.coaching
            )
            while work:
                if used + least > minutes:
                    desk.owes[coach].extend(work)
                    break
                item = work.popleft()
                role = adults[item.coachee].role_name
                if status[item.coachee] != PRESENT:
                    desk.owes[coach].append(item)
                elif item.feedback:
                    if used + item.plan.feedback_minutes <= minutes:
                        used += item.plan.feedback_minutes
                        self.latencies.append(day - item.since)
                        self.on_time += day - item.since <= item.plan.feedback_window_days
                    else:
                        desk.owes[coach].append(item)
                else:
                    done = 0
                    while done < item.times and used + item.plan.observation_minutes <= minutes:
                        used += item.plan.observation_minutes
                        done += 1
                        desk.observed[item.coachee][today.week - 1] += 1
                        desk.given[(role, name)] += 1
                        work.append(Work(True, item.coachee, day, item.plan, 1, CAPACITY))
                    if done < item.times:
                        item.times -= done
                        desk.owes[coach].append(item)
            desk.used[name] += used
            desk.unused[name] += minutes - used
            if used:
                yield env.timeout(used)

    def year(self) -> None:
        for desk in self.desks:
            ledger = self.run.ledgers[desk.school.number]
            for owed in desk.owes.values():
                for item in owed:
                    if not item.feedback:
                        desk.lost[(desk.school.adults[item.coachee].role_name, item.reason)] += (
                            item.times
                        )
            for (role, coach), count in desk.given.items():
                ledger.delivered("observation", role, count, coach)
            for (role, reason), count in desk.lost.items():
                ledger.lost("observation", role, count, reason)
            for coach in desk.used:
                ledger.delivered("coaching", coach, desk.used[coach])
                ledger.lost("coaching", coach, desk.unused[coach], UNUSED)
            sheet = self.run.timesheets[desk.school.number]
            for adult in desk.school.adults:
                if adult.index not in desk.agenda:
                    ledger.delivered(
                        "coaching",
                        adult.role_name,
                        float(sheet.left[:, adult.index, COACHING].sum()),
                    )

    def results(self) -> Coached:
        observations = []
        for desk in self.desks:
            received = np.zeros(len(desk.school.adults))
            for coachee, weeks in desk.observed.items():
                received[coachee] = sum(weeks)
            observations.append(received)
        observed = [{c: np.array(w, float) for c, w in d.observed.items()} for d in self.desks]
        return Coached(self.latencies, self.on_time, observed, observations)


def plain_coaching(monkeypatch: Any) -> None:
    """Make the engine's Coaching module run PlainCoaching."""

    def init(self: Coaching, run: Any) -> None:
        Module.__init__(self, run)
        self.plain = PlainCoaching(self.run)  # type: ignore[attr-defined]

    monkeypatch.setattr(Coaching, "__init__", init)
    for name in ("day", "year", "results"):
        monkeypatch.setattr(Coaching, name, lambda self, *a, _n=name: getattr(self.plain, _n)(*a))
