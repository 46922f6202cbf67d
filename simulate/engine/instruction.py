"""Teaching and small groups: crediting students with the minutes adults give them.

Small groups: each session a leader takes up to `group_size` students from its pool (its class,
its team, or the school), those furthest behind their tier's dosage target first, as ranked at
the last regrouping (every `regroup_every_days`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulate.engine.roster import NO_TEAM, Adult
from simulate.engine.school import SchoolState, Status

if TYPE_CHECKING:
    from simulate.engine.core import Engine


class Instruction:
    def __init__(self, run: Engine) -> None:
        self.run = run
        self.rules = run.scenario.small_groups

    def morning(self, school: SchoolState) -> None:
        """A new day: nobody has been in a group yet; regroup on the data when it is time."""
        school.served_today[:] = 0
        if self.run.school_day % self.rules.regroup_every_days == 0:
            self.regroup(school)

    def count_student_day(self, school: SchoolState) -> None:
        """An open day: every student attends, some on teams whose leader is in post (reach)."""
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
        if adult.homeroom >= 0:
            taught, share = school.taught_by(adult)
            school.received.instruction[taught] += minutes * share
        else:
            # co-teaching: a team's (or the school's) classrooms in turn, one a day
            rooms = (
                school.team_rooms[adult.team]
                if adult.team != NO_TEAM
                else range(school.spec.classrooms)
            )
            room = list(rooms)[self.run.school_day % len(rooms)]
            taught, share = school.room_students[room], 1.0
        school.contact[taught, adult.index] += minutes * share

    def regroup(self, school: SchoolState) -> None:
        """Data-driven regrouping: rank students by how far they are behind their dosage."""
        targets = np.array([t.dosage_minutes_per_week for t in school.spec.need_tiers], dtype=float)
        per_day = targets[school.students.tier] / self.run.days.days_per_week
        behind = per_day * max(self.run.school_day, 0) - school.received.small_group
        # the tier target breaks ties between students equally behind (e.g. at the start)
        school.priority = behind + per_day + 1e-6 * school.students.tiebreak

    def small_groups(self, school: SchoolState, adult: Adult, minutes: float) -> None:
        rules = self.rules
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
        school.received.small_group[pool] += dose
        school.contact[pool, adult.index] += dose
        by_role = school.small_group_by_role
        by_role[adult.role_name] = by_role.get(adult.role_name, 0.0) + dose * pool.size

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
