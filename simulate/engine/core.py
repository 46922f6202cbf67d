"""The engine: one school year of a scenario, as the reference engine runs it, in far less time.

One SimPy environment per run; the district process opens each school day (one event a day).
What depends on the day is decided on the day, with the same sub-models as the reference
engine (engine.reference): who is present (availability), substitutes and the coverage
cascade (coverage), coaching (each coach's observations and feedback), and regrouping (small
groups). What only adds up is booked once for the year from matrices of days x adults: every
adult's planned minutes, what absence, vacancy, closure, coverage and testing took from them, the
minutes each class was taught, and the online stations. Small-group sessions are seated once per
regrouping window for every adult at once (engine.small_groups).

Every planned minute still ends in the ledger as delivered or lost, and every figure but the
small-group seating (seated by window here, by day in the reference) is the reference engine's
to the last bit (tests/test_engine_reference.py).
"""

from __future__ import annotations

import numpy as np

from simulate.engine import stations
from simulate.engine.calendar import Days
from simulate.engine.coverage import cancelled_by_cover
from simulate.engine.instruction import co_taught_room
from simulate.engine.ledger import Loss
from simulate.engine.roster import NO_TEAM, Adult
from simulate.engine.school import SchoolState, Status
from simulate.engine.year import Year
from simulate.schema.model import ACTIVITIES, Scenario

ACTIVITY = {name: k for k, name in enumerate(ACTIVITIES)}
INSTRUCTION, SMALL_GROUP, COACHING = (
    ACTIVITY["instruction"],
    ACTIVITY["small_group"],
    ACTIVITY["coaching"],
)
PRESENT, ABSENT, VACANT = 0, 1, 2
STATUS = (Status.PRESENT, Status.ABSENCE, Status.VACANCY)


class Book:
    """One school's year as matrices of days x adults (x activities), filled as days pass."""

    def __init__(self, school: SchoolState, days: Days, weeks: int) -> None:
        adults = school.adults
        n_days, n_adults = days.count, len(adults)
        status = np.zeros((n_days, n_adults), dtype=np.int8)
        for a in adults:
            status[a.absent, a.index] = ABSENT
            status[a.vacant, a.index] = VACANT
        self.status = status
        alike: dict[bytes, list[Status]] = {}  # most days look alike: share their lists
        self.rows = []
        for row in status:
            key = row.tobytes()
            if key not in alike:
                alike[key] = [STATUS[v] for v in row.tolist()]
            self.rows.append(alike[key])
        # planned minutes per (week, adult, activity): the schedule, less what the ramp forbids
        self.plan = np.zeros((weeks, n_adults, len(ACTIVITIES)))
        self.plans: list[list[list[tuple[str, int]]]] = []  # adult -> week -> [(activity, min)]
        by_role: dict[str, tuple[list[list[tuple[str, int]]], np.ndarray]] = {}
        for a in adults:
            if a.role_name not in by_role:
                by_role[a.role_name] = _weekly_plans(a, weeks)
            plans, matrix = by_role[a.role_name]
            self.plans.append(plans)
            self.plan[:, a.index] = matrix
        self.cancelled = np.zeros((n_days, n_adults, len(ACTIVITIES)))  # by coverage duty
        self.coaches = [a for a in adults if a.index in school.appointments]


def _weekly_plans(adult: Adult, weeks: int) -> tuple[list[list[tuple[str, int]]], np.ndarray]:
    """What a holder of the adult's role plans each week: (activity, minutes) lists, and the
    same as a weeks x activities matrix."""
    role = adult.role
    plans = [
        [(x, m) for x, m in role.schedule.items() if m and x in role.duties_in_week(w)]
        for w in range(1, weeks + 1)
    ]
    matrix = np.zeros((weeks, len(ACTIVITIES)))
    for w, plan in enumerate(plans):
        for activity, minutes in plan:
            matrix[w, ACTIVITY[activity]] = minutes
    return plans, matrix


class Engine(Year):
    """One run of a scenario for one replication."""

    def __init__(self, scenario: Scenario, seed: int, replication: int = 0) -> None:
        super().__init__(scenario, seed, replication)
        weeks = int(self.days.week.max()) + 1
        self.books = [Book(school, self.days, weeks) for school in self.schools]
        self.env.process(self._district())

    def run(self) -> Engine:
        self.env.run()
        self._seat_window()
        for school, book in zip(self.schools, self.books, strict=True):
            _book_year(self, school, book)
        return self

    # ---- each school day --------------------------------------------------------------
    def _open_day(self, closed: bool, regroup: bool) -> None:
        day = self.day
        for school, book in zip(self.schools, self.books, strict=True):
            school.status = book.rows[day]
            school.cover_minutes[:] = 0
            school.awaiting_cover.clear()
            if regroup:
                self.sessions.regroup(school)
        if closed:
            for school, book in zip(self.schools, self.books, strict=True):
                for coach in book.coaches:
                    self.coaching.miss(school, coach, Loss.CLOSURE)
            return
        for school in self.schools:
            school.present = ~school.students.absent[day]
            school.attending = school.present.astype(float)
        self.coverage.place_substitutes(self.schools)
        for school, book in zip(self.schools, self.books, strict=True):
            self.coverage.cascade(school)
            self._work(school, book)

    def _work(self, school: SchoolState, book: Book) -> None:
        """Today's coverage duty, coaching and small-group time, adult by adult."""
        day, week = self.day, self.week - 1
        status = book.status[day]
        for index in np.flatnonzero(school.cover_minutes):
            plan = book.plans[index][week]
            for activity, minutes in cancelled_by_cover(plan, school.cover_minutes[index]).items():
                book.cancelled[day, index, ACTIVITY[activity]] = minutes
        testing = self.availability.testing_cancels()
        if "small_group" not in testing:
            minutes = book.plan[week, :, SMALL_GROUP] - book.cancelled[day, :, SMALL_GROUP]
            self.small_group[school.number][day] = np.where(status == PRESENT, minutes, 0.0)
        for coach in book.coaches:
            self._coach(school, book, coach, status[coach.index], "coaching" in testing)

    def _coach(
        self, school: SchoolState, book: Book, coach: Adult, status: int, testing: bool
    ) -> None:
        if status != PRESENT:
            reason = Loss.VACANCY if status == VACANT else Loss.COACH_ABSENT
            self.coaching.miss(school, coach, reason)
            return
        planned = book.plan[self.week - 1, coach.index, COACHING]
        if not planned:
            return
        if testing:
            self.coaching.miss(school, coach, Loss.TESTING)
            return
        lost = book.cancelled[self.day, coach.index, COACHING]
        short = Loss.COVERAGE if lost else Loss.CAPACITY
        done = planned - lost
        used = self.coaching.coach(school, coach, done, short)
        school.ledger.delivered("coaching", coach.role_name, used)
        school.ledger.lost("coaching", coach.role_name, done - used, Loss.UNUSED)


def _book_year(run: Engine, school: SchoolState, book: Book) -> None:
    """Everything that only adds up: the ledger lines of ordinary days, days worked, the minutes
    each class was taught, reach, and the online stations."""
    days = run.days
    instructional = np.flatnonzero(days.instructional)
    closed = instructional[days.closed[instructional]]
    open_ = instructional[~days.closed[instructional]]
    plan = book.plan[days.week[open_]]  # open days x adults x activities
    status = book.status[open_]
    present = status == PRESENT
    cancelled = book.cancelled[open_]
    done = (plan - cancelled) * present[:, :, None]
    testing = np.array(
        [[activity in days.testing_cancels[d] for activity in ACTIVITIES] for d in open_]
    ).reshape(len(open_), len(ACTIVITIES))
    tested = done * testing[:, None, :]
    taught = done - tested
    # the class of an absent homeroom adult who needs cover is booked by coverage, day by day
    covered_class = np.array(
        [a.homeroom >= 0 and run.coverage.needs_cover(a) for a in school.adults], dtype=bool
    )
    away = plan * (~present)[:, :, None]
    away[:, covered_class, INSTRUCTION] = 0.0
    coaches = np.zeros(len(school.adults), dtype=bool)
    coaches[[c.index for c in book.coaches]] = True
    lines = {
        Loss.CLOSURE: book.plan[days.week[closed]].sum(axis=0),
        Loss.ABSENCE: (away * (status == ABSENT)[:, :, None]).sum(axis=0),
        Loss.VACANCY: (away * (status == VACANT)[:, :, None]).sum(axis=0),
        Loss.COVERAGE: (cancelled * present[:, :, None]).sum(axis=0),
        Loss.TESTING: tested.sum(axis=0),
    }
    delivered = taught.sum(axis=0)
    delivered[:, SMALL_GROUP] = 0.0  # booked by window
    delivered[coaches, COACHING] = 0.0  # booked by the coach, day by day
    roles = sorted({a.role_name for a in school.adults})
    members = {r: [a.index for a in school.adults if a.role_name == r] for r in roles}
    ledger = school.ledger
    for role, who in members.items():
        for activity, k in ACTIVITY.items():
            for reason, amounts in lines.items():
                ledger.lost(activity, role, float(amounts[who, k].sum()), reason)
            ledger.delivered(activity, role, float(delivered[who, k].sum()))
    school.days_worked += present.sum(axis=0)
    _teach(run, school, open_, taught[:, :, INSTRUCTION])
    _reach(school, open_, status)
    stations.closed_days(school, len(closed))
    stations.year(school, open_, run.school_days[open_])


def _teach(run: Engine, school: SchoolState, open_: np.ndarray, minutes: np.ndarray) -> None:
    """Each adult's own instruction, for the students in school each day (a covered class was
    credited on the day by coverage)."""
    attending = (~school.students.absent[open_]).astype(float)  # open days x students
    school_day = run.school_days[open_]
    for adult in school.adults:
        given = minutes[:, adult.index]
        if not given.any():
            continue
        if adult.homeroom >= 0:
            taught, share = school.taught_by(adult)
            credit = (given * share) @ attending[:, taught]
            school.received.instruction[taught] += credit
            school.contact[taught, adult.index] += credit
            continue
        # a co-teacher joins the rooms in turn: add up the days it spent in each room
        room_of = np.array([co_taught_room(school, adult, int(d)) for d in school_day])
        for room in np.unique(room_of[given > 0]):
            on = room_of == room
            students = school.room_students[room]
            school.contact[students, adult.index] += given[on] @ attending[on][:, students]


def _reach(school: SchoolState, open_: np.ndarray, status: np.ndarray) -> None:
    """Student-days, and those on a team whose leader is in post (not a vacancy)."""
    school.student_days += float(school.students.count * len(open_))
    for team in range(len(school.team_rooms)):
        leaders = [a.index for a in school.adults if a.role.leads_team and a.team == team]
        if not leaders or team == NO_TEAM:
            continue
        led = (status[:, leaders] != VACANT).any(axis=1).sum()
        on_team = int((school.students.team == team).sum())
        school.led_student_days += float(led * on_team)
