"""Who is in a school: its adults (one per position), its students (as arrays) and its rooms.

A roster is what the modules share and never change. What people do over the year is drawn up
front by the module that owns the rule (absences by engine.modules.availability, vacancies by
engine.modules.attrition, students' absences by engine.modules.attendance) and kept on them, as
Starsim keeps a module's states on its people.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulate.engine.calendar import Days
from simulate.engine.streams import stream
from simulate.engine.timetable import Member, Timetable, build
from simulate.schema.model import Role, Scenario, School

NO_TEAM = -1


@dataclass
class Adult:
    index: int  # position in the school's adult list
    role_name: str
    role: Role
    team: int  # team index, or NO_TEAM for school-wide staff
    homeroom: int  # classroom index, or -1
    needs_cover: bool  # when away, someone must take their place (scenario.coverage.needs_cover)
    key: tuple[int | str, ...]  # identity of the position in its random streams
    absent: np.ndarray = field(repr=False)  # bool per calendar day (set by availability)
    vacant: np.ndarray = field(repr=False)  # bool per calendar day (set by attrition)
    teaches_periods: bool = False  # teaches or tutors sections in a school with a period day

    @property
    def class_goes_on(self) -> bool:
        """When this adult is away, its class is still taught (covered, or recorded as
        uncovered): a homeroom adult, or one who teaches sections, whose absence needs cover."""
        return (self.homeroom >= 0 or self.teaches_periods) and self.needs_cover


@dataclass
class Students:
    """Students as columns: one numpy array per attribute, indexed by student."""

    tier: np.ndarray  # need tier index
    classroom: np.ndarray
    team: np.ndarray
    tiebreak: np.ndarray  # fixed random order for ties when forming groups
    absent: np.ndarray  # calendar days x students (set by attendance): no minutes that day
    # a school with a period day: calendar days x periods x students, the periods a student in
    # school misses anyway (part-day absence, set by attendance); None: none
    skips: np.ndarray | None = None

    @property
    def count(self) -> int:
        return len(self.tier)


@dataclass
class Roster:
    """One school of the run: its number (which keys its random streams), its spec, its people
    and which students sit in which room and team."""

    number: int
    spec: School
    adults: list[Adult]
    team_rooms: list[list[int]]
    team_shares: list[bool]  # the team deals its students to all its adults
    team_specialized: list[bool]  # each teacher teaches every class of the team in turn
    students: Students
    # a school with a period day: its sections and who is where in each period
    timetable: Timetable | None = None
    # students are numbered classroom by classroom and teams hold consecutive classrooms, so
    # a classroom's or a team's students are one slice (a view: cheap to credit); in a school
    # with a period day, classrooms are cohorts and a department holds none (an empty slice)
    room_students: list[slice] = field(init=False)
    team_students: list[slice] = field(init=False)

    def __post_init__(self) -> None:
        bounds = np.searchsorted(self.students.classroom, np.arange(self.spec.classrooms + 1))
        self.room_students = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        self.team_students = [
            slice(bounds[rooms[0]], bounds[rooms[-1] + 1]) if rooms else slice(0, 0)
            for rooms in self.team_rooms
        ]

    def taught_by(self, adult: Adult) -> tuple[slice, float]:
        """Students a homeroom adult teaches, and the share of its minutes each receives."""
        if self.team_specialized[adult.team]:
            rooms = self.team_rooms[adult.team]
            return self.team_students[adult.team], 1.0 / len(rooms)
        return self.room_students[adult.homeroom], 1.0

    def co_taught_rooms(self, adult: Adult, school_days: np.ndarray) -> np.ndarray:
        """The classroom a co-teacher (no class of its own) joins on each of `school_days`: its
        team's (or the school's) rooms in turn, one a day."""
        team = adult.team
        rooms = self.team_rooms[team] if team != NO_TEAM else range(self.spec.classrooms)
        return np.asarray(rooms)[school_days % len(rooms)]


def build_rosters(scenario: Scenario, days: Days, seed: int, replication: int) -> list[Roster]:
    """Every school of the run (copies included), numbered in order: a school's number keys its
    random streams, so the same school gets the same students and absences in every arrangement."""
    rosters: list[Roster] = []
    for spec in scenario.schools:
        for _ in range(spec.copies):
            number = len(rosters)
            adults, rooms = build_adults(scenario, spec, number, days.count)
            students = build_students(spec, number, days, seed, replication)
            shares = [t.shares_students for t in spec.teams for _ in range(t.count)]
            special = [t.specialized for t in spec.teams for _ in range(t.count)]
            table = None
            if spec.periods is not None:
                members = [
                    Member(a.index, a.team, dict(a.role.periods), a.role.is_teacher) for a in adults
                ]
                table = build(spec, members, students.tier, students.team)
            rosters.append(Roster(number, spec, adults, rooms, shares, special, students, table))
    return rosters


def build_students(
    school: School, number: int, days: Days, seed: int, replication: int
) -> Students:
    """Draw students with the students stream of this school number (same across arrangements)."""
    n = school.enrollment
    rng = stream(seed, replication, "students", number)
    shares = np.cumsum([t.share for t in school.need_tiers])
    tier = np.minimum(np.searchsorted(shares, rng.random(n), side="right"), len(shares) - 1)
    tiebreak = rng.random(n)
    classroom, team = classrooms_and_teams(school)
    absent = np.zeros((days.count, n), dtype=bool)
    return Students(tier.astype(np.int16), classroom, team, tiebreak, absent)


def classrooms_and_teams(school: School) -> tuple[np.ndarray, np.ndarray]:
    """Each student's classroom (numbered classroom by classroom, as evenly as they go) and
    team (NO_TEAM for a cohort no team block shares, in a school with a period day)."""
    n = school.enrollment
    classroom = (np.arange(n) * school.classrooms) // max(n, 1)
    team_of_room = np.repeat(
        np.arange(sum(t.count for t in school.teams)),
        [t.classrooms for t in school.teams for _ in range(t.count)],
    )
    team_of_room = np.r_[team_of_room, np.full(school.classrooms - team_of_room.size, NO_TEAM)]
    return classroom, team_of_room[classroom]


def build_adults(
    scenario: Scenario, school: School, number: int, n_days: int
) -> tuple[list[Adult], list[list[int]]]:
    """Adults of one school, and the classrooms of each team."""
    adults: list[Adult] = []
    slots: dict[str, int] = {}
    team_rooms: list[list[int]] = []
    room = 0
    team_index = 0
    cover = scenario.coverage.needs_cover

    def add(role_name: str, team: int, homeroom: int) -> None:
        role = scenario.roles[role_name]
        slot = slots.get(role_name, 0)
        slots[role_name] = slot + 1
        # Whoever holds classroom c draws the same absences in every arrangement (common random
        # numbers); other adults are keyed by role and slot.
        key = (number, "homeroom", homeroom) if homeroom >= 0 else (number, role_name, slot)
        needs_cover = role_name in cover if cover else role.homeroom
        never = np.zeros(n_days, dtype=bool)
        teaches = school.periods is not None and bool(
            role.periods.get("instruction", 0) or role.periods.get("small_group", 0)
        )
        adults.append(
            Adult(
                len(adults),
                role_name,
                role,
                team,
                homeroom,
                needs_cover,
                key,
                never,
                never,
                teaches,
            )
        )

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
