"""Adults' time: what each adult planned on each school day, activity by activity, and what
friction took from it.

A timesheet starts from the schedules (each role's minutes per activity, less what its ramp
does not allow that week). Modules take time from it for a reason (a closure, a vacancy, an
absence, covering a class, a testing window, ...) in the order they run, each minute once; the
core books what was taken as lost, by reason. What is left is the activity's own module's to
book: delivered, or lost for a reason of its own (a class nobody covered, a coach with no one
due). So planned = delivered + lost holds for every adult and activity, and the ordinary days
are booked for the whole year at once.
"""

from __future__ import annotations

import numpy as np

from simulate.engine.calendar import Days
from simulate.engine.ledger import Ledger
from simulate.engine.module import cached
from simulate.engine.roster import Roster
from simulate.engine.timetable import Timetable
from simulate.schema.model import ACTIVITIES, Role, Scenario

ACTIVITY = {name: k for k, name in enumerate(ACTIVITIES)}
INSTRUCTION = ACTIVITY["instruction"]


class Timesheet:
    """One school's adults over the year: minutes planned and left, calendar days x adults x
    activities, and minutes taken, by reason, adults x activities."""

    def __init__(self, school: Roster, scenario: Scenario, days: Days) -> None:
        self.school = school
        weeks = int(days.week.max()) + 1
        plans = cached(scenario, ("plans", weeks), lambda: {})
        # planned minutes per (week, adult, activity): the schedule, less what the ramp forbids
        self.plan = np.zeros((weeks, len(school.adults), len(ACTIVITIES)))
        table = school.timetable
        for adult in school.adults:
            if table is not None and adult.role.periods:
                self.plan[:, adult.index] = period_plan(adult.role, table, adult.index, weeks)
                continue
            if adult.role_name not in plans:
                plans[adult.role_name] = weekly_plan(adult.role, weeks)
            self.plan[:, adult.index] = plans[adult.role_name]
        self.week = days.week
        self._weeks = days.week.tolist()  # for `planned`, read thousands of times a year
        self.left = self.plan[days.week] * days.instructional[:, None, None]
        self.taken: dict[str, np.ndarray] = {}
        # adults whose class goes on when they are away (see Adult.class_goes_on)
        self.goes_on = np.array([a.class_goes_on for a in school.adults], dtype=bool)

    def planned(self, day: int, adult: int, activity: str) -> float:
        # item(): a Python float, without numpy's scalar for each index
        return self.plan.item(self._weeks[day], adult, ACTIVITY[activity])

    def take(self, reason: str, wanted: np.ndarray) -> None:
        """Take up to `wanted` minutes (days x adults x activities) for `reason`."""
        got = np.minimum(self.left, wanted)
        self.left -= got
        self._add(reason, got.sum(axis=0))

    def take_on(self, reason: str, day: int, wanted: np.ndarray) -> None:
        """Take up to `wanted` minutes (adults x activities) on one day."""
        got = np.minimum(self.left[day], wanted)
        self.left[day] -= got
        self._add(reason, got)

    def take_from(self, reason: str, day: int, adult: int, wanted: dict[str, float]) -> None:
        """Take up to `wanted` minutes of some activities of one adult on one day."""
        left = self.left[day, adult]
        lines = self.taken.get(reason)
        if lines is None:
            lines = self.taken[reason] = np.zeros(self.left.shape[1:])
        for activity, minutes in wanted.items():
            k = ACTIVITY[activity]
            got = min(left[k], minutes)
            left[k] -= got
            lines[adult, k] += got

    def take_days(self, reason: str, days: np.ndarray) -> None:
        """Take whole days (bool per calendar day) from every adult."""
        self.take(reason, self.left * days[:, None, None])

    def take_away(self, reason: str, away: np.ndarray) -> None:
        """Take the days adults are away (calendar days x adults, bool), all but the class of
        an adult whose class goes on without them (engine.modules.coverage: someone covers it,
        or it is booked as uncovered)."""
        wanted = self.left * away[:, :, None]
        wanted[:, self.goes_on, INSTRUCTION] = 0.0
        self.take(reason, wanted)

    def book(self, ledger: Ledger) -> None:
        """Book what friction took, by reason, role and activity."""
        roles = sorted({a.role_name for a in self.school.adults})
        members = {r: [a.index for a in self.school.adults if a.role_name == r] for r in roles}
        for reason, lines in self.taken.items():
            for role, who in members.items():
                amounts = lines[who].sum(axis=0)
                for activity, k in ACTIVITY.items():
                    ledger.lost(activity, role, float(amounts[k]), reason)

    def _add(self, reason: str, got: np.ndarray) -> None:
        if reason in self.taken:
            self.taken[reason] += got
        else:
            self.taken[reason] = got.copy()


def period_plan(role: Role, table: Timetable, adult: int, weeks: int) -> np.ndarray:
    """What an adult of a school with a period day plans on a day of each instructional week
    (weeks x activities): its periods of the week's term (its sections, supported sections and
    other periods, engine.timetable) at the period's length, and its schedule outside the
    periods, in the weeks its ramp allows each activity."""
    plan = weekly_plan(role, weeks)
    minutes = table.day.period_minutes
    terms = table.terms_of(np.arange(weeks), weeks)
    for term in range(table.day.terms):
        for activity, periods in table.periods(adult, term).items():
            plan[terms == term, ACTIVITY[activity]] += periods * minutes
    for w in range(weeks):
        allowed = role.duties_in_week(w + 1)
        for activity, k in ACTIVITY.items():
            if activity not in allowed:
                plan[w, k] = 0.0
    return plan


def weekly_plan(role: Role, weeks: int) -> np.ndarray:
    """What a holder of the role plans on a day of each instructional week (weeks x activities):
    its schedule, in the weeks its ramp allows each activity."""
    plan = np.zeros((weeks, len(ACTIVITIES)))
    for w in range(weeks):
        duties = role.duties_in_week(w + 1)
        for activity, minutes in role.schedule.items():
            if minutes and activity in duties:
                plan[w, ACTIVITY[activity]] = minutes
    return plan
