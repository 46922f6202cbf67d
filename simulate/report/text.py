"""The one-screen summary the compare command prints on the terminal."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .figures import KEY_ROWS, Row, clip, fmt, fmt_diff, plural

if TYPE_CHECKING:
    from simulate.study.compare import Comparison


_BY_METRIC = {row.metric: row for row in KEY_ROWS}
SHORT_ROWS = [  # the one-screen terminal summary: (column header, row of KEY_ROWS)
    ("$/pupil", _BY_METRIC["budget.per_pupil"]),
    ("obs/wk", _BY_METRIC["coaching.observations_per_teacher_week"]),
    ("SG min/wk", _BY_METRIC["small_group.minutes_per_student_week"]),
    ("below tgt", _BY_METRIC["small_group.below_target_share"]),
    ("adults", _BY_METRIC["relationships.adults_per_student"]),
]
LEGEND = (
    "$/pupil: annual cost per pupil; obs/wk: observations per teacher per week; "
    "SG min/wk: small-group minutes per student per week; below tgt: students below their "
    "dosage target; adults: adults who know each student. Means over the simulated years."
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
    for name in c.names:
        tag = " (baseline)" if name == c.baseline else ""  # kept whole when the name is clipped
        label = clip(name, LABEL_WIDTH - 1 - len(tag)) + tag
        lines.append(_line(label, [_mean(c, name, r) for _, r in SHORT_ROWS]))
        if name != c.baseline:
            lines.append(_line("  vs baseline", [_difference(c, name, r) for _, r in SHORT_ROWS]))
    lines += [
        "",
        *textwrap.wrap(LEGEND, 96, break_on_hyphens=False),
        "",
        f"Report: {report.resolve()}",
        f"Tables: summary.csv, differences.csv, budget.xlsx in {report.resolve().parent}",
    ]
    return "\n".join(lines)


def _line(label: str, cells: Iterable[str]) -> str:
    return label.ljust(LABEL_WIDTH) + "".join(cell.rjust(COLUMN_WIDTH) for cell in cells)


def _mean(comparison: Comparison, name: str, row: Row) -> str:
    found = comparison.value(name, *row.key)
    return fmt(found[0] if found else None, row.kind)


def _difference(comparison: Comparison, name: str, row: Row) -> str:
    found = comparison.difference(name, *row.key)
    return fmt_diff(found[0], row.kind) if found else "—"
