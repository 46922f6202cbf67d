"""What a sweep worker runs: a chunk of runs, each rebuilt from the base scenario and its point."""

from __future__ import annotations

from typing import Any

from simulate.schema.loading import apply_overrides, validate
from simulate.schema.model import Scenario
from simulate.study.sweep.spec import Key, RunTask


def run_chunk(base: dict[str, Any], keys: list[Key], tasks: list[RunTask]) -> list[list[float]]:
    """Run a chunk of runs; return one list of metric values per task, in task order."""
    from simulate.engine.core import Engine
    from simulate.study.figures import figures

    out: list[list[float]] = []
    cached: tuple[int, Scenario] | None = None  # a point's runs are consecutive: validate once
    for _run_id, point, replication, seed, overrides in tasks:
        if cached is None or cached[0] != point:
            cached = (point, validate(apply_overrides(base, overrides), "<sweep point>"))
        values = figures(Engine(cached[1], seed, replication).run())
        out.append([float(values.get(key, 0.0)) for key in keys])
    return out
