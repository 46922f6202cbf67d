"""Teaching and small groups: crediting students with the minutes adults give them.

Only students present that day receive minutes. Small groups are sessions: an adult's
small-group block holds back-to-back sessions; each session serves one need tier, with that
tier's session length and group size (capped by the role's `group_size`), and seats the
tier's students in priority order. Priority is how far a student is behind the tier's dosage
target, as ranked at the last regrouping (every `regroup_every_days`, on the data of that day):
the tier whose most-behind student is furthest behind gets the next session, so students behind
their target are served before anyone ahead of theirs, and only then do leftover sessions go to
others. A student may attend up to the tier's daily cap of sessions, with one adult or several.
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

    def regroup(self, school: SchoolState) -> None:
        """Data-driven regrouping: rank students by how far they are behind their dosage."""
        per_day = school.tiers.dosage[school.students.tier] / self.run.days.days_per_week
        behind = per_day * max(self.run.school_day, 0) - school.received.small_group
        # the tier target breaks ties between students equally behind (e.g. at the start)
        school.priority = behind + per_day + 1e-6 * school.students.tiebreak
        school.ranked.clear()

    def small_groups(self, school: SchoolState, adult: Adult, minutes: float) -> float:
        """Hold back-to-back sessions in `minutes`; return the minutes spent in sessions."""
        tiers = school.tiers
        ranked = self._ranked(school, adult)
        role_cap = adult.role.group_size
        served, present, priority = school.served_today, school.present, school.priority
        left = minutes
        while True:
            best: tuple[float, int, np.ndarray] | None = None
            for tier, candidates in enumerate(ranked):
                if tiers.session[tier] > left or not candidates.size:
                    continue
                free = candidates[
                    (served[candidates] < tiers.daily_cap[tier]) & present[candidates]
                ]
                if free.size and (best is None or priority[free[0]] > best[0]):
                    best = (float(priority[free[0]]), tier, free)
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

    def _ranked(self, school: SchoolState, adult: Adult) -> list[np.ndarray]:
        """The adult's pool split by tier, each in priority order (until the next regrouping)."""
        ranked = school.ranked.get(adult.index)
        if ranked is None:
            pool = self._group_pool(school, adult)
            pool = pool[np.argsort(-school.priority[pool], kind="stable")]
            tier_of = school.students.tier[pool]
            ranked = [pool[tier_of == t] for t in range(len(school.tiers.names))]
            school.ranked[adult.index] = ranked
        return ranked

    @staticmethod
    def _group_pool(school: SchoolState, adult: Adult) -> np.ndarray:
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


def _indices(part: slice) -> np.ndarray:
    return np.arange(part.start, part.stop)
