"""One self-contained HTML report of a comparison, for a planner to read, print and forward,
and the short table of its key figures for the terminal.

plotly.js is embedded once and each chart is a JSON spec drawn by one small loader, so the page
makes no network request; every user string is escaped.

Modules: figures (which figures are shown and how each is written), charts (plotly styling and
embedding), page (the sections of the report), shell (its CSS, script and HTML frame), text (the
terminal summary).
"""

from .figures import KEY_ROWS, Row, fmt, fmt_diff, script_json
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
