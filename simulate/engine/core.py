"""The discrete-event engine: one SimPy environment per run, one minute per time unit.

Adults are SimPy processes that walk their daily schedule; students are numpy arrays that
the adults' activities credit. A district process opens each school day: it applies
closures, places substitutes from the shared pool, and runs each school's coverage cascade
before the adults start. Every planned minute ends in the ledger as delivered or lost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import simpy

from simulate.engine.calendar import Days, build_days
from simulate.engine.ledger import Ledger
from simulate.engine.roster import NO_TEAM, Adult, Students, build_adults, build_students
from simulate.schema.model import CoachingPlan, Scenario, School

DAY = 1440  # minutes; day d of the year starts at d * DAY
# When an adult covers a class, its own plans are cancelled in this order.
CANCEL_ORDER = (
    "small_group",
    "coaching",
    "collaboration",
    "planning",
    "supervision",
    "instruction",
)
STUDENT_ACTIVITIES = ("instruction", "small_group", "online")
SUBSTITUTE = "substitute"
LONG_TERM_SUBSTITUTE = "long_term_substitute"
SPLIT = "split"


@dataclass
class Appointment:
    """A coachee on a coach's list under one plan, with its phase in the observation rhythm."""

    plan: CoachingPlan
    coachee: int
    phase: float


@dataclass
class SchoolState:
    """Everything one school accumulates during a run."""

    number: int
    spec: School
    adults: list[Adult]
    team_rooms: list[list[int]]
    team_shares: list[bool]
    team_specialized: list[bool]
    students: Students
    ledger: Ledger = field(default_factory=Ledger)
    # per student: minutes by activity (STUDENT_ACTIVITIES) and by adult
    received: np.ndarray = field(init=False)
    contact: np.ndarray = field(init=False)
    small_group_by_role: dict[str, float] = field(init=False)  # student-minutes by leader role
    served_today: np.ndarray = field(init=False)
    priority: np.ndarray = field(init=False)
    # per adult, per day: status and coverage duty
    status: list[str] = field(init=False)
    cover_minutes: np.ndarray = field(init=False)  # class minutes each adult covers today
    awaiting_cover: list[Adult] = field(default_factory=list)  # absent, no substitute: cascade
    days_worked: np.ndarray = field(init=False)
    appointments: dict[int, list[Appointment]] = field(init=False)
    pending_feedback: dict[int, list[tuple[int, int, CoachingPlan]]] = field(init=False)
    observed: dict[int, np.ndarray] = field(init=False)  # coachee -> observations per week
    feedback_latency: list[int] = field(default_factory=list)
    feedback_on_time: int = 0
    coverage_minutes: dict[str, float] = field(default_factory=dict)
    absences: int = 0  # adult-days absent that needed cover
    vacancy_days: int = 0  # adult-days of a vacant position that needed cover
    substitute_requests: int = 0  # adult-days that asked the district pool for a substitute
    substitute_days: int = 0  # of those, filled
    long_term_substitute_days: int = 0
    led_student_days: float = 0.0  # student-days on a team whose leader is in post
    student_days: float = 0.0
    devices: simpy.Container | None = None
    # students are numbered classroom by classroom and teams hold consecutive classrooms, so
    # a classroom's or a team's students are one slice (a view: cheap to credit)
    room_students: list[slice] = field(init=False)
    team_students: list[slice] = field(init=False)
    group_pools: dict[int, np.ndarray] = field(default_factory=dict)  # adult -> who it may group

    def __post_init__(self) -> None:
        n, m = self.students.count, len(self.adults)
        bounds = np.searchsorted(self.students.classroom, np.arange(self.spec.classrooms + 1))
        self.room_students = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        self.team_students = [
            slice(bounds[rooms[0]], bounds[rooms[-1] + 1]) for rooms in self.team_rooms
        ]
        # column-major: activities credit one column (one adult, one activity) at a time
        self.received = np.zeros((n, len(STUDENT_ACTIVITIES)), order="F")
        self.contact = np.zeros((n, m), dtype=np.float64, order="F")
        self.small_group_by_role = {}
        self.served_today = np.zeros(n, dtype=np.int16)
        self.priority = np.zeros(n)
        self.status = ["present"] * m
        self.cover_minutes = np.zeros(m)
        self.days_worked = np.zeros(m)
        self.appointments = {}
        self.pending_feedback = {}
        self.observed = {}


class Engine:
    """One run of a scenario for one replication."""

    def __init__(self, scenario: Scenario, seed: int, replication: int = 0) -> None:
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self.env = simpy.Environment()
        self.days: Days = build_days(scenario.calendar, seed, replication)
        self.day = -1
        self.school_day = -1  # count of instructional days so far (0-based)
        self.morning = self.env.event()
        self.schools: list[SchoolState] = []
        number = 0
        for spec in scenario.schools:
            for _ in range(spec.copies):
                adults, rooms = build_adults(
                    scenario, spec, number, self.days.count, seed, replication
                )
                students = build_students(spec, number, seed, replication)
                shares = [t.shares_students for t in spec.teams for _ in range(t.count)]
                special = [t.specialized for t in spec.teams for _ in range(t.count)]
                self.schools.append(
                    SchoolState(number, spec, adults, rooms, shares, special, students)
                )
                number += 1
        for school in self.schools:
            self._plan_coaching(school)
            if school.spec.rotation is not None:
                capacity = school.spec.devices
                if capacity is None:
                    capacity = school.students.count
                if capacity > 0:
                    school.devices = simpy.Container(self.env, capacity, init=capacity)
            for adult in school.adults:
                self.env.process(self._adult(school, adult))
        self.env.process(self._district())

    def run(self) -> Engine:
        self.env.run()
        return self

    def ledger(self) -> Ledger:
        """The ledgers of all schools of the run, merged."""
        merged = Ledger()
        for school in self.schools:
            merged.merge(school.ledger)
        return merged

    # ---- the district: opens each day -------------------------------------------------
    def _district(self):  # type: ignore[no-untyped-def]
        for day in range(self.days.count):
            yield self.env.timeout(day * DAY - self.env.now)
            if not self.days.instructional[day]:
                continue
            self.day = day
            self.school_day += 1
            closed = bool(self.days.closed[day])
            for school in self.schools:
                self._open(school, closed)
            if not closed:
                self._place_substitutes()
                for school in self.schools:
                    self._cascade(school)
                    if school.spec.rotation is not None:
                        self.env.process(self._rotation(school))
            opened, self.morning = self.morning, self.env.event()
            opened.succeed()

    def _open(self, school: SchoolState, closed: bool) -> None:
        day = self.day
        school.cover_minutes[:] = 0
        school.awaiting_cover.clear()
        school.served_today[:] = 0
        regroup = self.scenario.small_groups.regroup_every_days
        if self.school_day % regroup == 0:
            self._regroup(school)
        for adult in school.adults:
            if adult.vacant[day]:
                school.status[adult.index] = "vacancy"
            elif adult.absent[day]:
                school.status[adult.index] = "absence"
            else:
                school.status[adult.index] = "present"
        if closed:
            online = _online_minutes_per_day(school.spec) * school.students.count
            school.ledger.lost("online", "student", online, "closure")
            return
        school.student_days += school.students.count
        led = self._led_teams(school)
        if led.size:
            school.led_student_days += float(np.isin(school.students.team, led).sum())

    def _led_teams(self, school: SchoolState) -> np.ndarray:
        teams = {
            a.team
            for a in school.adults
            if a.role.leads_team and a.team != NO_TEAM and school.status[a.index] != "vacancy"
        }
        return np.fromiter(teams, dtype=np.int64, count=len(teams))

    def _needs_cover(self, adult: Adult) -> bool:
        roles = self.scenario.coverage.needs_cover
        return adult.role_name in roles if roles else adult.role.homeroom

    def _class_minutes(self, adult: Adult) -> int:
        """Minutes a covering adult spends with the absent adult's class."""
        return adult.role.schedule.get("instruction", 0) + adult.role.schedule.get("small_group", 0)

    def _place_substitutes(self) -> None:
        """Fill absences from the district pool, by role priority, then rotating school order."""
        subs = self.scenario.substitutes
        cover = self.scenario.coverage
        priority = {role: i for i, role in enumerate(subs.fill_priority)}
        n = len(self.schools)
        wanted: list[tuple[int, int, int, SchoolState, Adult]] = []
        for school in self.schools:
            for adult in school.adults:
                status = school.status[adult.index]
                if status == "present" or not self._needs_cover(adult):
                    continue
                if status == "vacancy":
                    school.vacancy_days += 1
                    if cover.vacancy_cover == LONG_TERM_SUBSTITUTE:
                        school.long_term_substitute_days += 1
                        self._covered(school, adult, LONG_TERM_SUBSTITUTE)
                        continue
                else:
                    school.absences += 1
                rank = priority.get(adult.role_name)
                if rank is not None:
                    school.substitute_requests += 1
                    order = (school.number - self.school_day) % n
                    wanted.append((rank, order, adult.index, school, adult))
                else:
                    school.awaiting_cover.append(adult)
        wanted.sort(key=lambda w: w[:3])
        for i, (_, _, _, school, adult) in enumerate(wanted):
            if i < subs.per_day:
                school.substitute_days += 1
                self._covered(school, adult, SUBSTITUTE)
            else:
                school.awaiting_cover.append(adult)

    def _cascade(self, school: SchoolState) -> None:
        """Cover what the pool could not, with the scenario's cascade of adults, in order."""
        week = int(self.days.week[self.day]) + 1
        for absent in sorted(school.awaiting_cover, key=lambda a: a.index):
            by: Adult | str | None = None
            for step in self.scenario.coverage.cascade:
                if step == SPLIT:
                    peers = [
                        a
                        for a in school.adults
                        if a.team == absent.team
                        and a.homeroom >= 0
                        and a is not absent
                        and school.status[a.index] == "present"
                    ]
                    if absent.team != NO_TEAM and peers:
                        by = SPLIT
                        break
                    continue
                coverer = self._free_adult(school, step, absent.team, week)
                if coverer is not None:
                    school.cover_minutes[coverer.index] += self._class_minutes(absent)
                    by = coverer
                    break
            if by is None:
                self._uncovered(school, absent)
            else:
                self._covered(school, absent, by)

    def _free_adult(self, school: SchoolState, role: str, team: int, week: int) -> Adult | None:
        for wanted_team in (team, NO_TEAM):
            for adult in school.adults:
                if (
                    adult.role_name == role
                    and adult.team == wanted_team
                    and school.status[adult.index] == "present"
                    and school.cover_minutes[adult.index] == 0
                    and "coverage" in adult.role.duties_in_week(week)
                ):
                    return adult
        return None

    def _planned_instruction(self, adult: Adult) -> int:
        """Instruction the adult planned today: none in weeks its ramp does not allow it."""
        week = int(self.days.week[self.day]) + 1
        if "instruction" not in adult.role.duties_in_week(week):
            return 0
        return adult.role.schedule.get("instruction", 0)

    def _covered(self, school: SchoolState, absent: Adult, by: Adult | str) -> None:
        minutes = self._planned_instruction(absent)
        class_time = self._class_minutes(absent)
        name = by if isinstance(by, str) else by.role_name
        school.coverage_minutes[name] = school.coverage_minutes.get(name, 0) + class_time
        if absent.homeroom >= 0:
            school.ledger.delivered("instruction", absent.role_name, minutes, by=name)
            taught, share = self._taught_by(school, absent)
            school.received[taught, 0] += minutes * share
            if isinstance(by, Adult):
                school.contact[taught, by.index] += class_time * share

    def _uncovered(self, school: SchoolState, absent: Adult) -> None:
        if absent.homeroom >= 0:
            minutes = self._planned_instruction(absent)
            school.ledger.lost("instruction", absent.role_name, minutes, "uncovered")

    # ---- adults -------------------------------------------------------------------------
    def _adult(self, school: SchoolState, adult: Adult):  # type: ignore[no-untyped-def]
        ledger = school.ledger
        role = adult.role
        name = adult.role_name
        covers_class = adult.homeroom >= 0
        weeks = int(self.days.week.max()) + 1
        plans = [  # what the adult plans to do on a day of each week (residents ramp up)
            [(a, m) for a, m in role.schedule.items() if m and a in role.duties_in_week(w + 1)]
            for w in range(weeks)
        ]
        while True:
            yield self.morning
            plan = plans[int(self.days.week[self.day])]
            status = school.status[adult.index]
            closed = bool(self.days.closed[self.day])
            if closed or status != "present":
                reason = "closure" if closed else status
                for activity, minutes in plan:
                    if (
                        activity == "instruction"
                        and covers_class
                        and not closed
                        and self._needs_cover(adult)
                    ):
                        continue  # the class itself was covered or recorded as uncovered
                    ledger.lost(activity, name, minutes, reason)
                if adult.index in school.appointments:
                    self._miss_appointments(
                        school,
                        adult,
                        "closure"
                        if closed
                        else ("vacancy" if status == "vacancy" else "coach_absent"),
                    )
                continue
            school.days_worked[adult.index] += 1
            cancelled = _cancel(plan, float(school.cover_minutes[adult.index]))
            testing = self.days.testing_cancels[self.day]
            for activity, minutes in plan:
                lost = cancelled.get(activity, 0.0)
                ledger.lost(activity, name, lost, "coverage")
                done = minutes - lost
                if done and activity in testing:
                    ledger.lost(activity, name, done, "testing")
                    done = 0
                if activity == "coaching" and adult.index in school.appointments:
                    if activity in testing:
                        self._miss_appointments(school, adult, "testing")
                    else:
                        short = "coverage" if lost else "capacity"
                        self._coach(school, adult, done, short)
                if not done:
                    continue
                ledger.delivered(activity, name, done)
                if activity == "small_group":
                    self._small_groups(school, adult, done)
                elif activity == "instruction":
                    self._instruct(school, adult, done)
                yield self.env.timeout(done)

    def _instruct(self, school: SchoolState, adult: Adult, minutes: float) -> None:
        if adult.homeroom >= 0:
            taught, share = self._taught_by(school, adult)
            school.received[taught, 0] += minutes * share
        else:
            # co-teaching: a team's (or the school's) classrooms in turn, one a day
            rooms = (
                school.team_rooms[adult.team]
                if adult.team != NO_TEAM
                else range(school.spec.classrooms)
            )
            room = list(rooms)[self.school_day % len(rooms)]
            taught, share = school.room_students[room], 1.0
        school.contact[taught, adult.index] += minutes * share

    def _taught_by(self, school: SchoolState, adult: Adult) -> tuple[slice, float]:
        """Students a homeroom adult teaches, and the share of its minutes each receives."""
        if school.team_specialized[adult.team]:
            rooms = school.team_rooms[adult.team]
            return school.team_students[adult.team], 1.0 / len(rooms)
        return school.room_students[adult.homeroom], 1.0

    def _regroup(self, school: SchoolState) -> None:
        """Data-driven regrouping: rank students by how far they are behind their dosage."""
        targets = np.array([t.dosage_minutes_per_week for t in school.spec.need_tiers], dtype=float)
        per_day = targets[school.students.tier] / self.days.days_per_week
        behind = per_day * max(self.school_day, 0) - school.received[:, 1]
        # the tier target breaks ties between students equally behind (e.g. at the start)
        school.priority = behind + per_day + 1e-6 * school.students.tiebreak

    def _small_groups(self, school: SchoolState, adult: Adult, minutes: float) -> None:
        rules = self.scenario.small_groups
        sessions = int(minutes // rules.session_minutes)
        seats = sessions * adult.role.group_size
        if seats == 0 or school.students.count == 0:
            return
        pool = self._group_pool(school, adult)
        pool = pool[school.served_today[pool] < rules.max_sessions_per_student_per_day]
        if pool.size > seats:
            top = np.argpartition(-school.priority[pool], seats - 1)[:seats]
            pool = pool[top]
        # each chosen student sits in one session of this adult today
        dose = rules.session_minutes
        school.served_today[pool] += 1
        school.received[pool, 1] += dose
        school.contact[pool, adult.index] += dose
        by_role = school.small_group_by_role
        by_role[adult.role_name] = by_role.get(adult.role_name, 0.0) + dose * pool.size

    def _group_pool(self, school: SchoolState, adult: Adult) -> np.ndarray:
        """Students an adult may take into its groups: the school, its team, or its class."""
        pool = school.group_pools.get(adult.index)
        if pool is None:
            if adult.team == NO_TEAM:
                pool = np.arange(school.students.count)
            elif adult.homeroom >= 0 and not school.team_shares[adult.team]:
                pool = _indices(school.room_students[adult.homeroom])
            else:
                pool = _indices(school.team_students[adult.team])
            school.group_pools[adult.index] = pool
        return pool

    # ---- coaching -----------------------------------------------------------------------
    def _plan_coaching(self, school: SchoolState) -> None:
        for plan in self.scenario.coaching:
            for coach in school.adults:
                if coach.role_name != plan.coach:
                    continue
                coachees = [
                    a
                    for a in school.adults
                    if a.role_name in plan.coachees
                    and a is not coach
                    and (plan.scope == "school" or a.team == coach.team)
                ]
                book = school.appointments.setdefault(coach.index, [])
                for j, coachee in enumerate(coachees):
                    book.append(Appointment(plan, coachee.index, j / max(len(coachees), 1)))
                    school.observed.setdefault(
                        coachee.index, np.zeros(int(self.days.week.max()) + 1)
                    )

    def _due(self, appointment: Appointment) -> int:
        """Observations due today: an even rhythm at the plan's rate, staggered by phase."""
        rate = appointment.plan.observations_per_week / self.days.days_per_week
        k = self.school_day
        return math.floor((k + 1) * rate + appointment.phase) - math.floor(
            k * rate + appointment.phase
        )

    def _miss_appointments(self, school: SchoolState, coach: Adult, reason: str) -> None:
        for appt in school.appointments[coach.index]:
            due = self._due(appt)
            if due:
                coachee = school.adults[appt.coachee]
                school.ledger.lost("observation", coachee.role_name, due, reason)

    def _coach(self, school: SchoolState, coach: Adult, minutes: float, short: str) -> None:
        """Give pending feedback, then observe today's appointments while time allows."""
        day = self.school_day
        capacity = minutes
        pending = school.pending_feedback.setdefault(coach.index, [])
        still: list[tuple[int, int, CoachingPlan]] = []
        for coachee, observed_on, plan in pending:
            if school.status[coachee] == "present" and capacity >= plan.feedback_minutes:
                capacity -= plan.feedback_minutes
                self._feedback(school, day - observed_on, plan)
            else:
                still.append((coachee, observed_on, plan))
        school.pending_feedback[coach.index] = still
        book = school.appointments[coach.index]
        start = day % len(book) if book else 0
        week = int(self.days.week[self.day])
        for appt in book[start:] + book[:start]:
            due = self._due(appt)
            if not due:
                continue
            coachee = school.adults[appt.coachee]
            status = school.status[coachee.index]
            for _ in range(due):
                if status != "present":
                    reason = "vacancy" if status == "vacancy" else "coachee_absent"
                    school.ledger.lost("observation", coachee.role_name, 1, reason)
                elif capacity >= appt.plan.observation_minutes:
                    capacity -= appt.plan.observation_minutes
                    school.ledger.delivered("observation", coachee.role_name, 1, coach.role_name)
                    school.observed[coachee.index][week] += 1
                    if capacity >= appt.plan.feedback_minutes:
                        capacity -= appt.plan.feedback_minutes
                        self._feedback(school, 0, appt.plan)
                    else:
                        still.append((coachee.index, day, appt.plan))
                else:
                    school.ledger.lost("observation", coachee.role_name, 1, short)

    def _feedback(self, school: SchoolState, latency: int, plan: CoachingPlan) -> None:
        school.feedback_latency.append(latency)
        if latency <= plan.feedback_window_days:
            school.feedback_on_time += 1

    # ---- stations and devices -----------------------------------------------------------
    def _rotation(self, school: SchoolState):  # type: ignore[no-untyped-def]
        """Online stations draw on the school's shared device pool; no device, no minutes."""
        rotation = school.spec.rotation
        devices = school.devices  # None when the school has no devices at all
        assert rotation is not None
        stations = rotation.stations
        n = len(stations)
        rooms = school.spec.classrooms
        students = school.students
        groups = [
            np.array_split(np.flatnonzero(students.classroom == room), n) for room in range(rooms)
        ]
        for _block in range(rotation.blocks_per_day):
            for wave in range(rotation.waves):
                wave_rooms = [r for r in range(rooms) if r % rotation.waves == wave]
                # rotate who asks first, so shortages fall on every classroom in turn
                shift = self.school_day % max(len(wave_rooms), 1)
                wave_rooms = wave_rooms[shift:] + wave_rooms[:shift]
                for slot in range(n):
                    taken: list[int] = []
                    for room in wave_rooms:
                        for g, group in enumerate(groups[room]):
                            station = stations[(g + slot) % n]
                            if station.kind != "online" or not group.size:
                                continue
                            got = min(int(devices.level), group.size) if devices else 0
                            if got:
                                yield devices.get(got)
                                taken.append(got)
                            school.received[group[:got], 2] += station.minutes
                            planned = group.size * station.minutes
                            school.ledger.delivered("online", "student", got * station.minutes)
                            school.ledger.lost(
                                "online",
                                "student",
                                planned - got * station.minutes,
                                "device_shortage",
                            )
                    yield self.env.timeout(max(s.minutes for s in stations))
                    for got in taken:
                        yield devices.put(got)


def _cancel(plan: list[tuple[str, int]], cover: float) -> dict[str, float]:
    """Minutes of each activity that covering a class cancels, in CANCEL_ORDER."""
    if cover <= 0:
        return {}
    planned = dict(plan)
    out: dict[str, float] = {}
    for activity in CANCEL_ORDER:
        take = min(cover, planned.get(activity, 0))
        if take:
            out[activity] = take
            cover -= take
    return out


def _indices(part: slice) -> np.ndarray:
    return np.arange(part.start, part.stop)


def _online_minutes_per_day(school: School) -> int:
    rotation = school.rotation
    if rotation is None:
        return 0
    online = sum(s.minutes for s in rotation.stations if s.kind == "online")
    return rotation.blocks_per_day * online
