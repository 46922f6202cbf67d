"""The board summary (board.html): one printable page of a comparison, to hand to a school
board: the comparison at a glance, the budget verdict, and the key assumptions with where
their figures come from. No script and no chart, so it prints the same everywhere (the
browser's "Save as PDF" makes the PDF); report.html holds everything else.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from simulate import __version__
from simulate.budget.items import benefits_rate
from simulate.budget.pay import salary
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
@page { size: letter portrait; margin: 8mm 12mm; }
* { box-sizing: border-box; }
body { margin: 0; font: 9pt/1.2 system-ui, -apple-system, 'Segoe UI', Roboto,
  'DejaVu Sans', Arial, sans-serif; color: #1f2937; background: #fff; }
main { max-width: 190mm; margin: 0 auto; padding: 8px 12px; }
h1 { font-size: 15pt; margin: 0 0 2pt; color: #0f4c81; }
h2 { font-size: 11pt; margin: 6pt 0 2pt; color: #0f4c81; break-after: avoid; }
p { margin: 2pt 0 4pt; }
.note, footer { color: #4b5563; font-size: 8.5pt; }
table { border-collapse: collapse; width: 100%; font-size: 7.5pt; break-inside: avoid; }
th, td { border-bottom: 1px solid #d1d5db; padding: 1pt 4pt; text-align: left;
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
#board-assumptions thead th:first-child { width: 19%; }
h3 { font-size: 8.5pt; margin: 5pt 0 1pt; } h3 small { font-weight: normal; color: #4b5563; }
ul.sources { columns: 2; column-gap: 12pt; margin: 0; padding: 0; list-style: none;
  font-size: 7pt; line-height: 1.15; }
ul.sources li { break-inside: avoid; margin: 0 0 2pt; }
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
    years = "one school year" if c.replications == 1 else f"{c.replications} school years"
    body = (
        "<h1>Staffing arrangements compared</h1>"
        f'<p class="note">Staffing arrangements simulated over {years} '
        f"(seed {c.seed}), {fair}. Figures are means over the years; differences are against "
        f"<strong>{esc(c.baseline)}</strong>.</p>"
        f"<h2>At a glance</h2>{key_figures(page)}"
        f"<h2>Budget verdict{funding_caveat(page)}</h2>{verdicts(page)}"
        f"<h2>Key assumptions</h2>{assumptions(page)}"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Board summary: {esc(title)}</title><style>{CSS}</style></head>"
        f'<body><main id="board">{body}<footer>Made by simulate {__version__}. Every figure '
        "is an estimate from a simulation of the inputs listed; report.html shows each "
        "figure's 95% interval and every input that differs, budget.xlsx's Sources sheet "
        "every figure's source."
        "</footer></main></body></html>"
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


FUNDING_FIGURES = ("amount", "per_pupil", "per_eligible_pupil", "eligible_share")  # a line's money


def funding_caveat(page: Page) -> str:
    """A few words for the verdict's heading when it rests on recurring funding that is not
    the school's own (the lines are named in the report's assumptions)."""
    if not any(assumed_funding(r.scenario) for r in page.c.results):
        return ""
    return (
        ' <small id="board-funding">on assumed recurring funding, not the school\'s own: '
        "give the district's lines before relying on it</small>"
    )


def assumed_funding(scenario: Scenario) -> list[str]:
    """The recurring funding lines whose money is not the school's own figure: a note of
    another kind than local (or none) covers one of the figures that set it."""
    from simulate.schema.notes import note_for

    out = []
    for k, line in enumerate(scenario.budget.funding):
        setting = [f for f in FUNDING_FIGURES if getattr(line, f)]
        notes = [note_for(scenario, f"budget.funding[{k}].{f}") for f in setting]
        if line.kind == "recurring" and not all(n is not None and n.kind == "local" for n in notes):
            out.append(line.name)
    return out


def assumptions(page: Page) -> str:
    """What each arrangement is made of and pays: positions and pay by role, benefits and
    enrollment; and where each of those figures comes from (the scenarios' notes)."""
    scenarios = [r.scenario for r in page.c.results]
    rows: list[tuple[str, list[str], list[list[str]]]] = [
        (
            "Students",
            [f"{s.enrollment:,}" for s in scenarios],
            [[f"schools[{k}].enrollment" for k in range(len(s.schools))] for s in scenarios],
        )
    ]
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
            paths = [
                [paid_from(s, name, f) for f in pay_fields(s, name)] if n else []
                for s, n in zip(scenarios, counts, strict=True)
            ]
            rows.append((title, cells, paths))
    rates = [benefits(s) for s in scenarios]
    rows.append(("Benefits rate", [r for r, _ in rates], [paths for _, paths in rates]))
    body = (
        f'<tr><th scope="row">{esc(label)}</th>'
        + "".join(f'<td class="num">{whole(esc(v))}</td>' for v in values)
        + "</tr>"
        for label, values, _ in rows
    )
    head = '<th scope="col">Positions × yearly pay</th>' + "".join(
        f'<th scope="col" class="num">{page.scenario_head(n)}</th>' for n in page.names
    )
    origins = "".join(
        f"<li><strong>{esc(label)}</strong> {esc(origin(scenarios, paths))}</li>"
        for label, _, paths in rows
    )
    return (
        table("", head, body, "board-assumptions")
        + '<h3 id="board-sources-head">Where these figures come from <small>([public]: '
        "published; [local]: the school's own; [assumption]: chosen; §: section "
        "of docs/sources.md)</small></h3>"
        + f'<ul class="sources" id="board-sources" aria-labelledby="board-sources-head">{origins}'
        + "</ul>"
    )


def benefits(scenario: Scenario) -> tuple[str, list[str]]:
    """The benefits rate the budget adds to the pay of a scenario's positions: one rate, or
    their range where roles have rates of their own ('40%–50%': the sources below say whose);
    and the fields they come from."""
    paid = {name: role for name, role in scenario.roles.items() if positions(scenario, name)}
    rates = [benefits_rate(scenario, role) for role in paid.values()]
    fields = [f"roles.{n}.benefits_rate" for n, r in paid.items() if r.benefits_rate is not None]
    if len(fields) < len(paid) or not paid:  # some role is paid the scenario's rate
        fields.insert(0, "budget.benefits_rate")
        rates.append(Decimal(str(scenario.budget.benefits_rate)))
    low, high = f"{min(rates):.0%}", f"{max(rates):.0%}"
    return (low if low == high else f"{low}–{high}"), fields


def origin(scenarios: list[Scenario], paths: list[list[str]]) -> str:
    """Where the figures at `paths` (one list per scenario) come from, each note once, named
    with its scenarios where not every scenario has it."""
    from simulate.schema.notes import note_for

    found: dict[str, list[str]] = {}
    for scenario, wanted in zip(scenarios, paths, strict=True):
        for path in wanted:
            note = note_for(scenario, path)
            if note is None:
                text = "[no source given]"
            else:
                said = note.source.strip() or " ".join(note.text.split())
                text = f"[{note.kind}] {said.rstrip('.;')}".strip()  # joined with '; ' below
            names = found.setdefault(text, [])
            if scenario.name not in names:
                names.append(scenario.name)
    every = {s.name for s, wanted in zip(scenarios, paths, strict=True) if wanted}
    return "; ".join(
        text if set(names) >= every else f"{text} ({', '.join(names)})"
        for text, names in found.items()
    )


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


def pay_fields(scenario: Scenario, role: str) -> list[str]:
    """The fields of a role's pay the board shows: its base (salary, stipend or hourly
    wage) and its supplement if it has one."""
    spec = scenario.roles[role]
    base = "hourly_wage" if spec.hourly_wage else "stipend" if spec.stipend else "salary"
    return [base] + (["supplement"] if spec.supplement else [])


def paid_from(scenario: Scenario, role: str, field: str) -> str:
    """The path whose note says where a pay field comes from: a salary set by the district's
    salary schedule is noted on the schedule."""
    if field == "salary" and scenario.roles[role].salary_schedule:
        field = "salary_schedule"
    return f"roles.{role}.{field}"


PAY_WORDS = {"hourly_wage": " an hour", "stipend": " stipend"}


def pay(scenario: Scenario, role: str) -> str:
    """A role's pay in a few words: salary (a salary schedule's staff-weighted average, as the
    budget pays it) and supplement, or hourly wage; whole dollars without cents (the same
    amount, shorter)."""
    spec = scenario.roles[role]
    amounts = {"salary": salary(spec)}
    return " + ".join(
        dollars(amounts.get(f, getattr(spec, f))) + PAY_WORDS.get(f, "")
        for f in pay_fields(scenario, role)
    )


def dollars(amount: Decimal | float) -> str:
    """Money as the budget writes it, less '.00' where the amount is whole dollars."""
    text = fmt(float(amount), "money")
    return text.removesuffix(".00")
