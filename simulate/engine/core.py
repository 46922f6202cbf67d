"""The core: one school year of a scenario, its clock and its modules.

One SimPy environment per run. The calendar, the rosters (engine.roster), a timesheet and a
ledger per school are the core's; everything else is a module's (engine.modules, in their
declared order). The district's clock is a SimPy process that reaches each instructional day
and calls every module's `day` in order, running through the waits a module returns (the
coverage desk waits for the substitute market until the bell); within the day, SimPy carries
where people wait and contend (the coverage desk, the substitute market's own process). At
the end each module books the year in bulk (`year`), and each timesheet books what friction
took from adults' time.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, TypeVar

import numpy as np
import simpy

from simulate.engine.calendar import DAY, Days, build_days
from simulate.engine.ledger import Ledger
from simulate.engine.module import Module, Today
from simulate.engine.modules import MODULES
from simulate.engine.roster import Roster, build_rosters
from simulate.engine.timesheet import Timesheet
from simulate.schema.model import Scenario

M = TypeVar("M", bound=Module[Any])


class Engine:
    """One run of a scenario for one replication. Everything random is drawn on construction;
    `run()` simulates the year."""

    def __init__(self, scenario: Scenario, seed: int, replication: int = 0) -> None:
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self.env = simpy.Environment()
        self.days: Days = build_days(scenario.calendar, seed, replication)
        # the school-day number (instructional days before it) of every calendar day
        self.school_days = np.cumsum(self.days.instructional) - 1
        self.schools: list[Roster] = build_rosters(scenario, self.days, seed, replication)
        self.ledgers = [Ledger() for _ in self.schools]
        self.timesheets = [Timesheet(s, scenario, self.days) for s in self.schools]
        self.over = False  # the year has been run and booked
        self.modules: list[Module[Any]] = []
        self._kinds: dict[type[Module[Any]], Module[Any]] = {}
        for kind in MODULES:  # in order: each may read what those before it drew
            module = kind(self)
            self.modules.append(module)
            self._kinds[kind] = module
        self.env.process(self._clock())

    def module(self, kind: type[M]) -> M:
        """The run's module of this kind."""
        return self._kinds[kind]  # type: ignore[return-value]

    def run(self) -> Engine:
        self.env.run()
        for module in self.modules:
            module.year()
        for sheet, ledger in zip(self.timesheets, self.ledgers, strict=True):
            sheet.book(ledger)
        self.over = True
        return self

    def ledger(self) -> Ledger:
        """The ledgers of all schools of the run, merged."""
        merged = Ledger()
        for ledger in self.ledgers:
            merged.merge(ledger)
        return merged

    def _clock(self) -> Generator[simpy.Event, object, None]:
        """The district's clock (a SimPy process): each instructional day, every module's
        `day` in order, running through the waits a module returns (in this process: a process
        of their own would cost three SimPy events a day for nothing)."""
        days = self.days
        daily = [m for m in self.modules if type(m).day is not Module.day]
        # as lists: read one day at a time, where numpy's scalars cost more
        school_days, weeks = self.school_days.tolist(), days.week.tolist()
        closed = days.closed.tolist()
        for day in np.flatnonzero(days.instructional).tolist():
            yield self.env.timeout(day * DAY - self.env.now)
            today = Today(
                day, school_days[day], weeks[day] + 1, closed[day], days.testing_cancels[day]
            )
            for module in daily:
                waits = module.day(today)
                if isinstance(waits, simpy.Event):
                    yield waits
                elif waits is not None:
                    yield from waits
