"""Assumptions: every input that is not the same in all scenarios, and where every figure of
each scenario comes from (its note: a public source, the school's own figure, an assumption)."""

from __future__ import annotations

from simulate.schema.notes import in_words, sources

from ..context import Page, Section
from ..kit import esc, table


def content(page: Page) -> str:
    return _differences(page) + _sources(page)


def _differences(page: Page) -> str:
    differing = page.c.assumptions
    if not differing:
        return "<p>The scenarios have the same inputs apart from their names.</p>"
    body = (
        f"<tr><td>{esc(d.label)}</td>"
        + "".join(
            f'<td>{esc(value)}<div class="explain">{esc(said)}</div></td>'
            if value != "—"
            else "<td>—</td>"
            for value, said in zip(d.values, d.said, strict=True)
        )
        + "</tr>"
        for d in differing
    )
    head = "<th>Input</th>" + page.scenario_heads()
    return table("sortable assumptions", head, body)


def _sources(page: Page) -> str:
    """Each scenario's figures with their sources, line by line, one fold per scenario."""
    parts = ["<h3>Where every figure comes from</h3>"]
    for result in page.c.results:
        rows = (
            f"<tr><th>{esc(line.figure)}</th><td>{esc(line.value)}</td>"
            f"<td>{esc(in_words(line.note))}</td></tr>"
            for line in sources(result.scenario)
        )
        parts.append(
            f"<details><summary>{esc(result.scenario.name)}</summary>"
            + table("assumptions sources", "<th>Figure</th><th>Value</th><th>Source</th>", rows)
            + "</details>"
        )
    return "".join(parts)


SECTION = Section(
    "assumptions",
    "Assumptions",
    "Assumptions that differ",
    "Every input that is not the same in all scenarios, with where each value comes from: a "
    "public source, the school's own figure, or an assumption. A dash means the scenario has "
    "no such item (for example a role it does not use). Below, every figure of each scenario "
    "with its source; section numbers in brackets are those of docs/sources.md. The same "
    "sources are on the Sources sheet of budget.xlsx.",
    content,
)
