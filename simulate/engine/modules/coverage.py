"""Substitutes and coverage: who takes the place of an adult who is away.

Each open day, when absences are called in, every adult away (absent, or a vacant position)
whose role needs cover asks for it (a `Request`). A vacancy may be held by a long-term
substitute. The roles the pool fills ask the district's substitute market
(`SubstitutePool`), shared by all schools of the run: each day away is a job (its start, the
bell of its day, and its length, the class's minutes), posted when the absence is known (the
morning it starts, or days ahead for training and planned leave; engine.modules.availability),
and the pool's substitutes, each willing on some days and in some schools and grades, take
jobs over time. At the bell, what the market did not fill goes down the school's coverage
cascade, in the scenario's order (e.g. tutor, resident, MCL, coach, then splitting the class
among the team's teachers): each adult who may cover is a SimPy resource, held for as long as
the class takes, so an adult already covering is not free for the next request. Covering, an
adult gives up its own plans in CANCEL_ORDER. The desk's day is a run of SimPy waits (in the
clock's process) because it is where people wait: requests wait for the market until the bell,
and classes for a free colleague.
The class itself is booked by engine.modules.instruction from what this module offers: who
covered each class on each day (`cover`).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import simpy

from simulate.engine.calendar import BELL, DAY
from simulate.engine.module import Day, Module, Today, kept
from simulate.engine.modules.availability import PRESENT, VACANT, Availability
from simulate.engine.roster import NO_TEAM, Adult, Roster
from simulate.engine.timesheet import ACTIVITY

if TYPE_CHECKING:
    from simulate.engine.core import Engine

COVERAGE = "coverage"
SUBSTITUTE = "substitute"
LONG_TERM_SUBSTITUTE = "long_term_substitute"
SPLIT = "split"
# who covered a class, in `Coverage.cover`: an adult of the school (its index), or one of these
# (BY_PERIODS: a school with a period day covers the class period by period,
# engine.modules.period_coverage)
NOT_ASKED, UNCOVERED, BY_SUBSTITUTE, BY_LONG_TERM, BY_SPLIT, BY_PERIODS = -1, -2, -3, -4, -5, -6
COVERERS = {BY_SUBSTITUTE: SUBSTITUTE, BY_LONG_TERM: LONG_TERM_SUBSTITUTE, BY_SPLIT: SPLIT}
# How alike substitutes are in the days they will work: each one's share of days is beta with
# the pool's mean and this concentration (1: many on the list hardly ever work, a few work
# most days, as Frontline finds: most of a list takes no job in a given month) [assumption]
WILLING_CONCENTRATION = 1.0
WORD = (1 << 64) - 1  # a machine word of a set of substitutes (see SubstitutePool)
# When an adult covers a class, its own plans are cancelled in this order.
CANCEL_ORDER = (
    "small_group",
    "coaching",
    "collaboration",
    "planning",
    "supervision",
    "instruction",
)


@dataclass(frozen=True)
class Cover:
    """What coverage offers measures: the year's requests and who answered them."""

    absences: int  # adult-days absent that needed cover
    vacancy_days: int  # adult-days of a vacant position that needed cover
    substitute_days: int  # requests a substitute from the pool filled
    long_term_substitute_days: int
    minutes: dict[str, float]  # minutes spent with an absent adult's class, by who covered
    # per school: days each adult covered a class, or took in students from a split class
    duties: list[np.ndarray]
    # (school days of notice, school name) -> [requests to the pool, of those filled]
    requests: dict[tuple[int, str], list[int]]
    pool_days: np.ndarray  # substitutes x school months (4 instructional weeks): days worked


@dataclass(frozen=True, eq=False)
class Request:
    """An adult away asks for someone to take its place today."""

    school: Roster
    adult: Adult
    vacancy: bool  # a vacant position, not an absence


class Job(NamedTuple):
    """A job posted to the substitute market: an adult's class from `start` for `length`
    minutes, posted at `posted` (minutes on the clock). A job is about time, not about
    elementary days: a period of a secondary day is a job too. (A named tuple: a year posts
    hundreds, and a frozen dataclass costs several times as much to build.)"""

    school: int  # the school's number
    adult: int  # the absent adult's index in its school
    grade: int  # the class's grade (index in SubstitutePool.grades), or -1: any
    priority: int  # the role's place in substitutes.fill_priority
    start: int
    length: int
    posted: int

    @property
    def day(self) -> int:
        return self.start // DAY


class SubstitutePool:
    """The district's substitute market, shared by all schools of the run.

    The pool is `substitutes.pool` people. Each is willing to work on some school days (a share
    drawn from a beta of mean `willing_share`, then day by day), will travel to its nearest
    `reach` share of the district's schools (schools and homes spread around the district
    [assumption]) and takes each grade with chance `grades_share`; a substitute works one job a
    day. Jobs are posted when absences are known (`Job.posted`). Each substitute looks for
    jobs `checks_per_day` times a day at random moments (a Poisson process); looking, it takes
    the job it may take (willing that day, not booked, its school and grade) of the role listed
    first in `fill_priority`, then the one that starts first. As the chance of looking is the
    same for everyone, the next substitute to take a job is one of those who may take some job,
    at random, after an exponential wait at their combined pace: one SimPy process (the board)
    steps from one posting, taking or bell to the next. At a job's start (the bell) the market
    closes it: taken, or left to the school's cascade.

    The coverage desk waits for `closes` (the bell), then asks which requests a substitute
    `took`."""

    def __init__(self, run: Engine, coverage: Coverage) -> None:
        self.env = run.env
        self.run = coverage.run  # the module's proxy: the run holds this pool through it
        spec = run.scenario.substitutes
        self.priority = {role: i for i, role in enumerate(spec.fill_priority)}
        n, days = spec.pool, run.days.count
        people = coverage.rng("substitute_pool")
        schools = len(run.schools)
        # homes and schools around the district: each substitute takes its nearest schools
        home = people.random(n)
        place = np.arange(schools) / max(schools, 1)
        gap = np.abs(home[:, None] - place[None, :])
        distance = np.minimum(gap, 1.0 - gap)
        nearest = np.argsort(distance, axis=1, kind="stable")
        reach = max(1, int(np.ceil(spec.reach * schools - 1e-9)))
        schools_ok = np.zeros((n, schools), dtype=bool)
        np.put_along_axis(schools_ok, nearest[:, :reach], True, axis=1)
        self.schools_ok = np.ascontiguousarray(schools_ok.T)  # schools x pool, as read
        labels = sorted({g for school in run.schools for g in school.spec.grades})
        self.grades = {g: k for k, g in enumerate(labels)}
        grades_ok = people.random((n, len(labels) + 1)) < spec.grades_share
        grades_ok[:, -1] = True  # a job with no grade (grade -1)
        self.grades_ok = np.ascontiguousarray(grades_ok.T)  # grades x pool
        share = spec.willing_share
        k = WILLING_CONCENTRATION
        willing = people.beta(k * share, k * (1 - share), n) if 0 < share < 1 else np.full(n, share)
        self.willing = people.random((days, n)) < willing[None, :]  # days x pool
        self.booked = np.zeros((days, n), dtype=bool)
        # the same as sets of substitutes (bit i: substitute i): a pool is a few people, for
        # whom Python's int operations are far cheaper than numpy's calls, and a large pool
        # still costs a machine word per 64 of them
        self.available = _bits(self.willing)  # per day: willing, and not yet booked
        self.school_bits = _bits(self.schools_ok)
        self.grade_bits = _bits(self.grades_ok)
        self.pace = spec.checks_per_day / DAY  # looks per substitute per minute
        self.chance = coverage.rng("substitute_market")
        self.jobs = self._jobs(coverage)
        self.taken: set[tuple[int, int, int]] = set()  # (school, adult, day) a substitute took
        self.answers: dict[int, simpy.Event] = {}  # day -> its bell, when the market closes it
        # open jobs, one slot each: who may take it (a set of substitutes, as bits), its day
        # and its order key; a slot a job leaves is the next one taken
        self.slot_job: list[Job | None] = []
        self.slot_may: list[int] = []
        self.slot_day: list[int] = []
        self.slot_key: list[float] = []
        self.free: list[int] = []  # slots no job holds
        # the open slots in the order a substitute looks at them (key, then slot), each day's,
        # and who may take some open job of each day: a district's board holds hundreds of
        # jobs, and these keep each look to the few that matter
        self.by_key: list[tuple[float, int]] = []
        self.on_day: dict[int, list[int]] = {}
        self.day_may: dict[int, int] = {}
        self.running = bool(n and self.jobs)
        if self.running:
            self.env.process(self._board())

    def asks(self, request: Request) -> bool:
        """Whether the request goes to the market at all (its role is one the pool fills)."""
        return request.adult.role_name in self.priority

    def closes(self, today: Today) -> simpy.Event:
        """The event of today's bell, when the market closes today's jobs (see `took`)."""
        if not self.running:  # no substitutes, or nothing ever posted: nobody comes
            return self.env.timeout(today.day * DAY + BELL - self.env.now)
        return self.bell(today.day)

    def took(self, request: Request, day: int) -> bool:
        """Whether a substitute took the request's job of `day` (once the market closed it)."""
        return (request.school.number, request.adult.index, day) in self.taken

    def bell(self, day: int) -> simpy.Event:
        """The event of `day`'s bell, when the market closes that day's jobs."""
        return self.answers.setdefault(day, self.env.event())

    def _jobs(self, coverage: Coverage) -> list[Job]:
        """Every job of the year, in the order they are posted: each day an adult whose role the
        pool fills is away and asks (engine.modules.coverage decides who asks)."""
        run = self.run
        availability = run.module(Availability)
        open_ = run.days.instructional & ~run.days.closed
        jobs = []
        for school in run.schools:
            status, notice = availability.status[school.number], availability.notice[school.number]
            askers = [a for a in school.adults if a.role_name in self.priority and coverage.asks(a)]
            columns = status[:, [a.index for a in askers]]
            away = columns != PRESENT
            if coverage.long_term:
                away &= columns != VACANT
            days, which = np.nonzero(away & open_[:, None])  # every (day, asker) away
            told = notice[days, [askers[k].index for k in which.tolist()]].tolist()
            minutes = coverage.class_minutes[school.number]
            kind = [  # each asker's (index, grade, priority, class minutes)
                (a.index, self._grade(school, a), self.priority[a.role_name], minutes[a.index])
                for a in askers
            ]
            for day, k, ahead in zip(days.tolist(), which.tolist(), told, strict=True):
                adult, grade, priority, length = kind[k]
                posted, start = (day - ahead) * DAY, day * DAY + BELL
                jobs.append(Job(school.number, adult, grade, priority, start, length, posted))
        jobs.sort(key=lambda j: (j.posted, j.start, j.school, j.adult))
        return jobs

    def _grade(self, school: Roster, adult: Adult) -> int:
        """The grade of an adult's homeroom (classrooms in grade order, as many per grade), or
        -1 for an adult with no class of its own."""
        grades = school.spec.grades
        if adult.homeroom < 0 or not grades:
            return -1
        return self.grades[grades[adult.homeroom * len(grades) // school.spec.classrooms]]

    def _board(self) -> Generator[simpy.Event, Any, None]:
        """The market's clock: postings, takings and bells in time order, until the last job."""
        env, jobs, may = self.env, self.jobs, self.day_may
        exponential, integers = self.chance.exponential, self.chance.integers
        # when each job is posted, and each bell, in time order, then never
        posts = [j.posted for j in jobs] + [math.inf]
        bells = [*sorted({j.start for j in jobs}), math.inf]
        posting = bell = 0
        while posts[posting] < math.inf or bells[bell] < math.inf:
            due = min(posts[posting], bells[bell])
            lookers = reduce(or_, may.values(), 0)  # who may take some open job
            if lookers:
                count = lookers.bit_count()
                wait = exponential(1.0 / (count * self.pace))
                if env.now + wait < due:
                    yield env.timeout(wait)
                    self._take(_nth_bit(lookers, int(integers(count))))
                    continue
            yield env.timeout(due - env.now)
            now = env.now
            while posts[posting] <= now:
                self._post(jobs[posting])
                posting += 1
            if bells[bell] <= now:
                self._close(int(bells[bell]) // DAY)
                bell += 1

    def _post(self, job: Job) -> None:
        """A job on the board: who may take it (willing that day, free, its school and grade)."""
        day = job.day
        if not self.free:  # the board is full: one more slot
            self.free.append(len(self.slot_job))
            self.slot_job.append(None)
            self.slot_may.append(0)
            self.slot_day.append(-1)
            self.slot_key.append(math.inf)
        slot = self.free.pop()
        self.slot_job[slot] = job
        self.slot_may[slot] = (
            self.available[day] & self.school_bits[job.school] & self.grade_bits[job.grade]
        )
        self.slot_day[slot] = day
        self.slot_key[slot] = key = job.priority * 1e9 + job.start + job.posted / 1e6
        bisect.insort(self.by_key, (key, slot))
        self.on_day.setdefault(day, []).append(slot)
        self.day_may[day] = self.day_may.get(day, 0) | self.slot_may[slot]

    def _take(self, who: int) -> None:
        """Substitute `who`, looking, takes the first job it may (by role, then start; equal
        keys, the first slot)."""
        me = 1 << who
        slot = next(slot for _, slot in self.by_key if self.slot_may[slot] & me)
        job = self.slot_job[slot]
        assert job is not None
        day = self.slot_day[slot]
        self.booked[day, who] = True
        self.available[day] &= ~me
        self.taken.add((job.school, job.adult, day))
        self._remove(slot)
        mine = self.on_day[day]
        mine.remove(slot)
        for other in mine:  # it works one job a day
            self.slot_may[other] &= ~me
        self.day_may[day] = reduce(or_, (self.slot_may[other] for other in mine), 0)

    def _close(self, day: int) -> None:
        """The bell of `day`: its jobs leave the board (taken or not); the desks are told."""
        for slot in sorted(self.on_day.pop(day, ())):  # in slot order, as they are freed
            self._remove(slot)
        self.day_may.pop(day, None)
        self.bell(day).succeed()

    def _remove(self, slot: int) -> None:
        del self.by_key[bisect.bisect_left(self.by_key, (self.slot_key[slot], slot))]
        self.slot_job[slot] = None
        self.slot_may[slot] = 0
        self.slot_day[slot] = -1
        self.slot_key[slot] = math.inf
        self.free.append(slot)

    def months(self) -> np.ndarray:
        """Days each substitute worked in each school month (4 instructional weeks)."""
        days = self.run.days
        open_ = np.flatnonzero(days.instructional & ~days.closed)
        month = days.week[open_] // 4
        worked = np.zeros((self.booked.shape[1], int(month.max()) + 1 if open_.size else 0))
        for m in range(worked.shape[1]):
            worked[:, m] = self.booked[open_[month == m]].sum(axis=0)
        return worked


class Coverage(Module[Cover]):
    name = "coverage"
    order = 50
    reads = ("substitutes", "coverage", "roles.*.schedule", "schools.*.grades")
    streams = ("substitute_pool", "substitute_market")
    losses = (COVERAGE,)

    def __init__(self, run: Engine) -> None:
        super().__init__(run)
        self.availability = run.module(Availability)
        n_days = run.days.count
        # offered: per school, who covered each adult's class on each day (see NOT_ASKED...)
        self.cover = [np.full((n_days, len(s.adults)), NOT_ASKED, np.int16) for s in run.schools]
        self.duties = [np.zeros(len(s.adults)) for s in run.schools]
        self.minutes: dict[str, float] = {}
        self.long_term = run.scenario.coverage.vacancy_cover == LONG_TERM_SUBSTITUTE
        # per school and calendar day: the adults who ask for cover when away and are away
        self.away = [self._away(s) for s in run.schools]
        # per school: each adult's class minutes, read for every request and job
        self.class_minutes = [[class_minutes(a) for a in s.adults] for s in run.schools]
        self.pool = SubstitutePool(run, self)
        cascade = set(run.scenario.coverage.cascade)
        # per school: adult -> the resource it is, from the first class it covers
        self.coverers: list[dict[int, simpy.Resource]] = [{} for _ in run.schools]
        self.of_role = [  # per school: each cascade role's adults, in roster order
            {role: [a for a in s.adults if a.role_name == role] for role in cascade}
            for s in run.schools
        ]
        self.absences = self.vacancy_days = self.filled = self.long_term_days = 0
        self.requests: dict[tuple[int, str], list[int]] = {}
        # offered: per school with a period day, today's requests left for period coverage
        self.by_periods: dict[int, list[Request]] = {}

    def asks(self, adult: Adult) -> bool:
        """Whether the adult, away, asks for cover at all (its class needs someone)."""
        return adult.needs_cover

    def _away(self, school: Roster) -> list[list[Adult]]:
        """For each calendar day, the school's adults who ask for cover when away and are
        away that day, in roster order (the only ones the desk looks at)."""
        askers = [a for a in school.adults if self.asks(a)]
        status = self.availability.status[school.number][:, [a.index for a in askers]]
        away: list[list[Adult]] = [[] for _ in range(status.shape[0])]
        days, columns = np.nonzero(status != PRESENT)
        for day, k in zip(days.tolist(), columns.tolist(), strict=True):
            away[day].append(askers[k])
        return away

    def day(self, today: Today) -> Day:
        if today.closed:
            return None
        return self._desk(today)

    def _desk(self, today: Today) -> Generator[simpy.Event, Any, None]:
        """The day's requests (its SimPy waits): to the pool, then at the bell to the cascade."""
        env = self.run.env
        waiting: list[list[Request]] = [[] for _ in self.run.schools]
        asked: list[Request] = []
        notice = self.availability.notice
        for request in self._requests(today):
            if self.pool.asks(request):
                asked.append(request)
            else:
                waiting[request.school.number].append(request)
        if asked:
            yield self.pool.closes(today)
            for request in asked:
                school, adult = request.school, request.adult
                told = int(notice[school.number][today.day, adult.index])
                tally = self.requests.setdefault((told, school.spec.name), [0, 0])
                tally[0] += 1
                if self.pool.took(request, today.day):
                    tally[1] += 1
                    self.filled += 1
                    self._covered(request, BY_SUBSTITUTE, today)
                else:
                    waiting[school.number].append(request)
        if env.now < today.day * DAY + BELL:  # nothing was asked of the pool: wait for the bell
            yield env.timeout(today.day * DAY + BELL - env.now)
        self.by_periods = {}
        for school in self.run.schools:
            if school.timetable is not None:
                self.by_periods[school.number] = waiting[school.number]
                for request in waiting[school.number]:
                    self._covered(request, BY_PERIODS, today)
                continue
            self._cascade(school, waiting[school.number], today)

    def _requests(self, today: Today) -> Iterator[Request]:
        """Who needs cover today; a vacancy held by a long-term substitute asks no one."""
        for school in self.run.schools:
            status = self.availability.rows[school.number][today.day]
            for adult in self.away[school.number][today.day]:
                request = Request(school, adult, status[adult.index] == VACANT)
                if request.vacancy:
                    self.vacancy_days += 1
                    if self.long_term:
                        self.long_term_days += 1
                        self._covered(request, BY_LONG_TERM, today)
                        continue
                else:
                    self.absences += 1
                yield request

    def _cascade(self, school: Roster, waiting: list[Request], today: Today) -> None:
        """Cover what the pool could not, with the scenario's cascade of adults, in order."""
        status = self.availability.rows[school.number][today.day]
        sheet = self.run.timesheets[school.number]
        for request in sorted(waiting, key=lambda r: r.adult.index):
            absent = request.adult
            by = UNCOVERED
            for step in self.run.scenario.coverage.cascade:
                if step == SPLIT:
                    peers = [
                        a
                        for a in school.adults
                        if a.team == absent.team
                        and a.homeroom >= 0
                        and a is not absent
                        and status[a.index] == PRESENT
                    ]
                    if absent.team != NO_TEAM and peers:
                        by = BY_SPLIT
                        for peer in peers:  # each takes in some of the class's students
                            self.duties[school.number][peer.index] += 1
                        break
                    continue
                coverer = self._free_adult(school, step, absent.team, status, today)
                if coverer is not None:
                    by = coverer.index
                    minutes = self.class_minutes[school.number][absent.index]
                    if minutes:
                        self._hold(school, coverer, minutes)
                        self.duties[school.number][coverer.index] += 1
                        left = sheet.left[today.day, coverer.index]
                        wanted = cancelled_by_cover(left, minutes)
                        sheet.take_from(COVERAGE, today.day, coverer.index, wanted)
                    break
            self._covered(request, by, today)

    def _hold(self, school: Roster, coverer: Adult, minutes: int) -> None:
        """The coverer is taken (its resource held) for as long as the class takes."""
        coverers = self.coverers[school.number]
        resource = coverers.get(coverer.index)
        if resource is None:
            resource = coverers[coverer.index] = simpy.Resource(self.run.env)
        request = resource.request()

        def free(_: simpy.Event) -> None:
            resource.release(request)

        self.run.env.timeout(minutes).callbacks.append(free)

    def _free_adult(
        self, school: Roster, role: str, team: int, status: list[int], today: Today
    ) -> Adult | None:
        """The first adult of the role, on the team then among the school's staff, who is in,
        free (not holding another class) and allowed to cover this week."""
        coverers = self.coverers[school.number]
        for wanted_team in (team, NO_TEAM):
            for adult in self.of_role[school.number][role]:
                if (
                    adult.team == wanted_team
                    and status[adult.index] == PRESENT
                    and ((held := coverers.get(adult.index)) is None or not held.count)
                    and "coverage" in adult.role.duties_in_week(today.week)
                ):
                    return adult
        return None

    def _covered(self, request: Request, by: int, today: Today) -> None:
        """Record who took the absent adult's class today (UNCOVERED: nobody)."""
        school, absent = request.school, request.adult
        self.cover[school.number][today.day, absent.index] = by
        if by in (UNCOVERED, BY_PERIODS):
            return
        name = COVERERS[by] if by < 0 else school.adults[by].role_name
        minutes = self.class_minutes[school.number][absent.index]
        if school.timetable is not None:  # its sections today
            sheet = self.run.timesheets[school.number]
            minutes = int(sheet.planned(today.day, absent.index, "instruction"))
            minutes += int(sheet.planned(today.day, absent.index, "small_group"))
        self.minutes[name] = self.minutes.get(name, 0) + minutes

    @kept
    def results(self) -> Cover:
        return Cover(
            self.absences,
            self.vacancy_days,
            self.filled,
            self.long_term_days,
            self.minutes,
            self.duties,
            self.requests,
            self.pool.months(),
        )


def _bits(rows: np.ndarray) -> list[int]:
    """Each row of a bool matrix (rows x substitutes) as an int, bit i for column i."""
    packed = np.packbits(rows, axis=-1, bitorder="little")
    return [int.from_bytes(row.tobytes(), "little") for row in packed]


def _nth_bit(bits: int, n: int) -> int:
    """The index of the n-th set bit of `bits` (0: the lowest): word by word to its word,
    then bit by bit."""
    base = 0
    while n >= (count := (bits & WORD).bit_count()):
        n -= count
        bits >>= 64
        base += 64
    bits &= WORD
    for _ in range(n):
        bits &= bits - 1
    return base + (bits & -bits).bit_length() - 1


def class_minutes(adult: Adult) -> int:
    """Minutes a covering adult spends with the absent adult's class."""
    return adult.role.schedule.get("instruction", 0) + adult.role.schedule.get("small_group", 0)


def cancelled_by_cover(left: np.ndarray, cover: float) -> dict[str, float]:
    """Minutes of each activity left to an adult that covering a class of `cover` minutes
    cancels, in CANCEL_ORDER."""
    out: dict[str, float] = {}
    for activity in CANCEL_ORDER:
        take = min(cover, float(left[ACTIVITY[activity]]))
        if take:
            out[activity] = take
            cover -= take
    return out
