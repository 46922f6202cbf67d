"""The one-screen summary the compare command prints on the terminal."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from .figures import KEY_ROWS, clip, fmt, fmt_diff

if TYPE_CHECKING:
    from ..compare import Comparison


SHORT_ROWS = [  # the one-screen terminal summary: (header, row of KEY_ROWS)
    ("$/pupil", KEY_ROWS[0]),
    ("obs/wk", KEY_ROWS[2]),
    ("SG min/wk", KEY_ROWS[4]),
    ("below tgt", KEY_ROWS[5]),
    ("adults", KEY_ROWS[6]),
]


def text_summary(comparison: Comparison, report: Path) -> str:
    """A plain-text table of the key figures for the terminal, and where the report is."""
    c = comparison
    width, col = 32, 12
    lines = [
        f"Compared {plural(len(c.names), 'scenario')} over "
        f"{plural(c.replications, 'simulated year')} each (seed {c.seed}); "
        f"baseline: {c.baseline}",
        "",
        " " * width + "".join(h.rjust(col) for h, _ in SHORT_ROWS),
    ]
    for name in c.names:
        cells = [c.value(name, r.metric, r.group, r.statistic) for _, r in SHORT_ROWS]
        label = name if name != c.baseline else name + " (baseline)"
        lines.append(
            clip(label, width - 1).ljust(width)
            + "".join(
                fmt(v[0] if v else None, r.kind).rjust(col)
                for v, (_, r) in zip(cells, SHORT_ROWS, strict=True)
            )
        )
        if name == c.baseline:
            continue
        diffs = [c.difference(name, r.metric, r.group, r.statistic) for _, r in SHORT_ROWS]
        lines.append(
            "  vs baseline".ljust(width)
            + "".join(
                (fmt_diff(d[0], r.kind) if d else "—").rjust(col)
                for d, (_, r) in zip(diffs, SHORT_ROWS, strict=True)
            )
        )
    legend = (
        "$/pupil: annual cost per pupil; obs/wk: observations per teacher per week; "
        "SG min/wk: small-group minutes per student per week; below tgt: students below their "
        "dosage target; adults: adults who know each student. Means over the simulated years."
    )
    lines += [
        "",
        *textwrap.wrap(legend, 96, break_on_hyphens=False),
        "",
        f"Report: {report.resolve()}",
        f"Tables: summary.csv, differences.csv, budget.xlsx in {report.resolve().parent}",
    ]
    return "\n".join(lines)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
