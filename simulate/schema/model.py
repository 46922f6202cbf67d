"""The scenario format: one typed schema that expresses every staffing arrangement.

A scenario is plain YAML validated into these models. Arrangements differ only in data
(roles, teams, plans), never in code. See scenarios/ for annotated examples.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulate.schema.errors import FieldError, suggest

ACTIVITIES = ("instruction", "small_group", "coaching", "planning", "collaboration", "supervision")
Activity = Literal[
    "instruction", "small_group", "coaching", "planning", "collaboration", "supervision"
]
Duty = Literal[
    "instruction", "small_group", "coaching", "planning", "collaboration", "supervision", "coverage"
]

Share = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0)]
Minutes = Annotated[int, Field(ge=0, le=1440)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class Strict(BaseModel):
    """Base for every section: unknown fields are errors (typos must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RampStep(Strict):
    """From `from_week` on, the role may take these duties (residents ramp up over the year)."""

    from_week: Annotated[int, Field(ge=1)]
    duties: list[Duty]


class Role(Strict):
    title: str = ""
    salary: Money = Decimal(0)  # annual base salary per position
    supplement: Money = Decimal(0)  # annual supplement (e.g. MCL) on top of base
    stipend: Money = Decimal(0)  # residency stipend per position (no benefits)
    hourly_wage: Money | None = None  # hourly staff are paid for hours on site
    hours_per_day: Annotated[float, Field(ge=0, le=24)] = 0.0
    benefits_rate: Share | None = None  # overrides budget.benefits_rate for this role
    schedule: dict[Activity, Minutes] = Field(default_factory=dict)  # minutes per school day
    group_size: Annotated[int, Field(ge=0, le=40)] = 0  # most students in one small group
    homeroom: bool = False  # holds a classroom of its own
    leads_team: bool = False  # a teacher-leader: students on the team count towards reach
    is_teacher: bool = False  # counts as a teacher in per-teacher metrics
    absence_rate: Share = 0.0  # chance per school day that an absence episode starts
    # people differ: each holder's rate is absence_rate x a gamma draw of mean 1 and this
    # coefficient of variation (0: everyone alike); long absences come from the heavy tail
    absence_cv: Annotated[float, Field(ge=0, le=5)] = 0.0
    attrition_rate: Share = 0.0  # chance per year that the holder leaves mid-year
    ramp: list[RampStep] = Field(default_factory=list)

    def duties_in_week(self, week: int) -> frozenset[str]:
        """Duties allowed in a (1-based) week; without a ramp every duty is allowed."""
        if not self.ramp:
            return frozenset((*ACTIVITIES, "coverage"))
        allowed: frozenset[str] = frozenset()
        for step in sorted(self.ramp, key=lambda s: s.from_week):
            if step.from_week <= week:
                allowed = frozenset(step.duties)
        return allowed


class NeedTier(Strict):
    name: Name
    share: Share
    dosage_minutes_per_week: Minutes = 0  # small-group target per student
    group_size: Annotated[int, Field(ge=1, le=40)] = 5  # most students of this tier per session
    session_minutes: Annotated[int, Field(ge=1, le=240)] | None = None  # None: small_groups'
    max_sessions_per_day: Annotated[int, Field(ge=1, le=10)] | None = None  # None: small_groups'


class Attendance(Strict):
    """Students miss days: each student's absence rate is drawn from a beta distribution with
    this mean, spread so that `chronic_share` of students miss 10% or more of the school days."""

    absence_rate: Annotated[float, Field(ge=0, le=0.5)] = 0.0  # mean share of days missed
    chronic_share: Share = 0.0  # share of students missing >= 10% of days (chronic absence)


class Station(Strict):
    kind: Literal["small_group", "online", "collaborative", "whole_group"]
    minutes: Annotated[int, Field(ge=1, le=240)]


class Rotation(Strict):
    """Station rotation blocks; classrooms in different waves rotate at different times."""

    blocks_per_day: Annotated[int, Field(ge=0, le=10)] = 1
    stations: list[Station] = Field(min_length=1)
    waves: Annotated[int, Field(ge=1, le=20)] = 1

    @model_validator(mode="after")
    def _fits_in_a_day(self) -> Rotation:
        """Waves rotate one after another, so all of them must fit in one day."""
        minutes = self.blocks_per_day * self.waves * len(self.stations)
        minutes *= max(s.minutes for s in self.stations)
        if minutes > 1440:
            raise ValueError(
                f"blocks_per_day x waves x stations x station minutes is {minutes} minutes, "
                "more than a day (1440)"
            )
        return self


class Team(Strict):
    name: Name
    count: Count = 1  # how many teams of this shape
    classrooms: Annotated[int, Field(ge=1, le=20)] = 1  # classrooms per team
    members: dict[str, Count]  # role -> positions per team
    # True: any adult of the team may take any of its students into a small group (regrouping
    # across the team, as MCL teams do); False: a homeroom adult groups only its own class.
    shares_students: bool = True
    # True: homeroom teachers each teach every classroom of the team in turn (elementary subject
    # specialization); False: each teaches her own class.
    specialized: bool = False


class School(Strict):
    name: Name = "School"
    copies: Annotated[int, Field(ge=1, le=1000)] = 1  # identical schools (district runs)
    grades: list[str] = Field(default_factory=lambda: ["K", "1", "2", "3", "4", "5"])
    enrollment: Annotated[int, Field(ge=0, le=100_000)]
    classrooms: Annotated[int, Field(ge=1, le=2_000)]
    need_tiers: list[NeedTier] = Field(min_length=1)
    teams: list[Team] = Field(min_length=1)
    staff: dict[str, Count] = Field(default_factory=dict)  # positions not on a team
    devices: Count | None = None  # shared online-station devices; None = one per student
    rotation: Rotation | None = None
    attendance: Attendance = Attendance()

    @model_validator(mode="after")
    def _consistent(self) -> School:
        total = sum(t.share for t in self.need_tiers)
        if abs(total - 1.0) > 1e-6:
            raise FieldError(
                ("need_tiers",),
                f"shares add up to {total:g}, they must add up to 1",
                "shares between 0 and 1 that sum to 1",
            )
        names = [t.name for t in self.need_tiers]
        if len(set(names)) != len(names):
            raise FieldError(("need_tiers",), "names must be unique")
        rooms = sum(t.count * t.classrooms for t in self.teams)
        if rooms != self.classrooms:
            raise FieldError(
                ("teams",),
                f"teams hold {rooms} classrooms (count x classrooms) but the school has "
                f"{self.classrooms}; they must be equal",
            )
        online = self.rotation is not None and any(
            s.kind == "online" for s in self.rotation.stations
        )
        if self.devices is not None and not online:
            raise FieldError(
                ("devices",),
                "is set but no online station uses devices, so it would be silently ignored",
                "leave devices out, or add a rotation with an online station",
            )
        return self


class TestingWindow(Strict):
    start_day: Count  # 0-based school day
    days: Annotated[int, Field(ge=1, le=60)]
    cancels: list[Literal["small_group", "coaching"]] = Field(
        default_factory=lambda: ["small_group", "coaching"]
    )


class Calendar(Strict):
    school_days: Annotated[int, Field(ge=1, le=260)] = 180
    days_per_week: Annotated[int, Field(ge=1, le=7)] = 5
    non_instructional_days: list[Count] = Field(default_factory=list)  # PD days, holidays
    testing_windows: list[TestingWindow] = Field(default_factory=list)
    closure_rate: Share = 0.0  # chance per school day of an unplanned closure (weather)

    @model_validator(mode="after")
    def _in_range(self) -> Calendar:
        for k, day in enumerate(self.non_instructional_days):
            if day >= self.school_days:
                raise FieldError(
                    ("non_instructional_days", k),
                    f"day {day} is past the end of the year",
                    f"days 0..{self.school_days - 1}",
                )
        if len(set(self.non_instructional_days)) >= self.school_days:
            raise FieldError(
                ("non_instructional_days",),
                "every day is non-instructional; the calendar is empty",
                "at least one instructional day",
            )
        for k, w in enumerate(self.testing_windows):
            if w.start_day + w.days > self.school_days:
                raise FieldError(
                    ("testing_windows", k),
                    f"testing window from day {w.start_day} for {w.days} days runs past "
                    f"day {self.school_days - 1}",
                )
        return self


class AbsenceEpisodes(Strict):
    """Length of an absence episode in days: 1 + Poisson(mean_extra_days), at most max_days."""

    mean_extra_days: Annotated[float, Field(ge=0, le=30)] = 0.0
    max_days: Annotated[int, Field(ge=1, le=60)] = 10


class Substitutes(Strict):
    per_day: Count = 0  # substitutes the district pool can place per day (all schools)
    daily_rate: Money = Decimal(0)
    long_term_daily_rate: Money = Decimal(0)
    fill_priority: list[str] = Field(default_factory=list)  # roles that get subs, in order


class Coverage(Strict):
    """Who covers an unfilled absence, in order; 'split' spreads the class across the team."""

    needs_cover: list[str] = Field(default_factory=list)  # roles whose absence needs cover
    cascade: list[str] = Field(default_factory=list)
    vacancy_cover: Literal["long_term_substitute", "cascade"] = "long_term_substitute"
    hiring_delay_days: Annotated[int, Field(ge=0, le=260)] = 30


class CoachingPlan(Strict):
    coach: str
    coachees: list[str] = Field(min_length=1)
    scope: Literal["team", "school"] = "team"
    observations_per_week: Annotated[float, Field(ge=0, le=10)]
    observation_minutes: Annotated[int, Field(ge=1, le=240)] = 15
    feedback_minutes: Annotated[int, Field(ge=0, le=240)] = 10
    feedback_window_days: Annotated[int, Field(ge=0, le=60)] = 2


class SmallGroups(Strict):
    session_minutes: Annotated[int, Field(ge=1, le=240)] = 20
    regroup_every_days: Annotated[int, Field(ge=1, le=260)] = 10
    max_sessions_per_student_per_day: Annotated[int, Field(ge=1, le=10)] = 2


class Relationships(Strict):
    contact_threshold_minutes: Annotated[int, Field(ge=1)] = 600  # per year, to "know" a student


class OneOff(Strict):
    name: Name
    amount: Money
    year: Annotated[int, Field(ge=1, le=50)] = 1
    category: Name = "one-off"


class Funding(Strict):
    name: Name
    kind: Literal["recurring", "grant"] = "recurring"
    amount: Money = Decimal(0)  # per year
    per_pupil: Money = Decimal(0)  # per enrolled student per year
    start_year: Annotated[int, Field(ge=1, le=50)] = 1
    end_year: Annotated[int, Field(ge=1, le=50)] | None = None  # last year it pays

    @model_validator(mode="after")
    def _years_in_order(self) -> Funding:
        if self.end_year is not None and self.end_year < self.start_year:
            raise FieldError(
                ("end_year",),
                f"is {self.end_year}, before start_year {self.start_year}",
                f"a year from {self.start_year} on, or leave it out for no end",
            )
        return self


class Devices(Strict):
    unit_cost: Money = Decimal(0)
    life_years: Annotated[int, Field(ge=1, le=20)] = 4


class Projection(Strict):
    years: Annotated[int, Field(ge=1, le=30)] = 5
    salary_growth: Annotated[float, Field(ge=-0.5, le=1)] = 0.0
    enrollment_change: Annotated[float, Field(ge=-0.5, le=1)] = 0.0
    revenue_growth: Annotated[float, Field(ge=-0.5, le=1)] = 0.0


class Budget(Strict):
    benefits_rate: Share = 0.0
    devices: Devices = Devices()
    software_per_student: Money = Decimal(0)
    one_off: list[OneOff] = Field(default_factory=list)
    funding: list[Funding] = Field(default_factory=list)
    projection: Projection = Projection()


class Scenario(Strict):
    name: Name
    description: str = ""
    calendar: Calendar = Calendar()
    roles: dict[str, Role] = Field(min_length=1)
    schools: list[School] = Field(min_length=1)
    coaching: list[CoachingPlan] = Field(default_factory=list)
    small_groups: SmallGroups = SmallGroups()
    relationships: Relationships = Relationships()
    absences: AbsenceEpisodes = AbsenceEpisodes()
    substitutes: Substitutes = Substitutes()
    coverage: Coverage = Coverage()
    budget: Budget = Budget()

    @model_validator(mode="after")
    def _roles_exist(self) -> Scenario:
        known = set(self.roles)

        def check(role: str, loc: tuple[str | int, ...], extra: tuple[str, ...] = ()) -> None:
            if role not in known and role not in extra:
                choices = sorted(known | set(extra))
                raise FieldError(
                    loc,
                    f"names role '{role}', which is not in roles" + suggest(role, choices),
                    ", ".join(choices),
                )

        for i, school in enumerate(self.schools):
            for j, team in enumerate(school.teams):
                for role in team.members:
                    check(role, ("schools", i, "teams", j, "members", role))
                homerooms = sum(n for r, n in team.members.items() if self.roles[r].homeroom)
                if homerooms < team.classrooms:
                    raise FieldError(
                        ("schools", i, "teams", j),
                        f"team '{team.name}' has {team.classrooms} classrooms but only "
                        f"{homerooms} positions with homeroom: true to hold them",
                        "at least one homeroom position per classroom",
                    )
            for role in school.staff:
                check(role, ("schools", i, "staff", role))
        for i, plan in enumerate(self.coaching):
            check(plan.coach, ("coaching", i, "coach"))
            for k, role in enumerate(plan.coachees):
                check(role, ("coaching", i, "coachees", k))
        for k, role in enumerate(self.coverage.cascade):
            check(role, ("coverage", "cascade", k), ("split",))
        for k, role in enumerate(self.coverage.needs_cover):
            check(role, ("coverage", "needs_cover", k))
        for k, role in enumerate(self.substitutes.fill_priority):
            check(role, ("substitutes", "fill_priority", k))
        for name, role in self.roles.items():
            used = sum(role.schedule.values())
            if used > 1440:
                raise FieldError(
                    ("roles", name, "schedule"),
                    f"adds up to {used} minutes, more than a day",
                    "at most 1440 minutes in all",
                )
            if role.schedule.get("small_group", 0) and role.group_size == 0:
                raise FieldError(
                    ("roles", name, "group_size"),
                    "is 0 but the role has small_group minutes; set group_size >= 1",
                    "1 to 40",
                )
        for i, plan in enumerate(self.coaching):
            if not self.roles[plan.coach].schedule.get("coaching", 0):
                raise FieldError(
                    ("coaching", i, "coach"),
                    f"is '{plan.coach}', whose schedule has no coaching minutes; "
                    "give the role coaching minutes",
                )
        for i, school in enumerate(self.schools):
            _check_attendance(school.attendance, ("schools", i, "attendance"))
        return self

    @property
    def enrollment(self) -> int:
        return sum(s.enrollment * s.copies for s in self.schools)


def _check_attendance(attendance: Attendance, loc: tuple[str | int, ...]) -> None:
    """The chronic-absence share must be one a beta spread of the mean rate can give."""
    from simulate.engine.attendance import YEAR, beta_concentration, chronic_range

    mean, share = attendance.absence_rate, attendance.chronic_share
    if mean == 0:
        if share:
            raise FieldError(
                (*loc, "chronic_share"),
                f"is {share:g} but absence_rate is 0: nobody misses a day",
                "0, or set absence_rate",
            )
        return
    if beta_concentration(round(mean, 12), round(share, 12), YEAR) is None:
        low, high = chronic_range(round(mean, 12), YEAR)
        raise FieldError(
            (*loc, "chronic_share"),
            f"is {share:g}, which no spread of a mean absence rate of {mean:g} over a "
            f"{YEAR}-day year gives",
            f"{low:.3f} to {high:.3f} at this absence_rate; raise absence_rate for a higher "
            "chronic share",
        )
