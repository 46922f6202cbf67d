"""Assumptions that differ: every input that is not the same in all scenarios."""

from __future__ import annotations

from ..context import Page, Section
from ..kit import esc, table


def content(page: Page) -> str:
    differing = page.c.assumptions
    if differing.empty:
        return "<p>The scenarios have the same inputs apart from their names.</p>"
    body = (
        f"<tr><td><code>{esc(field)}</code></td>"
        + "".join(f"<td>{esc(v)}</td>" for v in values)
        + "</tr>"
        for field, *values in differing.itertuples(index=False)
    )
    head = "<th>Input (field path)</th>" + page.scenario_heads()
    return table("sortable assumptions", head, body)


SECTION = Section(
    "assumptions",
    "Assumptions",
    "Assumptions that differ",
    "Every input that is not the same in all scenarios, by its field path in the "
    "scenario files. A dash means the scenario has no such item (for example a role it "
    "does not use). Inputs shared by all scenarios are in the scenario files.",
    content,
)
