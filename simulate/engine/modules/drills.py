"""Fire drills and assemblies: on `calendar.drills.days` school days a year, drawn at random
for each school, every class stops for `calendar.drills.minutes`. The drill takes that much of
the day's instruction from every adult who teaches that day, whoever teaches the class (a
covered class too), after coverage and testing have taken their share; the students present
lose it with them (engine.modules.instruction credits only what is left). A drill on a day the
school is closed does not happen."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulate.engine.module import Figure, Module, Today
from simulate.engine.timesheet import INSTRUCTION

if TYPE_CHECKING:
    from simulate.engine.core import Engine

DRILL = "drill"


class Drills(Module[None]):
    name = "drills"
    order = 70
    reads = ("calendar.drills",)
    streams = ("drills",)
    losses = (DRILL,)

    def __init__(self, run: Engine) -> None:
        super().__init__(run)
        self.drills = run.scenario.calendar.drills
        school_days = np.flatnonzero(run.days.instructional)
        count = min(self.drills.days, school_days.size) if self.drills.minutes else 0
        # per school: the calendar days with a drill (the same in every arrangement)
        self.days = [
            set(self.rng("drills", s.number).choice(school_days, count, replace=False).tolist())
            for s in run.schools
        ]

    def day(self, today: Today) -> None:
        if today.closed:
            return
        for school, days in zip(self.run.schools, self.days, strict=True):
            if today.day in days:
                wanted = np.zeros(self.run.timesheets[school.number].left.shape[1:])
                wanted[:, INSTRUCTION] = self.drills.minutes
                self.run.timesheets[school.number].take_on(DRILL, today.day, wanted)

    def figures(self) -> dict[Figure, float]:
        """Instruction the drills took from the classes (their homeroom adults' instruction,
        whoever taught it), per classroom a year, when drills are modelled."""
        if not any(self.days):
            return {}
        taken = 0.0
        for school, sheet in zip(self.run.schools, self.run.timesheets, strict=True):
            if DRILL in sheet.taken:
                rooms = [a.index for a in school.adults if a.homeroom >= 0]
                taken += float(sheet.taken[DRILL][rooms, INSTRUCTION].sum())
        classrooms = sum(s.spec.classrooms for s in self.run.schools)
        figure = ("drills.instruction_minutes_per_classroom", "all", "value")
        return {figure: taken / classrooms if classrooms else 0.0}
