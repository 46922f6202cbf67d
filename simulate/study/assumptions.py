"""The inputs that differ between scenarios, for the report's assumptions table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from simulate.schema.model import Scenario


def assumption_diff(scenarios: Sequence[Scenario]) -> pd.DataFrame:
    """Field paths whose values differ between scenarios (name and description left out).

    List items that carry a name (schools, teams, tiers) or a coach are keyed by it, so a
    reordered list does not show as a difference. A path missing from some scenarios is shown
    only where some scenario sets it to something other than the schema default.
    """
    names = [s.name for s in scenarios]
    flat = [_flatten(s.model_dump(mode="json")) for s in scenarios]
    explicit = [set(_flatten(s.model_dump(mode="json", exclude_defaults=True))) for s in scenarios]
    paths = sorted(
        {p for f in flat for p in f if not p.startswith("notes.")} - {"name", "description"},
        key=_path_order,
    )
    rows = []
    for path in paths:
        values = [f.get(path, _MISSING) for f in flat]
        if all(v == values[0] for v in values):
            continue
        if _MISSING in values and not any(
            path in e for e, v in zip(explicit, values, strict=True) if v is not _MISSING
        ):
            continue
        rows.append([path, *(_show(v) for v in values)])
    return pd.DataFrame(rows, columns=["field", *names])


_MISSING = object()


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
        labels = [x.get("name", x.get("coach")) for x in node]
        if any(label is None for label in labels) or len(set(labels)) < len(labels):
            labels = [str(i) for i in range(len(node))]
        out = {}
        for label, item in zip(labels, node, strict=True):
            out.update(_flatten(item, f"{prefix}[{label}]"))
        return out
    return {prefix: node}


def _path_order(path: str) -> tuple[int, str]:
    top = path.split(".")[0].split("[")[0]
    order = ["calendar", "roles", "schools", "coaching", "small_groups", "relationships"]
    return (order.index(top) if top in order else len(order), path)


def _show(value: Any) -> str:
    if value is _MISSING:
        return "—"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value) if value else "none"
    return str(value)
