"""Statistics over replications: every figure in every year, and a mean with a 95% interval."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from simulate.measures.catalogue import CATALOGUE

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


def complete(metrics: pd.DataFrame, replications: int) -> pd.DataFrame:
    """Give every figure a row in every replication; a figure a run did not emit is zero.

    The engine emits a ledger reason (e.g. lost:closure) only in years where it happened;
    averaging over just those years would overstate it. A share the catalogue marks `empty`
    (a fill rate in a year without absences) stays absent: it had nothing to measure.
    """
    years: list[dict[tuple[str, str, str], float]] = [{} for _ in range(replications)]
    columns = [metrics[c].tolist() for c in ("replication", "metric", "group", "statistic")]
    for r, metric, group, statistic, value in zip(*columns, metrics["value"].tolist(), strict=True):
        years[r][(metric, group, statistic)] = value
    return figures_table(years)


def figures_table(years: Sequence[dict[tuple[str, str, str], float]]) -> pd.DataFrame:
    """Each year's figures (metric, group, statistic) as one tidy table, sorted by year and
    figure, with a row for every figure any year has (0 where a year has not), but for the
    shares the catalogue marks `empty`, which have rows only in the years that had them."""
    figures = sorted(set().union(*years))
    sparse = {f for f in figures if f[0] in CATALOGUE and CATALOGUE[f[0]].empty}
    rows = [
        (r, figure, year.get(figure, 0.0))
        for r, year in enumerate(years)
        for figure in figures
        if figure in year or figure not in sparse
    ]
    return pd.DataFrame(
        {
            "replication": np.array([row[0] for row in rows], dtype=np.int64),
            "metric": [row[1][0] for row in rows],
            "group": [row[1][1] for row in rows],
            "statistic": [row[1][2] for row in rows],
            "value": np.array([float(row[2]) for row in rows], dtype=float),
        }
    )


def summarize(metrics: pd.DataFrame) -> pd.DataFrame:
    """Mean with a 95% t-interval per (metric, group, statistic); zero width for one run."""
    keys = ["metric", "group", "statistic"]
    rows = sorted(zip(*(metrics[k].tolist() for k in [*keys, "value"]), strict=True))
    if len({row[:3] for row in rows}) == len(rows):  # one run: each figure is its own mean
        value = [row[3] for row in rows]
        columns = {k: [row[i] for row in rows] for i, k in enumerate(keys)}
        return pd.DataFrame(columns | {"value": value, "ci_low": value, "ci_high": value})
    grouped = metrics.groupby(keys, sort=True)["value"]
    out = grouped.agg(["mean", "std", "count"]).reset_index()
    std = out["std"].fillna(0.0).to_numpy()
    n = out["count"].to_numpy()
    half = np.array([_t(k - 1) for k in n]) * std / np.sqrt(np.maximum(n, 1))
    half[n < 2] = 0.0
    out["value"] = out["mean"]
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out[["metric", "group", "statistic", "value", "ci_low", "ci_high"]]


def half_width(values: Sequence[float]) -> float:
    """Half-width of the 95% t-interval of the mean of `values` (0 for fewer than two)."""
    n = len(values)
    if n < 2:
        return 0.0
    return _t(n - 1) * float(np.std(values, ddof=1)) / float(np.sqrt(n))


def _t(df: int) -> float:
    if df < 1:
        return 0.0
    for k in sorted(T95):
        if df <= k:
            return T95[k]
    return Z95
