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
would still be before it (its tier's target accrues to the window's end); a tier's sessions open
at every group-size-th candidate (a session seats distinct students, so never more than the
caseload holds of the tier), and the sessions of all tiers are taken in rank order while the
adult's small-group minutes of the window last (and while its days hold sessions of that
length). An adult's minutes are those of the days it was in school and free; a student's
sessions are at most the days it was in school times the tier's daily cap.

`SmallGroups` seats every adult of a school in a few numpy calls; tests/oracle.py writes the
same rule as plain loops, one adult and one session at a time, to check it. What friction took
from an adult's small-group time is the timesheet's; this module books what was left: used in
sessions (delivered) or not (unused).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from simulate.engine.ledger import UNUSED
from simulate.engine.module import Module, Today
from simulate.engine.modules.availability import PRESENT, Availability
from simulate.engine.roster import NO_TEAM, Adult, Roster
from simulate.engine.timesheet import ACTIVITY

if TYPE_CHECKING:
    from simulate.engine.core import Engine

SMALL_GROUP = ACTIVITY["small_group"]
_NOBODY = np.zeros(0, dtype=np.int64)
UNIT = 1000  # need is kept in 1/UNIT of a minute per school-week day: exact whole numbers


@dataclass(frozen=True)
class TierRules:
    """A school's need tiers as arrays indexed by tier (the school's own order)."""

    names: tuple[str, ...]
    dosage: np.ndarray  # weekly target, minutes
    session: np.ndarray  # session length, minutes
    group_size: np.ndarray  # most students of the tier in one session
    daily_cap: np.ndarray  # most sessions a student of the tier attends a day


@dataclass
class Groups:
    """One school's small groups: its tiers, what each student received and from whom, and
    each adult's caseload until the next regrouping."""

    school: Roster
    tiers: TierRules
    days_per_week: int
    dosage: np.ndarray = field(init=False)  # weekly target of each student, minutes
    tiebreak: np.ndarray = field(init=False)  # rank of each student when level on need
    received: np.ndarray = field(init=False)  # small-group minutes of each student
    contact: np.ndarray = field(init=False)  # students x adults: minutes together
    roles: list[str] = field(init=False)  # the school's roles, in name order
    by_role: np.ndarray = field(init=False)  # students x roles: minutes by the leader's role
    by_size: np.ndarray = field(init=False)  # students x sizes: minutes by students in the group
    pools: dict[int, np.ndarray] = field(default_factory=dict)  # adult -> its caseload
    leads: np.ndarray = field(init=False)  # adults whose role leads groups (a group size)

    def __post_init__(self) -> None:
        students = self.school.students
        self.dosage = self.tiers.dosage.astype(np.int64)[students.tier]
        # students level on need go in a fixed random order (drawn with the students)
        self.tiebreak = np.argsort(np.argsort(students.tiebreak, kind="stable"))
        self.received = np.zeros(students.count)
        # column-major: a window credits one adult's column at a time
        self.contact = np.zeros((students.count, len(self.school.adults)), order="F")
        self.roles = sorted({a.role_name for a in self.school.adults})
        self.leads = np.array([a.role.group_size > 0 for a in self.school.adults], dtype=bool)
        self.by_role = np.zeros((students.count, len(self.roles)))
        self.by_size = np.zeros((students.count, int(self.tiers.group_size.max(initial=1))))

    def need(self, students: np.ndarray, day: int) -> np.ndarray:
        """How far each student is behind its tier's target by the end of school day `day`,
        exactly, as a whole number of UNIT-ths of a minute per day of the school week (targets
        are whole minutes a week, sessions whole minutes); the target's size is added in the
        last place, so of two students equally behind the one with the larger target comes
        first. Students still level are ordered by `tiebreak`."""
        dosage = self.dosage[students]
        received = self.received[students].astype(np.int64)
        return (dosage * (day + 1) - received * self.days_per_week) * UNIT + dosage

    def session_need(self, length: np.ndarray) -> np.ndarray:
        """What one session of `length` minutes takes off a student's need, in need's units."""
        return length * self.days_per_week * UNIT


@dataclass(frozen=True)
class Grouped:
    """What small groups offer: per school, each student's minutes and tier, the tiers' names
    and targets, the minutes each student spent with each adult (students x adults), by the
    role that led the group (students x `roles`) and by the students seated in the session
    (students x sizes: column k is sessions of k + 1); over all schools, student-minutes by the
    role that led the group."""

    minutes: list[np.ndarray]
    tiers: list[TierRules]
    tier: list[np.ndarray]
    contact: list[np.ndarray]
    roles: list[list[str]]
    by_role_student: list[np.ndarray]
    by_size: list[np.ndarray]
    by_role: dict[str, float]


class SmallGroups(Module[Grouped]):
    name = "small_groups"
    order = 110
    reads = (
        "small_groups",
        "schools.*.need_tiers",
        "roles.*.group_size",
        "roles.*.schedule",
        "schools.*.teams",
    )
    books = ("small_group",)
    losses = (UNUSED,)

    def __init__(self, run: Engine) -> None:
        super().__init__(run)
        self.rules = run.scenario.small_groups
        self.status = run.module(Availability).status
        self.groups = [Groups(s, self._tiers(s), run.days.days_per_week) for s in run.schools]
        self.window: list[int] | None = None  # the open days of the regrouping window so far

    def _tiers(self, school: Roster) -> TierRules:
        """The school's tiers, with the scenario's small-group defaults filled in."""
        tiers = school.spec.need_tiers
        rules = self.rules
        return TierRules(
            names=tuple(t.name for t in tiers),
            dosage=np.array([t.dosage_minutes_per_week for t in tiers], dtype=float),
            session=np.array([t.session_minutes or rules.session_minutes for t in tiers]),
            group_size=np.array([t.group_size for t in tiers]),
            daily_cap=np.array(
                [t.max_sessions_per_day or rules.max_sessions_per_student_per_day for t in tiers]
            ),
        )

    def day(self, today: Today) -> None:
        """Every `regroup_every_days` school days, seat the window that ends and deal the
        caseloads anew; the window holds the open days until then."""
        if today.school_day % self.rules.regroup_every_days == 0:
            self._seat_window()
            self.window = []
            for g in self.groups:
                self._deal(g, today)
        if not today.closed and self.window is not None:
            self.window.append(today.day)

    def year(self) -> None:
        self._seat_window()

    # ---- caseloads ------------------------------------------------------------------------
    def _deal(self, g: Groups, today: Today) -> None:
        """Deal the caseloads (see the module) to the adults in school today."""
        school = g.school
        g.pools.clear()
        planned = self.run.timesheets[school.number].plan[today.week - 1, :, SMALL_GROUP] > 0
        here = self.status[school.number][today.day] == PRESENT
        leaders = [school.adults[i] for i in np.flatnonzero(planned & here & g.leads).tolist()]
        everyone = np.arange(school.students.count)
        for adult in leaders:
            if adult.homeroom >= 0 and not school.team_shares[adult.team]:
                g.pools[adult.index] = everyone[school.room_students[adult.homeroom]]
        tables: dict[int, list[Adult]] = {}  # team (or NO_TEAM) -> adults who share it
        for adult in leaders:
            if adult.index not in g.pools:
                tables.setdefault(adult.team, []).append(adult)
        for team, dealers in tables.items():
            students = everyone if team == NO_TEAM else everyone[school.team_students[team]]
            need = g.need(students, today.school_day)
            order = students[np.lexsort((-g.tiebreak[students], -need))]
            weight = np.array(
                [a.role.schedule["small_group"] * a.role.group_size for a in dealers], dtype=float
            )
            taker = _takers(order.size, weight)
            dealt = order[np.lexsort((order, taker))]  # by adult, each adult's in order
            split = np.cumsum(np.bincount(taker, minlength=len(dealers)))[:-1]
            for dealer, caseload in zip(dealers, np.split(dealt, split), strict=True):
                g.pools[dealer.index] = caseload

    # ---- seating a regrouping window ------------------------------------------------------
    def _seat_window(self) -> None:
        """Seat the small groups of the window that ends (on every school), from the minutes
        the timesheets left each adult on each of its days."""
        if not self.window:
            return
        days = np.array(self.window)
        last = int(self.run.school_days[days[-1]])
        for g in self.groups:
            minutes = self.run.timesheets[g.school.number].left[days, :, SMALL_GROUP]
            self._seat(g, minutes, days, last)

    def _seat(self, g: Groups, minutes_by_day: np.ndarray, days: np.ndarray, last: int) -> None:
        """Seat one school's small groups of one regrouping window and book them.

        `minutes_by_day`: small-group minutes each adult could hold on each day of the window
        (days x adults); `days`: those calendar days; `last`: the window's last school day.
        Caseloads are seated in rounds that cannot overlap (class and team caseloads, then a
        team's other adults, then the school's staff), each round on the needs left by the one
        before."""
        school = g.school
        minutes = minutes_by_day.sum(axis=0)
        leaders = [a for a in school.adults if minutes[a.index] > 0]
        if not leaders:
            return
        index = np.array([a.index for a in leaders])
        lengths = np.unique(g.tiers.session)
        window = _Window(
            adults=leaders,
            index=index,
            group_size=np.array([a.role.group_size for a in leaders]),
            role=np.array([g.roles.index(a.role_name) for a in leaders]),
            minutes=minutes[index],
            lengths=lengths,
            slots=np.floor(minutes_by_day[:, None, index] / lengths[None, :, None]).sum(axis=0),
            present_days=(~school.students.absent[days]).sum(axis=0),
            taken=np.zeros(school.students.count),
            used=np.zeros(len(leaders)),
        )
        for members in _rounds(school, leaders):
            _seat(g, window, members, last)
        ledger = self.run.ledgers[school.number]
        for adult, given, spent in zip(leaders, window.minutes, window.used, strict=True):
            ledger.delivered("small_group", adult.role_name, float(spent))
            ledger.lost("small_group", adult.role_name, float(given - spent), UNUSED)

    def results(self) -> Grouped:
        groups = self.groups
        by_role: dict[str, float] = {}
        for g in groups:
            for role, minutes in zip(g.roles, g.by_role.sum(axis=0).tolist(), strict=True):
                if minutes:
                    by_role[role] = by_role.get(role, 0.0) + minutes
        return Grouped(
            [g.received for g in groups],
            [g.tiers for g in groups],
            [g.school.students.tier for g in groups],
            [g.contact for g in groups],
            [g.roles for g in groups],
            [g.by_role for g in groups],
            [g.by_size for g in groups],
            by_role,
        )


@dataclass
class _Window:
    """One regrouping window's seating: the adults who lead groups and what they have."""

    adults: list[Adult]
    index: np.ndarray  # each adult's index in the school
    group_size: np.ndarray  # most students each adult's role seats in one session
    role: np.ndarray  # each adult's role, as a number into the school's roles (Groups.roles)
    minutes: np.ndarray  # small-group minutes of each adult in the window
    lengths: np.ndarray  # the session lengths of the school's tiers, ascending
    slots: np.ndarray  # lengths x adults: sessions of each length each adult's days hold
    present_days: np.ndarray  # days each student was in school
    taken: np.ndarray  # sessions each student has had in the window so far
    used: np.ndarray  # minutes each adult spent in sessions

    def caps(self, g: Groups, pupils: np.ndarray) -> np.ndarray:
        """More sessions each student may attend in the window."""
        cap = g.tiers.daily_cap[g.school.students.tier[pupils]] * self.present_days[pupils]
        return np.maximum(cap - self.taken[pupils], 0).astype(np.int64)


def _seat(g: Groups, w: _Window, members: list[int], last_day: int) -> None:
    """The window's seating for every adult of a round at once."""
    school = g.school
    tiers = g.tiers
    n_adults, n_tiers, n = len(w.adults), len(tiers.names), school.students.count
    pools = [g.pools.get(int(w.index[k]), _NOBODY) for k in members]
    sizes = [pool.size for pool in pools]
    if not sum(sizes):
        return
    owner_of, pupil = np.repeat(members, sizes), np.concatenate(pools)
    tier = school.students.tier[pupil]
    cap = w.caps(g, pupil)
    on = cap > 0
    in_caseload = np.bincount(
        owner_of[on] * n_tiers + tier[on], minlength=n_adults * n_tiers
    ).reshape(n_adults, n_tiers)
    size = np.minimum(np.minimum(tiers.group_size, w.group_size[:, None]), in_caseload)
    need, step = g.need(pupil, last_day), g.session_need(tiers.session[tier])
    # every candidate: the nth session of a student, ranked by the need left before it
    repeat = np.repeat(np.arange(pupil.size), cap)
    if not repeat.size:
        return
    nth = np.arange(repeat.size) - np.repeat(np.cumsum(cap) - cap, cap)
    who, stu, tie = owner_of[repeat], pupil[repeat], tier[repeat]
    length = tiers.session[tie]
    rank = need[repeat] - nth * step[repeat]
    level = g.tiebreak[stu]
    order = _ranked(who * n_tiers + tie, rank, level)  # each (adult, tier) list in rank order
    who, stu, tie, rank, length = who[order], stu[order], tie[order], rank[order], length[order]
    level = level[order]
    segment = np.flatnonzero(np.r_[True, (who[1:] != who[:-1]) | (tie[1:] != tie[:-1])])
    listed = np.repeat(np.diff(np.r_[segment, who.size]), np.diff(np.r_[segment, who.size]))
    place = np.arange(who.size) - np.repeat(segment, np.diff(np.r_[segment, who.size]))
    size = size[who, tie]
    number = place // size  # the session of its list a candidate would sit in
    opens = place % size == 0
    s_who, s_tie, s_rank, s_level = who[opens], tie[opens], rank[opens], level[opens]
    s_len, s_no = length[opens], number[opens]
    fits = s_no < w.slots[np.searchsorted(w.lengths, s_len), s_who]
    s_who, s_tie, s_rank, s_len = s_who[fits], s_tie[fits], s_rank[fits], s_len[fits]
    order = _ranked(s_who, s_rank, s_level[fits])  # an adult's sessions of every tier in order
    s_who, s_tie, s_len = s_who[order], s_tie[order], s_len[order]
    spent = np.cumsum(s_len)
    first = np.r_[True, s_who[1:] != s_who[:-1]]
    before = np.maximum.accumulate(np.where(first, spent - s_len, 0))
    keep = spent - before <= w.minutes[s_who]
    s_who, s_tie, s_len = s_who[keep], s_tie[keep], s_len[keep]
    held = np.bincount(s_who * n_tiers + s_tie, minlength=n_adults * n_tiers)
    w.used += np.bincount(s_who, s_len, minlength=n_adults)
    held_here = held.reshape(n_adults, n_tiers)[who, tie]
    seated = number < held_here
    # students in each seat's session: the list's seats fill its sessions in order
    in_session = np.minimum(size, np.minimum(held_here * size, listed) - number * size)[seated]
    who, stu, length = who[seated], stu[seated], length[seated].astype(float)
    g.received += np.bincount(stu, length, minlength=n)
    contact = np.bincount(w.index[who] * n + stu, length, minlength=g.contact.size)
    g.contact += contact.reshape(g.contact.shape, order="F")
    roles = len(g.roles)
    g.by_role += np.bincount(stu * roles + w.role[who], length, g.by_role.size).reshape(n, roles)
    sizes = g.by_size.shape[1]
    column = stu * sizes + in_session - 1
    g.by_size += np.bincount(column, length, g.by_size.size).reshape(n, sizes)
    w.taken += np.bincount(stu, minlength=n)


def _ranked(group: np.ndarray, rank: np.ndarray, level: np.ndarray) -> np.ndarray:
    """The order that puts each group's items together, best rank first, ties by level (both
    whole numbers, highest first): one sort of one whole-number key where it fits in 63 bits,
    else a lexsort of the three. The keys are distinct; a stable sort is the faster one here,
    as each student's candidates come in a run already in order."""
    if not group.size:
        return np.zeros(0, dtype=np.int64)
    low = int(rank.min())
    spans = (int(group.max()) + 1, int(rank.max()) - low + 1, int(level.max()) + 1)
    if spans[0] * spans[1] * spans[2] < 2**62:
        key = (group * spans[1] + (int(rank.max()) - rank)) * spans[2] + (spans[2] - 1 - level)
        return np.argsort(key, kind="stable")
    return np.lexsort((-level, -rank, group))


def _rounds(school: Roster, adults: list[Adult]) -> list[list[int]]:
    """Adults whose caseloads cannot overlap, in the order they seat: class and sharing-team
    caseloads, then the other adults of teams that do not share, then the school's staff."""
    rounds: list[list[int]] = [[], [], []]
    for k, adult in enumerate(adults):
        if adult.team == NO_TEAM:
            rounds[2].append(k)
        elif school.team_shares[adult.team] or adult.homeroom >= 0:
            rounds[0].append(k)
        else:
            rounds[1].append(k)
    return [r for r in rounds if r]


def deal(order: np.ndarray, weight: np.ndarray) -> list[np.ndarray]:
    """Deal students (in `order`) to adults in proportion to `weight`, like dealing cards:
    adult a takes a turn at times (k + 0.5) / weight[a], and the turns are taken in time order,
    so each adult gets a share of every level of need."""
    taker = _takers(order.size, weight)
    dealt = order[np.argsort(taker, kind="stable")]
    return np.split(dealt, np.cumsum(np.bincount(taker, minlength=weight.size))[:-1])


def _takers(n: int, weight: np.ndarray) -> np.ndarray:
    """Who takes each of `n` cards dealt in proportion to `weight` (see `deal`)."""
    counts = np.ceil(n * weight / weight.sum()).astype(np.int64) + 1  # turns each adult may take
    owner = np.repeat(np.arange(weight.size), counts)
    k = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
    first = np.argsort((k + 0.5) / weight[owner], kind="stable")[:n]  # the first n turns
    return owner[first]
