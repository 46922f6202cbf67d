"""Small groups: who is in whose groups, and how the seats go.

Sessions. An adult's small-group time holds back-to-back sessions; each session serves one need
tier, with that tier's session length and group size (capped by the role's `group_size`), and
seats the tier's students who are furthest behind its dosage target. The tier whose most-behind
student is furthest behind gets the next session, so students behind their target are served
before anyone ahead of theirs, and only then do leftover seats and sessions go to others. A
student attends at most the tier's daily cap of sessions a day, with one adult or several, and
only on days it is in school.

Caseloads. Every `regroup_every_days` the students are dealt out, in order of need and in
proportion to each adult's small-group capacity, to the adults who lead small groups and are in
that day: a team that shares its students deals them to its adults; in a team that does not, a
homeroom adult keeps its own class and the team's other adults share the team's students; the
school's staff outside teams share the whole school. Until the next regrouping an adult groups
only its caseload, so when it is away its students miss their sessions.

Seating is planned for a whole window, as teachers plan their groups between data meetings:
each student's k-th session in the window is a candidate ranked by how far behind the student
would still be before it (its tier's target accrues to the window's end). A session seats
distinct students, so h sessions of a tier seat at most h candidates of one student: they seat
the h x group-size candidates ranked first among each student's first h (a student far behind
the others sits in every session, and the seats beside it go to the next in line). Each session
a tier adds is ranked by the best candidate it adds, and the sessions of all tiers are taken in
rank order while the adult's small-group minutes of the window last (and while its days hold
sessions of that length). The seats of the sessions held go round them student by student
(seat q in session q mod h), so no session seats a student twice and sessions of a tier differ
by one student at most. An adult's minutes are those of the days it was in school and free; a
student's sessions are at most the days it was in school times the tier's daily cap.

`SmallGroups` seats a school's window in one call of `_seat_rounds`, plain loops compiled by
numba: round by round, the adults' caseloads gathered, their candidates seated by
`_seat_lists` and the seats credited; tests/oracle.py writes the same rule another way, one
adult and one number of sessions at a time, to check it. What friction took from an adult's
small-group time is the timesheet's; this module books what was left: used in sessions
(delivered) or not (unused).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from simulate.engine.ledger import UNUSED
from simulate.engine.module import Module, Today, kept
from simulate.engine.modules.availability import PRESENT, Availability
from simulate.engine.modules.coverage import Coverage
from simulate.engine.modules.period_coverage import PeriodCoverage
from simulate.engine.roster import NO_TEAM, Adult, Roster
from simulate.engine.sections import UNCOVERED_CLASS, Met, meet
from simulate.engine.timesheet import ACTIVITY

if TYPE_CHECKING:
    from simulate.engine.core import Engine

SMALL_GROUP = ACTIVITY["small_group"]
UNIT = 1000  # need is kept in 1/UNIT of a minute per school-week day: exact whole numbers


@dataclass(frozen=True)
class TierRules:
    """A school's need tiers as arrays indexed by tier (the school's own order)."""

    names: tuple[str, ...]
    dosage: np.ndarray  # weekly target, minutes
    session: np.ndarray  # session length, minutes
    group_size: np.ndarray  # most students of the tier in one session
    daily_cap: np.ndarray  # most sessions a student of the tier attends a day

    @cached_property
    def lengths(self) -> np.ndarray:
        """The tiers' session lengths, ascending, each once."""
        return np.unique(self.session)


@dataclass
class Groups:
    """One school's small groups: its tiers, what each student received and from whom, and
    each adult's caseload until the next regrouping."""

    school: Roster
    tiers: TierRules
    days_per_week: int
    dosage: np.ndarray = field(init=False)  # weekly target of each student, minutes
    tier: np.ndarray = field(init=False)  # each student's tier
    tiebreak: np.ndarray = field(init=False)  # rank of each student when level on need
    received: np.ndarray = field(init=False)  # small-group minutes of each student
    contact: np.ndarray = field(init=False)  # students x adults: minutes together
    leads: np.ndarray = field(init=False)  # adults whose role leads groups (a group size)
    leaders: list[tuple[str, bool]] = field(init=False)  # (role, on a team) of those adults
    leader: np.ndarray = field(init=False)  # each adult's place in `leaders` (-1: leads none)
    by_leader: np.ndarray = field(init=False)  # students x leaders x sizes: minutes
    weight: np.ndarray = field(init=False)  # each adult's share when students are dealt
    roles: list[str] = field(init=False)  # the school's roles, in roster order
    role: np.ndarray = field(init=False)  # each adult's place in `roles`
    size: np.ndarray = field(init=False)  # each adult's group size (its role's)
    step: np.ndarray = field(init=False)  # what a session of each tier takes off need
    length_of: np.ndarray = field(init=False)  # each tier's place in `tiers.lengths`
    round: np.ndarray = field(init=False)  # the round each adult's caseload seats in
    keeps: np.ndarray = field(init=False)  # leads, and its caseload is its own class
    table: np.ndarray = field(init=False)  # whose students it shares: a team, or NO_TEAM
    # adults x 2: the students of a keeper's class, or of the table another adult shares, as
    # a range (students are numbered class by class, and a team holds consecutive classes)
    share: np.ndarray = field(init=False)
    # the caseloads until the next regrouping: `cards` holds every student in order, then the
    # students dealt, adult after adult; an adult's caseload is cards[hand[a, 0]:hand[a, 1]]
    cards: np.ndarray = field(init=False)
    hand: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        students = self.school.students
        table = self.school.timetable
        caps = [c.class_size_cap for c in table.day.courses if c.tutoring] if table else []
        self.dosage = self.tiers.dosage.astype(np.int64)[students.tier]
        # students level on need go in a fixed random order (drawn with the students)
        self.tiebreak = np.argsort(np.argsort(students.tiebreak, kind="stable"))
        self.received = np.zeros(students.count)
        # column-major: a window credits one adult's column at a time
        self.contact = np.zeros((students.count, len(self.school.adults)), order="F")
        adults = self.school.adults
        self.leads = np.array([a.role.group_size > 0 for a in adults], dtype=bool)
        position = [(a.role_name, a.team != NO_TEAM) for a in adults]
        # a period school's tutoring sections may be taught by any adult
        leading = adults if table else [a for a in adults if self.leads[a.index]]
        self.leaders = sorted({position[a.index] for a in leading})
        places = zip(position, self.leads, strict=True)
        self.leader = np.array([self.leaders.index(p) if on else -1 for p, on in places])
        sizes = max([int(self.tiers.group_size.max(initial=1)), *caps])
        self.by_leader = np.zeros((students.count, len(self.leaders), sizes))
        # small-group minutes times group size: what an adult can seat in a day
        self.weight = np.array(
            [a.role.schedule.get("small_group", 0) * a.role.group_size for a in adults], float
        )
        self.roles = list(dict.fromkeys(a.role_name for a in adults))
        self.role = np.array([self.roles.index(a.role_name) for a in adults], dtype=np.int64)
        self.size = np.array([a.role.group_size for a in adults], dtype=np.int64)
        self.round = np.array([_round(self.school, a) for a in adults], dtype=np.int64)
        shares = self.school.team_shares
        own_class = [a.homeroom >= 0 and not shares[a.team] for a in adults]
        self.keeps = self.leads & np.array(own_class, dtype=bool)
        self.table = np.array([a.team for a in adults], dtype=np.int64)
        everyone = slice(0, students.count)
        ranges = [
            self.school.room_students[a.homeroom]
            if keeps
            else (everyone if a.team == NO_TEAM else self.school.team_students[a.team])
            for a, keeps in zip(adults, self.keeps, strict=True)
        ]
        self.share = np.array([(r.start, r.stop) for r in ranges], dtype=np.int64)
        self.tier = students.tier.astype(np.int64)
        self.step = self.session_need(self.tiers.session)
        self.length_of = np.searchsorted(self.tiers.lengths, self.tiers.session)
        self.cards = np.arange(students.count)
        self.hand = np.zeros((len(adults), 2), dtype=np.int64)

    def caseload(self, adult: int) -> np.ndarray:
        """The students the adult groups until the next regrouping."""
        return self.cards[self.hand[adult, 0] : self.hand[adult, 1]]

    def session_need(self, length: np.ndarray) -> np.ndarray:
        """What one session of `length` minutes takes off a student's need, in need's units."""
        return length * self.days_per_week * UNIT


@dataclass(frozen=True)
class Grouped:
    """What small groups offer: per school, each student's minutes and tier, the tiers' names
    and targets, the minutes each student spent with each adult (students x adults), and its
    minutes by who led the group and how many students the session seated (`by_leader`:
    students x leaders x sizes, size k + 1 in column k). A leader is a role on a team or on
    the school's staff (`leaders`: (role, on a team)); a team's adults group only the team's
    students, so a leader on a team is on the student's own. Over all schools, student-minutes
    by the role that led the group."""

    minutes: list[np.ndarray]
    tiers: list[TierRules]
    tier: list[np.ndarray]
    contact: list[np.ndarray]
    leaders: list[list[tuple[str, bool]]]
    by_leader: list[np.ndarray]
    by_role: dict[str, float]
    tutoring: list[Met | None]  # per school with a period day: what its tutoring sections gave


class SmallGroups(Module[Grouped]):
    name = "small_groups"
    order = 110
    reads = (
        "small_groups",
        "schools.*.need_tiers",
        "roles.*.group_size",
        "roles.*.schedule",
        "schools.*.teams",
        "schools.*.periods",
    )
    books = ("small_group",)
    losses = (UNUSED, UNCOVERED_CLASS)

    def __init__(self, run: Engine) -> None:
        super().__init__(run)
        self.rules = run.scenario.small_groups
        self.status = run.module(Availability).status
        self.groups = [Groups(s, self._tiers(s), run.days.days_per_week) for s in run.schools]
        self.window: list[int] | None = None  # the open days of the regrouping window so far
        self.tutoring: list[Met | None] = [None for _ in run.schools]

    def _tiers(self, school: Roster) -> TierRules:
        """The school's tiers, with the scenario's small-group defaults filled in."""
        tiers = school.spec.need_tiers
        rules = self.rules
        return TierRules(
            names=tuple(t.name for t in tiers),
            dosage=np.array([t.dosage_minutes_per_week for t in tiers], dtype=float),
            session=np.array(
                [t.session_minutes or rules.session_minutes for t in tiers], dtype=np.int64
            ),
            group_size=np.array([t.group_size for t in tiers], dtype=np.int64),
            daily_cap=np.array(
                [t.max_sessions_per_day or rules.max_sessions_per_student_per_day for t in tiers],
                dtype=np.int64,
            ),
        )

    def day(self, today: Today) -> None:
        """Every `regroup_every_days` school days, seat the window that ends and deal the
        caseloads anew; the window holds the open days until then."""
        if today.school_day % self.rules.regroup_every_days == 0:
            self._seat_window()
            self.window = []
            for g in self.groups:
                if g.school.timetable is None:  # else tutoring is a period: see year()
                    self._deal(g, today)
        if not today.closed and self.window is not None:
            self.window.append(today.day)

    def year(self) -> None:
        self._seat_window()
        for g in self.groups:
            if g.school.timetable is not None:
                self._tutor(g)

    def _tutor(self, g: Groups) -> None:
        """Tutoring as a period: the school's tutoring sections meet as engine.sections says,
        and what they gave is this school's small-group time."""
        run, n = self.run, g.school.number
        by = run.module(PeriodCoverage).results().by[n]
        assert by is not None
        met = meet(run, g.school, True, self.status[n], run.module(Coverage).cover[n], by)
        self.tutoring[n] = met
        g.received += met.minutes
        g.contact += met.contact
        for (role, on_team, size), minutes in met.by_leader.items():
            if (role, on_team) in g.leaders:  # substitutes are no leader of their own
                g.by_leader[:, g.leaders.index((role, on_team)), size - 1] += minutes

    # ---- caseloads ------------------------------------------------------------------------
    def _deal(self, g: Groups, today: Today) -> None:
        """Deal the caseloads (see the module) to the adults in school today."""
        n = g.school.number
        g.cards = _deal_day(
            self.run.timesheets[n].plan,
            today.week - 1,
            self.status[n],
            today.day,
            g.leads,
            g.keeps,
            g.table,
            g.share,
            g.weight,
            g.dosage,
            g.received,
            today.school_day,
            g.days_per_week,
            g.tiebreak,
            g.hand,
        )

    # ---- seating a regrouping window ------------------------------------------------------
    def _seat_window(self) -> None:
        """Seat the small groups of the window that ends (on every school), from the minutes
        the timesheets left each adult on each of its days."""
        if not self.window:
            return
        days = np.array(self.window)
        last = int(self.run.school_days[days[-1]])
        for g in self.groups:
            if g.school.timetable is not None:
                continue
            minutes = self.run.timesheets[g.school.number].left[days, :, SMALL_GROUP]
            self._seat(g, minutes, days, last)

    def _seat(self, g: Groups, minutes_by_day: np.ndarray, days: np.ndarray, last: int) -> None:
        """Seat one school's small groups of one regrouping window and book them.

        `minutes_by_day`: small-group minutes each adult could hold on each day of the window
        (days x adults); `days`: those calendar days; `last`: the window's last school day."""
        minutes = minutes_by_day.sum(axis=0)
        if not minutes.any():
            return
        lengths = g.tiers.lengths
        sessions = np.floor(minutes_by_day[:, None, :] / lengths[None, :, None]).sum(axis=0)
        window = Window(
            minutes=minutes,
            slots=sessions,
            present_days=days.size - np.count_nonzero(g.school.students.absent[days], axis=0),
            last_day=last,
            used=np.zeros(minutes.size),
        )
        _seat(g, window)
        # booked by role (minutes are whole, so the sums are exact in any order)
        ledger = self.run.ledgers[g.school.number]
        n = len(g.roles)
        used = np.bincount(g.role, window.used, n).tolist()
        unused = np.bincount(g.role, window.minutes - window.used, n).tolist()
        for name, spent, idle in zip(g.roles, used, unused, strict=True):
            ledger.delivered("small_group", name, spent)
            ledger.lost("small_group", name, idle, UNUSED)

    @kept
    def results(self) -> Grouped:
        groups = self.groups
        by_role: dict[str, float] = {}
        for g in groups:
            led = g.by_leader.sum(axis=(0, 2)).tolist()
            for (role, _), minutes in zip(g.leaders, led, strict=True):
                if minutes:
                    by_role[role] = by_role.get(role, 0.0) + minutes
        return Grouped(
            [g.received for g in groups],
            [g.tiers for g in groups],
            [g.school.students.tier for g in groups],
            [g.contact for g in groups],
            [g.leaders for g in groups],
            [g.by_leader for g in groups],
            by_role,
            self.tutoring,
        )


@dataclass
class Window:
    """One school's regrouping window: what its adults and students had in it."""

    minutes: np.ndarray  # small-group minutes of each adult in the window
    slots: np.ndarray  # lengths (TierRules.lengths) x adults: sessions each adult's days hold
    present_days: np.ndarray  # days each student was in school
    last_day: int  # the window's last school day
    used: np.ndarray  # minutes each adult spent in sessions (the seating fills it in)


@dataclass(frozen=True)
class Seats:
    """A window's seats: for each seat, the adult, the tier, the session of the adult's
    sessions of that tier, the student and the students seated in that session."""

    who: np.ndarray
    tier: np.ndarray
    session: np.ndarray
    student: np.ndarray
    size: np.ndarray


def _seat(g: Groups, w: Window) -> Seats:
    """Seat a school's regrouping window (see the module) and credit the seats to the
    students; returns the seats. Caseloads are seated in rounds that cannot overlap (class
    and team caseloads, then a team's other adults, then the school's staff), each round on
    the needs left by the one before, in one call of `_seat_rounds`; tests/oracle.py writes
    the same rule plainly, adult by adult."""
    tiers = g.tiers
    student, who, tier, session, size = _seat_rounds(
        g.round,
        w.minutes,
        w.slots[g.length_of],  # tiers x adults
        g.cards,
        g.hand,
        g.tier,
        tiers.daily_cap,
        w.present_days,
        g.dosage,
        g.received,
        g.tiebreak,
        w.last_day,
        g.days_per_week,
        g.step,
        tiers.session,
        tiers.group_size,
        g.size,
        g.leader,
        g.contact.T,  # C-ordered, as numba types it whatever the shape
        g.by_leader,
        w.used,
    )
    return Seats(who, tier, session, student, size)


@njit(cache=True)
def _seat_rounds(
    rounds,
    minutes,
    slots,
    cards,
    hand,
    tier,
    daily_cap,
    present_days,
    dosage,
    received,
    level,
    day,
    days_per_week,
    step,
    session,
    tier_size,
    adult_size,
    leader,
    contact,
    by_leader,
    used,
):
    """Seat each round of a window with `_seat_lists` (`rounds`: each adult's round; an
    adult takes part with `minutes` in the window and its caseload from `cards` and `hand`),
    each on the needs and sessions left by the ones before, and credit each seat's minutes to
    its student (`received`), to the adult with the student (`contact`, adults x students)
    and to the student with its leader and session size (`by_leader`). Minutes are whole, so
    their sums are exact in any order. Returns each seat's student, adult, tier, session and
    the students its session seats."""
    taken = np.zeros(tier.size, dtype=np.int64)  # sessions each student had in the window
    parts = []
    for r in range(3):
        members = np.flatnonzero((minutes > 0) & (rounds == r))
        bounds = np.zeros(members.size + 1, dtype=np.int64)
        for m in range(members.size):
            bounds[m + 1] = bounds[m] + hand[members[m], 1] - hand[members[m], 0]
        if bounds[-1] == 0:
            continue
        pupil = np.empty(bounds[-1], dtype=np.int64)
        for m in range(members.size):
            pupil[bounds[m] : bounds[m + 1]] = cards[hand[members[m], 0] : hand[members[m], 1]]
        # sessions each student may still have: its tier's daily cap on each day in school
        cap = np.maximum(daily_cap[tier[pupil]] * present_days[pupil] - taken[pupil], 0)
        seats = _seat_lists(
            members,
            bounds,
            tier[pupil],
            cap,
            _need(pupil, dosage, received, day, days_per_week),
            level[pupil],
            step,
            session,
            tier_size,
            adult_size,
            slots,
            minutes,
            used,
        )
        for s in range(seats.shape[1]):
            p, adult, length = pupil[seats[0, s]], seats[1, s], session[seats[2, s]]
            received[p] += length
            contact[adult, p] += length
            by_leader[p, leader[adult], seats[4, s] - 1] += length
            taken[p] += 1
            seats[0, s] = p
        parts.append(seats)
    if len(parts) == 1:  # one round seated (most windows): its seats as they are
        return parts[0]
    total = 0
    for part in parts:
        total += part.shape[1]
    out = np.empty((5, total), dtype=np.int64)
    at = 0
    for part in parts:
        out[:, at : at + part.shape[1]] = part
        at += part.shape[1]
    return out


@njit(cache=True)
def _need(students, dosage, received, day, days_per_week):
    """How far each student is behind its tier's target (`dosage`, whole minutes a week) by
    the end of school day `day`, from the minutes `received` so far, exactly, as a whole number
    of UNIT-ths of a minute per day of the school week (sessions are whole minutes too); the
    target's size is added in the last place, so of two students equally behind the one with
    the larger target comes first. Students still level are ordered by their tiebreak. Asked
    at each regrouping and at each round of its seating."""
    out = np.empty(students.size, dtype=np.int64)
    for k in range(students.size):
        p = students[k]
        behind = dosage[p] * (day + 1) - np.int64(received[p]) * days_per_week
        out[k] = behind * UNIT + dosage[p]
    return out


@njit(cache=True)
def _seat_lists(
    members,
    bounds,
    tier,
    cap,
    need,
    level,
    step,
    session,
    tier_size,
    adult_size,
    slots,
    minutes,
    used,
):
    """The module's seating rule for the adults `members` of a round (their numbers in the
    school), one list (an adult's students of one tier) at a time, in plain loops compiled by
    numba. Pool entries (the adults' caseloads one after another, adult m's from bounds[m])
    have a tier, a `cap` of sessions left, a need and a tiebreak level; tiers a session's
    `step` of need, its length and a group size; adults a group size, `slots` (tiers x adults)
    and `minutes`. Adds each adult's minutes in sessions to `used`; returns each seat's entry,
    adult, tier, session and the students its session seats."""
    n_tiers, entries = step.size, bounds[-1]
    n_lists = members.size * n_tiers
    # each student's k-th session is a candidate; the candidates list by list, in pool order
    list_of = np.full(entries, -1, dtype=np.int64)
    students = np.zeros(n_lists, dtype=np.int64)
    first = np.zeros(n_lists + 1, dtype=np.int64)
    for m in range(members.size):
        for e in range(bounds[m], bounds[m + 1]):
            if cap[e] > 0:
                at = m * n_tiers + tier[e]
                list_of[e] = at
                students[at] += 1
                first[at + 1] += cap[e]
    first = np.cumsum(first)
    total = first[-1]
    entry = np.empty(total, dtype=np.int64)
    nth = np.empty(total, dtype=np.int64)
    start = np.zeros(entries, dtype=np.int64)  # where each entry's candidates start
    filling = first[:-1].copy()
    for e in range(entries):
        at = list_of[e]
        if at >= 0:
            start[e] = filling[at]
        for k in range(cap[e] if at >= 0 else 0):
            c = filling[at]
            entry[c], nth[c] = e, k
            filling[at] += 1
    # each list's entries in pool order, listed[among[at]:among[at + 1]], to rank its candidates
    among = np.zeros(n_lists + 1, dtype=np.int64)
    among[1:] = np.cumsum(students)
    listed = np.empty(among[-1], dtype=np.int64)
    put = among[:-1].copy()
    for e in range(entries):
        if list_of[e] >= 0:
            listed[put[list_of[e]]] = e
            put[list_of[e]] += 1
    scratch = np.empty((5, students.max() if n_lists else 0), dtype=np.int64)
    ranked = np.empty(total, dtype=np.int64)
    # in rank order a candidate's number is the sessions its list needs to seat it: its own
    # number among its student's, or more, the sessions the candidates ahead of it fill (the
    # largest x with the sum over students of min(x, their candidates ahead) >= x x size)
    number = np.empty(total, dtype=np.int64)
    ahead = np.zeros(entries, dtype=np.int64)
    opener = np.empty(total, dtype=np.int64)  # the first candidate of each session that fits
    opened = np.zeros(n_lists + 1, dtype=np.int64)  # each list's openers from opened[at]
    for m in range(members.size):
        for t in range(n_tiers):
            at = m * n_tiers + t
            lo, hi = first[at], first[at + 1]
            opened[at + 1] = opened[at]
            if lo == hi:
                continue
            size = min(tier_size[t], adult_size[members[m]], students[at])
            at_least = np.zeros(hi - lo + 2, dtype=np.int64)  # students with >= n ahead
            filled = 0
            within = 0  # sum over students of min(filled, their candidates ahead)
            highest = -1
            mine = listed[among[at] : among[at + 1]]
            for c in _ranked(mine, start, cap, need, level, step[t], scratch, ranked):
                number[c] = max(nth[c], filled)
                if number[c] > highest:  # opens a session
                    highest = number[c]
                    if number[c] < slots[t, members[m]]:
                        opener[opened[at + 1]] = c
                        opened[at + 1] += 1
                e = entry[c]
                ahead[e] += 1
                at_least[ahead[e]] += 1
                within += ahead[e] <= filled
                while within + at_least[filled + 1] >= (filled + 1) * size:
                    within += at_least[filled + 1]
                    filled += 1
    # each adult's sessions of all tiers in rank order (its lists' openers are each in rank
    # order: merged), held while its minutes last
    held = np.zeros(n_lists, dtype=np.int64)
    for m in range(members.size):
        lists = slice(m * n_tiers, (m + 1) * n_tiers)
        head, end = opened[lists].copy(), opened[m * n_tiers + 1 : (m + 1) * n_tiers + 1]
        spent = 0
        while True:
            # the tier whose next session ranks first: its opener's need left before the
            # session, then its level
            best, top = -1, (0, 0)
            for t in range(n_tiers):
                if head[t] < end[t]:
                    c = opener[head[t]]
                    e = entry[c]
                    ranks = (need[e] - nth[c] * step[t], level[e])
                    if best < 0 or ranks > top:
                        best, top = t, ranks
            if best < 0 or spent + session[best] > minutes[members[m]]:
                break
            spent += session[best]
            held[m * n_tiers + best] += 1
            head[best] += 1
        used[members[m]] += spent
    # each student's seats in turn go round its list's sessions: seat q in session q mod h
    occupied = np.zeros(n_lists, dtype=np.int64)  # the seats of each list's sessions
    for at in range(n_lists):
        for c in range(first[at], first[at + 1]):
            occupied[at] += number[c] < held[at]
    out = np.empty((5, occupied.sum()), dtype=np.int64)  # entry, adult, tier, session, size
    s = 0
    for at in range(n_lists):
        h = held[at]
        if h == 0:
            continue
        q = 0
        for c in range(first[at], first[at + 1]):
            if number[c] < h:
                out[0, s], out[1, s], out[2, s] = entry[c], members[at // n_tiers], at % n_tiers
                out[3, s] = q % h
                out[4, s] = (occupied[at] - q % h + h - 1) // h
                q += 1
                s += 1
    return out


@njit(cache=True)
def _ranked(entries, start, cap, need, level, step, scratch, ranked):
    """The candidates of one list (the pool `entries` of one adult and tier; an entry's k-th
    candidate is at start[entry] + k) in rank order, as `_best_first` would sort them, without
    sorting them: a candidate's rank, need - k x step, is (q - k) x step + r with q = need //
    step and 0 <= r < step, so candidates go band by band (q - k, highest first) and within a
    band by r, then by tiebreak level, the same order in every band. The entries are sorted
    once by (r, level) and each band takes its entries with a candidate in it in that order.
    `scratch` (5 x entries at least) and `ranked` (candidates at least) are room to work in."""
    n = entries.size
    q, r, lv, place = scratch[0, :n], scratch[1, :n], scratch[2, :n], scratch[3, :n]
    total = 0
    for i in range(n):
        e = entries[i]
        q[i] = need[e] // step
        r[i] = need[e] - q[i] * step
        lv[i] = level[e]
        total += cap[e]
    for j, i in enumerate(_descending(r, lv)):
        place[i] = j
    lv[:] = 0
    entering = _descending(q, lv)  # entries by their highest band
    active = scratch[4, :n]  # the entries with a candidate in the band, by place
    order = ranked[:total]
    n_active, nxt, out, band = 0, 0, 0, 0
    while out < total:
        if n_active == 0:
            band = q[entering[nxt]]
        while nxt < n and q[entering[nxt]] == band:
            i = entering[nxt]
            nxt += 1
            j = n_active
            while j > 0 and place[active[j - 1]] > place[i]:
                active[j] = active[j - 1]
                j -= 1
            active[j] = i
            n_active += 1
        kept = 0
        for j in range(n_active):
            i = active[j]
            k = q[i] - band
            order[out] = start[entries[i]] + k
            out += 1
            if k + 1 < cap[entries[i]]:
                active[kept] = i
                kept += 1
        n_active = kept
        band -= 1
    return order


@njit(cache=True)
def _descending(primary, secondary):
    """The order of items by primary, then secondary, highest first, equal items in item
    order: by insertion for a few (most lists), else `_best_first`."""
    n = primary.size
    if n > 16:
        return _best_first(primary, secondary)
    order = np.empty(n, dtype=np.int64)
    for i in range(n):
        j = i
        while j > 0:
            o = order[j - 1]
            if primary[o] > primary[i] or (
                primary[o] == primary[i] and secondary[o] >= secondary[i]
            ):
                break
            order[j] = o
            j -= 1
        order[j] = i
    return order


@njit(cache=True)
def _best_first(rank, level):
    """The order of items by rank, highest first, equal ranks by level, highest first (levels
    are distinct where ranks are equal): one sort of one whole-number key. Merge sort, as the
    items come in runs already in order (a student's sessions, most needed first)."""
    if rank.size == 0:
        return np.zeros(0, dtype=np.int64)
    high, top = rank.max(), level.max() + 1
    if high - rank.min() >= 2**62 // top:
        raise OverflowError("small-group needs too far apart to rank in one key")
    return np.argsort((high - rank) * top + (top - 1 - level), kind="mergesort")


def load_compiled() -> None:
    """Load the compiled seating and dealing, called with the types a year calls them with
    (simulate.engine.load_compiled)."""
    no, hand = np.zeros(0, dtype=np.int64), np.zeros((0, 2), dtype=np.int64)
    floats, slots = np.zeros(0), np.zeros((0, 0))
    contact, by_leader = np.zeros((0, 0)), np.zeros((0, 0, 0))
    _seat_rounds(
        no,
        floats,
        slots,
        no,
        hand,
        no,
        no,
        no,
        no,
        floats.copy(),
        no,
        0,
        5,
        no,
        no,
        no,
        no,
        no,
        contact,
        by_leader,
        floats.copy(),
    )
    _deal_tables(no, hand, no, no, floats)
    _need(no, no, floats, 0, 5)
    plan, status = np.zeros((1, 0, len(ACTIVITY))), np.zeros((1, 0), dtype=np.int8)
    bools = np.zeros(0, dtype=bool)
    _deal_day(plan, 0, status, 0, bools, bools, no, hand, floats, no, floats, 0, 5, no, hand)


def _round(school: Roster, adult: Adult) -> int:
    """The round an adult's caseload seats in: class and sharing-team caseloads (0), then the
    other adults of teams that do not share (1), then the school's staff (2); the caseloads of
    one round cannot overlap."""
    if adult.team == NO_TEAM:
        return 2
    return 0 if school.team_shares[adult.team] or adult.homeroom >= 0 else 1


def deal(order: np.ndarray, weight: np.ndarray) -> list[np.ndarray]:
    """Deal students (in `order`, most behind first) to adults in proportion to `weight`, as
    `_deal_cards` deals one table."""
    one, hand = np.array([0, order.size]), np.array([0, weight.size])
    dealt, ends = _deal_cards(order.astype(np.int64), one, weight.astype(float), hand)
    return np.split(dealt, ends[:-1])


@njit(cache=True)
def _deal_day(
    plan,
    week,
    status,
    day,
    leads,
    keeps,
    table,
    share,
    weight,
    dosage,
    received,
    school_day,
    days_per_week,
    tiebreak,
    hand,
):
    """A regrouping's caseloads (SmallGroups._deal), for the adults who lead groups, planned
    small groups this week (`plan`, weeks x adults x activities) and are in school today
    (`status`, calendar days x adults): a keeper's is its class; every table's students (a
    team's, or the school's for its staff), most behind first, are dealt to the table's other
    adults at once (`_deal_tables`). Fills each adult's `hand` and returns the cards: every
    student in order, then the students dealt."""
    n = tiebreak.size
    hand[:] = 0
    dealers = np.empty(leads.size, dtype=np.int64)
    count = 0
    for a in range(leads.size):
        if leads[a] and plan[week, a, SMALL_GROUP] > 0 and status[day, a] == PRESENT:
            if keeps[a]:
                hand[a, 0], hand[a, 1] = share[a, 0], share[a, 1]
            else:
                dealers[count] = a
                count += 1
    everyone = np.arange(n)
    if count == 0:
        return everyone
    dealers = dealers[:count]
    dealers = dealers[np.argsort(table[dealers], kind="mergesort")]  # by table, stably
    need = _need(everyone, dosage, received, school_day, days_per_week)
    dealt, hands = _deal_tables(table[dealers], share[dealers], need, tiebreak, weight[dealers])
    for i in range(count):
        hand[dealers[i], 0], hand[dealers[i], 1] = n + hands[i, 0], n + hands[i, 1]
    return np.concatenate((everyone, dealt))


@njit(cache=True)
def _deal_tables(table, share, need, level, weight):
    """Deal the students of each table to its adults (`_deal_cards`): `table` says each
    adult's table (one table's adults together), `share` (adults x 2) the range of students
    the table shares, `weight` each adult's share. Returns the students dealt, adult after
    adult, and where each adult's start and end (adults x 2)."""
    firsts = [a for a in range(table.size) if a == 0 or table[a] != table[a - 1]]
    hands = np.empty(len(firsts) + 1, dtype=np.int64)
    cards = np.zeros(len(firsts) + 1, dtype=np.int64)
    hands[-1] = table.size
    for t, a in enumerate(firsts):
        hands[t] = a
        cards[t + 1] = cards[t] + share[a, 1] - share[a, 0]
    students = np.empty(cards[-1], dtype=np.int64)
    for t, a in enumerate(firsts):
        students[cards[t] : cards[t + 1]] = np.arange(share[a, 0], share[a, 1])
    order = _most_behind_first(students, cards, need, level)
    dealt, ends = _deal_cards(order, cards, weight, hands)
    bounds = np.empty((ends.size, 2), dtype=np.int64)
    bounds[:, 1] = ends
    bounds[0:1, 0] = 0
    bounds[1:, 0] = ends[:-1]
    return dealt, bounds


@njit(cache=True)
def _most_behind_first(students, tables, need, level):
    """Each table's students (students[tables[t]:tables[t + 1]]) by need, then level, highest
    first."""
    order = students.copy()
    for t in range(tables.size - 1):
        mine = students[tables[t] : tables[t + 1]]
        order[tables[t] : tables[t + 1]] = mine[_best_first(need[mine], level[mine])]
    return order


@njit(cache=True)
def _deal_cards(order, tables, weight, hands):
    """Deal each table's students (order[tables[t]:tables[t + 1]], most behind first) to its
    adults (weight[hands[t]:hands[t + 1]]) like cards, in proportion to their weight: adult a
    takes a turn at times (k + 0.5) / weight[a], at most ceil(students x its share of the
    weight) + 1 turns, and the turns are taken in time order (equal times in adult order), so
    each adult gets a share of every level of need. Returns the students dealt, adult after
    adult (each adult's in student order), and where each adult's end."""
    taker = np.empty(order.size, dtype=np.int64)
    for t in range(tables.size - 1):
        lo, hi = hands[t], hands[t + 1]
        total = 0.0
        for a in range(lo, hi):
            total += weight[a]
        turns = np.zeros(hi - lo, dtype=np.int64)
        cards = tables[t + 1] - tables[t]
        most = np.ceil(cards * weight[lo:hi] / total) + 1  # turns each adult may take
        for card in range(tables[t], tables[t + 1]):
            best, soonest = -1, np.inf
            for a in range(lo, hi):
                if turns[a - lo] < most[a - lo]:
                    when = (turns[a - lo] + 0.5) / weight[a]
                    if when < soonest:
                        best, soonest = a, when
            taker[card] = best
            turns[best - lo] += 1
    dealt_each = np.bincount(taker, minlength=weight.size)
    ends = np.cumsum(dealt_each)
    starts = ends - dealt_each
    dealt = np.empty(order.size, dtype=np.int64)
    filled = starts.copy()
    for card in range(order.size):
        dealt[filled[taker[card]]] = order[card]
        filled[taker[card]] += 1
    for a in range(weight.size):
        dealt[starts[a] : ends[a]].sort()
    return dealt, ends
