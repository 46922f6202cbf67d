"""Coverage and losses: what friction cost each activity, by reason, and who covered absences."""

from __future__ import annotations

import plotly.graph_objects as go

from simulate.measures.catalogue import LOST, REASONS, capital, measure
from simulate.measures.catalogue import statistic_word as word

from ..charts import REASON_COLORS, style
from ..context import Page, Section
from ..figures import row
from ..kit import esc

LOST_SHARE = measure("ledger.lost_share")
LEDGER = measure("ledger")
ABSENCES = measure("coverage.absences")
FILL_RATE = measure("coverage.substitute_fill_rate")
SUBSTITUTE_DAYS = measure("coverage.substitute_days")
COVERED_BY = measure("coverage.minutes")
DRILLS = measure("drills.instruction_minutes_per_classroom")
ABSENT = measure("absence.days_per_adult")
DUTIES = measure("coverage.duties_per_adult")


def chart(page: Page, activities: list[str], reasons: list[str]) -> go.Figure:
    """Share of each activity's planned time lost, stacked by reason, per scenario."""
    ys = [  # two-level axis: activity, then scenario
        [esc(page.group_title(a)) for a in activities for _ in page.names],
        page.labels() * len(activities),
    ]
    fig = go.Figure()
    for i, reason in enumerate(reasons):
        xs, text = [], []
        for activity in activities:
            for name in page.names:
                share = page.mean(name, LOST_SHARE.name, activity, f"{LOST}{reason}")
                amount = page.mean(name, LEDGER.name, activity, f"{LOST}{reason}")
                unit = "observations" if activity == "activity=observation" else "hours"
                amount = amount if unit == "observations" else amount / 60
                xs.append(share)
                text.append(f"{esc(name)}: {share:.1%} of planned ({amount:,.0f} {unit} a year)")
        fig.add_bar(
            y=ys,
            x=xs,
            orientation="h",
            name=esc(reason.replace("_", " ")),
            marker={"color": REASON_COLORS[i % len(REASON_COLORS)]},
            customdata=text,
            hovertemplate="%{customdata}<extra>" + esc(reason.replace("_", " ")) + "</extra>",
        )
    style(fig, "What friction cost each activity, by reason", f"{capital(LOST_SHARE.unit)} (%)", "")
    fig.update_layout(
        barmode="stack",
        xaxis={"tickformat": ".0%", "rangemode": "tozero"},
        yaxis={"autorange": "reversed", "automargin": True},
    )
    return fig


def covered_by_table(page: Page) -> str:
    groups = page.groups(COVERED_BY.name, prefix="by=")
    if not groups:
        return ""
    rows = [
        row(COVERED_BY, "value", g, label=f"{page.group_title(g)} ({COVERED_BY.unit})")
        for g in groups
    ]
    return f"<h3>{esc(COVERED_BY.label)}</h3>" + page.metric_table(rows)


def per_adult_table(page: Page) -> str:
    """How absence and coverage fall on the adults: the spread over everyone, then each
    covering role's mean, so a board sees who carries the coverage as well as how much."""
    rows = [
        row(entry, statistic, label=f"{entry.label}, {word(statistic)} ({entry.unit})")
        for entry in (ABSENT, DUTIES)
        for statistic in entry.statistics
        if statistic in ("mean", "p90", "max")
    ]
    rows += [
        row(DUTIES, statistic, label=f"{DUTIES.label}: {word(statistic)}")
        for statistic in ("gini", "top10")
    ]
    rows += [
        row(DUTIES, "mean", g, label=f"{DUTIES.label}, {page.group_title(g)} ({DUTIES.unit})")
        for g in page.groups(DUTIES.name, prefix="role=")
    ]
    return "<h3>Absence and coverage per adult</h3>" + page.metric_table(rows)


def content(page: Page) -> str:
    c = page.c
    activities = page.groups(LOST_SHARE.name, prefix="activity=")
    statistics = c.summary[c.summary.metric == LOST_SHARE.name].statistic
    reasons = sorted({s.removeprefix(LOST) for s in statistics if s.startswith(LOST)})
    height = 150 + 24 * len(activities) * len(page.names)
    rows = [
        row(LOST_SHARE, "lost", a, label=f"{page.group_title(a)}: {word('lost')}")
        for a in activities
    ]
    rows += [  # time set aside that nothing needed: not friction, shown apart
        row(LOST_SHARE, "unused", a, label=f"{page.group_title(a)}: {word('unused')}")
        for a in activities
        if any(page.mean(n, LOST_SHARE.name, a, "unused") for n in page.names)
    ]
    rows += [
        row(ABSENCES, "count", label=f"{ABSENCES.label} ({word('count')})"),
        row(FILL_RATE),
        row(SUBSTITUTE_DAYS, "count", label=f"{SUBSTITUTE_DAYS.label} ({word('count')})"),
    ]
    if any(page.mean(n, DRILLS.name, "all", "value") for n in page.names):
        rows.append(row(DRILLS, label=f"{DRILLS.label} ({DRILLS.unit})"))
    glossary = "".join(
        f"<li><b>{esc(r.replace('_', ' '))}</b>: {REASONS.get(r, 'as recorded by the engine')}</li>"
        for r in reasons
    )
    return (
        page.figure(chart(page, activities, reasons), height)
        + f'<ul class="glossary">{glossary}</ul>'
        + page.metric_table(rows)
        + covered_by_table(page)
        + per_adult_table(page)
    )


SECTION = Section(
    "coverage",
    "Coverage and losses",
    "Coverage and losses",
    "Every planned minute is either delivered or lost for a reason. This is what a "
    "spreadsheet cannot show: when a teacher is out and no substitute comes, a "
    "colleague covers, and what that colleague had planned is lost.",
    content,
)
