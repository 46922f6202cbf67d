"""What both engines share: one year of one scenario, its schools and sub-models, today, and
the regrouping windows whose small groups are seated when they end."""

from __future__ import annotations

import numpy as np
import simpy

from simulate.engine.availability import Availability
from simulate.engine.calendar import DAY, Days, build_days
from simulate.engine.coaching import Coaching
from simulate.engine.coverage import Coverage
from simulate.engine.instruction import Instruction
from simulate.engine.ledger import Ledger
from simulate.engine.school import SchoolState, build_schools
from simulate.engine.small_groups import Sessions
from simulate.schema.model import Scenario


class Year:
    """One run of a scenario for one replication: the state both engines start from."""

    def __init__(self, scenario: Scenario, seed: int, replication: int = 0) -> None:
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self.env = simpy.Environment()
        self.days: Days = build_days(scenario.calendar, seed, replication)
        self.day = -1  # today's index in the calendar
        self.school_day = -1  # count of instructional days so far (0-based)
        self.school_days = np.cumsum(self.days.instructional) - 1  # school-day number of each day
        self.availability = Availability(self)
        self.coverage = Coverage(self)
        self.instruction = Instruction(self)
        self.sessions = Sessions(self)
        self.coaching = Coaching(self)
        self.schools: list[SchoolState] = build_schools(scenario, self.days, seed, replication)
        for school in self.schools:
            self.sessions.prepare(school)
            self.coaching.plan(school)
        # small-group minutes each adult could hold on each day, seated by regrouping window
        self.small_group = [np.zeros((self.days.count, len(s.adults))) for s in self.schools]
        self.windows: list[list[int]] = []  # the open days of each regrouping window

    @property
    def week(self) -> int:
        """Today's instructional week, 1-based (ramps are written in these weeks)."""
        return int(self.days.week[self.day]) + 1

    def ledger(self) -> Ledger:
        """The ledgers of all schools of the run, merged."""
        merged = Ledger()
        for school in self.schools:
            merged.merge(school.ledger)
        return merged

    def _district(self):  # type: ignore[no-untyped-def]
        """The district's clock (a SimPy process): one event a day. On each instructional day
        it seats the window that ends when a regrouping is due, then opens the day."""
        for day in range(self.days.count):
            yield self.env.timeout(day * DAY - self.env.now)
            if not self.days.instructional[day]:
                continue
            self.day = day
            self.school_day += 1
            closed = self.availability.closed_today()
            regroup = self.sessions.regroup_due()
            if regroup:
                self._seat_window()
            if not closed:
                self.windows[-1].append(day)
            self._open_day(closed, regroup)

    def _open_day(self, closed: bool, regroup: bool) -> None:
        """What an engine does on each instructional day (`closed`: a closure; `regroup`: the
        caseloads are dealt anew today)."""
        raise NotImplementedError

    def _seat_window(self) -> None:
        """Seat the small groups of the window that ends today (see engine.small_groups), and
        start the next window."""
        if self.windows and self.windows[-1]:
            days = np.array(self.windows[-1])
            last = int(self.school_days[days[-1]])
            for school, minutes in zip(self.schools, self.small_group, strict=True):
                self.sessions.window(school, minutes[days], days, last)
        self.windows.append([])
