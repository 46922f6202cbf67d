"""Coaching: observations planned and realized by coachee role, and how quickly feedback came."""

from __future__ import annotations

import plotly.graph_objects as go

from simulate.measures.catalogue import capital, measure
from simulate.measures.catalogue import statistic_word as word

from ..charts import Interval, ci_text, error_bars, style
from ..context import Page, Section, group_value
from ..figures import row
from ..kit import esc

OBSERVATIONS = measure("coaching.observations_per_teacher_week")
OBSERVED_WEEKS = measure("coaching.teacher_weeks_observed_share")
ON_TIME = measure("coaching.feedback_on_time_share")
LATENCY = measure("coaching.feedback_latency_days")


def chart(page: Page, groups: list[str]) -> go.Figure:
    """Planned (outline) and realized (solid, with its interval) bars per coachee role."""
    c = page.c
    metric = OBSERVATIONS.name
    labels = [capital(OBSERVATIONS.everyone)]
    labels += [esc(page.role_title(group_value(g))) for g in groups]
    fig = go.Figure()
    for name in page.names:
        planned: list[float | None] = []
        realized: list[Interval | None] = []
        text = []
        for group in ["all", *groups]:
            p = c.value(name, metric, group, "planned")
            r = c.value(name, metric, group, "realized")
            if p is None or r is None or p[0] == r[0] == 0:  # nothing planned or realized
                planned.append(None)
                realized.append(None)
                text.append("")
                continue
            planned.append(p[0])
            realized.append(r)
            text.append(f"planned {p[0]:.2f}; realized {ci_text(r, '.2f')}")
        color = page.colors[name]
        fig.add_bar(
            x=labels,
            y=planned,
            name=esc(name) + " (planned)",
            offsetgroup=name,
            legendgroup=name,
            showlegend=False,
            marker={"color": "rgba(0,0,0,0)", "line": {"color": color, "width": 2}},
            hovertemplate=f"{esc(name)}<br>%{{x}}: planned %{{y:.2f}}<extra></extra>",
        )
        fig.add_bar(
            x=labels,
            y=[r[0] if r else None for r in realized],
            name=esc(name),
            offsetgroup=name,
            legendgroup=name,
            marker={"color": color},
            customdata=text,
            error_y=error_bars(realized),
            hovertemplate=f"{esc(name)}<br>%{{x}}: %{{customdata}}<extra></extra>",
        )
    style(
        fig,
        f"Classroom {OBSERVATIONS.unit}: {word('planned')} (outline) vs {word('realized')} (solid)",
        "Coachee role",
        capital(OBSERVATIONS.unit),
    )
    fig.update_layout(barmode="group")
    return fig


def content(page: Page) -> str:
    groups = page.groups(OBSERVATIONS.name, prefix="role=")
    fig = chart(page, groups)
    obs = OBSERVATIONS
    rows = [
        *[
            row(
                obs,
                s,
                label=f"{capital(word(s))}, {obs.everyone}",
                explain=obs.note(s),
            )
            for s in ("planned", "realized")
        ],
        *[
            row(obs, "realized", g, label=f"{capital(word('realized'))}: {page.group_title(g)}")
            for g in groups
        ],
        row(OBSERVED_WEEKS),
        row(ON_TIME, explain=ON_TIME.explain),
        *[
            row(
                LATENCY,
                s,
                label=f"{LATENCY.label}, {word(s)} ({LATENCY.unit})",
                explain=LATENCY.explain if s == "mean" else "",
            )
            for s in LATENCY.statistics
        ],
    ]
    return page.figure(fig, 440) + page.metric_table(rows)


SECTION = Section(
    "coaching",
    "Coaching",
    "Coaching",
    "Frequent observation with quick feedback is the engine of teacher growth in team "
    "models. Planned is what the coaching plans ask for; realized is what survived "
    "absences, coverage duty and testing.",
    content,
)
