"""Which figures the report shows: rows of metric tables, their words and formats from the
measures catalogue, and the key figures of the summary."""

from __future__ import annotations

from dataclasses import dataclass

from simulate.measures.catalogue import ALL, Measure, group_title, measure, statistic_word
from simulate.measures.formats import Kind


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


def row(
    entry: Measure, statistic: str = "value", group: str = ALL, label: str = "", explain: str = ""
) -> Row:
    """A table row of one figure: format and better-direction from its catalogue entry; the
    label (default: the entry's) and explanation composed by the caller from the entry's words."""
    return Row(
        label or entry.label,
        entry.name,
        group,
        statistic,
        entry.kind_of(statistic),
        explain,
        entry.better_for(statistic),
    )


def headline(metric: str, statistic: str = "value", group: str = ALL, note: bool = False) -> Row:
    """A key figure: the metric's label (after its group's name, for a group other than all),
    explained by the metric's explanation, or by the statistic's note if `note`."""
    entry = measure(metric)
    label = entry.label if group == ALL else f"{group_title(group)} {entry.label.lower()}"
    if statistic in ("max", "min"):  # the same metric's other row: say which end it shows
        label = f"{label}, {statistic_word(statistic)}"
    explain = entry.note(statistic, group) if note else entry.explain
    return row(entry, statistic, group, label, explain)


KEY_ROWS = [
    headline("budget.per_pupil"),
    headline("budget.total", note=True),
    headline("coaching.observations_per_teacher_week", "realized"),
    headline("coaching.teacher_weeks_observed_share"),
    headline("small_group.minutes_per_student_week", "mean"),
    headline("small_group.target_delivered_share"),
    headline("small_group.reaching_target_share"),
    headline("class_size.students_per_homeroom", "mean"),
    headline("class_size.students_per_homeroom", "max", note=True),
    headline("class_size.students_per_teacher"),
    headline("relationships.adults_per_student", "mean"),
    headline("reach.students_on_led_teams_share"),
    headline("coverage.substitute_fill_rate"),
    headline("ledger.lost_share", "lost", "activity=instruction", note=True),
    headline("workload.planning_minutes_per_teacher_week", "realized"),
    headline("workload.collaboration_minutes_per_teacher_week", "realized"),
]
