"""Period coverage: in a school with a period day, the classes of an absent teacher that no
substitute took are covered one period at a time.

At the bell, engine.modules.coverage hands over the requests the substitute pool left (an
absence, or a vacancy without a long-term substitute). Each of the absent adult's sections
that meet today, period by period, goes down the scenario's coverage cascade. The cascade's
roles with periods are colleagues, taken together as one rotation where the first of them
stands: any of them in one of its planning periods who has covered fewer than the school's
`cover_periods_per_week` periods this week may cover. A role without periods (a coach, a
principal) is a step of its own: anyone of it not already covering in that period. Among those
who may, the one who has covered fewest periods this year covers, ties going round the staff
from day to day (UFT: coverage "on a rotating basis"), so the load spreads as evenly as the
planning periods allow, whatever the colleague's role. A period
nobody may cover is uncovered (engine.modules.instruction books it as lost). Covering costs the
coverer that period: its planning, or, for a role without periods, what it had planned, in
engine.modules.coverage's CANCEL_ORDER. This is resolved by the period, after the bell; nobody
waits, so it is plain code rather than a SimPy process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulate.engine.module import Module, Today
from simulate.engine.modules.availability import PRESENT, Availability
from simulate.engine.modules.coverage import (
    COVERAGE,
    NOT_ASKED,
    UNCOVERED,
    Coverage,
    cancelled_by_cover,
)
from simulate.engine.roster import Adult, Roster
from simulate.engine.timetable import ACTIVITY, NONE

if TYPE_CHECKING:
    from simulate.engine.core import Engine

PLANNING = ACTIVITY["planning"]


@dataclass(frozen=True)
class PeriodCover:
    """What period coverage offers: per school (None without a period day), who covered each
    section on each calendar day (an adult's index, UNCOVERED, or NOT_ASKED where the pool or
    the teacher took it) and the periods each adult covered in the year; over all schools,
    the periods that needed a colleague, those nobody covered, and the minutes covered by
    role."""

    by: list[np.ndarray | None]
    covered: list[np.ndarray]
    asked: int
    uncovered: int
    minutes: dict[str, float]


class PeriodCoverage(Module[PeriodCover]):
    name = "period_coverage"
    order = 55
    reads = ("coverage.cascade", "schools.*.periods.cover_periods_per_week")
    losses = (COVERAGE,)

    def __init__(self, run: Engine) -> None:
        super().__init__(run)
        self.status = run.module(Availability).rows
        self.by: list[np.ndarray | None] = [
            None
            if s.timetable is None
            else np.full((run.days.count, s.timetable.count), NOT_ASKED, np.int16)
            for s in run.schools
        ]
        self.covered = [np.zeros(len(s.adults), dtype=np.int64) for s in run.schools]
        self.week = [np.zeros(len(s.adults), dtype=np.int64) for s in run.schools]
        self.this_week = 0
        self.asked = self.uncovered = 0
        self.minutes: dict[str, float] = {}
        weeks = int(run.days.week.max()) + 1
        # per school: the term of each instructional week, and each adult's sections in each
        # term, in slot order
        self.terms: list[np.ndarray] = []
        self.sections: list[list[list[np.ndarray]]] = []
        for school in run.schools:
            table = school.timetable
            if table is None:
                self.terms.append(np.zeros(0, dtype=np.int64))
                self.sections.append([])
                continue
            self.terms.append(table.terms_of(np.arange(weeks), weeks))
            per = table.day.periods_per_day
            mine = [table.taught_by(a.index) for a in school.adults]
            self.sections.append(
                [[s[table.slot[s] // per == t] for t in range(table.day.terms)] for s in mine]
            )

    def day(self, today: Today) -> None:
        if today.closed:
            return
        if today.week != self.this_week:
            self.this_week = today.week
            for counts in self.week:
                counts[:] = 0
        waiting = self.run.module(Coverage).by_periods
        for school in self.run.schools:
            requests = waiting.get(school.number)
            if requests:
                self._cover(school, [r.adult.index for r in requests], today)

    def _cover(self, school: Roster, absent: list[int], today: Today) -> None:
        """Cover each section of the absent adults that meets today, period by period."""
        table = school.timetable
        assert table is not None
        by = self.by[school.number]
        assert by is not None
        term = int(self.terms[school.number][today.week - 1])
        minutes = table.day.period_minutes
        status = self.status[school.number][today.day]
        busy: set[tuple[int, int]] = set()  # (adult, slot) covering already today
        cap = school.spec.periods.cover_periods_per_week if school.spec.periods else 0
        adults = school.adults
        cascade = _steps(self.run.scenario.coverage.cascade, adults)
        sheet = self.run.timesheets[school.number]
        for a in sorted(absent):
            for s in self.sections[school.number][a][term].tolist():
                at = int(table.slot[s])
                self.asked += 1
                coverer = NONE
                for roles in cascade:
                    candidates = [
                        b
                        for b in adults
                        if b.role_name in roles
                        and status[b.index] == PRESENT
                        and (b.index, at) not in busy
                        and "coverage" in b.role.duties_in_week(today.week)
                        and (
                            not b.role.periods
                            or table.duty[b.index, at] == PLANNING
                            and self.week[school.number][b.index] < cap
                        )
                    ]
                    if candidates:
                        n = len(adults)
                        coverer = min(
                            candidates,
                            key=lambda b: (
                                self.covered[school.number][b.index],
                                (b.index - today.school_day) % n,
                            ),
                        ).index
                        break
                if coverer == NONE:
                    by[today.day, s] = UNCOVERED
                    self.uncovered += 1
                    continue
                by[today.day, s] = coverer
                busy.add((coverer, at))
                self.covered[school.number][coverer] += 1
                self.week[school.number][coverer] += 1
                b = adults[coverer]
                self.minutes[b.role_name] = self.minutes.get(b.role_name, 0.0) + minutes
                if b.role.periods:
                    sheet.take_from(COVERAGE, today.day, coverer, {"planning": minutes})
                else:
                    left = sheet.left[today.day, coverer]
                    sheet.take_from(COVERAGE, today.day, coverer, cancelled_by_cover(left, minutes))

    def results(self) -> PeriodCover:
        return PeriodCover(self.by, self.covered, self.asked, self.uncovered, self.minutes)


def _steps(cascade: list[str], adults: list[Adult]) -> list[set[str]]:
    """The cascade as steps: its roles with periods (colleagues) together where the first of
    them stands, each role without periods on its own."""
    with_periods = {a.role_name for a in adults if a.role.periods}
    colleagues = {role for role in cascade if role in with_periods}
    steps: list[set[str]] = []
    for role in cascade:
        if role not in colleagues:
            steps.append({role})
        elif colleagues not in steps:
            steps.append(colleagues)
    return steps
