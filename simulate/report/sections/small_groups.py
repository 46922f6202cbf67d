"""Small groups: minutes per student by need tier against each tier's target, who reaches it,
how much of it was delivered, and who delivered the minutes."""

from __future__ import annotations

import plotly.graph_objects as go

from simulate.measures.catalogue import capital, measure
from simulate.measures.catalogue import statistic_word as word

from ..charts import INK, Interval, ci_text, error_bars, style
from ..context import Page, Section, group_value
from ..figures import Row, row
from ..kit import esc

MINUTES = measure("small_group.minutes_per_student_week")
REACHING = measure("small_group.reaching_target_share")
DELIVERED = measure("small_group.target_delivered_share")
SHORTFALL = measure("small_group.shortfall_minutes_week")
DELIVERED_BY = measure("small_group.delivered_by_share")


def minutes_chart(page: Page, tiers: list[str], targets: dict[str, float]) -> go.Figure:
    """Median and middle 80% of students per tier and scenario, with each tier's target."""
    c = page.c
    labels = [capital(MINUTES.everyone)] + [esc(group_value(t)) for t in tiers]
    fig = go.Figure()
    for name in page.names:
        spread: list[Interval | None] = []  # (median, 10th, 90th percentile)
        text = []
        for group in ["all", *tiers]:
            mean, p10, p50, p90 = (
                c.value(name, MINUTES.name, group, s) for s in ("mean", "p10", "p50", "p90")
            )
            if mean is None or p10 is None or p50 is None or p90 is None:
                spread.append(None)
                text.append("")
                continue
            spread.append((p50[0], p10[0], p90[0]))
            text.append(
                f"median {p50[0]:.0f}, middle 80% {p10[0]:.0f}–{p90[0]:.0f}<br>"
                f"mean {ci_text(mean, '.0f')}"
            )
        fig.add_scatter(
            x=labels,
            y=[v[0] if v else None for v in spread],
            name=esc(name),
            mode="markers",
            offsetgroup=name,
            customdata=text,
            marker={"color": page.colors[name], "size": 12, "line": {"color": "white", "width": 1}},
            error_y=error_bars(spread, color=page.colors[name], thickness=3, width=0),
            hovertemplate=f"{esc(name)}<br>%{{x}}: %{{customdata}}<extra>{MINUTES.unit}</extra>",
        )
    for i, tier in enumerate(tiers):
        target = targets.get(group_value(tier))
        if target:
            fig.add_shape(
                type="line",
                x0=i + 0.55,
                x1=i + 1.45,
                y0=target,
                y1=target,
                xref="x",
                yref="y",
                line={"color": INK, "dash": "dash"},
            )
            fig.add_annotation(
                x=i + 1,
                y=target,
                text=f"target {target:g}",
                showarrow=False,
                yshift=10,
                font={"size": 11, "color": INK},
            )
    style(
        fig,
        f"{MINUTES.label}: {word('p50')} (dot) and the middle 80% of students (bar)",
        "Students",
        capital(MINUTES.unit),
    )
    fig.update_layout(scattermode="group", yaxis={"rangemode": "tozero"})
    return fig


def reaching_chart(page: Page, tiers: list[str], targets: dict[str, float]) -> go.Figure:
    """Share of students reaching 90% of their target, for the tiers that have one."""
    groups = ["all", *[t for t in tiers if targets.get(group_value(t), 1)]]
    labels = [capital(REACHING.everyone)] + [esc(group_value(t)) for t in groups[1:]]
    fig = go.Figure()
    for name in page.names:
        found = [page.c.value(name, REACHING.name, g) for g in groups]
        fig.add_bar(
            x=labels,
            y=[v[0] if v else None for v in found],
            name=esc(name),
            marker={"color": page.colors[name]},
            customdata=[ci_text(v, ".1%") if v else "" for v in found],
            error_y=error_bars(found),
            hovertemplate=f"{esc(name)}<br>%{{x}}: %{{customdata}}<extra></extra>",
            texttemplate="%{y:.0%}",
            textposition="outside",  # a 0% bar still shows its 0%
            cliponaxis=False,
            textfont={"size": 10},
        )
    style(
        fig,
        "Students who got at least 90% of their weekly small-group target",
        "Need tier",
        f"{capital(REACHING.unit)} (%)",
    )
    fig.update_layout(barmode="group", yaxis={"tickformat": ".0%", "rangemode": "tozero"})
    return fig


def delivered_by_chart(page: Page) -> str:
    parts = [
        (
            page.role_title(group_value(role)),
            [page.mean(n, DELIVERED_BY.name, role) for n in page.names],
        )
        for role in page.groups(DELIVERED_BY.name, prefix="role=")
    ]
    return page.stacked_bars(
        page.labels(),
        parts,
        ": %{x:.1%} of small-group minutes",
        DELIVERED_BY.label,
        f"{capital(DELIVERED_BY.unit)} (%)",
        xaxis={"tickformat": ".0%", "range": [0, 1]},
        half=True,
    )


def rows(page: Page, tiers: list[str]) -> list[Row]:
    m = MINUTES
    out = [row(m, "mean", label=f"{capital(word('mean'))}, {m.everyone}")]
    for tier in tiers:
        title = page.group_title(tier)
        out += [
            row(m, s, tier, label=f"{title}: {word(s)}", explain=m.note(s, tier))
            for s in m.statistics
        ]
        if page.dosage_targets().get(group_value(tier)):
            out += [
                row(REACHING, "value", tier, label=f"{title}: {REACHING.short}"),
                row(DELIVERED, "value", tier, label=f"{title}: {DELIVERED.short}"),
                row(SHORTFALL, "mean", tier, label=f"{title}: {SHORTFALL.short}"),
            ]
    return out


def content(page: Page) -> str:
    targets = page.dosage_targets()
    order = [f"tier={t}" for t in targets]  # tiers as the scenarios list them, then others
    tiers = sorted(
        page.groups(MINUTES.name, prefix="tier="),
        key=lambda g: order.index(g) if g in order else len(order),
    )
    minutes = minutes_chart(page, tiers, targets)
    reaching = reaching_chart(page, tiers, targets)
    delivered = delivered_by_chart(page)  # drawn first: figures are numbered as they are made
    return (
        page.figure(minutes, 440)
        + '<div class="two">'
        + page.figure(reaching, 320, half=True)
        + delivered
        + "</div>"
        + page.metric_table(rows(page, tiers), collapsed=True)
    )


SECTION = Section(
    "small-groups",
    "Small groups",
    "Small-group minutes",
    "Small-group time is where students with the most need catch up. The dot is the "
    "typical (median) student, the bar spans the middle 80% of students, and the dashed "
    "line is each tier's weekly target. A student reaches the target with at least 90% of "
    "it; the share delivered counts each student's minutes up to the target.",
    content,
)
