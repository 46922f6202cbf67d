"""The catalogue for people and scripts: `simulate metrics` as a table, CSV or JSON."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from simulate.engine.modules import LOSS_REASONS

from .catalogue import ACTIVITY_LABELS, GROUP_KINDS, MEASURES, REASON, frame

WIDTH = 100
COLUMNS = [("name", 48), ("statistics", 24), ("groups", 20), ("better", 0)]


def as_text() -> str:
    """One line per metric (name, statistics, groups, better), its label, unit and
    explanation under it, and what the group kinds and loss reasons may be."""
    table = frame()
    lines = ["".join(name.upper().ljust(width) for name, width in COLUMNS).rstrip()]
    for row in table.to_dict("records"):
        lines.append("".join(str(row[name]).ljust(width) for name, width in COLUMNS).rstrip())
        text = f"{row['label']}; unit: {row['unit']}. {row['explanation']}"
        lines += _wrap(text, "    ", hang="")
    lines += ["", "Groups: 'all' is everyone; otherwise kind=name, where name is"]
    for kind, meaning in GROUP_KINDS.items():
        lines += _wrap(f"{kind}=<{kind}>: {meaning}", "  ")
    lines += _wrap(f"activity names: {', '.join(ACTIVITY_LABELS)}", "  ")
    lines += _wrap(f"Statistics {REASON}, one per loss reason: {', '.join(LOSS_REASONS)}", "")
    lines += _wrap(
        "A sweep spec names one figure as metric[group].statistic, with [group] left out for "
        "'all': e.g. small_group.minutes_per_student_week[tier=intensive].p10.",
        "",
    )
    return "\n".join(lines)


def _wrap(text: str, indent: str, hang: str = "  ") -> list[str]:
    """Wrapped lines; lines after the first indented by `hang` more."""
    return textwrap.wrap(
        text, WIDTH, initial_indent=indent, subsequent_indent=indent + hang, break_on_hyphens=False
    )


def as_csv() -> str:
    return frame().to_csv(index=False, lineterminator="\n")


def as_json() -> str:
    records: list[dict[str, Any]] = [
        {
            "name": m.name,
            "label": m.label,
            "statistics": list(m.statistics),
            "groups": list(m.groups),
            "unit": m.unit,
            "format": m.kind,
            "better": m.better,
            "neutral_statistics": list(m.neutral),
            "explanation": m.explain,
        }
        for m in MEASURES
    ]
    return json.dumps(records, indent=2)
