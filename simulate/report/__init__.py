"""One self-contained HTML report of a comparison, for a planner to read, print and forward,
the sweep's report built from the same kit, and the short table of key figures for the terminal.

Every label, unit, format and better-direction comes from the measures catalogue; every user
string is escaped by the kit.

Modules: kit (escaping, tables, sections), shell (the page frame: CSS, script, HTML), charts
(plotly styling and embedding), figures (rows of metric tables, the key figures), cells (a
figure's interval and difference), context (what sections share), sections/ (one module per
section, and SECTIONS, the table that drives the page and its contents), page (the comparison
report), sweep (the sweep report), text (the terminal summary).
"""

from simulate.measures.formats import fmt, fmt_diff

from .figures import KEY_ROWS, Row
from .kit import script_json
from .page import render, write_report
from .text import text_summary

__all__ = [
    "KEY_ROWS",
    "Row",
    "fmt",
    "fmt_diff",
    "render",
    "script_json",
    "text_summary",
    "write_report",
]
