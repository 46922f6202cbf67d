"""How charts look and how they are embedded: plotly.js is on the page once; each chart is a
JSON spec in a <script type="application/json"> drawn by one small loader (see shell.py).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.io.json import to_json_plotly

from .kit import clip, script_json

Interval = tuple[float, float, float]  # (mean, ci_low, ci_high), as Comparison.value gives it

BASELINE_COLOR = "#6b7280"
PALETTE = [
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#d55e00",
    "#56b4e9",
    "#8c564b",
    "#7f3c8d",
    "#b8860b",
    "#1b9e77",
]
REASON_COLORS = [
    "#d55e00",
    "#e69f00",
    "#0072b2",
    "#56b4e9",
    "#009e73",
    "#cc79a7",
    "#8c564b",
    "#999999",
    "#7f3c8d",
    "#b8860b",
]
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif"
INK = "#111827"  # error bars, target lines and markers that belong to no scenario


def style(fig: go.Figure, title: str, xtitle: str, ytitle: str) -> None:
    """The report's look: title top left, legend under it, light grid, the page's font.

    The look is laid under the figure's own layout when it is embedded, so what a section
    sets afterwards still wins: plotly checks every layout key it is given, which made styling
    a third of the report's time. Only the template is set here (plotly would add its own)."""
    fig.update_layout(template="none")
    fig._look = {  # a plotly figure takes attributes that start with "_"
        "title": {
            "text": title,
            "x": 0,
            "xanchor": "left",
            "xref": "container",
            "y": 1,
            "yanchor": "top",
            "yref": "container",
            "pad": {"t": 8, "l": 4},
            "font": {"size": 15},
        },
        "font": {"family": FONT, "size": 12, "color": "#1f2937"},
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "hoverlabel": {"font": {"family": FONT}},
        "xaxis": {
            "title": {"text": xtitle},
            "automargin": True,
            "showgrid": False,
            "linecolor": "#9ca3af",
        },
        "yaxis": {
            "title": {"text": ytitle},
            "automargin": True,
            "gridcolor": "#e5e7eb",
            "zerolinecolor": "#9ca3af",
        },
    }


def embed(fig: go.Figure, fig_id: str, height: int, width: int) -> str:
    """The chart as HTML; the legend sits between title and plot, with room for its rows.

    `width` is the plot's width in pixels, which decides how many rows the legend takes.
    """
    names = [t.name for t in fig.data if t.showlegend is not False and t.name]
    rows = legend_rows([html.unescape(n) for n in names], width)
    spec = fig.to_dict()
    spec["layout"] = {
        **_under(getattr(fig, "_look", {}), spec["layout"]),
        "height": height + 22 * rows,
        "margin": {"l": 60, "r": 20, "t": 44 + 22 * rows, "b": 50},
    }
    return (
        f'<figure class="chart"><div class="plot" id="{fig_id}" '
        f'style="height:{height + 22 * rows}px"></div>'
        f'<script type="application/json" data-for="{fig_id}">'
        f"{script_json(to_json_plotly(spec))}</script></figure>"
    )


def _under(look: dict[str, Any], layout: dict[str, Any]) -> dict[str, Any]:
    """`layout` over `look`, key by key at every depth."""
    merged = dict(look)
    for key, value in layout.items():
        below = merged.get(key)
        if isinstance(below, dict) and isinstance(value, dict):
            value = _under(below, value)
        merged[key] = value
    return merged


def error_bars(values: Sequence[Interval | None], **look: Any) -> dict[str, Any]:
    """plotly error bars from (middle, low, high) triples, none where a value is missing."""
    return {
        "type": "data",
        "array": [v[2] - v[0] if v else 0 for v in values],
        "arrayminus": [v[0] - v[1] if v else 0 for v in values],
        **(look or {"color": INK, "thickness": 1.2}),
    }


def ci_text(value: Interval, form: str) -> str:
    """'2.10 (95% CI 1.90–2.30)' for a hover label, each number in `form` (a format spec)."""
    mean, low, high = (format(v, form) for v in value)
    return f"{mean} (95% CI {low}–{high})"


def legend_rows(names: list[str], width: int) -> int:
    """How many rows a horizontal plotly legend of these names takes (7 px a character)."""
    rows, used = (1 if names else 0), 0
    for name in names:
        item = 46 + 7 * len(name)
        if used and used + item > width:
            rows, used = rows + 1, 0
        used += item
    return rows


def short(name: str, limit: int = 34) -> str:
    """A scenario name short enough to label a chart axis."""
    return clip(name, limit)
