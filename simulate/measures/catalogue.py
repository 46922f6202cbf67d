"""What every figure is: one entry per metric, read by every output that names or shows one.

A figure is addressed as (metric, group, statistic), e.g. ("small_group.minutes_per_student_week",
"tier=intensive", "p10"). The catalogue says, per metric, which statistics and which kinds of
group it has, its unit, how it is written, which way is better, and what it means. The report,
the terminal summary, the sweep spec check and `simulate metrics` read it; `compute` emits it.
Adding a metric is one entry here plus its computation in compute.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pandas as pd

from simulate.engine.modules import LOSS_REASONS
from simulate.engine.modules.coverage import LONG_TERM_SUBSTITUTE, SPLIT, SUBSTITUTE
from simulate.measures.formats import Kind
from simulate.schema.errors import suggest
from simulate.schema.model import ACTIVITIES, Scenario

ALL = "all"  # the group of a figure taken over everyone
# What "cost per pupil" counts, said wherever it is shown: the roles a scenario holds.
STAFFING_PER_PUPIL = "Staffing cost per pupil (roles modelled)"
OTHER_PER_PUPIL = "Other spending per pupil (not modelled)"
WHOLE_PER_PUPIL = "Whole spending per pupil"
# The budget's headline figures, one label each: the catalogue's budget entries (those with
# `exact`) carry these labels, and every output (terminal, summary.csv, budget.xlsx, report,
# web app) shows the same number under the same label.
RECURRING_PER_PUPIL = "Recurring staffing cost per pupil (roles modelled)"
RECURRING_TOTAL = "Recurring staffing cost, all schools (roles modelled)"
YEAR1_PER_PUPIL = "Year-1 staffing cost per pupil with one-off costs (roles modelled)"
YEAR1_TOTAL = "Year-1 staffing cost with one-off costs, all schools (roles modelled)"
ONE_OFF = "One-off costs in year 1"
AVERAGE_TEACHER = "Average teacher position (base salary with benefits)"
TEACHER_POSITIONS = "Recurring staffing cost in average teacher positions"
AVERAGE_TEACHER_EXPLAIN = (
    "The unit finance offices trade positions in: the mean base salary of the salaried "
    "teaching roles (those that count as teachers), weighted by their positions, with each "
    "role's benefits. Supplements, stipends and hourly staff are left out, so a school's teacher "
    "position costs the same whatever supplements an arrangement adds, and whatever it is "
    "compared with; later projected years scale it with salary growth."
)
LOST = "lost:"  # statistic prefix of a loss reason: "lost:absence"
REASON = f"{LOST}<reason>"  # how the catalogue lists the loss-reason statistics
# the ledger's loss reasons that are friction; `unused` is a statistic of its own
FRICTION = tuple(r for r in LOSS_REASONS if r != "unused")

# The words for each statistic, as a reader sees them ("value" is the figure itself).
STATISTICS = {
    "value": "",
    "count": "a year",
    "mean": "mean",
    "min": "fewest",
    "p10": "10th percentile",
    "p50": "median",
    "p90": "90th percentile",
    "planned": "planned",
    "realized": "realized",
    "delivered": "delivered",
    "lost": "lost",
    "unused": "unused",
    "max": "largest",
    "planning": "colleagues' planning lost",
    "instruction": "instruction lost",
    "students": "students with a target",
    "gini": "Gini coefficient (0: everyone alike, 1: one bears all)",
    "top10": "share borne by the most-loaded tenth",
}
# Students by the share of the days school was open that they missed, as Attendance Works
# bands them (satisfactory, at risk, chronic, severe chronic): name, from, to (share of days),
# and how the band reads.
ATTENDANCE_BANDS = (
    ("under_5", 0.0, 0.05, "Students missing under 5% of days"),
    ("5_to_10", 0.05, 0.10, "Students missing 5-10% of days"),
    ("10_to_20", 0.10, 0.20, "Students missing 10-20% of days"),
    ("20_plus", 0.20, 1.01, "Students missing 20% or more of days"),
)
# Substitute requests by the school days of notice the pool had before the day: name, fewest
# days, most days, and how the group reads.
NOTICE_BANDS = (
    ("0", 0, 0, "Reported the same morning"),
    ("1", 1, 1, "Reported 1 school day ahead"),
    ("2-4", 2, 4, "Reported 2-4 school days ahead"),
    ("5+", 5, 10_000, "Reported 5 or more school days ahead"),
)
# Kinds of group a metric may be split by: what comes after the '=' in a group name.
GROUP_KINDS = {
    "role": "a role of the scenario",
    "tier": "a need tier of the scenario's schools",
    "by": "who covered: a role, a daily or long-term substitute, or the class split among peers",
    "activity": "an activity of the ledger",
    "level": "middle or high (schools with a period day)",
    "course": "a course of a school with a period day",
    "period": "a class period of the day (1 is the first)",
    "band": "students by the share of school days they missed: "
    + ", ".join(band for band, *_ in ATTENDANCE_BANDS),
    "notice": "absences by the notice the substitute pool had: 0 (reported the same morning), "
    "1, 2-4 or 5+ school days",
    "school": "a school of the scenario, by name (copies of a school together)",
}
# How a group reads in a table row ({} is the role title, tier name, activity or band label).
GROUP_TITLES = {
    "role": "{}",
    "tier": "Tier {}",
    "by": "Covered by {}",
    "activity": "{}",
    "level": "{} schools",
    "course": "{}",
    "period": "Period {}",
    "band": "{}",
    "notice": "{}",
    "school": "{}",
}
UNCOVERED = "uncovered"  # by= value of a class period nobody covered
COVERER_TITLES = {  # by= values that are not roles of the scenario
    SPLIT: "splitting the class among colleagues",
    SUBSTITUTE: "substitute (district pool)",
    LONG_TERM_SUBSTITUTE: "long-term substitute",
    UNCOVERED: "nobody (uncovered)",
}
ACTIVITY_LABELS = {  # the ledger's activities: the scenario's, observations and online stations
    "instruction": "Instruction",
    "small_group": "Small groups",
    "coaching": "Coaching time",
    "observation": "Observations",
    "planning": "Planning",
    "collaboration": "Collaboration",
    "supervision": "Supervision",
    "online": "Online stations",
}
REASONS = {  # why planned time was lost (the ledger's loss reasons)
    "absence": "the adult was absent, so what they had planned did not happen",
    "uncovered": "the teacher was absent and nobody could cover the class",
    "capacity": "the coach had too little coaching time for every planned observation",
    "coverage": "the adult was pulled away to cover an absent colleague's class",
    "vacancy": "the position was vacant while the district hired",
    "closure": "the school was closed (weather and other unplanned closures)",
    "testing": "testing windows cancelled the activity",
    "device_shortage": "not enough devices for the online station",
    "coach_absent": "the coach was absent",
    "coachee_absent": "the teacher to be observed was absent",
    "unused": "time set aside that nothing needed: no observation due, no student free for a "
    "group (not friction: what the arrangement leaves over)",
    "student_absent": "the student was absent that day",
    "drill": "a fire drill or an assembly stopped every class",
}


@dataclass(frozen=True)
class Note:
    """What one statistic adds to its metric's explanation (in one group, or in every group)."""

    statistic: str
    text: str
    group: str | None = None  # None: every group


@dataclass(frozen=True)
class Measure:
    """One metric: its figures, how they read, and what they mean."""

    name: str
    label: str  # what a summary row shows
    unit: str  # in words, lower case
    statistics: tuple[str, ...]  # REASON stands for one statistic per loss reason
    groups: tuple[str, ...]  # ALL and/or kinds of GROUP_KINDS
    kind: Kind  # how its figures are written
    better: int  # +1 higher is better, -1 lower is better, 0 neither
    explain: str  # one line
    neutral: tuple[str, ...] = ()  # statistics where neither way is better (a plan, the top)
    kinds: tuple[tuple[str, Kind], ...] = ()  # statistics written otherwise than `kind`
    notes: tuple[Note, ...] = ()
    everyone: str = ""  # what group 'all' covers, e.g. "all teachers"
    short: str = ""  # a few words for a row that already names its group
    abbrev: str = ""  # a terminal column header
    exact: tuple[str, str] | None = None  # budget: (total, vs-baseline) columns, see below
    # `exact`: a comparison shows the exact line-item total (and difference from the
    # baseline) from these columns of Comparison.budget_totals instead of the yearly mean.
    whole_school: bool = False  # a total over the whole enrollment: comparable only between
    # scenarios of the same schools (not a per-pupil, per-student or per-teacher figure)
    signed: bool = False  # may be negative (an estimated effect); every other figure is >= 0
    # A share or ratio of something that may not happen (no absence to fill, no student in a
    # band, no student at the target): a year without it has no figure, never 0, and a table
    # shows this word where none had one.
    empty: str = ""

    def kind_of(self, statistic: str) -> Kind:
        return dict(self.kinds).get(statistic, self.kind)

    def better_for(self, statistic: str) -> int:
        return 0 if statistic in self.neutral else self.better

    def note(self, statistic: str, group: str = ALL) -> str:
        """The note on this statistic in this group, or ''."""
        for note in self.notes:
            if note.statistic == statistic and note.group in (None, group):
                return note.text
        return ""

    def has_statistic(self, statistic: str) -> bool:
        if statistic in self.statistics:
            return True
        reason = statistic.removeprefix(LOST)
        return REASON in self.statistics and statistic.startswith(LOST) and reason in FRICTION

    def statistic_names(self) -> list[str]:
        """Every statistic, with one per loss reason where the metric has REASON."""
        out: list[str] = []
        for statistic in self.statistics:
            out += [f"{LOST}{r}" for r in FRICTION] if statistic == REASON else [statistic]
        return out


def statistic_word(statistic: str) -> str:
    """'p90' -> '90th percentile'; 'lost:closure' -> 'lost to closure'."""
    if statistic.startswith(LOST):
        return f"lost to {statistic.removeprefix(LOST).replace('_', ' ')}"
    return STATISTICS[statistic]


def capital(text: str) -> str:
    """First letter upper case, the rest as written."""
    return text[:1].upper() + text[1:]


def group_title(group: str, role_title: Callable[[str], str] | None = None) -> str:
    """How a group reads in a row: 'tier=intensive' -> 'Tier intensive' (plain text); roles by
    `role_title` (the scenario's titles) or by name."""
    kind, _, value = group.partition("=")
    if kind in ("role", "by"):
        value = role_title(value) if role_title else COVERER_TITLES.get(value, value)
    elif kind == "activity":
        value = activity_label(group)
    elif kind == "level":
        value = value.capitalize()
    elif kind in BAND_TITLES:
        value = BAND_TITLES[kind].get(value, value)
    return GROUP_TITLES[kind].format(value)


BAND_TITLES = {
    "band": {name: title for name, _, _, title in ATTENDANCE_BANDS},
    "notice": {name: title for name, _, _, title in NOTICE_BANDS},
}


def activity_label(group: str) -> str:
    """'activity=small_group' -> 'Small groups' (plain text, escape where used)."""
    activity = group.removeprefix("activity=")
    return ACTIVITY_LABELS.get(activity, activity.replace("_", " ").capitalize())


# The learning estimate's two units: (metric suffix, label suffix, unit, format, abbreviation).
LEARNING_UNITS: tuple[tuple[str, str, str, Kind, str], ...] = (
    ("sd", "", "standard deviations of test scores", "num2", "SD"),
    (
        "percentile_points",
        ", percentile points",
        "percentile points for a student at the median",
        "num1",
        "pct pts",
    ),
)
MEASURES: tuple[Measure, ...] = (
    Measure(
        "budget.per_pupil",
        RECURRING_PER_PUPIL,
        "dollars per pupil per year",
        ("value",),
        (ALL,),
        "money",
        0,
        "What the roles the scenario holds cost every year for each enrolled student: "
        "salaries for the days positions are filled, supplements, benefits, hourly staff, "
        "substitutes, replacing leavers, devices and software. One-off start-up costs are not "
        "in it (see the budget section). Not the district's whole spending per pupil: other "
        "staff, operations and central costs are not modelled.",
        abbrev="staff $/pp",
        exact=("recurring_per_pupil", "recurring_per_pupil_difference"),
    ),
    Measure(
        "budget.total",
        RECURRING_TOTAL,
        "dollars a year",
        ("value",),
        (ALL,),
        "money",
        0,
        "What the roles the scenario holds cost every year for its whole enrollment, with "
        "this year's vacancies, leavers, substitute days and hours; one-off costs not included.",
        notes=(Note("value", "The same cost for the whole enrollment of the scenario.", ALL),),
        exact=("recurring", "recurring_difference"),
        whole_school=True,
    ),
    Measure(
        "budget.year1_per_pupil",
        YEAR1_PER_PUPIL,
        "dollars per pupil in year 1",
        ("value",),
        (ALL,),
        "money",
        0,
        "The recurring staffing cost per pupil plus the one-off costs budgeted for year 1 "
        "(start-up, training), per enrolled student: what the first year costs, not what "
        "the plan costs every year.",
        exact=("year1_per_pupil", "year1_per_pupil_difference"),
    ),
    Measure(
        "budget.year1_total",
        YEAR1_TOTAL,
        "dollars in year 1",
        ("value",),
        (ALL,),
        "money",
        0,
        "The recurring staffing cost of the whole enrollment plus the one-off costs budgeted "
        "for year 1.",
        exact=("year1_total", "year1_total_difference"),
        whole_school=True,
    ),
    Measure(
        "budget.one_off",
        ONE_OFF,
        "dollars in year 1",
        ("value",),
        (ALL,),
        "money",
        0,
        "The one-off costs budgeted for year 1; those of later years are in "
        "the multi-year projection.",
        exact=("one_off", "one_off_difference"),
        whole_school=True,
    ),
    Measure(
        "budget.other_per_pupil",
        OTHER_PER_PUPIL,
        "dollars per pupil per year",
        ("value",),
        (ALL,),
        "money",
        0,
        "What the district spends per pupil on everything the model "
        "does not hold; shown apart, never added to the staffing cost.",
        exact=("other_per_pupil", "other_per_pupil_difference"),
    ),
    Measure(
        "budget.whole_per_pupil",
        WHOLE_PER_PUPIL,
        "dollars per pupil per year",
        ("value",),
        (ALL,),
        "money",
        0,
        f"{RECURRING_PER_PUPIL} + {OTHER_PER_PUPIL.lower()}, where the scenario gives it.",
        exact=("whole_per_pupil", "whole_per_pupil_difference"),
    ),
    Measure(
        "budget.average_teacher_position",
        AVERAGE_TEACHER,
        "dollars a year",
        ("value",),
        (ALL,),
        "money",
        0,
        AVERAGE_TEACHER_EXPLAIN,
        exact=("average_teacher_position", "average_teacher_position_difference"),
    ),
    Measure(
        "budget.teacher_positions",
        TEACHER_POSITIONS,
        "average teacher positions",
        ("value",),
        (ALL,),
        "num2",
        0,
        f"The recurring staffing cost divided by the scenario's own {AVERAGE_TEACHER.lower()}: "
        "the plan counted in the positions a finance office trades in.",
        exact=("teacher_positions", "teacher_positions_difference"),
        whole_school=True,
    ),
    Measure(
        "coaching.observations_per_teacher_week",
        "Observations per teacher per week",
        "observations per teacher per week",
        ("planned", "realized"),
        (ALL, "role"),
        "num2",
        1,
        "How often a coach, teacher-leader or principal actually watched each teacher teach, "
        "after absences, coverage and testing took their share.",
        neutral=("planned",),
        notes=(
            Note("planned", "Observations the coaching plans call for."),
            Note("realized", "Observations that happened: coach and teacher present and in class."),
        ),
        everyone="all teachers",
        abbrev="obs/wk",
    ),
    Measure(
        "coaching.teacher_weeks_observed_share",
        "Teacher-weeks with an observation",
        "share of teacher-weeks",
        ("value",),
        (ALL,),
        "pct",
        1,
        "Share of weeks in which a teacher was observed at least once.",
    ),
    Measure(
        "coaching.feedback_on_time_share",
        "Feedback given on time",
        "share of observations",
        ("value",),
        (ALL,),
        "pct",
        1,
        "Share of observations followed by feedback inside the feedback window.",
    ),
    Measure(
        "coaching.feedback_latency_days",
        "Feedback latency",
        "days",
        ("mean", "p90"),
        (ALL,),
        "num1",
        -1,
        "School days between an observation and its feedback.",
    ),
    Measure(
        "coaching.feedback_lost",
        "Feedback never given",
        "observations a year",
        ("count",),
        (ALL,),
        "num0",
        -1,
        "Observations whose feedback had not come by the year's end (the coach had no time, "
        "or coach or teacher was away); feedback past its window is late, not lost.",
        whole_school=True,
    ),
    Measure(
        "small_group.minutes_per_student_week",
        "Small-group minutes per student per week",
        "minutes per student per week",
        ("mean", "p10", "p50", "p90"),
        (ALL, "tier"),
        "num0",
        1,
        "Minutes an average student spends each week in a small group with an adult.",
        neutral=("p90",),
        notes=(Note("p10", "One student in ten got fewer minutes than this."),),
        everyone="all students",
        abbrev="SG min/wk",
    ),
    Measure(
        "small_group.reaching_target_share",
        "Students reaching their dosage target",
        "share of students with a target",
        ("value", "students"),
        (ALL, "tier", "band"),
        "pct",
        1,
        "Share of students with a small-group target (the higher need tiers) who got at least "
        "90% of their tier's weekly target, on average over the year; by attendance band, "
        "for the students who are there least.",
        kinds=(("students", "num0"),),
        neutral=("students",),
        notes=(Note("students", "Students with a dosage target: those a share counts."),),
        everyone="all with a target",
        short="reaching target",
        abbrev="at target",
        empty="no students",
    ),
    Measure(
        "small_group.target_delivered_share",
        "Share of the dosage target delivered",
        "share of target minutes",
        ("value",),
        (ALL, "tier", "band"),
        "pct",
        1,
        "Minutes delivered against the tiers' weekly targets, each student's minutes counted up "
        "to the target, so one student's surplus does not hide another's shortfall.",
        everyone="all with a target",
        short="of target delivered",
        abbrev="of target",
        empty="no students",
    ),
    Measure(
        "small_group.shortfall_minutes_week",
        "Weekly shortfall against the dosage target",
        "minutes per student per week",
        ("mean",),
        (ALL, "tier", "band"),
        "num0",
        -1,
        "Minutes a week by which a student with a target falls short of it, on average (0 for "
        "a student who reaches it).",
        everyone="all with a target",
        short="weekly shortfall",
        empty="no students",
    ),
    Measure(
        "small_group.delivered_by_share",
        "Who delivers small-group minutes",
        "share of small-group minutes",
        ("value",),
        ("role",),
        "pct",
        0,
        "Share of the year's small-group student-minutes led by each role.",
    ),
    Measure(
        "class_size.students_per_homeroom",
        "Students per homeroom",
        "students per homeroom",
        ("mean", "max"),
        (ALL,),
        "num1",
        -1,
        "Students enrolled in each homeroom class, the class a student belongs to; US "
        "self-contained primary classes average 20.9 (NCES NTPS 2017-18).",
        notes=(
            Note("mean", "Enrolled students over homeroom classes, all schools."),
            Note("max", "The largest homeroom class."),
        ),
        abbrev="class",
    ),
    Measure(
        "class_size.students_per_teacher",
        "Students per teacher",
        "students per teacher position",
        ("value",),
        (ALL,),
        "num1",
        -1,
        "Enrolled students per teacher position (roles that count as teachers). The NCES "
        "pupil/teacher ratio, 15.4 in 2021-22, counts every teacher, specialists included.",
    ),
    Measure(
        "relationships.adults_per_student",
        "Adults who know each student",
        "adults per student",
        ("mean", "min"),
        (ALL,),
        "num1",
        1,
        "Distinct adults who spent enough time with a student over the year to know them "
        "(see the contact threshold in the assumptions).",
        kinds=(("min", "num0"),),
        notes=(
            Note("mean", "Distinct adults with substantive contact over the year."),
            Note("min", "The student with the fewest adults who know them."),
        ),
        abbrev="adults",
    ),
    Measure(
        "relationships.students_per_adult",
        "Students per adult",
        "students per adult",
        ("mean",),
        (ALL,),
        "num0",
        0,
        "Students each adult knows; more means thinner ties.",
    ),
    Measure(
        "reach.students_on_led_teams_share",
        "Students on a team led by an excellent teacher",
        "share of student-days",
        ("value",),
        (ALL,),
        "pct",
        1,
        "Share of student-days spent on a team led by a multi-classroom leader.",
    ),
    Measure(
        "coverage.absences",
        "Teacher absences",
        "absences a year",
        ("count",),
        (ALL,),
        "num0",
        0,
        "Days on which an adult whose class needs cover was absent (vacancies not counted).",
        whole_school=True,
    ),
    Measure(
        "coverage.substitute_fill_rate",
        "Absences filled by a substitute",
        "share of substitute requests",
        ("value",),
        (ALL, "notice", "school"),
        "pct",
        1,
        "Share of the days an absent adult asked the district's substitute pool for cover that a "
        "substitute took, by the notice the pool had and by school; the rest fall to "
        "colleagues, who lose what they had planned. It comes from the market: the pool's "
        "substitutes, their days and schools, and every school's requests.",
        empty="no absences",
    ),
    Measure(
        "coverage.substitute_requests",
        "Substitute requests",
        "adult-days a year",
        ("count",),
        (ALL, "notice", "school"),
        "num0",
        0,
        "Days an absent adult (or a vacant position without a long-term substitute) asked the "
        "district's substitute pool for cover, by the notice it gave and by school.",
        whole_school=True,
    ),
    Measure(
        "substitutes.pool_working_share",
        "Substitutes on the list who worked in a month",
        "share of the pool, per month",
        ("value",),
        (ALL,),
        "pct",
        0,
        "Share of the district's substitutes who took at least one job in a month, on average "
        "over the school months (Frontline reports 42% in February 2016).",
        empty="no substitutes",
    ),
    Measure(
        "substitutes.days_worked_per_month",
        "Days a working substitute works in a month",
        "days per month",
        ("mean",),
        (ALL,),
        "num1",
        0,
        "Days worked in a month by the substitutes who worked at all that month (Frontline "
        "reports 7.3 to 7.5).",
        empty="no substitute worked",
    ),
    Measure(
        "coverage.substitute_days",
        "Substitute days",
        "days a year",
        ("count",),
        (ALL,),
        "num0",
        0,
        "Days a substitute from the district's daily pool covered an absence.",
        whole_school=True,
    ),
    Measure(
        "coverage.vacancy_days",
        "Vacancy days",
        "days a year",
        ("count",),
        (ALL,),
        "num0",
        0,
        "School days positions that need cover stood vacant while the district hired.",
        whole_school=True,
    ),
    Measure(
        "coverage.long_term_substitute_days",
        "Long-term substitute days",
        "days a year",
        ("count",),
        (ALL,),
        "num0",
        0,
        "Days a long-term substitute held a vacant position.",
        whole_school=True,
    ),
    Measure(
        "coverage.minutes",
        "Who covered absent adults",
        "minutes a year",
        ("value",),
        ("by",),
        "num0",
        0,
        "Minutes spent with an absent adult's class, by who covered it.",
        whole_school=True,
    ),
    Measure(
        "coverage.duties_per_adult",
        "Coverage duties per adult",
        "days a year",
        ("mean", "p90", "max", "gini", "top10"),
        (ALL, "role"),
        "num1",
        -1,
        "Days an adult covered an absent colleague's class, or took in students from a class "
        "split among its team, over the year; all: the adults of the roles that cover (the "
        "cascade's roles, and the homeroom roles where classes are split). The Gini "
        "coefficient and the share borne by the most-loaded tenth say how evenly it falls.",
        neutral=("gini", "top10"),
        kinds=(("gini", "num2"), ("top10", "pct")),
        everyone="adults who cover",
        empty="nobody covers",
    ),
    Measure(
        "absence.days_per_adult",
        "Days absent per adult",
        "days a year",
        ("mean", "p90", "max"),
        (ALL, "role"),
        "num1",
        -1,
        "School days an adult was absent while school was open (vacancies not counted); a few "
        "adults with long absences carry much of the total.",
        everyone="all adults",
    ),
    Measure(
        "attendance.students_share",
        "Students by days missed",
        "share of students",
        ("value",),
        ("band",),
        "pct",
        0,
        "Share of students by the share of open school days they missed: under 5% "
        "(satisfactory), 5-10% (at risk), 10-20% (chronically absent) and 20% or more "
        "(severely chronically absent), as Attendance Works bands them.",
    ),
    Measure(
        "attendance.days_absent_per_student",
        "Days absent per student",
        "days a year",
        ("mean",),
        (ALL,),
        "num1",
        -1,
        "School days a student missed while school was open, on average: it follows from the "
        "chronic and severe chronic shares the scenario gives.",
        everyone="all students",
    ),
    Measure(
        "drills.instruction_minutes_per_classroom",
        "Instruction lost to fire drills and assemblies",
        "minutes per classroom a year",
        ("value",),
        (ALL,),
        "num0",
        -1,
        "Minutes of instruction that fire drills and assemblies took from each class over the "
        "year, whoever was teaching it (shown only where the scenario models them).",
    ),
    Measure(
        "secondary.class_size",
        "Students per class (period day)",
        "students per section",
        ("mean", "max"),
        (ALL, "level", "course"),
        "num1",
        -1,
        "Students in each class section of a middle or high school, tutoring aside: sections "
        "are sized by enrollment and each course's class-size cap. Departmentalized classes "
        "averaged 22.0 in middle and 21.0 in high schools (NCES NTPS 2020-21; 24.9 and 23.3 "
        "in 2017-18).",
        notes=(
            Note("mean", "Mean over the class sections."),
            Note("max", "The largest section."),
        ),
        everyone="all sections",
        abbrev="class",
    ),
    Measure(
        "secondary.students_per_teacher_day",
        "Students a teacher teaches each day",
        "students per teacher per day",
        ("mean", "max"),
        (ALL, "level"),
        "num0",
        -1,
        "Distinct students in the class sections a teacher teaches on a day (its sections "
        "times their size): the load a secondary teacher plans, grades and knows students "
        "for.",
        notes=(Note("max", "The teacher with the most students."),),
        everyone="all teachers with sections",
    ),
    Measure(
        "secondary.sections_per_teacher",
        "Sections per teacher",
        "sections per teacher per day",
        ("mean",),
        (ALL,),
        "num2",
        0,
        "Class sections a teacher teaches each day, against the teaching periods of its role "
        "(a teacher teaching 5 of 7 periods has 5): fewer means teaching periods nobody "
        "needed.",
    ),
    Measure(
        "secondary.unscheduled_share",
        "Course requests with no class",
        "share of course requests",
        ("value",),
        (ALL,),
        "pct",
        -1,
        "Share of students' course requests whose section no one could teach (its team had "
        "no teacher free in that period with teaching periods left): a sign of too few "
        "positions for the sections the courses need.",
    ),
    Measure(
        "secondary.teacher_away_periods",
        "Class periods whose teacher was away",
        "class periods a year",
        ("count",),
        (ALL,),
        "num0",
        0,
        "Class periods (a section on a day) whose teacher was absent or whose position was vacant.",
        whole_school=True,
    ),
    Measure(
        "secondary.away_periods_by",
        "Who took the class of an absent teacher",
        "share of class periods whose teacher was away",
        ("value",),
        ("by",),
        "pct",
        0,
        "Who took each class period of an absent teacher: a substitute for the day, a "
        "long-term substitute for a vacancy, a colleague in a planning period, another role of "
        "the coverage cascade, or nobody.",
    ),
    Measure(
        "secondary.covered_periods_per_teacher",
        "Periods a teacher covered for colleagues",
        "class periods per teacher a year",
        ("mean", "max"),
        (ALL,),
        "num1",
        -1,
        "Class periods of absent colleagues a teacher covered in its own planning periods over "
        "the year; the most loaded teacher shows how evenly the load was spread.",
        notes=(Note("max", "The teacher who covered most."),),
        everyone="all teachers with periods",
    ),
    Measure(
        "secondary.away_period_cost",
        "What a class period of an absent teacher cost",
        "minutes per class period whose teacher was away",
        ("planning", "instruction"),
        (ALL,),
        "num1",
        -1,
        "Per class period whose teacher was away: the planning minutes colleagues gave up to "
        "cover it, and the minutes of instruction lost when nobody did.",
    ),
    Measure(
        "secondary.tutoring_sessions_per_student_week",
        "Tutoring sessions per tutored student per week",
        "sessions per student per week",
        ("mean", "p10"),
        (ALL, "tier"),
        "num1",
        1,
        "Tutoring periods a student who takes a tutoring course attended each week (Saga's "
        "model: five a week), after closures, tutors' and students' absences.",
        notes=(Note("p10", "One tutored student in ten attended fewer than this."),),
        everyone="all tutored students",
    ),
    Measure(
        "secondary.class_absence_share",
        "Classes students missed",
        "share of students' class periods",
        ("value",),
        (ALL, "period"),
        "pct",
        -1,
        "Share of the class periods students were scheduled for that they missed: a day away, "
        "or a part-day absence (skipping, arriving late, leaving early), period by period.",
    ),
    Measure(
        "secondary.class_minutes_lost_share",
        "Class time lost",
        "share of planned class minutes",
        ("value",),
        (ALL, "period"),
        "pct",
        -1,
        "Share of the class sections' planned minutes lost, period by period: to closures, "
        "drills and other friction, or because nobody covered an absent teacher's class.",
    ),
    Measure(
        "workload.planning_minutes_per_teacher_week",
        "Planning minutes per teacher per week",
        "minutes per teacher per week",
        ("planned", "realized"),
        (ALL,),
        "num0",
        1,
        "Individual planning time teachers actually kept.",
        neutral=("planned",),
    ),
    Measure(
        "workload.collaboration_minutes_per_teacher_week",
        "Collaboration minutes per teacher per week",
        "minutes per teacher per week",
        ("planned", "realized"),
        (ALL,),
        "num0",
        1,
        "Time teachers actually spent planning and reviewing data together.",
        neutral=("planned",),
    ),
    Measure(
        "ledger",
        "Planned, delivered and lost time",
        "minutes a year (observations for activity=observation)",
        ("planned", "delivered", "lost", REASON, "unused"),
        ("activity",),
        "num0",
        0,
        "The ledger of each activity: planned = delivered + lost + unused, to the minute, with "
        "lost (to friction) split by reason; unused is time set aside that nothing needed.",
        whole_school=True,
    ),
    Measure(
        "ledger.lost_share",
        "Time lost",
        "share of planned time lost",
        ("lost", REASON, "unused"),
        ("activity",),
        "pct",
        -1,
        "Share of an activity's planned time that friction took: in all (lost) and by reason; "
        "unused is the share set aside that nothing needed (not friction).",
        neutral=("unused",),
        notes=(
            Note(
                "lost",
                "Share of planned teaching minutes that did not happen, whatever the reason.",
                "activity=instruction",
            ),
        ),
    ),
    *(
        Measure(
            f"learning.{subject}_{unit}",
            f"Estimated effect on {subject}{label}",
            words,
            ("value",),
            (ALL, "tier"),
            kind,
            1,
            f"What the year's delivered tutoring, coaching, team leadership, class size and "
            f"absences are worth in {subject}, against none of them, at the central effect "
            "sizes of published studies (docs/outcomes.md): an estimate from those studies, "
            "not a prediction for your school. Read the differences between arrangements.",
            everyone="all students",
            abbrev=f"{subject[:4]} {abbrev}",
            signed=True,
        )
        for subject in ("reading", "math")
        for unit, label, words, kind, abbrev in LEARNING_UNITS
    ),
    Measure(
        "learning.tutored_share",
        "Students tutored at the dosage threshold",
        "share of students",
        ("value",),
        (ALL, "tier"),
        "pct",
        1,
        "Share of students who received, on average over the year, at least the threshold's "
        "small-group sessions a week (3 scheduled, 90% delivered, by default): those the "
        "estimate counts as tutored.",
        everyone="all students",
    ),
    Measure(
        "learning.small_group_cost_per_scheduled_hour",
        "Small-group cost per scheduled hour",
        "dollars per adult hour scheduled",
        ("value",),
        (ALL,),
        "money",
        -1,
        "The recurring cost of small-group time (each role's cost times the share of its day "
        "set for small groups) over the adult hours of small groups in the schedules.",
        empty="no small-group hours",
    ),
    Measure(
        "learning.small_group_cost_per_delivered_hour",
        "Small-group cost per delivered hour",
        "dollars per adult hour delivered",
        ("value",),
        (ALL,),
        "money",
        -1,
        "The same cost over the adult hours of small groups actually held, after absences, "
        "coverage, vacancies, closures and testing, and time no student was free for.",
        empty="no small-group hours",
    ),
    Measure(
        "learning.cost_per_student_at_target",
        "Small-group cost per student reaching the dosage target",
        "dollars per student",
        ("value",),
        (ALL,),
        "money",
        -1,
        # 10: learning.figures.FEWEST_AT_TARGET (not imported: it would load the learning
        # estimate wherever the catalogue is read; tests/test_learning.py checks they agree)
        "The cost of small-group time over the students with a dosage target who received at "
        "least 90% of it; given only when at least 10 did (fewer: a per-student cost resting on "
        "a handful of students).",
        empty="fewer than 10 reached it",
    ),
)
CATALOGUE: dict[str, Measure] = {m.name: m for m in MEASURES}
assert len(CATALOGUE) == len(MEASURES), "two catalogue entries share a name"


def measure(name: str) -> Measure:
    """The catalogue entry of a metric; KeyError names the metric."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise KeyError(f"'{name}' is not in the measures catalogue") from None


def budget_measures() -> list[Measure]:
    """The budget's headline figures, in the order every output lists them."""
    return [m for m in MEASURES if m.exact is not None]


def difference_label(entry: Measure) -> str:
    """How a budget figure's difference from the baseline is labelled everywhere."""
    return f"{entry.label}, difference from baseline"


def budget_rows() -> list[tuple[Measure, str, str, bool]]:
    """Every headline budget figure, each followed by its difference from the baseline, as
    every output lists them: (entry, column of the budget totals, label, is a difference)."""
    rows = []
    for entry in budget_measures():
        assert entry.exact is not None
        total, difference = entry.exact
        rows += [(entry, total, entry.label, False)]
        rows += [(entry, difference, difference_label(entry), True)]
    return rows


def exact_budget() -> dict[str, tuple[str, str]]:
    """Budget metrics whose comparison value is the exact total: metric -> (total, difference)
    columns of Comparison.budget_totals."""
    return {m.name: m.exact for m in MEASURES if m.exact is not None}


def triples() -> Iterator[tuple[str, str, str]]:
    """Every valid (metric, group kind, statistic), loss reasons spelled out."""
    for m in MEASURES:
        for kind in m.groups:
            for statistic in m.statistic_names():
                yield (m.name, kind, statistic)


def group_names(scenario: Scenario) -> dict[str, set[str]]:
    """The names each kind of group may take in a scenario (what follows 'kind=')."""
    roles = set(scenario.roles)
    days = [s.periods for s in scenario.schools if s.periods is not None]
    return {
        "role": roles,
        "tier": {t.name for s in scenario.schools for t in s.need_tiers},
        "by": roles | {SUBSTITUTE, LONG_TERM_SUBSTITUTE, SPLIT, UNCOVERED},
        "activity": set(ACTIVITY_LABELS) | set(ACTIVITIES),
        "level": {d.level for d in days},
        "course": {c.name for d in days for c in d.courses},
        "period": {str(p + 1) for d in days for p in range(d.periods_per_day)},
        "band": {name for name, *_ in ATTENDANCE_BANDS},
        "notice": {name for name, *_ in NOTICE_BANDS},
        "school": {s.name for s in scenario.schools},
    }


def is_figure(metric: str, group: str, statistic: str, names: dict[str, set[str]]) -> bool:
    """Whether (metric, group, statistic) is a figure of the catalogue, with group names from
    `names` (see group_names)."""
    entry = CATALOGUE.get(metric)
    if entry is None or not entry.has_statistic(statistic):
        return False
    if group == ALL:
        return ALL in entry.groups
    kind, _, value = group.partition("=")
    return kind in entry.groups and value in names.get(kind, set())


def check_figure(scenario: Scenario, metric: str, group: str, statistic: str) -> None:
    """ValueError naming what is wrong, with the closest valid name, unless (metric, group,
    statistic) is a figure a run of the scenario may produce."""
    entry = CATALOGUE.get(metric)
    if entry is None:
        raise ValueError(
            f"'{metric}' is not a metric{suggest(metric, CATALOGUE)} (see `simulate metrics`)"
        )
    if not entry.has_statistic(statistic):
        names = entry.statistic_names()
        raise ValueError(
            f"{metric} has no statistic '{statistic}'{suggest(statistic, names)} "
            f"(it has: {', '.join(names)})"
        )
    names_by_kind = group_names(scenario)
    if not is_figure(metric, group, statistic, names_by_kind):
        groups = [
            g
            for kind in entry.groups
            for g in (
                [ALL] if kind == ALL else [f"{kind}={n}" for n in sorted(names_by_kind[kind])]
            )
        ]
        raise ValueError(
            f"{metric} has no group '{group}' in this scenario{suggest(group, groups)} "
            f"(it has: {', '.join(groups)})"
        )


def figures(scenario: Scenario) -> Iterator[tuple[str, str, str]]:
    """Every figure a run of the scenario may produce: (metric, group, statistic)."""
    names = group_names(scenario)
    for metric, kind, statistic in triples():
        groups = [ALL] if kind == ALL else [f"{kind}={n}" for n in sorted(names[kind])]
        for group in groups:
            yield (metric, group, statistic)


def frame() -> pd.DataFrame:
    """The catalogue as a table, one row per metric (for `simulate metrics`)."""
    better = {1: "higher", -1: "lower", 0: "neither"}
    rows = []
    for m in MEASURES:
        direction = better[m.better]
        if m.better and m.neutral:
            direction += f" ({', '.join(m.neutral)}: neither)"
        rows.append(
            {
                "name": m.name,
                "label": m.label,
                "statistics": ", ".join(m.statistics),
                "groups": ", ".join(g if g == ALL else f"{g}=<{g}>" for g in m.groups),
                "unit": m.unit,
                "format": m.kind,
                "better": direction,
                "explanation": m.explain,
            }
        )
    return pd.DataFrame(rows)
