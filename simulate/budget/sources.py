"""The Sources sheet of budget.xlsx: every figure of each scenario, line by line, with where
it comes from (its note), so a budget can be handed on with its sources."""

from __future__ import annotations

from collections.abc import Sequence

from simulate.schema.model import Scenario
from simulate.schema.notes import KIND_WORDS, sources

SOURCES = "Sources"  # the sheet's title


def source_rows(scenarios: Sequence[Scenario]) -> list[dict[str, str]]:
    """One row per figure a scenario sets: its label, value with unit, and its note."""
    return [
        {
            "scenario": scenario.name,
            "figure": line.figure,
            "value": line.value,
            "kind": KIND_WORDS[line.note.kind] if line.note else "No note",
            "source": line.note.source if line.note else "",
            "note": " ".join(line.note.text.split()) if line.note else "",
        }
        for scenario in scenarios
        for line in sources(scenario)
    ]
