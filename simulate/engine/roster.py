"""Who is in a school: adults (one per position) and students (as arrays)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulate.engine.attendance import staff_multiplier, student_rates
from simulate.engine.calendar import Days
from simulate.engine.streams import stream
from simulate.schema.model import Role, Scenario, School

NO_TEAM = -1


@dataclass
class Adult:
    index: int  # position in the school's adult list
    role_name: str
    role: Role
    team: int  # team index, or NO_TEAM for school-wide staff
    homeroom: int  # classroom index, or -1
    absent: np.ndarray = field(repr=False)  # bool per school day
    vacant: np.ndarray = field(repr=False)  # bool per school day


@dataclass
class Students:
    """Students as columns: one numpy array per attribute, indexed by student."""

    tier: np.ndarray  # need tier index
    classroom: np.ndarray
    team: np.ndarray
    tiebreak: np.ndarray  # fixed random order for ties when forming groups
    absent: np.ndarray  # days x students: absent that day (an absent student gets no minutes)

    @property
    def count(self) -> int:
        return len(self.tier)


def build_students(
    school: School, number: int, days: Days, seed: int, replication: int
) -> Students:
    """Draw students with the students stream of this school number (same across arrangements)."""
    n = school.enrollment
    rng = stream(seed, replication, "students", number)
    shares = np.cumsum([t.share for t in school.need_tiers])
    tier = np.minimum(np.searchsorted(shares, rng.random(n), side="right"), len(shares) - 1)
    tiebreak = rng.random(n)
    classroom = (np.arange(n) * school.classrooms) // max(n, 1)
    team_of_room = np.repeat(
        np.arange(sum(t.count for t in school.teams)),
        [t.classrooms for t in school.teams for _ in range(t.count)],
    )
    attendance = school.attendance
    if attendance.absence_rate > 0:
        rng_days = stream(seed, replication, "student_absence", number)
        rates = student_rates(attendance.absence_rate, attendance.chronic_share, rng_days, n)
        absent = rng_days.random((days.count, n)) < rates
    else:
        absent = np.zeros((days.count, n), dtype=bool)
    return Students(tier.astype(np.int16), classroom, team_of_room[classroom], tiebreak, absent)


def build_adults(
    scenario: Scenario, school: School, number: int, n_days: int, seed: int, replication: int
) -> tuple[list[Adult], list[list[int]]]:
    """Adults of one school, and the classrooms of each team."""
    adults: list[Adult] = []
    slots: dict[str, int] = {}
    team_rooms: list[list[int]] = []
    room = 0
    team_index = 0

    def add(role_name: str, team: int, homeroom: int) -> None:
        role = scenario.roles[role_name]
        slot = slots.get(role_name, 0)
        slots[role_name] = slot + 1
        # Whoever holds classroom c draws the same absences in every arrangement (common random
        # numbers); other adults are keyed by role and slot.
        key = (number, "homeroom", homeroom) if homeroom >= 0 else (number, role_name, slot)
        absent = _absences(scenario, role, key, n_days, seed, replication)
        vacant = _vacancy(scenario, role, key, n_days, seed, replication)
        adults.append(Adult(len(adults), role_name, role, team, homeroom, absent, vacant))

    for template in school.teams:
        for _ in range(template.count):
            rooms = list(range(room, room + template.classrooms))
            room += template.classrooms
            team_rooms.append(rooms)
            free = iter(rooms)
            for role_name, n in template.members.items():
                for _ in range(n):
                    home = next(free, -1) if scenario.roles[role_name].homeroom else -1
                    add(role_name, team_index, home)
            team_index += 1
    for role_name, n in school.staff.items():
        for _ in range(n):
            add(role_name, NO_TEAM, -1)
    return adults, team_rooms


def _absences(
    scenario: Scenario, role: Role, key: tuple, n_days: int, seed: int, replication: int
) -> np.ndarray:
    absent = np.zeros(n_days, dtype=bool)
    if role.absence_rate <= 0:
        return absent
    rate = role.absence_rate  # 1 means always absent, whatever the spread
    if rate < 1:
        spread = staff_multiplier(
            role.absence_cv, stream(seed, replication, "absence_propensity", *key)
        )
        rate = min(1.0, rate * spread)
    starts = stream(seed, replication, "absence", *key).random(n_days) < rate
    episodes = scenario.absences
    lengths = 1 + stream(seed, replication, "episode", *key).poisson(
        episodes.mean_extra_days, n_days
    )
    lengths = np.minimum(lengths, episodes.max_days)
    day = 0
    for start in np.flatnonzero(starts):
        if start < day:
            continue  # already inside an episode
        day = start + lengths[start]
        absent[start:day] = True
    return absent


def _vacancy(
    scenario: Scenario, role: Role, key: tuple, n_days: int, seed: int, replication: int
) -> np.ndarray:
    vacant = np.zeros(n_days, dtype=bool)
    if role.attrition_rate <= 0:
        return vacant
    rng = stream(seed, replication, "attrition", *key)
    leaves, when = rng.random(2)
    if leaves < role.attrition_rate:
        start = int(when * n_days)
        vacant[start : start + scenario.coverage.hiring_delay_days] = True
    return vacant
