"""Relationships: how many adults know each student, and how many students each adult knows."""

from __future__ import annotations

import plotly.graph_objects as go

from simulate.measures.catalogue import capital, measure
from simulate.measures.catalogue import statistic_word as word

from ..charts import INK, ci_text, error_bars, style
from ..context import Page, Section
from ..figures import row
from ..kit import esc

ADULTS = measure("relationships.adults_per_student")
STUDENTS = measure("relationships.students_per_adult")


def chart(page: Page) -> go.Figure:
    """Mean adults per student (bar, with interval) and the student with the fewest (marker)."""
    c = page.c
    means = [c.value(n, ADULTS.name, "all", "mean") for n in page.names]
    fig = go.Figure()
    fig.add_bar(
        y=page.labels(),
        x=[v[0] if v else None for v in means],
        orientation="h",
        name=f"{capital(word('mean'))} {ADULTS.unit}",
        showlegend=False,
        marker={"color": [page.colors[n] for n in page.names]},
        customdata=[ci_text(v, ".2f") if v else "" for v in means],
        error_x=error_bars(means),
        hovertemplate="%{y}<br>%{customdata}<extra></extra>",
    )
    fewest = [page.mean(n, ADULTS.name, "all", "min") for n in page.names]
    fig.add_scatter(
        y=page.labels(),
        x=fewest,
        mode="markers",
        name="Student with the fewest",
        marker={"symbol": "diamond", "size": 11, "color": INK},
        hovertemplate="%{y}<br>fewest adults for one student: %{x:.0f}<extra></extra>",
    )
    style(fig, ADULTS.label, capital(ADULTS.unit), "")
    fig.update_layout(yaxis={"autorange": "reversed"}, xaxis={"rangemode": "tozero"})
    return fig


def threshold_note(page: Page) -> str:
    """The contact threshold each scenario used, in minutes and hours (stated, not implied)."""
    by_name = {
        r.scenario.name: r.scenario.relationships.contact_threshold_minutes for r in page.c.results
    }
    values = set(by_name.values())
    if len(values) == 1:
        (minutes,) = values
        said = f"{minutes:,} minutes ({minutes / 60:g} hours)"
    else:
        said = "; ".join(f"{esc(n)}: {m:,} minutes" for n, m in by_name.items())
    return (
        f'<p class="note">An adult knows a student after {said} of teaching or small-group time '
        "actually given to that student over the year, on days the student was in school. "
        "Covering a class counts only the minutes the class was taught.</p>"
    )


def content(page: Page) -> str:
    rows = [
        row(ADULTS, s, label=f"{capital(ADULTS.unit)}, {word(s)}", explain=ADULTS.note(s))
        for s in ADULTS.statistics
    ]
    rows.append(row(STUDENTS, "mean", explain=STUDENTS.explain))
    return (
        threshold_note(page) + page.figure(chart(page), page.bars_height) + page.metric_table(rows)
    )


SECTION = Section(
    "relationships",
    "Relationships",
    "Relationships",
    "More adults who know a student means more people who notice when something is "
    "wrong, but each adult then knows more students. An adult counts once they have "
    "spent the contact threshold with a student over the year.",
    content,
)
