"""What one school holds during a run: its adults and students, and everything it accumulates."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

import numpy as np

from simulate.engine.calendar import Days
from simulate.engine.ledger import Ledger
from simulate.engine.roster import Adult, Students, build_adults, build_students
from simulate.schema.model import CoachingPlan, Scenario, School

if TYPE_CHECKING:
    import simpy as _simpy

    from simulate.engine.small_groups import TierRules


class Run(Protocol):
    """What a sub-model reads of the run it belongs to: the scenario and today."""

    scenario: Scenario
    days: Days
    env: _simpy.Environment
    day: int  # today's index in the calendar
    school_day: int  # instructional days so far, 0-based

    @property
    def week(self) -> int: ...


@dataclass
class Appointment:
    """A coachee on a coach's list under one plan, with its phase in the observation rhythm."""

    plan: CoachingPlan
    coachee: int
    phase: float
    due: np.ndarray = field(repr=False)  # observations due on each school day


class Status(StrEnum):
    """Where an adult is on a school day (set each morning by availability)."""

    PRESENT = "present"
    ABSENCE = "absence"
    VACANCY = "vacancy"


@dataclass
class StudentMinutes:
    """Minutes each student received, one array per activity (indexed by student)."""

    instruction: np.ndarray
    small_group: np.ndarray
    online: np.ndarray

    @classmethod
    def zeros(cls, n: int) -> StudentMinutes:
        return cls(np.zeros(n), np.zeros(n), np.zeros(n))

    def columns(self) -> dict[str, np.ndarray]:
        return {
            "instruction": self.instruction,
            "small_group": self.small_group,
            "online": self.online,
        }


@dataclass
class SchoolState:
    """Everything one school accumulates during a run; the sub-models read and write it."""

    number: int
    spec: School
    adults: list[Adult]
    team_rooms: list[list[int]]
    team_shares: list[bool]
    team_specialized: list[bool]
    students: Students
    ledger: Ledger = field(default_factory=Ledger)
    received: StudentMinutes = field(init=False)
    contact: np.ndarray = field(init=False)  # students x adults: minutes together
    small_group_by_role: dict[str, float] = field(init=False)  # student-minutes by leader role
    dosage: np.ndarray = field(init=False)  # weekly small-group target, by student
    tiebreak: np.ndarray = field(init=False)  # a fixed random order of the students
    present: np.ndarray = field(init=False)  # students in school today
    attending: np.ndarray = field(init=False)  # the same as 1.0 / 0.0, to scale minutes
    tiers: TierRules = field(init=False)  # set by Instruction.prepare
    # per adult, per day: status and coverage duty
    status: list[Status] = field(init=False)
    cover_minutes: np.ndarray = field(init=False)  # class minutes each adult covers today
    awaiting_cover: list[Adult] = field(default_factory=list)  # absent, no substitute: cascade
    days_worked: np.ndarray = field(init=False)
    # coaching (see engine.coaching): each coach's book, feedback owed, observations by week
    appointments: dict[int, list[Appointment]] = field(default_factory=dict)
    pending_feedback: dict[int, list[tuple[int, int, CoachingPlan]]] = field(default_factory=dict)
    observed: dict[int, np.ndarray] = field(default_factory=dict)  # coachee -> per week
    # coach -> for each school day, the appointments with observations due (engine.coaching)
    agenda: dict[int, list[list[tuple[Appointment, int]]]] = field(default_factory=dict)
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
    group_pools: dict[int, np.ndarray] = field(default_factory=dict)  # adult -> who it may group
    # students are numbered classroom by classroom and teams hold consecutive classrooms, so
    # a classroom's or a team's students are one slice (a view: cheap to credit)
    room_students: list[slice] = field(init=False)
    team_students: list[slice] = field(init=False)

    def __post_init__(self) -> None:
        n, m = self.students.count, len(self.adults)
        bounds = np.searchsorted(self.students.classroom, np.arange(self.spec.classrooms + 1))
        self.room_students = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        self.team_students = [
            slice(bounds[rooms[0]], bounds[rooms[-1] + 1]) for rooms in self.team_rooms
        ]
        self.received = StudentMinutes.zeros(n)
        # column-major: activities credit one adult's column at a time
        self.contact = np.zeros((n, m), dtype=np.float64, order="F")
        self.small_group_by_role = {}
        self.present = np.ones(n, dtype=bool)
        self.attending = np.ones(n)
        self.status = [Status.PRESENT] * m
        self.cover_minutes = np.zeros(m)
        self.days_worked = np.zeros(m)

    def taught_by(self, adult: Adult) -> tuple[slice, float]:
        """Students a homeroom adult teaches, and the share of its minutes each receives."""
        if self.team_specialized[adult.team]:
            rooms = self.team_rooms[adult.team]
            return self.team_students[adult.team], 1.0 / len(rooms)
        return self.room_students[adult.homeroom], 1.0


def build_schools(scenario: Scenario, days: Days, seed: int, replication: int) -> list[SchoolState]:
    """Every school of the run (copies included), numbered in order: a school's number keys its
    random streams, so the same school gets the same students and absences in every arrangement."""
    schools: list[SchoolState] = []
    for spec in scenario.schools:
        for _ in range(spec.copies):
            number = len(schools)
            adults, rooms = build_adults(scenario, spec, number, days.count, seed, replication)
            students = build_students(spec, number, days, seed, replication)
            shares = [t.shares_students for t in spec.teams for _ in range(t.count)]
            special = [t.specialized for t in spec.teams for _ in range(t.count)]
            schools.append(SchoolState(number, spec, adults, rooms, shares, special, students))
    return schools
