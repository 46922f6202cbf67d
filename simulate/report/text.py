"""The one-screen summary the compare command prints on the terminal."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from simulate.measures.catalogue import measure
from simulate.measures.formats import fmt, fmt_diff

from .figures import KEY_ROWS, Row
from .kit import clip, plural

if TYPE_CHECKING:
    from simulate.study.compare import Comparison


SHORT_METRICS = [  # the key figures of the one-screen terminal summary, in this order
    "budget.per_pupil",
    "coaching.observations_per_teacher_week",
    "small_group.minutes_per_student_week",
    "small_group.target_delivered_share",
    "relationships.adults_per_student",
]
_BY_METRIC = {row.metric: row for row in KEY_ROWS}
SHORT_ROWS = [(measure(m).abbrev, _BY_METRIC[m]) for m in SHORT_METRICS]  # (header, row)
LEGEND = (
    "; ".join(f"{header}: {row.label.lower()}" for header, row in SHORT_ROWS)
    + ". Means over the simulated years."
)
LABEL_WIDTH, COLUMN_WIDTH = 32, 12


def text_summary(comparison: Comparison, report: Path) -> str:
    """A plain-text table of the key figures for the terminal, and where the report is."""
    c = comparison
    lines = [
        f"Compared {plural(len(c.names), 'scenario')} over "
        f"{plural(c.replications, 'simulated year')} each (seed {c.seed}); "
        f"baseline: {c.baseline}",
        "",
        _line("", (header for header, _ in SHORT_ROWS)),
    ]
    for name, label in zip(c.names, _labels(c.names, c.baseline), strict=True):
        lines.append(_line(label, [_mean(c, name, r) for _, r in SHORT_ROWS]))
        if name != c.baseline:
            lines.append(_line("  vs baseline", [_difference(c, name, r) for _, r in SHORT_ROWS]))
    if c.schools_differ is not None:
        lines += [
            "",
            *textwrap.wrap(
                f"Different schools: {c.schools_differ.text()}. Only per-pupil, per-student "
                "and per-teacher figures are compared; whole-school totals are not differenced.",
                96,
                break_on_hyphens=False,
            ),
        ]
    lines += [
        "",
        *textwrap.wrap(LEGEND, 96, break_on_hyphens=False),
        "",
        f"Report: {report.resolve()}",
        f"Board summary, tables: board.html, summary.csv, differences.csv, budget.xlsx in "
        f"{report.resolve().parent}",
    ]
    return "\n".join(lines)


def _labels(names: list[str], baseline: str) -> list[str]:
    """Row labels that fit the column: a long name clipped at its end, or, where two would
    then read alike ('Elm: Multi-classroom leadershi…' twice), in its middle so that both
    ends show. The baseline's tag is kept whole."""
    tags = [" (baseline)" if name == baseline else "" for name in names]
    widths = [LABEL_WIDTH - 1 - len(tag) for tag in tags]
    clipped = [clip(name, width) for name, width in zip(names, widths, strict=True)]
    alike = {label for label in clipped if clipped.count(label) > 1}
    clipped = [
        _middle(name, width) if label in alike else label
        for name, width, label in zip(names, widths, clipped, strict=True)
    ]
    return [label + tag for label, tag in zip(clipped, tags, strict=True)]


def _middle(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head) :]


def _line(label: str, cells: Iterable[str]) -> str:
    return label.ljust(LABEL_WIDTH) + "".join(cell.rjust(COLUMN_WIDTH) for cell in cells)


def _mean(comparison: Comparison, name: str, row: Row) -> str:
    found = comparison.value(name, *row.key)
    return fmt(found[0] if found else None, row.kind)


def _difference(comparison: Comparison, name: str, row: Row) -> str:
    found = comparison.difference(name, *row.key)
    return fmt_diff(found[0], row.kind) if found else "—"
