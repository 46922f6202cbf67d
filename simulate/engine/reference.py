"""The reference engine: the model written the plain way, day by day, one process per adult.

One SimPy environment per run, one minute per time unit. Adults are SimPy processes that walk
their daily schedule; students are numpy arrays that the adults' activities credit. A district
process opens each school day: it sets who is present (availability), places substitutes from
the shared pool and runs each school's cascade (coverage) before the adults start. What adults
do is written by one sub-model each: instruction, small groups (seated day by day), coaching,
stations (devices as a SimPy container).

`simulate.engine.Engine` runs the same model much faster (engine.core); this engine is kept as
the reference it is checked against (tests/test_engine_reference.py) and measured against
(benchmarks/bench_engine.py). Both share the sub-models; they differ in how small groups are
seated (day by day here, by regrouping window there) and in how ordinary days are booked.
"""

from __future__ import annotations

from simulate.engine.coverage import cancelled_by_cover
from simulate.engine.ledger import Loss
from simulate.engine.roster import Adult
from simulate.engine.school import SchoolState, Status
from simulate.engine.stations import Stations
from simulate.engine.year import Year
from simulate.schema.model import Scenario


class ReferenceEngine(Year):
    """One run of a scenario for one replication, day by day."""

    plain = True

    def __init__(self, scenario: Scenario, seed: int, replication: int = 0) -> None:
        super().__init__(scenario, seed, replication)
        self.morning = self.env.event()
        self.stations = Stations(self)
        for school in self.schools:
            self.stations.equip(school)
            for adult in school.adults:
                self.env.process(self._adult(school, adult))
        self.env.process(self._district())

    def run(self) -> ReferenceEngine:
        self.env.run()
        self._seat_window()
        return self

    # ---- each school day: the district opens it, then the adults walk it ----------------
    def _open_day(self, closed: bool, regroup: bool) -> None:
        for school in self.schools:
            self._open(school, closed, regroup)
        if not closed:
            self.coverage.place_substitutes(self.schools)
            for school in self.schools:
                self.coverage.cascade(school)
                if school.spec.rotation is not None:
                    self.env.process(self.stations.rotation(school))
        opened, self.morning = self.morning, self.env.event()
        opened.succeed()

    def _open(self, school: SchoolState, closed: bool, regroup: bool) -> None:
        school.cover_minutes[:] = 0
        school.awaiting_cover.clear()
        self.availability.morning(school)
        self.instruction.morning(school)
        if regroup:
            self.sessions.regroup(school)
        if closed:
            self.stations.closed(school)
        else:
            self.instruction.count_student_day(school)

    # ---- adults -------------------------------------------------------------------------
    def _adult(self, school: SchoolState, adult: Adult):  # type: ignore[no-untyped-def]
        ledger = school.ledger
        role = adult.role
        name = adult.role_name
        covers_class = adult.homeroom >= 0
        coaches = adult.index in school.appointments
        weeks = int(self.days.week.max()) + 1
        plans = [  # what the adult plans to do on a day of each week (residents ramp up)
            [(a, m) for a, m in role.schedule.items() if m and a in role.duties_in_week(w + 1)]
            for w in range(weeks)
        ]
        while True:
            yield self.morning
            plan = plans[int(self.days.week[self.day])]
            status = school.status[adult.index]
            closed = self.availability.closed_today()
            if closed or status != Status.PRESENT:
                reason = Loss.CLOSURE if closed else Loss(status.value)
                for activity, minutes in plan:
                    if (
                        activity == "instruction"
                        and covers_class
                        and not closed
                        and self.coverage.needs_cover(adult)
                    ):
                        continue  # the class itself was covered or recorded as uncovered
                    ledger.lost(activity, name, minutes, reason)
                if coaches:
                    if closed:
                        missed = Loss.CLOSURE
                    elif status == Status.VACANCY:
                        missed = Loss.VACANCY
                    else:
                        missed = Loss.COACH_ABSENT
                    self.coaching.miss(school, adult, missed)
                continue
            school.days_worked[adult.index] += 1
            cancelled = cancelled_by_cover(plan, float(school.cover_minutes[adult.index]))
            testing = self.availability.testing_cancels()
            for activity, minutes in plan:
                lost = cancelled.get(activity, 0.0)
                ledger.lost(activity, name, lost, Loss.COVERAGE)
                done = minutes - lost
                if activity in testing:
                    ledger.lost(activity, name, done, Loss.TESTING)
                    if activity == "coaching" and coaches:
                        self.coaching.miss(school, adult, Loss.TESTING)
                    continue
                if activity == "coaching" and coaches:
                    short = Loss.COVERAGE if lost else Loss.CAPACITY
                    used = self.coaching.coach(school, adult, done, short)
                elif activity == "small_group":
                    self.small_group[school.number][self.day, adult.index] = done
                    continue  # booked when its window is seated
                else:
                    used = done
                    if done and activity == "instruction":
                        self.instruction.teach(school, adult, done)
                ledger.delivered(activity, name, used)
                ledger.lost(activity, name, done - used, Loss.UNUSED)
                if done:
                    yield self.env.timeout(done)
