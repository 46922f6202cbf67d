"""Middle and high schools: the period day's sections, who took the classes of absent
teachers and what that cost, tutoring periods, and classes missed period by period. Shown
only when a scenario of the comparison has a school with a period day."""

from __future__ import annotations

import plotly.graph_objects as go

from simulate.measures.catalogue import ALL, Measure, capital, measure
from simulate.measures.catalogue import statistic_word as word

from ..charts import style
from ..context import Page, Section
from ..figures import Row, row
from ..kit import esc

CLASS_SIZE = measure("secondary.class_size")
PER_DAY = measure("secondary.students_per_teacher_day")
SECTIONS_TAUGHT = measure("secondary.sections_per_teacher")
UNSCHEDULED = measure("secondary.unscheduled_share")
AWAY = measure("secondary.teacher_away_periods")
AWAY_BY = measure("secondary.away_periods_by")
COVERED = measure("secondary.covered_periods_per_teacher")
COST = measure("secondary.away_period_cost")
TUTORING = measure("secondary.tutoring_sessions_per_student_week")
MISSED = measure("secondary.class_absence_share")
LOST = measure("secondary.class_minutes_lost_share")


def shown(page: Page) -> bool:
    return any(school.periods is not None for r in page.c.results for school in r.scenario.schools)


def figure(entry: Measure, statistic: str = "value", group: str = ALL, name: str = "") -> Row:
    """A row in the planner's words: what it counts (the metric's label, or `name` for a
    group), which figure of it (unless the unit says it), and its unit; a metric's own row is
    explained by the statistic's note or the metric's explanation, a group's row is not."""
    words, which = name or entry.label, word(statistic)
    if which and which not in entry.unit:
        words += f", {which}"
    explain = "" if name else entry.note(statistic, group) or entry.explain
    return row(entry, statistic, group, f"{words} ({entry.unit})", explain)


def by_period(page: Page) -> go.Figure:
    """Classes students missed, period by period, one line per scenario."""
    periods = page.groups(MISSED.name, prefix="period=")
    fig = go.Figure()
    for name in page.names:
        fig.add_scatter(
            x=[esc(page.group_title(p)) for p in periods],
            y=[page.mean(name, MISSED.name, p) for p in periods],
            mode="lines+markers",
            name=esc(name),
            line={"color": page.colors[name]},
            hovertemplate=f"{esc(name)}<br>%{{x}}: %{{y:.1%}}<extra></extra>",
        )
    style(fig, MISSED.label + ", period by period", "", capital(MISSED.unit))
    fig.update_layout(yaxis={"tickformat": ".0%", "rangemode": "tozero"})
    return fig


def grouped(page: Page, entry: Measure, kind: str, statistic: str = "value") -> list[Row]:
    """One row per group of a kind (level, course, period, coverer) the scenarios have."""
    return [
        figure(entry, statistic, g, f"{entry.label}: {page.group_title(g)}")
        for g in page.groups(entry.name, prefix=f"{kind}=")
    ]


def content(page: Page) -> str:
    rows = [figure(CLASS_SIZE, s) for s in CLASS_SIZE.statistics]
    rows += grouped(page, CLASS_SIZE, "level", "mean")
    rows += [figure(PER_DAY, s) for s in PER_DAY.statistics]
    rows += [figure(SECTIONS_TAUGHT, "mean"), figure(UNSCHEDULED)]
    rows += [figure(AWAY, "count"), *grouped(page, AWAY_BY, "by")]
    rows += [figure(COVERED, s) for s in COVERED.statistics]
    rows += [figure(COST, s) for s in COST.statistics]
    rows += [figure(TUTORING, s) for s in TUTORING.statistics]
    rows += [figure(MISSED), figure(LOST)]
    by_course = grouped(page, CLASS_SIZE, "course", "mean")
    by_period_rows = grouped(page, MISSED, "period") + grouped(page, LOST, "period")
    return (
        page.metric_table(rows)
        + page.figure(by_period(page), 320)
        + page.metric_table(by_period_rows, collapsed=True)
        + f"<h3>{esc(CLASS_SIZE.label)} by course</h3>"
        + page.metric_table(by_course)
    )


SECTION = Section(
    "periods",
    "Middle and high schools",
    "Middle and high schools: periods and sections",
    "In a school with a period day a teacher teaches some periods and plans in others, and "
    "students move between sections. When a teacher is out and no substitute comes, each of "
    "the class's periods is covered on its own, by a colleague who gives up a planning "
    "period (at most a set number a week, whoever has covered least first), or not at all.",
    content,
    shown,
)
