"""The Sources sheet of budget.xlsx: every figure of each scenario, line by line, with where
it comes from (its note), so a budget can be handed on with its sources."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from simulate.schema.model import Scenario
from simulate.schema.notes import KIND_WORDS, sources

SOURCES = "Sources"  # the sheet's title
COLUMNS = ["scenario", "figure", "value", "kind", "source", "note"]


def sources_sheet(scenarios: Sequence[Scenario]) -> pd.DataFrame:
    """One row per figure a scenario sets: its label, value with unit, and its note."""
    rows = [
        [
            scenario.name,
            line.figure,
            line.value,
            KIND_WORDS[line.note.kind] if line.note else "No note",
            line.note.source if line.note else "",
            " ".join(line.note.text.split()) if line.note else "",
        ]
        for scenario in scenarios
        for line in sources(scenario)
    ]
    return pd.DataFrame(rows, columns=COLUMNS)
