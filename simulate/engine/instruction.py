"""Teaching and small groups: crediting students with the minutes adults give them.

Only students present that day receive minutes. Small groups are sessions: an adult's
small-group block holds back-to-back sessions; each session serves one need tier, with that
tier's session length and group size (capped by the role's `group_size`), and seats the tier's
students who are furthest behind its dosage target. The tier whose most-behind student is
furthest behind gets the next session, so students behind their target are served before anyone
ahead of theirs, and only then do leftover sessions go to others. A student may attend up to the
tier's daily cap of sessions, with one adult or several.

Regrouping: in a team that shares its students, every `regroup_every_days` the team's students
are dealt out to the adults who lead small groups and are in that day, in order of need and in
proportion to each adult's small-group capacity. Until the next regrouping an adult groups only
the students dealt to it, so when it is away its students miss their sessions. A homeroom adult
in a team that does not share groups its own class; school-wide staff group any student.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulate.engine.roster import NO_TEAM, Adult
from simulate.engine.school import SchoolState, Status

if TYPE_CHECKING:
    from simulate.engine.core import Engine


@dataclass(frozen=True)
class TierRules:
    """A school's need tiers as arrays indexed by tier (the school's own order)."""

    names: tuple[str, ...]
    dosage: np.ndarray  # weekly target, minutes
    session: np.ndarray  # session length, minutes
    group_size: np.ndarray  # most students of the tier in one session
    daily_cap: np.ndarray  # most sessions a student of the tier attends a day


class Instruction:
    def __init__(self, run: Engine) -> None:
        self.run = run
        self.rules = run.scenario.small_groups

    def prepare(self, school: SchoolState) -> None:
        """Read the school's tiers, with the scenario's small-group defaults filled in."""
        tiers = school.spec.need_tiers
        rules = self.rules
        school.tiers = TierRules(
            names=tuple(t.name for t in tiers),
            dosage=np.array([t.dosage_minutes_per_week for t in tiers], dtype=float),
            session=np.array([t.session_minutes or rules.session_minutes for t in tiers]),
            group_size=np.array([t.group_size for t in tiers]),
            daily_cap=np.array(
                [t.max_sessions_per_day or rules.max_sessions_per_student_per_day for t in tiers]
            ),
        )
        school.per_day = school.tiers.dosage[school.students.tier] / self.run.days.days_per_week

    def morning(self, school: SchoolState) -> None:
        """A new day: who is in school, nobody in a group yet; regroup when it is time."""
        school.served_today[:] = 0
        school.present = ~school.students.absent[self.run.day]
        school.attending = school.present.astype(float)
        if self.run.school_day % self.rules.regroup_every_days == 0:
            self.regroup(school)

    def count_student_day(self, school: SchoolState) -> None:
        """An open day: students on teams whose leader is in post count towards reach."""
        school.student_days += school.students.count
        led = self._led_teams(school)
        if led.size:
            school.led_student_days += float(np.isin(school.students.team, led).sum())

    @staticmethod
    def _led_teams(school: SchoolState) -> np.ndarray:
        teams = {
            a.team
            for a in school.adults
            if a.role.leads_team and a.team != NO_TEAM and school.status[a.index] != Status.VACANCY
        }
        return np.fromiter(teams, dtype=np.int64, count=len(teams))

    def teach(self, school: SchoolState, adult: Adult, minutes: float) -> None:
        """A homeroom adult's class gets its instruction; a co-teacher (no class of its own)
        joins a team's (or the school's) classrooms in turn, one a day: the students already
        have their teacher's minutes, so a co-teacher adds contact, not minutes."""
        if adult.homeroom >= 0:
            taught, share = school.taught_by(adult)
            self.credit_class(school, taught, minutes * share, adult.index)
            return
        rooms = (
            school.team_rooms[adult.team]
            if adult.team != NO_TEAM
            else range(school.spec.classrooms)
        )
        taught = school.room_students[list(rooms)[self.run.school_day % len(rooms)]]
        school.contact[taught, adult.index] += minutes * school.attending[taught]

    @staticmethod
    def credit_class(school: SchoolState, taught: slice, minutes: float, by: int | None) -> None:
        """Instruction for the students present in a class; contact with the adult `by`."""
        given = minutes * school.attending[taught]
        school.received.instruction[taught] += given
        if by is not None:
            school.contact[taught, by] += given

    def need(self, school: SchoolState, students: np.ndarray) -> np.ndarray:
        """Minutes each student is behind its tier's target, counting today's share of it
        (the target's size breaks ties between students equally behind, e.g. at the start)."""
        per_day = school.per_day[students]
        due = per_day * (self.run.school_day + 1) - school.received.small_group[students]
        return due + 1e-3 * per_day + 1e-9 * school.students.tiebreak[students]

    def regroup(self, school: SchoolState) -> None:
        """Deal each sharing team's students out to its small-group adults (see the module)."""
        school.pool_by_tier.clear()
        week = self.run.week
        for team, shares in enumerate(school.team_shares):
            if not shares:
                continue
            for adult in school.adults:
                if adult.team == team:
                    school.group_pools.pop(adult.index, None)
            leaders = [
                a
                for a in school.adults
                if a.team == team
                and a.role.group_size
                and a.role.schedule.get("small_group", 0)
                and "small_group" in a.role.duties_in_week(week)
                and school.status[a.index] == Status.PRESENT
            ]
            if not leaders:
                continue
            students = _indices(school.team_students[team])
            order = students[np.argsort(-self.need(school, students), kind="stable")]
            weight = np.array(
                [a.role.schedule["small_group"] * a.role.group_size for a in leaders], dtype=float
            )
            for leader, dealt in zip(leaders, _deal(order, weight), strict=True):
                school.group_pools[leader.index] = np.sort(dealt)

    def small_groups(self, school: SchoolState, adult: Adult, minutes: float) -> float:
        """Hold back-to-back sessions in `minutes`; return the minutes spent in sessions."""
        tiers = school.tiers
        by_tier = self._by_tier(school, adult)
        role_cap = adult.role.group_size
        served, present = school.served_today, school.present
        left = minutes
        while True:
            best: tuple[float, int, np.ndarray] | None = None
            for tier, candidates in enumerate(by_tier):
                if tiers.session[tier] > left or not candidates.size:
                    continue
                can = (served[candidates] < tiers.daily_cap[tier]) & present[candidates]
                free = candidates[can]
                if not free.size:
                    continue
                need = self.need(school, free)
                order = np.argsort(-need, kind="stable")
                if best is None or need[order[0]] > best[0]:
                    best = (float(need[order[0]]), tier, free[order])
            if best is None:
                break
            _, tier, free = best
            seated = free[: min(int(tiers.group_size[tier]), role_cap)]
            length = float(tiers.session[tier])
            served[seated] += 1
            school.received.small_group[seated] += length
            school.contact[seated, adult.index] += length
            by_role = school.small_group_by_role
            by_role[adult.role_name] = by_role.get(adult.role_name, 0.0) + length * seated.size
            left -= length
        return minutes - left

    def _by_tier(self, school: SchoolState, adult: Adult) -> list[np.ndarray]:
        """The adult's pool split by need tier (until the next regrouping)."""
        split = school.pool_by_tier.get(adult.index)
        if split is None:
            pool = self._group_pool(school, adult)
            tier_of = school.students.tier[pool]
            split = [pool[tier_of == t] for t in range(len(school.tiers.names))]
            school.pool_by_tier[adult.index] = split
        return split

    @staticmethod
    def _group_pool(school: SchoolState, adult: Adult) -> np.ndarray:
        """Students an adult may group: those dealt to it, else the school, team or class."""
        pool = school.group_pools.get(adult.index)
        if pool is None:
            if adult.team == NO_TEAM:
                pool = np.arange(school.students.count)
            elif adult.homeroom >= 0 and not school.team_shares[adult.team]:
                pool = _indices(school.room_students[adult.homeroom])
            else:
                pool = np.zeros(0, dtype=np.int64)  # not dealt any students this window
            school.group_pools[adult.index] = pool
        return pool


def _deal(order: np.ndarray, weight: np.ndarray) -> list[np.ndarray]:
    """Deal students (in `order`) to adults in proportion to `weight`, like dealing cards:
    adult a takes a turn at times (k + 0.5) / weight[a], and the turns are taken in time order,
    so each adult gets a share of every level of need."""
    n = order.size
    total = weight.sum()
    turns = [(np.arange(int(np.ceil(n * w / total)) + 1) + 0.5) / w for w in weight]
    owner = np.concatenate([np.full(len(k), a) for a, k in enumerate(turns)])
    first = np.argsort(np.concatenate(turns), kind="stable")[:n]
    return [order[owner[first] == a] for a in range(len(weight))]


def _indices(part: slice) -> np.ndarray:
    return np.arange(part.start, part.stop)
