"""The budget page's chart: cost against money in per projected year, as inline SVG.

Drawn on the server from the projection's numbers (no script, no library): for each year a
cost bar (recurring, then one-off on top) and a revenue bar (recurring, then grants on top),
and a dashed line at the grant cliff.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from simulate.measures.formats import fmt

WIDTH, HEIGHT = 760, 320
LEFT, RIGHT, TOP, BOTTOM = 80, 20, 30, 50
COLOURS = {
    "recurring cost": "#c0504d",
    "one-off cost": "#e6a5a3",
    "recurring revenue": "#4f81bd",
    "grant revenue": "#a7c0de",
}


@dataclass(frozen=True)
class YearBars:
    label: str
    recurring_cost: float
    one_off_cost: float
    recurring_revenue: float
    grant_revenue: float


def projection_chart(years: Sequence[YearBars], cliff_year: int | None) -> str:
    """An SVG chart (a string of markup; every text in it is escaped)."""
    if not years:
        return ""
    top = max(
        max(y.recurring_cost + y.one_off_cost, y.recurring_revenue + y.grant_revenue) for y in years
    )
    top = _nice(top)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(years)
    bar = slot * 0.32

    def y_of(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'role="img" aria-label="Cost and revenue by projection year" class="chart">'
    ]
    for k in range(5):
        value = top * k / 4
        y = y_of(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{escape(fmt(value, 'money'))}</text>"
        )
    for k, year in enumerate(years):
        x0 = LEFT + slot * k + slot * 0.15
        stacks = (
            (x0, (("recurring cost", year.recurring_cost), ("one-off cost", year.one_off_cost))),
            (
                x0 + bar + 4,
                (
                    ("recurring revenue", year.recurring_revenue),
                    ("grant revenue", year.grant_revenue),
                ),
            ),
        )
        for x, pieces in stacks:
            base = 0.0
            for name, value in pieces:
                if value <= 0:
                    continue
                y1, y0 = y_of(base + value), y_of(base)
                parts.append(
                    f'<rect x="{x:.1f}" y="{y1:.1f}" width="{bar:.1f}" height="{y0 - y1:.1f}" '
                    f'fill="{COLOURS[name]}"><title>{escape(year.label)}: {name} '
                    f"{escape(fmt(value, 'money'))}</title></rect>"
                )
                base += value
        parts.append(
            f'<text x="{LEFT + slot * (k + 0.5):.1f}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="middle" font-size="11">{escape(year.label)}</text>'
        )
        if cliff_year == k + 1:
            x = LEFT + slot * k + 2
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP - 10}" y2="{TOP + plot_h}" '
                'stroke="#333" stroke-dasharray="4 3"/>'
                f'<text x="{x + 4:.1f}" y="{TOP - 14}" font-size="11">grant cliff</text>'
            )
    legend_x = LEFT
    for name, colour in COLOURS.items():
        parts.append(
            f'<rect x="{legend_x}" y="{HEIGHT - 18}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="{HEIGHT - 9}" font-size="11">{name}</text>'
        )
        legend_x += 150
    parts.append("</svg>")
    return "".join(parts)


def _nice(value: float) -> float:
    """A round top for the axis, at or above value."""
    if value <= 0:
        return 1.0
    step = 10 ** (len(str(int(value))) - 1)
    return float((int(value / step) + 1) * step)
