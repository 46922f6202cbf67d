"""The public Python API: run a scenario for R replications and get one Result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from simulate.budget import items as budget_mod
from simulate.engine.core import Engine
from simulate.measures import compute as metrics_mod
from simulate.schema.model import Scenario

Z95 = 1.959963984540054  # normal quantile; with few replications we use Student's t below
T95 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    11: 2.201,
    12: 2.179,
    13: 2.160,
    14: 2.145,
    15: 2.131,
    16: 2.120,
    17: 2.110,
    18: 2.101,
    19: 2.093,
    20: 2.086,
    25: 2.060,
    30: 2.042,
    40: 2.021,
    60: 2.000,
    120: 1.980,
}


@dataclass
class Result:
    """What one scenario produced over its replications."""

    scenario: Scenario
    seed: int
    replications: int
    metrics: pd.DataFrame  # tidy, one row per replication x metric x group x statistic
    ledger: pd.DataFrame  # tidy ledger rows with a replication column
    usage: budget_mod.Usage  # mean over replications

    @cached_property
    def line_items(self) -> list[budget_mod.LineItem]:
        return budget_mod.line_items(self.scenario, self.usage)

    @property
    def budget(self) -> pd.DataFrame:
        return budget_mod.frame(self.line_items, self.scenario.enrollment)

    @cached_property
    def stats(self) -> pd.DataFrame:
        """Mean and 95% interval across replications for every metric."""
        return summarize(self.metrics)

    def value(self, metric: str, statistic: str = "mean", group: str = "all") -> float:
        """The mean over replications of one figure, e.g. value('reach...', 'value')."""
        rows = self.stats[
            (self.stats.metric == metric)
            & (self.stats.group == group)
            & (self.stats.statistic == statistic)
        ]
        return float(rows["value"].iloc[0]) if len(rows) else 0.0

    def summary(self) -> dict[str, Any]:
        metrics: dict[str, Any] = {}
        for row in self.stats.itertuples(index=False):
            entry = metrics.setdefault(row.metric, {}).setdefault(row.group, {})
            entry[row.statistic] = {
                "mean": _round(row.value),
                "ci_low": _round(row.ci_low),
                "ci_high": _round(row.ci_high),
            }
        total = budget_mod.total(self.line_items)
        enrollment = self.scenario.enrollment
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "replications": self.replications,
            "enrollment": enrollment,
            "schools": sum(s.copies for s in self.scenario.schools),
            "budget": {
                "total": float(total),
                "per_pupil": float(budget_mod.per_pupil(total, enrollment)),
                "line_items": [
                    {"category": i.category, "item": i.item, "amount": float(i.amount)}
                    for i in self.line_items
                ],
            },
            "metrics": metrics,
        }


def run(
    scenario: Scenario,
    seed: int = 0,
    replications: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Result:
    """Run `replications` independent years of one scenario from one master seed.

    `progress(done)` is called after each replication (for a progress bar)."""
    if replications < 1:
        raise ValueError("replications must be at least 1")
    frames, ledgers, usages = [], [], []
    for rep in range(replications):
        engine = Engine(scenario, seed, rep).run()
        usage = metrics_mod.usage(engine)
        frames.append(metrics_mod.tidy(metrics_mod.compute(engine), rep))
        ledger = engine.ledger().frame()
        ledger.insert(0, "replication", rep)
        ledgers.append(ledger)
        usages.append(usage)
        if progress is not None:
            progress(rep + 1)
    return Result(
        scenario,
        seed,
        replications,
        complete(pd.concat(frames, ignore_index=True), replications),
        pd.concat(ledgers, ignore_index=True),
        _mean_usage(usages),
    )


def complete(metrics: pd.DataFrame, replications: int) -> pd.DataFrame:
    """Give every figure a row in every replication; a figure a run did not emit is zero.

    The engine emits a ledger reason (e.g. lost:closure) only in years where it happened;
    averaging over just those years would overstate it.
    """
    keys = ["metric", "group", "statistic"]
    grid = (
        metrics[keys]
        .drop_duplicates()
        .merge(pd.DataFrame({"replication": range(replications)}), how="cross")
    )
    full = grid.merge(metrics, on=["replication", *keys], how="left")
    full["value"] = full["value"].fillna(0.0)
    full = full[["replication", *keys, "value"]].sort_values(["replication", *keys])
    return full.reset_index(drop=True)


def summarize(metrics: pd.DataFrame) -> pd.DataFrame:
    """Mean with a 95% t-interval per (metric, group, statistic); zero width for one run."""
    grouped = metrics.groupby(["metric", "group", "statistic"], sort=True)["value"]
    out = grouped.agg(["mean", "std", "count"]).reset_index()
    std = out["std"].fillna(0.0).to_numpy()
    n = out["count"].to_numpy()
    half = np.array([_t(k - 1) for k in n]) * std / np.sqrt(np.maximum(n, 1))
    half[n < 2] = 0.0
    out["value"] = out["mean"]
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out[["metric", "group", "statistic", "value", "ci_low", "ci_high"]]


def _t(df: int) -> float:
    if df < 1:
        return 0.0
    for k in sorted(T95):
        if df <= k:
            return T95[k]
    return Z95


def _mean_usage(usages: list[budget_mod.Usage]) -> budget_mod.Usage:
    n = len(usages)
    roles = sorted({r for u in usages for r in u.days_worked})
    return budget_mod.Usage(
        days_worked={r: sum(u.days_worked.get(r, 0.0) for u in usages) / n for r in roles},
        substitute_days=sum(u.substitute_days for u in usages) / n,
        long_term_substitute_days=sum(u.long_term_substitute_days for u in usages) / n,
    )


def _round(x: float) -> float:
    return float(round(x, 6))


__all__ = ["Result", "run", "summarize", "Decimal"]
