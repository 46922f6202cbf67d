"""How charts look and how they are embedded: plotly.js is on the page once; each chart is a
JSON spec in a <script type="application/json"> drawn by one small loader (see shell.py).
"""

from __future__ import annotations

from .figures import clip

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
    return clip(name, limit)
