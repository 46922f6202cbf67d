"""Which figures the report shows, and how each is written for a reader.

Every user string is escaped (html.escape for markup, \\u003c-style escapes for JSON inside
<script>).
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["money", "pct", "num0", "num1", "num2"]  # how a figure is written (see fmt)
DIGITS: dict[str, int] = {"money": 0, "pct": 1, "num0": 0, "num1": 1, "num2": 2}  # as shown

ACTIVITY_LABELS = {
    "instruction": "Instruction",
    "small_group": "Small groups",
    "coaching": "Coaching time",
    "observation": "Observations",
    "planning": "Planning",
    "collaboration": "Collaboration",
    "supervision": "Supervision",
    "online": "Online stations",
}
REASONS = {
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
}


@dataclass(frozen=True)
class Row:
    """One figure shown in a metric table: where it lives in summary.csv and how to read it."""

    label: str
    metric: str
    group: str = "all"
    statistic: str = "value"
    kind: Kind = "num1"
    explain: str = ""
    better: int = 0  # +1 higher is better, -1 lower is better, 0 neither

    @property
    def key(self) -> tuple[str, str, str]:
        """(metric, group, statistic), the figure's address in Comparison.value/difference."""
        return (self.metric, self.group, self.statistic)


KEY_ROWS = [
    Row(
        "Annual cost per pupil",
        "budget.per_pupil",
        kind="money",
        explain="What the staffing model costs each year for each enrolled student: salaries, "
        "supplements, benefits, hourly staff, substitutes, devices and software.",
    ),
    Row(
        "Annual cost, all schools",
        "budget.total",
        kind="money",
        explain="The same cost for the whole enrollment of the scenario.",
    ),
    Row(
        "Observations per teacher per week",
        "coaching.observations_per_teacher_week",
        statistic="realized",
        kind="num2",
        better=1,
        explain="How often a coach, teacher-leader or principal actually watched each teacher "
        "teach, after absences, coverage and testing took their share.",
    ),
    Row(
        "Teacher-weeks with an observation",
        "coaching.teacher_weeks_observed_share",
        kind="pct",
        better=1,
        explain="Share of weeks in which a teacher was observed at least once.",
    ),
    Row(
        "Small-group minutes per student per week",
        "small_group.minutes_per_student_week",
        statistic="mean",
        kind="num0",
        better=1,
        explain="Minutes an average student spends each week in a small group with an adult.",
    ),
    Row(
        "Students below their dosage target",
        "small_group.below_target_share",
        kind="pct",
        better=-1,
        explain="Share of students with a small-group target (the higher need tiers) who "
        "got fewer minutes a week than that target.",
    ),
    Row(
        "Adults who know each student",
        "relationships.adults_per_student",
        statistic="mean",
        kind="num1",
        better=1,
        explain="Distinct adults who spent enough time with a student over the year to know "
        "them (see the contact threshold in the assumptions).",
    ),
    Row(
        "Students on a team led by an excellent teacher",
        "reach.students_on_led_teams_share",
        kind="pct",
        better=1,
        explain="Share of student-days spent on a team led by a multi-classroom leader.",
    ),
    Row(
        "Absences filled by a substitute",
        "coverage.substitute_fill_rate",
        kind="pct",
        better=1,
        explain="Share of teacher absences for which the district pool sent a substitute; the "
        "rest fall to colleagues, who lose what they had planned.",
    ),
    Row(
        "Instruction time lost",
        "ledger.lost_share",
        "activity=instruction",
        "lost",
        "pct",
        better=-1,
        explain="Share of planned teaching minutes that did not happen, whatever the reason.",
    ),
    Row(
        "Planning minutes per teacher per week",
        "workload.planning_minutes_per_teacher_week",
        statistic="realized",
        kind="num0",
        better=1,
        explain="Individual planning time teachers actually kept.",
    ),
    Row(
        "Collaboration minutes per teacher per week",
        "workload.collaboration_minutes_per_teacher_week",
        statistic="realized",
        kind="num0",
        better=1,
        explain="Time teachers actually spent planning and reviewing data together.",
    ),
]


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def script_json(data: Any) -> str:
    """JSON that is safe inside <script>: no <, > or & survive to close the element."""
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def fmt(value: float | None, kind: str) -> str:
    """A figure as a planner reads it: $ with thousands, percent, or rounded number."""
    if value is None or math.isnan(value):
        return "—"
    if kind == "money":
        return ("−" if value < -0.005 else "") + f"${abs(value):,.0f}"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    return f"{value:,.{DIGITS[kind]}f}".replace("-", "−")


def fmt_diff(value: float, kind: str) -> str:
    """A difference with its sign (none when it rounds to zero); shares in percentage points."""
    digits = DIGITS[kind]
    size = abs(value) * (100 if kind == "pct" else 1)
    sign = "" if round(size, digits) == 0 else ("+" if value > 0 else "−")
    text = f"{sign}${size:,.0f}" if kind == "money" else f"{sign}{size:,.{digits}f}"
    return text + (" pts" if kind == "pct" else "")


def raw(value: float) -> str:
    """Exact float for data attributes (the same digits as summary.csv)."""
    return "" if math.isnan(value) else repr(float(value))


def activity_label(group: str) -> str:
    """'activity=small_group' -> 'Small groups' (plain text, escape where used)."""
    activity = group.removeprefix("activity=")
    return ACTIVITY_LABELS.get(activity, activity.replace("_", " ").capitalize())
