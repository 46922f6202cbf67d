"""The scenario format: one typed schema that expresses every staffing arrangement.

A scenario is plain YAML validated into these models. Arrangements differ only in data
(roles, teams, plans), never in code. See scenarios/ for annotated examples.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from simulate.schema import limits
from simulate.schema.errors import FieldError, raise_all, suggest
from simulate.schema.text import money_text, one_line, paragraphs

ACTIVITIES = ("instruction", "small_group", "coaching", "planning", "collaboration", "supervision")
Activity = Literal[
    "instruction", "small_group", "coaching", "planning", "collaboration", "supervision"
]
Duty = Literal[
    "instruction", "small_group", "coaching", "planning", "collaboration", "supervision", "coverage"
]
EVERY_DUTY = frozenset((*ACTIVITIES, "coverage"))

Share = Annotated[float, Field(ge=0, le=1)]
# The cost categories of budget line items (simulate.budget.items), besides those one-off costs
# name: what a grant's pays_for may name besides roles.
COST_CATEGORIES = (
    "personnel",
    "benefits",
    "hourly",
    "residency",
    "turnover",
    "substitutes",
    "devices",
    "software",
)
# SF-424A object classes (Budget Information, Non-Construction Programs, section B line 6)
ObjectClass = Literal[
    "personnel",
    "fringe_benefits",
    "travel",
    "equipment",
    "supplies",
    "contractual",
    "construction",
    "other",
]
Count = Annotated[int, Field(ge=0)]
Minutes = Annotated[int, Field(ge=0, le=1440)]
# `$58,000` typed anywhere (a file, --set, a form) is 58000 (simulate.schema.text.money_text).
Money = Annotated[
    Decimal, Field(ge=0, max_digits=14, decimal_places=2), BeforeValidator(money_text)
]
# User text: shown in tables, workbooks, reports and on terminals, so control characters (an
# escape sequence, a NUL) are refused here rather than failing a writer after the simulation.
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(one_line)]
Label = Annotated[str, Field(max_length=200), AfterValidator(one_line)]
Text = Annotated[str, Field(max_length=limits.MAX_TEXT_CHARS), AfterValidator(paragraphs)]
Citation = Annotated[str, Field(max_length=1000), AfterValidator(one_line)]
# Fields the engine never reads: changing one changes prices (or labels), not the simulated year.
# Goal-seek reuses the simulated year for them (simulate.schema.paths.is_cost_only).
COST_ONLY: dict[str, Any] = {"cost_only": True}


class Strict(BaseModel):
    """Base for every section: unknown fields are errors (typos must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RampStep(Strict):
    """From `from_week` on, the role may take these duties (residents ramp up over the year)."""

    from_week: Annotated[int, Field(ge=1)] = Field(
        description="First instructional week (1-based) from which these duties apply"
    )
    duties: list[Duty] = Field(
        description="Duties the role may take from that week on (activities, or coverage)"
    )


class PayStep(Strict):
    """One step and lane of a district's salary schedule, with the staff paid on it."""

    step: Annotated[int, Field(ge=0, le=60)] = Field(
        description="Step on the schedule (usually years of service)"
    )
    lane: Label = Field(
        "", description="Lane of the schedule (e.g. BA, MA, MA+30); blank for a single lane"
    )
    salary: Money = Field(description="Annual salary at this step and lane, in dollars")
    staff: Annotated[float, Field(ge=0, le=100_000)] = Field(
        description="How many of the role's staff are paid at this step and lane (a count "
        "or a share: only the proportions matter)"
    )


class Role(Strict):
    """A kind of position: its pay, its day, what it may do and how often its holder is away."""

    title: Label = Field(
        "",
        description="Name shown in tables and reports; the role's key when left out",
        json_schema_extra=COST_ONLY,
    )
    salary: Money = Field(
        Decimal(0),
        description="Annual base salary per position, in dollars",
        json_schema_extra=COST_ONLY,
    )
    salary_schedule: list[PayStep] = Field(
        default_factory=list,
        description="The district's salary schedule for this role, steps and lanes with the "
        "staff on each: the role's salary is then their average, weighted by staff (leave "
        "salary out)",
        json_schema_extra=COST_ONLY,
    )
    supplement: Money = Field(
        Decimal(0),
        description="Annual supplement per position on top of its base pay, salary or hourly "
        "wages (e.g. for a multi-classroom leader or a reach associate), in dollars",
        json_schema_extra=COST_ONLY,
    )
    stipend: Money = Field(
        Decimal(0),
        description="Annual residency stipend per position, in dollars; carries benefits only "
        "with stipend_benefits: true",
        json_schema_extra=COST_ONLY,
    )
    stipend_benefits: bool = Field(
        False,
        description="True where the programme pays benefits on the stipend (some paid "
        "residencies pay residents full benefits)",
        json_schema_extra=COST_ONLY,
    )
    hourly_wage: Money | None = Field(
        None,
        description="Pay per hour, in dollars, for staff paid for the hours they are on site "
        "(days worked x hours_per_day); leave out for salaried roles",
        json_schema_extra=COST_ONLY,
    )
    hours_per_day: Annotated[float, Field(ge=0, le=24)] = Field(
        0.0,
        description="Paid hours per day worked, for hourly staff",
        json_schema_extra=COST_ONLY,
    )
    benefits_rate: Share | None = Field(
        None,
        description="Benefits as a share of pay for this role (0.25 = 25%); overrides "
        "budget.benefits_rate",
        json_schema_extra=COST_ONLY,
    )
    schedule: dict[Activity, Minutes] = Field(
        default_factory=dict,
        description="Minutes per school day planned for each activity; an activity left out "
        "gets none",
    )
    group_size: Annotated[int, Field(ge=0, le=40)] = Field(
        0,
        description="Most students in one small group this role leads (0: no small groups)",
        title="Largest small group",
    )
    homeroom: bool = Field(
        False,
        description="Holds a classroom of its own; a team needs one such position per classroom",
    )
    leads_team: bool = Field(
        False,
        description="A teacher-leader: students on the team count towards the reach of "
        "excellent teachers",
    )
    is_teacher: bool = Field(
        False,
        description="Counts as a teacher in per-teacher metrics and in the average teacher cost",
    )
    absence_rate: Share = Field(
        0.0, description="Chance per school day that an absence episode starts (0 to 1)"
    )
    absence_cv: Annotated[float, Field(ge=0, le=5)] = Field(
        0.0,
        description="How much holders of the role differ in absence: each holder's rate is "
        "absence_rate times a gamma draw of mean 1 and this coefficient of variation (0: "
        "everyone alike); a few people with long absences carry much of the total",
        title="Spread of absence between people",
    )
    attrition_rate: Share = Field(
        0.0,
        description="Chance per year that the holder leaves mid-year, leaving a vacancy (0 to 1); "
        "the position's pay stops while it is vacant",
        title="Mid-year leaving rate",
    )
    turnover_rate: Share = Field(
        0.0,
        description="Share of positions whose holder leaves at the end of each year, on top of "
        "the mid-year leavers of attrition_rate (0 to 1); each leaver costs replacement_cost",
        json_schema_extra=COST_ONLY,
        title="End-of-year turnover rate",
    )
    replacement_cost: Money = Field(
        Decimal(0),
        description="Cost of replacing one leaver (separation, recruiting, hiring and "
        "training), in dollars; paid for mid-year and end-of-year leavers alike",
        json_schema_extra=COST_ONLY,
    )
    ramp: list[RampStep] = Field(
        default_factory=list,
        description="Duties allowed from which week (residents ramp up over the year); "
        "empty: every duty from the first day",
    )
    periods: dict[Activity, Annotated[int, Field(ge=0, le=12)]] = Field(
        default_factory=dict,
        description="In a school with a period day (middle and high schools): periods per day "
        "for each activity, e.g. instruction 5 and planning 2 for a teacher who teaches 5 of 7 "
        "periods. A teacher's instruction periods teach sections of its team's courses (a "
        "non-teacher's join the team's sections in support: reach extension); small_group "
        "periods teach tutoring sections; the others are its own (planning, coaching, ...)",
    )

    @model_validator(mode="after")
    def _one_salary(self) -> Role:
        """A salary or a salary schedule, not both; a schedule with its staff on it."""
        if not self.salary_schedule:
            return self
        if self.salary:
            raise FieldError(
                ("salary",),
                f"is {self.salary} and the role has a salary_schedule too",
                "one of them: leave salary out (0) to pay the schedule's average",
            )
        if not any(step.staff for step in self.salary_schedule):
            raise FieldError(
                ("salary_schedule",),
                "has no staff on any step, so it has no average salary",
                "the staff paid at each step and lane",
            )
        cells = [(step.step, step.lane) for step in self.salary_schedule]
        for k, cell in enumerate(cells):
            if cell in cells[:k]:
                raise FieldError(
                    ("salary_schedule", k),
                    f"step {cell[0]}{f', lane {cell[1]}' if cell[1] else ''} is given twice",
                    "each step and lane once",
                )
        return self

    def duties_in_week(self, week: int) -> frozenset[str]:
        """Duties allowed in a (1-based) week; without a ramp every duty is allowed."""
        allowed = EVERY_DUTY if not self.ramp else frozenset()
        for step in self._ramp_in_order:
            if step.from_week <= week:
                allowed = frozenset(step.duties)
        return allowed

    @cached_property
    def _ramp_in_order(self) -> tuple[RampStep, ...]:
        return tuple(sorted(self.ramp, key=lambda s: s.from_week))


class NeedTier(Strict):
    """Students grouped by need, with their small-group target."""

    name: Name = Field(
        description="Name of the tier (e.g. core, strategic, intensive); tiers are matched by "
        "name across schools"
    )
    share: Share = Field(
        description="Share of the school's students in this tier (0 to 1)",
        title="Share of students",
    )
    dosage_minutes_per_week: Minutes = Field(
        0,
        title="Weekly small-group target",
        description="Small-group minutes per student per week this tier should receive",
    )
    group_size: Annotated[int, Field(ge=1, le=40)] = Field(
        5,
        description="Most students of this tier in one small-group session (intensive support "
        "is usually 1-3, strategic 3-5); a role's group_size caps it further",
        title="Largest group",
    )
    session_minutes: Annotated[int, Field(ge=1, le=240)] | None = Field(
        None,
        description="Length of one small-group session for this tier, in minutes; leave out "
        "for small_groups.session_minutes",
        title="Session length",
    )
    max_sessions_per_day: Annotated[int, Field(ge=1, le=10)] | None = Field(
        None,
        description="Most small-group sessions a student of this tier attends a day, with one "
        "adult or several; leave out for small_groups.max_sessions_per_student_per_day",
        title="Most sessions a day",
    )


class Attendance(Strict):
    """Students miss days: each student's daily absence rate is drawn from the one logit-normal
    spread that gives both public shares over a 180-day year, those missing 10% or more of the
    days (chronic absence) and those missing 20% or more (severe chronic absence), as report
    cards publish them (schema/absence.py). The mean days missed follows from the two."""

    chronic_share: Share = Field(
        0.0,
        description="Share of students chronically absent: missing 10% or more of a 180-day "
        "year (0 to 1; 0 with the share severely absent 0: students are never absent)",
        title="Share chronically absent",
    )
    severe_share: Share = Field(
        0.0,
        description="Share of students severely chronically absent: missing 20% or more of a "
        "180-day year (0 to 1, below the share chronically absent); an absent student gets no "
        "minutes that day",
        title="Share severely absent",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_mean(cls, data: Any) -> Any:
        if isinstance(data, dict) and "absence_rate" in data:
            raise FieldError(
                ("absence_rate",),
                "is no longer an input: the spread of student absence is fitted to two shares "
                "report cards publish, chronic_share (10% or more of days missed) and "
                "severe_share (20% or more), and the mean days missed follows from them",
                "chronic_share and severe_share (e.g. 0.20 and 0.059: a Massachusetts "
                "elementary school with 20.1% chronically absent had 5.9% severely absent in "
                "2023-24)",
            )
        return data


class Station(Strict):
    """One station of a rotation."""

    kind: Literal["small_group", "online", "collaborative", "whole_group"] = Field(
        description="What students do there: a teacher-led small group, online self-paced "
        "work (one device per student), collaborative work, or whole-group teaching"
    )
    minutes: Annotated[int, Field(ge=1, le=240)] = Field(
        description="Length of the station, in minutes"
    )


class Rotation(Strict):
    """Station rotation blocks; classrooms in different waves rotate at different times."""

    blocks_per_day: Annotated[int, Field(ge=0, le=10)] = Field(
        1, description="Rotation blocks per school day"
    )
    stations: list[Station] = Field(
        min_length=1, description="Stations every classroom rotates through in a block, in order"
    )
    waves: Annotated[int, Field(ge=1, le=20)] = Field(
        1,
        description="Groups of classrooms that rotate one after another (classroom k rotates "
        "in wave k mod waves)",
    )

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


class Course(Strict):
    """A course of a school with a period day: who takes it, who teaches it and how large its
    sections may be."""

    name: Name = Field(description="Name of the course (e.g. Math 7, English 9, Tutoring)")
    team: Name = Field(
        description="The team whose members teach it (a department, an MCL team, a team block); "
        "by the team's name"
    )
    grades: list[Name] = Field(
        default_factory=list,
        description="Grades whose students take it; leave out for every grade of the school",
    )
    tiers: list[Name] = Field(
        default_factory=list,
        description="Need tiers whose students take it (tutoring for the students furthest "
        "behind, an elective for the others); leave out for every tier",
    )
    class_size_cap: Annotated[int, Field(ge=1, le=60)] = Field(
        description="Most students in one section: the course needs enrollment / cap "
        "sections, rounded up, in each period it meets"
    )
    tutoring: bool = Field(
        False,
        description="A tutoring period: its sections meet in the teachers' small_group periods "
        "and count as small-group (tutoring) time, e.g. two students per tutor (Saga)",
    )


class PeriodDay(Strict):
    """The day of a middle or high school: periods, courses and sections, and who covers a
    period whose teacher is away."""

    level: Literal["middle", "high"] = Field(
        description="Middle or high school (class sizes are reported by level)"
    )
    periods_per_day: Annotated[int, Field(ge=1, le=12)] = Field(
        7, description="Class periods in a school day (a 4x4 block: 4)"
    )
    period_minutes: Annotated[int, Field(ge=10, le=240)] = Field(
        50, description="Minutes of one class period"
    )
    terms: Literal[1, 2] = Field(
        1,
        description="Terms of the year: 1, each course meets every day all year; 2, each "
        "course meets every day for one term (a 4x4 block: four 90-minute courses a term)",
    )
    courses: list[Course] = Field(
        min_length=1,
        description="The courses students take, in the order of a student's day: each student "
        "takes every course of its grade and tier",
    )
    cover_periods_per_week: Annotated[int, Field(ge=0, le=40)] = Field(
        2,
        description="Most periods a week a teacher covers an absent colleague's class in its "
        "own planning periods (0: teachers never cover)",
    )
    class_absence_rates: list[Share] = Field(
        default_factory=list,
        description="Per period, the share of that period's classes a student who is in school "
        "misses anyway (part-day absence: skipping, late arrival, early leave); leave out for "
        "none. Part-day absence misses as many classes as full-day absence in secondary "
        "schools (Whitney & Liu 2017), most in the first and last periods",
    )


class Team(Strict):
    """Adults who share a set of classrooms: a grade-level team, or an MCL's team."""

    name: Name = Field(description="Name of the team (e.g. grade-level team, MCL team)")
    count: Count = Field(
        1, description="How many teams of this shape the school has", title="Teams"
    )
    classrooms: Annotated[int, Field(ge=0, le=20)] = Field(
        1,
        description="Classrooms per team (at least 1); in a school with a period day, the "
        "cohorts whose students the team shares as a block (a team block: 1; a department: 0)",
        title="Classrooms per team",
    )
    members: dict[Name, Count] = Field(description="Positions per team, by role name")
    shares_students: bool = Field(
        True,
        description="True: any adult of the team may take any of its students into a small "
        "group (regrouping across the team, as MCL teams do); false: a homeroom adult groups "
        "only its own class",
    )
    specialized: bool = Field(
        False,
        description="True: homeroom teachers each teach every classroom of the team in turn "
        "(elementary subject specialization); false: each teaches her own class",
    )


class School(Strict):
    """One school: its students, classrooms, teams and staff."""

    name: Name = Field("School", description="Name of the school")
    copies: Annotated[int, Field(ge=1, le=limits.MAX_COPIES)] = Field(
        1, description="Identical copies of this school in the run (district runs)"
    )
    grades: list[Name] = Field(
        default_factory=lambda: ["K", "1", "2", "3", "4", "5"],
        description="Grades the school serves",
    )
    enrollment: Annotated[int, Field(ge=0, le=100_000)] = Field(
        description="Students enrolled in one copy of the school"
    )
    classrooms: Annotated[int, Field(ge=1, le=2_000)] = Field(
        description="Homeroom classrooms; the teams must hold exactly this many. In a school "
        "with a period day, its cohorts: each grade's students split evenly into "
        "classrooms / grades groups scheduled alike, the first held by the teams that share "
        "students as a block"
    )
    need_tiers: list[NeedTier] = Field(
        min_length=1, description="Need tiers of the students; their shares add up to 1"
    )
    teams: list[Team] = Field(
        min_length=1,
        description="Teams of adults and classrooms; count x classrooms adds up to the "
        "school's classrooms",
    )
    staff: dict[Name, Count] = Field(
        default_factory=dict,
        description="Positions not on a team, by role name (e.g. building coach, principal)",
    )
    devices: Count | None = Field(
        None,
        description="Devices shared by the online stations; leave out for one per student",
    )
    rotation: Rotation | None = Field(
        None, description="Station rotation blocks; leave out for none"
    )
    attendance: Attendance = Field(
        Attendance(), description="How often students miss school; leave out for never"
    )
    periods: PeriodDay | None = Field(
        None,
        description="The period day of a middle or high school (courses, sections, periods); "
        "leave out for an elementary school with homerooms",
    )

    @model_validator(mode="after")
    def _consistent(self) -> School:
        broken: list[FieldError] = []  # every rule broken, so a form can show them all
        total = sum(t.share for t in self.need_tiers)
        if abs(total - 1.0) > 1e-6:
            broken.append(
                FieldError(
                    ("need_tiers",),
                    f"shares add up to {total:g}, they must add up to 1",
                    "shares between 0 and 1 that sum to 1",
                )
            )
        names = [t.name for t in self.need_tiers]
        if len(set(names)) != len(names):
            broken.append(FieldError(("need_tiers",), "names must be unique"))
        try:
            _check_positions(self)
        except FieldError as err:
            broken.append(err)
        rooms = sum(t.count * t.classrooms for t in self.teams)
        if self.periods is not None:
            raise_all(broken)  # the rules above hold for every school
            _check_period_day(self, rooms)
            return self
        for j, team in enumerate(self.teams):
            if team.classrooms < 1:
                raise FieldError(
                    ("teams", j, "classrooms"),
                    "is 0, but a team of an elementary school holds classrooms",
                    "at least 1 (0 only for a department of a school with a period day)",
                )
        if rooms != self.classrooms:
            broken.append(
                FieldError(
                    ("teams",),
                    f"teams hold {rooms} classrooms (count x classrooms) but the school has "
                    f"{self.classrooms}; they must be equal",
                )
            )
        online = self.rotation is not None and any(
            s.kind == "online" for s in self.rotation.stations
        )
        if self.devices is not None and not online:
            broken.append(
                FieldError(
                    ("devices",),
                    "is set but no online station uses devices, so it would be silently ignored",
                    "leave devices out, or add a rotation with an online station",
                )
            )
        raise_all(broken)
        return self


Cancellable = Literal["small_group", "coaching"]  # what a testing window can cancel
CANCELLABLE: tuple[Cancellable, ...] = ("small_group", "coaching")


class TestingWindow(Strict):
    """School days given to testing, which cancel small groups and coaching."""

    start_day: Count = Field(description="First school day of the window (0-based)")
    days: Annotated[int, Field(ge=1, le=60)] = Field(
        description="Length of the window, in school days"
    )
    cancels: list[Cancellable] = Field(
        default_factory=lambda: list(CANCELLABLE),
        description="Activities the window cancels on its days",
    )


class Drills(Strict):
    """Fire drills and assemblies: days on which every class stops for a while."""

    days: Annotated[int, Field(ge=0, le=60)] = Field(
        0,
        description="School days a year with a fire drill or an assembly that stops every class, "
        "drawn at random for each school (0: none modelled). California requires a fire drill "
        "every month at the elementary level (Education Code 32001; 5 CCR 550): about 10 in a "
        "180-day year",
    )
    minutes: Annotated[int, Field(ge=0, le=240)] = Field(
        15,
        description="Minutes of instruction each one takes from every class [assumption: out, "
        "counted and back in class]",
    )


class Calendar(Strict):
    """The school year: its days, the days without instruction, testing and closures."""

    school_days: Annotated[int, Field(ge=1, le=260)] = Field(
        180, description="School days in the year"
    )
    days_per_week: Annotated[int, Field(ge=1, le=7)] = Field(
        5, description="School days per week (weekly figures are per instructional week)"
    )
    non_instructional_days: list[Count] = Field(
        default_factory=list,
        description="School days (0-based) without instruction: PD days, holidays",
    )
    testing_windows: list[TestingWindow] = Field(
        default_factory=list, description="Testing windows"
    )
    closure_rate: Share = Field(
        0.0, description="Chance per school day of an unplanned closure, e.g. weather (0 to 1)"
    )
    drills: Drills = Field(Drills(), description="Fire drills and assemblies")
    day_minutes: Minutes = Field(
        460,
        description="Minutes in the staff working day (a full-time teacher's contract day); a "
        "role whose schedule is longer draws a warning. Default: full-time public school "
        "teachers are required by contract to work 38.4 hours a week (NCES NTPS 2020-21), "
        "about 460 minutes a day",
        json_schema_extra=COST_ONLY,
        title="Staff working day, in minutes",
    )

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
    """Adults' absence episodes: how long they last (1 + Poisson(mean_extra_days) school days,
    at most max_days) and how much notice the substitute pool gets."""

    mean_extra_days: Annotated[float, Field(ge=0, le=30)] = Field(
        0.0,
        description="Mean school days an absence lasts beyond its first day",
        title="Mean extra days per absence",
    )
    max_days: Annotated[int, Field(ge=1, le=60)] = Field(
        10, description="Longest absence episode, in school days", title="Longest absence, in days"
    )
    known_ahead_share: Share = Field(
        0.0,
        description="Share of absence episodes known in advance (training, planned leave), "
        "posted to the substitute pool before the day; the rest (illness) are reported the "
        "same morning, every day of the episode at once",
        title="Share of absences known ahead",
    )
    mean_notice_days: Annotated[float, Field(ge=1, le=60)] = Field(
        10.0,
        description="Mean school days of notice of an absence known in advance (at least one; "
        "geometric)",
        title="Days of notice",
    )


class Substitutes(Strict):
    """The district's substitute market: a pool of substitutes shared by every school of a run,
    each with the days it will work and the schools and grades it will take, who pick up the
    jobs absences post over time (engine/modules/coverage.py)."""

    pool: Annotated[int, Field(ge=0, le=limits.MAX_SUBSTITUTES)] = Field(
        0,
        description="Substitutes on the district's list, shared by every school of the run",
        title="Substitutes on the list",
    )
    willing_share: Share = Field(
        0.5,
        description="Mean share of school days a substitute on the list is willing to work; "
        "each substitute's own share is drawn around it (beta, concentration 1: many on a "
        "list seldom work)",
        title="Share of days a substitute will work",
    )
    checks_per_day: Annotated[float, Field(ge=0, le=100)] = Field(
        2.0,
        description="How often a substitute looks for jobs each day (answers the system's "
        "call, opens the app): the pace at which posted jobs are taken",
        title="Looks for jobs per day",
    )
    reach: Share = Field(
        1.0,
        description="Share of the district's schools a substitute will travel to, the nearest "
        "first (at least one)",
        title="Share of schools a substitute reaches",
    )
    grades_share: Share = Field(
        1.0,
        description="Chance that a substitute takes jobs in a given grade (each grade drawn "
        "for each substitute)",
        title="Share of grades a substitute takes",
    )
    daily_rate: Money = Field(
        Decimal(0),
        description="Pay per day of a day-to-day substitute, in dollars",
        json_schema_extra=COST_ONLY,
    )
    long_term_daily_rate: Money = Field(
        Decimal(0),
        description="Pay per day of a long-term substitute covering a vacancy, in dollars",
        json_schema_extra=COST_ONLY,
        title="Long-term daily rate",
    )
    fill_priority: list[str] = Field(
        default_factory=list,
        description="Roles whose absences are posted to the substitute pool; a substitute "
        "takes the first listed first",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_daily_count(cls, data: Any) -> Any:
        if isinstance(data, dict) and "per_day" in data:
            raise FieldError(
                ("per_day",),
                "is no longer an input: the fill rate comes from a market of substitutes who "
                "take the posted jobs over time",
                "pool (substitutes on the district's list), with willing_share, "
                "checks_per_day, reach and grades_share",
            )
        return data


class Coverage(Strict):
    """Who covers an unfilled absence, in order; 'split' spreads the class across the team. In
    a school with a period day each period of the class is covered on its own: a role with
    periods covers in its planning periods, at most the school's cover_periods_per_week."""

    needs_cover: list[str] = Field(
        default_factory=list, description="Roles whose absence needs someone to cover the class"
    )
    cascade: list[str] = Field(
        default_factory=list,
        description="Who covers an absence no substitute fills, in order: role names, or "
        "split to spread the class across the team",
    )
    vacancy_cover: Literal["long_term_substitute", "cascade"] = Field(
        "long_term_substitute",
        description="Who covers a vacant position until it is filled: a long-term substitute, "
        "or the cascade",
    )
    hiring_delay_days: Annotated[int, Field(ge=0, le=260)] = Field(
        30,
        description="School days a position stays vacant after its holder leaves",
        title="Days to fill a vacancy",
    )
    period_rate: Money = Field(
        Decimal(0),
        description="Pay per class period a teacher covers for an absent colleague in its "
        "planning time (schools with a period day), in dollars",
        json_schema_extra=COST_ONLY,
    )


class CoachingPlan(Strict):
    """Who observes whom, how often, and how soon feedback must follow."""

    coach: str = Field(description="Role that coaches; its schedule needs coaching minutes")
    coachees: list[str] = Field(min_length=1, description="Roles the coach observes")
    scope: Literal["team", "school"] = Field(
        "team",
        description="Coachees on the coach's own team, or across the school (shared out "
        "evenly among the school's coaches of the role)",
    )
    observations_per_week: Annotated[float, Field(ge=0, le=10)] = Field(
        description="Target observations per coachee per week"
    )
    observation_minutes: Annotated[int, Field(ge=1, le=240)] = Field(
        15, description="Coach's minutes per observation", title="Minutes per observation"
    )
    feedback_minutes: Annotated[int, Field(ge=0, le=240)] = Field(
        10,
        description="Coach's minutes of feedback per observation",
        title="Minutes of feedback per observation",
    )
    feedback_window_days: Annotated[int, Field(ge=0, le=60)] = Field(
        2,
        description="School days after an observation within which feedback counts as on "
        "time; later feedback is late or lost",
        title="Feedback window, in days",
    )


class SmallGroups(Strict):
    """How small-group sessions are run: their length, regrouping and a per-student cap."""

    session_minutes: Annotated[int, Field(ge=1, le=240)] = Field(
        20,
        description="Length of one small-group session, in minutes, for tiers that do not set "
        "their own",
        title="Session length",
    )
    regroup_every_days: Annotated[int, Field(ge=1, le=260)] = Field(
        10,
        description="School days between data-driven regroupings of students",
        title="Days between regroupings",
    )
    max_sessions_per_student_per_day: Annotated[int, Field(ge=1, le=10)] = Field(
        2,
        description="Most small-group sessions one student attends per day, for tiers that do "
        "not set their own",
        title="Most sessions a student a day",
    )


class Relationships(Strict):
    """When an adult counts as knowing a student."""

    contact_threshold_minutes: Annotated[int, Field(ge=1)] = Field(
        600,
        description="Minutes per year an adult must actually spend with a student to know them",
        title="Minutes a year to know a student",
    )


TutorKind = Literal["teacher", "paraprofessional", "nonprofessional"]
Effect = Annotated[float, Field(ge=-1, le=2)]


class EffectOverride(Strict):
    """One lever's effect in place of the evidence table's (docs/outcomes.md): for sweeps and
    for a planner who trusts another study."""

    reading: Effect | None = Field(
        None, description="Effect on reading, in SD (or a ratio, for a tutoring moderator)"
    )
    math: Effect | None = Field(
        None, description="Effect on math, in SD (or a ratio, for a tutoring moderator)"
    )
    se: Annotated[float, Field(ge=0, le=2)] | None = Field(
        None, description="Standard error of the effect, in the same units"
    )


class Effects(Strict):
    """Per-lever overrides of the evidence table; a lever left out keeps the table's."""

    tutoring: EffectOverride = Field(
        EffectOverride(), description="Tutoring at the dosage threshold (SD for the year)"
    )
    tutor_teacher: EffectOverride = Field(
        EffectOverride(), description="Tutored by teachers: ratio to the pooled tutoring effect"
    )
    tutor_paraprofessional: EffectOverride = Field(
        EffectOverride(),
        description="Tutored by paraprofessionals: ratio to the pooled tutoring effect",
    )
    tutor_nonprofessional: EffectOverride = Field(
        EffectOverride(),
        description="Tutored by volunteers: ratio to the pooled tutoring effect",
    )
    one_to_one: EffectOverride = Field(
        EffectOverride(), description="One-to-one sessions: ratio to the pooled tutoring effect"
    )
    small_group: EffectOverride = Field(
        EffectOverride(),
        description="Sessions of two or more: ratio to the pooled tutoring effect",
    )
    coaching: EffectOverride = Field(
        EffectOverride(), description="Teachers coached at the threshold (SD for the year)"
    )
    mcl_team: EffectOverride = Field(
        EffectOverride(), description="On a team led by a multi-classroom leader (SD for a year)"
    )
    class_size: EffectOverride = Field(
        EffectOverride(), description="A class 7 students smaller than 22 (SD for the year)"
    )
    teacher_absence: EffectOverride = Field(
        EffectOverride(), description="Each day the student's teacher is absent (SD)"
    )
    student_absence: EffectOverride = Field(
        EffectOverride(), description="Each day the student is absent (SD)"
    )


class Learning(Strict):
    """How the learning estimate reads the evidence (docs/outcomes.md): an estimate from
    published studies, not a prediction for a school."""

    evidence: Literal["at_scale", "small_studies"] = Field(
        "at_scale",
        description="Effects from programmes at scale (default) or from pooled small studies",
    )
    tutoring_sessions_per_week: Annotated[float, Field(ge=0, le=20)] = Field(
        2.7,
        description="Small-group sessions a week a student must receive, on average over the "
        "year, to count as tutored (3 scheduled, 90% delivered)",
    )
    coaching_observations_per_week: Annotated[float, Field(ge=0, le=10)] = Field(
        0.5,
        description="Observations a week a teacher must receive, on average over the year, to "
        "count as coached",
    )
    reading_share: Share = Field(
        0.5, description="Share of small-group time spent on reading (the rest on math)"
    )
    tutors: dict[Name, TutorKind] = Field(
        default_factory=dict,
        description="Kind of tutor by role (teacher, paraprofessional or nonprofessional); a "
        "role left out is a teacher if it is one, else a paraprofessional",
    )
    effects: Effects = Field(Effects(), description="Per-lever overrides of the evidence table")
    draws: Annotated[int, Field(ge=100, le=100_000)] = Field(
        2000, description="Draws of the effect sizes for the evidence interval"
    )


class OneOff(Strict):
    """A cost paid once, in one projection year (start-up, training, furniture)."""

    name: Name = Field(description="What the money buys")
    amount: Money = Field(description="Amount, in dollars")
    year: Annotated[int, Field(ge=1, le=50)] = Field(
        1, description="Projection year it is paid in (1: the simulated year)"
    )
    category: Name = Field("one-off", description="Cost category it is shown under in tables")
    object_class: ObjectClass = Field(
        "other",
        description="Where it goes in a federal budget (SF-424A object class): personnel, "
        "fringe_benefits, travel, equipment (a unit of $10,000 or more, 2 CFR 200.1), "
        "supplies, contractual (a vendor or partner under contract), construction or other",
    )


class Funding(Strict):
    """A source of money: recurring (general fund, Title I, ...) or a time-limited grant, as
    grants are written: the costs it pays for, a step-down, a match and an indirect-cost rate."""

    name: Name = Field(description="Name of the source (e.g. general fund, Title I)")
    kind: Literal["recurring", "grant"] = Field(
        "recurring",
        description="recurring: money the school can count on every year; grant: time-limited",
    )
    amount: Money = Field(Decimal(0), description="Amount per year, in dollars")
    per_pupil: Money = Field(
        Decimal(0), description="Amount per enrolled student per year, in dollars"
    )
    per_eligible_pupil: Money = Field(
        Decimal(0),
        description="Amount per eligible student per year, in dollars (e.g. Title I per "
        "formula-eligible child, or the share of it spent on the roles modelled)",
    )
    eligible_share: Share = Field(
        0.0,
        title="Share of students eligible",
        description="Share of enrolled students who count for per_eligible_pupil (0 to 1)",
    )
    start_year: Annotated[int, Field(ge=1, le=50)] = Field(
        1, description="First projection year it pays (1: the simulated year)"
    )
    end_year: Annotated[int, Field(ge=1, le=50)] | None = Field(
        None,
        description="Last projection year it pays; leave out for no end (a grant with shares "
        "ends after its last share)",
    )
    funder: Label = Field(
        "",
        description="Who gives the money (a federal agency, the state, a foundation, the "
        "district), shown beside the source in the projection and the federal budget sheet",
        json_schema_extra=COST_ONLY,
    )
    pays_for: list[Name] = Field(
        default_factory=list,
        max_length=100,
        description="Grants: the roles (e.g. resident) or cost categories (e.g. training) "
        "whose cost the grant pays, and against which its match is counted; a grant without "
        "an amount pays these costs in full, or its shares of them; leave out for a grant "
        "toward the plan as a whole",
    )
    shares: list[Share] = Field(
        default_factory=list,
        max_length=50,
        description="Grants: the share paid in each year the grant runs, from start_year on "
        "(1, 0.66, 0.33 is a three-year step-down): of its amount, or of the costs in "
        "pays_for when it names no amount; the grant ends after the last share",
    )
    match: Annotated[float, Field(ge=0, le=10)] = Field(
        0.0,
        description="Grants: district money required for every grant dollar (cost sharing or "
        "matching, 2 CFR 200.306): 0.8 is $0.80 of district money per grant dollar; the "
        "projection shows it each year and says when the district's part of the costs in "
        "pays_for falls short of it",
    )
    indirect_rate: Share = Field(
        0.0,
        description="Grants: indirect-cost rate charged to the grant on its modified total "
        "direct costs (2 CFR 200.1: salaries, wages, benefits, supplies, services, travel; not "
        "equipment or participant support), as a share (0.05 = 5%): the grant pays these "
        "charges too, so less of a fixed award is left for the plan; 0 where the grant allows "
        "none",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Funding:
        if self.end_year is not None and self.end_year < self.start_year:
            raise FieldError(
                ("end_year",),
                f"is {self.end_year}, before start_year {self.start_year}",
                f"a year from {self.start_year} on, or leave it out for no end",
            )
        if self.per_eligible_pupil and not self.eligible_share:
            raise FieldError(
                ("eligible_share",),
                "is 0, so per_eligible_pupil would pay nothing",
                "the share of students eligible, above 0",
            )
        if self.kind == "recurring":
            for name in ("pays_for", "shares", "match", "indirect_rate"):
                if getattr(self, name):
                    raise FieldError(
                        (name,),
                        "is set on recurring money; it describes a grant",
                        "kind: grant, or leave it out",
                    )
        last = self.start_year + len(self.shares) - 1
        if self.shares and self.end_year not in (None, last):
            raise FieldError(
                ("end_year",),
                f"is {self.end_year}, but the {len(self.shares)} shares from start_year "
                f"{self.start_year} end in year {last}",
                f"{last}, or leave it out",
            )
        return self

    def revenue(self, enrollment: int | Decimal) -> Decimal:
        """Money a year for this enrollment: the fixed sum, per pupil, and per eligible pupil."""
        eligible = Decimal(enrollment) * Decimal(str(self.eligible_share))
        return (
            self.amount + self.per_pupil * Decimal(enrollment) + self.per_eligible_pupil * eligible
        )

    @property
    def last_year(self) -> int | None:
        """The last projection year it pays: end_year, or the year of its last share."""
        if self.shares:
            return self.start_year + len(self.shares) - 1
        return self.end_year


class Devices(Strict):
    """The price of the online stations' devices, spread over their life."""

    unit_cost: Money = Field(Decimal(0), description="Price of one device, in dollars")
    life_years: Annotated[int, Field(ge=1, le=20)] = Field(
        4, description="Years a device lasts; its price is spread evenly over them"
    )


class Projection(Strict):
    """How later years differ from the simulated one in the multi-year projection."""

    years: Annotated[int, Field(ge=1, le=limits.MAX_PROJECTION_YEARS)] = Field(
        5, description="Years the projection covers, the simulated year first"
    )
    salary_growth: Annotated[float, Field(ge=-0.5, le=1)] = Field(
        0.0,
        description="Yearly growth of pay lines (salaries, supplements, benefits, stipends, "
        "wages, substitutes), as a share (0.03 = 3%)",
    )
    enrollment_change: Annotated[float, Field(ge=-0.5, le=1)] = Field(
        0.0,
        description="Yearly change of enrollment, as a share; per-student costs and per-pupil "
        "funding follow it",
    )
    revenue_growth: Annotated[float, Field(ge=-0.5, le=1)] = Field(
        0.0, description="Yearly growth of recurring funding, as a share"
    )
    first_year: Annotated[int, Field(ge=1900, le=2200)] | None = Field(
        None,
        description="Calendar year in which the first projected school year starts (2027: the "
        "first year is shown as FY2027-28); leave out to number the years 1, 2, ...",
    )


class Budget(Strict):
    """Prices that are not pay, one-off costs, funding sources and the multi-year projection."""

    benefits_rate: Share = Field(
        0.0,
        description="Benefits as a share of pay (salary and supplement, or hourly wages) for "
        "every role without its own benefits_rate (0.25 = 25%)",
    )
    devices: Devices = Field(Devices(), description="Devices for online stations")
    software_per_student: Money = Field(
        Decimal(0), description="Software licences per enrolled student per year, in dollars"
    )
    other_per_pupil: Money | None = Field(
        None,
        description="The district's spending per pupil on everything the model does not hold "
        "(other staff, operations, transport, central office), in dollars; shown on its own "
        "line next to the staffing cost so the whole per-pupil figure can be read, never "
        "added to it",
        title="Other spending per pupil",
    )
    one_off: list[OneOff] = Field(default_factory=list, description="One-off costs")
    funding: list[Funding] = Field(
        default_factory=list, description="Funding sources: recurring money and grants"
    )
    projection: Projection = Field(Projection(), description="The multi-year projection")


class Note(Strict):
    """Where a figure comes from: a public source, the planner's own (local) figure, or an
    assumption, with what it is and how it was derived."""

    kind: Literal["public", "local", "assumption"] = Field(
        description="public: from a published source (give it); local: the school's or "
        "district's own figure; assumption: chosen by whoever wrote the scenario"
    )
    source: Citation = Field(
        "",
        description="The citation: who published it, the title, the year and table (e.g. "
        "district HR, 2026-27 salary schedule)",
    )
    text: Text = Field("", description="What the figure is and how it was derived")

    @model_validator(mode="after")
    def _public_names_its_source(self) -> Note:
        if self.kind == "public" and not self.source.strip():
            raise FieldError(
                ("source",), "is empty, but a public figure needs its source", "the citation"
            )
        return self


class Scenario(Strict):
    """A staffing arrangement for one school or a district, and its budget."""

    name: Name = Field(description="Name of the scenario, as reports and comparisons show it")
    description: Text = Field(
        "",
        description="What the scenario shows and where its figures come from",
        json_schema_extra=COST_ONLY,
    )
    calendar: Calendar = Field(Calendar(), description="The school year")
    roles: dict[Name, Role] = Field(
        min_length=1,
        description="Roles by name (e.g. teacher, mcl, resident, tutor): pay, day and friction",
    )
    schools: list[School] = Field(
        min_length=1, max_length=limits.MAX_SCHOOLS, description="The schools of the run"
    )
    coaching: list[CoachingPlan] = Field(
        default_factory=list, description="Coaching plans: who observes whom and how often"
    )
    small_groups: SmallGroups = Field(SmallGroups(), description="Small-group sessions")
    relationships: Relationships = Field(
        Relationships(), description="When an adult counts as knowing a student"
    )
    absences: AbsenceEpisodes = Field(
        AbsenceEpisodes(), description="How long adults' absence episodes last"
    )
    learning: Learning = Field(
        Learning(), description="How the learning estimate reads the evidence"
    )
    substitutes: Substitutes = Field(Substitutes(), description="The district substitute pool")
    coverage: Coverage = Field(Coverage(), description="Who covers absences and vacancies")
    budget: Budget = Field(
        Budget(),
        description="Prices besides pay, one-off costs, funding and the projection",
        json_schema_extra=COST_ONLY,
    )
    notes: dict[str, Note] = Field(
        default_factory=dict,
        description="Where each figure comes from, by the field path it describes (e.g. "
        "roles.teacher.salary, budget.funding[1].per_pupil); a note on a section describes "
        "every figure in it that has no note of its own",
        json_schema_extra=COST_ONLY,
    )

    @field_validator("notes", mode="before")
    @classmethod
    def _notes_by_canonical_path(cls, notes: Any) -> Any:
        """Keys as simulate.schema.paths writes them (`budget.funding.1.amount` becomes
        `budget.funding[1].amount`), so a note is found however its path was typed."""
        from simulate.schema.notes import canonical_keys

        return canonical_keys(notes)

    @model_validator(mode="after")
    def _notes_name_fields(self) -> Scenario:
        from simulate.schema.notes import check_keys

        check_keys(self)
        return self

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
                if school.periods is None and homerooms < team.classrooms:
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
        costs = sorted(known | {*COST_CATEGORIES, *(one.category for one in self.budget.one_off)})
        for i, source in enumerate(self.budget.funding):
            for k, name in enumerate(source.pays_for):
                if name not in costs:
                    raise FieldError(
                        ("budget", "funding", i, "pays_for", k),
                        f"names '{name}', which is neither a role nor a cost category"
                        + suggest(name, costs),
                        ", ".join(costs),
                    )
        for role in self.learning.tutors:
            check(role, ("learning", "tutors", role))
        for name, spec in self.roles.items():
            used = sum(spec.schedule.values())
            if used > 1440:
                raise FieldError(
                    ("roles", name, "schedule"),
                    f"adds up to {used} minutes, more than a day",
                    "at most 1440 minutes in all",
                )
            if spec.schedule.get("small_group", 0) and spec.group_size == 0:
                raise FieldError(
                    ("roles", name, "group_size"),
                    "is 0 but the role has small_group minutes; set group_size >= 1",
                    "1 to 40",
                )
        for i, school in enumerate(self.schools):
            _check_period_roles(self, school, i)
        for i, plan in enumerate(self.coaching):
            coach = self.roles[plan.coach]
            if not coach.schedule.get("coaching", 0) and not coach.periods.get("coaching", 0):
                raise FieldError(
                    ("coaching", i, "coach"),
                    f"is '{plan.coach}', whose schedule has no coaching minutes; "
                    "give the role coaching minutes (or coaching periods)",
                )
        for i, school in enumerate(self.schools):
            _check_attendance(school.attendance, ("schools", i, "attendance"))
        return self

    @model_validator(mode="after")
    def _within_limits(self) -> Scenario:
        adults = sum(positions(s) * s.copies for s in self.schools)
        if adults > limits.MAX_ADULTS:
            raise FieldError(
                ("schools",),
                f"hold {adults:,} positions over all schools and copies, too many to simulate",
                limits.at_most(limits.MAX_ADULTS, "positions over all schools and copies"),
            )
        if self.enrollment > limits.MAX_STUDENTS:
            raise FieldError(
                ("schools",),
                f"enroll {self.enrollment:,} students over all schools and copies, too many to "
                "simulate",
                limits.at_most(limits.MAX_STUDENTS, "students over all schools and copies"),
            )
        return self

    @property
    def enrollment(self) -> int:
        return sum(s.enrollment * s.copies for s in self.schools)


def positions(school: School) -> int:
    """Positions in one copy of a school: team members times team count, plus staff."""
    return sum(n for _, n in _position_entries(school))


def _position_entries(school: School) -> list[tuple[tuple[str | int, ...], int]]:
    entries: list[tuple[tuple[str | int, ...], int]]
    entries = [(("staff", role), n) for role, n in school.staff.items()]
    for j, team in enumerate(school.teams):
        entries += [(("teams", j, "members", r), n * team.count) for r, n in team.members.items()]
    return entries


def _check_positions(school: School) -> None:
    """A school's positions within the limit; the field that alone breaks it is named."""
    total = positions(school)
    if total <= limits.MAX_POSITIONS_PER_SCHOOL:
        return
    loc, largest = max(_position_entries(school), key=lambda entry: entry[1])
    where = loc if largest > limits.MAX_POSITIONS_PER_SCHOOL else ()
    raise FieldError(
        where,
        f"gives {total:,} positions in one school, too many to simulate",
        limits.at_most(
            limits.MAX_POSITIONS_PER_SCHOOL,
            "positions in one school (team members x count + staff)",
        ),
    )


def _check_period_day(school: School, cohorts_held: int) -> None:
    """A period day's courses name the school's teams, grades and tiers; its cohorts split the
    grades evenly; no station rotation (elementary only)."""
    day = school.periods
    assert day is not None
    if school.classrooms % len(school.grades):
        raise FieldError(
            ("classrooms",),
            f"is {school.classrooms}, which does not split the school's {len(school.grades)} "
            "grades into equal cohorts",
            f"a multiple of {len(school.grades)} (cohorts per grade x grades)",
        )
    if cohorts_held > school.classrooms:
        raise FieldError(
            ("teams",),
            f"teams share {cohorts_held} cohorts as blocks (count x classrooms) but the school "
            f"has {school.classrooms}",
            f"at most {school.classrooms}",
        )
    if school.rotation is not None:
        raise FieldError(
            ("rotation",),
            "is set on a school with a period day; station rotations are for homerooms",
            "leave rotation out",
        )
    teams = [t.name for t in school.teams]
    tiers = [t.name for t in school.need_tiers]
    for k, course in enumerate(day.courses):
        at = ("periods", "courses", k)
        if course.team not in teams:
            raise FieldError(
                (*at, "team"),
                f"names team '{course.team}', which is not a team of the school"
                + suggest(course.team, teams),
                ", ".join(teams),
            )
        for kind, given, known in (
            ("grades", course.grades, school.grades),
            ("tiers", course.tiers, tiers),
        ):
            for m, value in enumerate(given):
                if value not in known:
                    raise FieldError(
                        (*at, kind, m),
                        f"names '{value}', which is not one of the school's {kind}"
                        + suggest(value, known),
                        ", ".join(known),
                    )
    names = [c.name for c in day.courses]
    if len(set(names)) != len(names):
        raise FieldError(("periods", "courses"), "names must be unique")
    for grade in school.grades:
        for tier in tiers:
            taken = [c.name for c in day.courses if takes_course(c, grade, tier)]
            slots = day.periods_per_day * day.terms
            if len(taken) > slots:
                raise FieldError(
                    ("periods", "courses"),
                    f"give a student of grade {grade} and tier {tier} {len(taken)} courses, "
                    f"more than the {slots} periods of its year (periods_per_day x terms)",
                    f"at most {slots} courses for each grade and tier",
                )
    rates = day.class_absence_rates
    if rates and len(rates) != day.periods_per_day:
        raise FieldError(
            ("periods", "class_absence_rates"),
            f"gives {len(rates)} rates for the {day.periods_per_day} periods of the day "
            "(periods_per_day): give one rate for each period when the periods change",
            f"{day.periods_per_day} rates, one per period, or none",
        )


def _check_period_roles(scenario: Scenario, school: School, i: int) -> None:
    """Roles in a school with a period day teach and tutor in periods, and fit its day; roles
    with periods work only in such schools; a period day's absences are covered period by
    period, never by splitting a class."""
    places: list[tuple[tuple[str | int, ...], str]] = [
        (("schools", i, "staff", role), role) for role in school.staff
    ]
    for j, team in enumerate(school.teams):
        places += [(("schools", i, "teams", j, "members", role), role) for role in team.members]
    day = school.periods
    for loc, name in places:
        role = scenario.roles[name]
        if day is None:
            if role.periods:
                raise FieldError(
                    loc,
                    f"puts role '{name}', which has periods, in a school without a period day",
                    "a role with a schedule in minutes, or give the school a period day",
                )
            continue
        if role.homeroom:
            raise FieldError(
                ("roles", name, "homeroom"),
                f"is true, but role '{name}' works in a school with a period day, where "
                "students move between sections",
                "false",
            )
        taught = [a for a in ("instruction", "small_group") if role.schedule.get(a, 0)]
        if taught:
            raise FieldError(
                ("roles", name, "schedule"),
                f"gives {taught[0]} minutes, but role '{name}' works in a school with a period "
                "day, where teaching and tutoring are periods",
                f"periods: {{{taught[0]}: N}} instead",
            )
        used = sum(role.periods.values())
        if used > day.periods_per_day:
            raise FieldError(
                ("roles", name, "periods"),
                f"add up to {used} periods, more than the {day.periods_per_day} of "
                f"{school.name}'s day",
                f"at most {day.periods_per_day}",
            )
    if day is None:
        return
    if "split" in scenario.coverage.cascade:
        raise FieldError(
            ("coverage", "cascade"),
            f"includes split, but {school.name} has a period day: a class is covered period by "
            "period, by colleagues in their planning periods or the roles listed",
            "role names only",
        )
    teams = {t.name: t for t in school.teams}
    for k, course in enumerate(day.courses):
        activity: Activity = "small_group" if course.tutoring else "instruction"
        members = [scenario.roles[r] for r, n in teams[course.team].members.items() if n]
        if not any(
            r.periods.get(activity, 0) and (course.tutoring or r.is_teacher) for r in members
        ):
            who = (
                "members with small_group periods"
                if course.tutoring
                else "teachers with instruction periods"
            )
            raise FieldError(
                ("schools", i, "periods", "courses", k, "team"),
                f"is '{course.team}', which has no {who} to teach '{course.name}'",
                "a team with such members",
            )


def takes_course(course: Course, grade: str, tier: str) -> bool:
    """Whether a student of this grade and tier takes the course."""
    return (not course.grades or grade in course.grades) and (
        not course.tiers or tier in course.tiers
    )


def _check_attendance(attendance: Attendance, loc: tuple[str | int, ...]) -> None:
    """The two shares must be ones a spread of student absence gives."""
    from simulate.schema.absence import fit

    chronic, severe = attendance.chronic_share, attendance.severe_share
    if chronic == severe == 0:
        return
    if not 0 < severe < chronic:
        raise FieldError(
            (*loc, "severe_share"),
            f"is {severe:g} with chronic_share {chronic:g}: every student who misses 20% of the "
            "days also misses 10%, and some chronically absent students miss 20% or more",
            f"more than 0 and less than chronic_share ({chronic:g}); both 0 for students who "
            "are never absent",
        )
    if fit(round(chronic, 12), round(severe, 12)) is None:
        raise FieldError(
            (*loc, "severe_share"),
            f"is {severe:g} with chronic_share {chronic:g}: no spread of student absence over "
            "a 180-day year gives these two shares",
            "a severe share well below the chronic share (Massachusetts elementary schools: "
            "about a seventh of it)",
        )
