"""The board summary (board.html): one printable page of a comparison, to hand to a school
board: the comparison at a glance, the budget verdict, and the key assumptions with where
their figures come from. No script and no chart, so it prints the same everywhere (the
browser's "Save as PDF" makes the PDF); report.html holds everything else.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from simulate import __version__
from simulate.measures.formats import fmt, fmt_diff
from simulate.output import write_text

from .cells import clear, figure
from .context import Page
from .kit import esc, table
from .sections.summary import TAKEAWAY_ROWS

if TYPE_CHECKING:
    from simulate.schema.model import Scenario
    from simulate.study.compare import Comparison

CSS = """
@page { size: letter portrait; margin: 10mm 12mm; }
* { box-sizing: border-box; }
body { margin: 0; font: 9pt/1.2 system-ui, -apple-system, 'Segoe UI', Roboto,
  'DejaVu Sans', Arial, sans-serif; color: #1f2937; background: #fff; }
main { max-width: 190mm; margin: 0 auto; padding: 8px 12px; }
h1 { font-size: 15pt; margin: 0 0 2pt; color: #0f4c81; }
h2 { font-size: 11pt; margin: 8pt 0 2pt; color: #0f4c81; break-after: avoid; }
p.names { font-size: 10.5pt; font-weight: 600; margin: 0 0 2pt; }
p { margin: 2pt 0 4pt; }
.note, footer { color: #4b5563; font-size: 8.5pt; }
table { border-collapse: collapse; width: 100%; font-size: 8pt; break-inside: avoid; }
th, td { border-bottom: 1px solid #d1d5db; padding: 1.5pt 4pt; text-align: left;
  vertical-align: top; }
thead th { background: #f1f5f9; }
table { table-layout: fixed; } thead th:first-child { width: 24%; }
td.num, thead th.num { text-align: right; }
.n { white-space: nowrap; font-variant-numeric: tabular-nums; }
.d { display: block; font-size: 8pt; color: #4b5563; }
.d.good { color: #047857; font-weight: 600; } .d.bad { color: #b91c1c; font-weight: 600; }
.good { color: #047857; } .bad { color: #b91c1c; }
.swatch { display: inline-block; width: 8pt; height: 8pt; border-radius: 2pt;
  margin-right: 4pt; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
small.base { font-size: 7.5pt; color: #4b5563; margin-left: 3pt; }
footer { margin-top: 8pt; border-top: 1px solid #d1d5db; padding-top: 3pt; }
@media print { main { padding: 0; max-width: none; } }
"""


def write_board(comparison: Comparison, path: Path) -> Path:
    return write_text(path, render_board(comparison))


def render_board(comparison: Comparison) -> str:
    page = Page(comparison)
    c = comparison
    others = [n for n in c.names if n != c.baseline]
    title = f"{c.baseline} vs {', '.join(others)}" if others else c.baseline
    fair = (
        "the same students, absences and closures in each"
        if c.schools_differ is None
        else "different schools, compared per pupil and per student only"
    )
    body = (
        "<h1>Staffing arrangements compared</h1>"
        f'<p class="names">{esc(title)}</p>'
        f'<p class="note">Staffing arrangements simulated over {c.replications} school years '
        f"(seed {c.seed}), {fair}. Figures are means over the years; differences are against "
        f"<strong>{esc(c.baseline)}</strong>.</p>"
        f"<h2>At a glance</h2>{key_figures(page)}"
        f"<h2>Budget verdict</h2>{verdicts(page)}"
        f"<h2>Key assumptions</h2>{assumptions(page)}"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Board summary: {esc(title)}</title><style>{CSS}</style></head>"
        f'<body><main id="board">{body}<footer>Board summary made by simulate {__version__}. '
        "Every figure is an estimate from a simulation of the inputs listed; the full report "
        "(report.html) shows each figure's 95% interval, every measure and every input that "
        "that differs.</footer></main></body></html>"
    )


def key_figures(page: Page) -> str:
    """The key figures of each scenario, with the difference from the baseline below it:
    green where clearly better, red where clearly worse (its 95% interval excludes zero)."""
    c = page.c
    rows = []
    for row in TAKEAWAY_ROWS:
        cells = []
        for name in page.names:
            found = c.value(name, *row.key)
            if found is None:
                cells.append('<td class="num">—</td>')
                continue
            text = figure(fmt(found[0], row.kind))
            diff = c.difference(name, *row.key)
            if diff is not None and name != c.baseline:
                tone = ""
                if row.better and clear(diff, row.kind):
                    tone = "good" if (diff[0] > 0) == (row.better > 0) else "bad"
                text += f'<span class="d {tone}">{figure(fmt_diff(diff[0], row.kind))}</span>'
            cells.append(f'<td class="num">{text}</td>')
        rows.append(f'<tr><th scope="row">{esc(row.label)}</th>{"".join(cells)}</tr>')
    heads = "".join(f'<th scope="col" class="num">{page.scenario_head(n)}</th>' for n in c.names)
    return table("", '<th scope="col">Measure</th>' + heads, rows, "board-figures")


def verdicts(page: Page) -> str:
    c = page.c
    if not c.has_funding:
        return "<p>No scenario lists its funding, so there is no verdict.</p>"
    rows = []
    for name, multi in c.projections.items():
        verdict = multi.verdict
        tone = "good" if verdict.sustainable else "bad"
        rows.append(
            f'<tr><th scope="row">{page.scenario_head(name)}</th>'
            f'<td class="{tone}">{esc(verdict.text())}</td></tr>'
        )
    head = '<th scope="col">Scenario</th><th scope="col">Multi-year projection</th>'
    return table("", head, rows, "board-verdicts")


def assumptions(page: Page) -> str:
    """What each arrangement is made of and pays: positions and pay by role, benefits and
    enrollment; and where the figures come from."""
    scenarios = [r.scenario for r in page.c.results]
    rows = [("Students", [f"{s.enrollment:,}" for s in scenarios])]
    titles: dict[str, str] = {}
    for s in scenarios:
        for name, role in s.roles.items():
            titles.setdefault(name, role.title or name.replace("_", " ").capitalize())
    for name, title in titles.items():
        counts = [positions(s, name) for s in scenarios]
        if any(counts):
            cells = [
                f"{n:,} × {pay(s, name)}" if n else "—"
                for s, n in zip(scenarios, counts, strict=True)
            ]
            rows.append((title, cells))
    rows.append(("Benefits rate", [f"{s.budget.benefits_rate:.0%}" for s in scenarios]))
    body = (
        f'<tr><th scope="row">{esc(label)}</th>'
        + "".join(f'<td class="num">{whole(esc(v))}</td>' for v in values)
        + "</tr>"
        for label, values in rows
    )
    head = '<th scope="col">Positions × yearly pay</th>' + "".join(
        f'<th scope="col" class="num">{page.scenario_head(n)}</th>' for n in page.names
    )
    sources = (
        '<p class="note">Where the figures come from: the bundled scenarios mark each figure '
        "as public (with its source, listed in docs/sources.md) or our assumption; figures "
        "set for your school are your own. The report lists every input that differs.</p>"
    )
    return table("", head, body, "board-assumptions") + sources


def whole(text: str) -> str:
    """Text with each figure in it kept on one line (the text may wrap between them)."""
    return NUMBER.sub(lambda m: figure(m.group(0)), text)


NUMBER = re.compile(r"[−+-]?\$?\d[\d,.]*%?")


def positions(scenario: Scenario, role: str) -> int:
    """Positions of a role over all schools and copies."""
    return sum(
        school.copies
        * (school.staff.get(role, 0) + sum(t.count * t.members.get(role, 0) for t in school.teams))
        for school in scenario.schools
    )


def pay(scenario: Scenario, role: str) -> str:
    """A role's pay in a few words: salary and supplement, or hourly wage."""
    spec = scenario.roles[role]
    extra = f" + {fmt(float(spec.supplement), 'money')}" if spec.supplement else ""
    if spec.hourly_wage:
        return f"{fmt(float(spec.hourly_wage), 'money')} an hour" + extra
    if spec.stipend:
        return f"{fmt(float(spec.stipend), 'money')} stipend" + extra
    return fmt(float(spec.salary), "money") + extra
