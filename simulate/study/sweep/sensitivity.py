"""Sensitivity analysis of a finished sweep (its report is simulate.report.sweep).

Replications are averaged per design point first, so the indices describe the mean response
(the estimators then see one output per point, in the sampler's order). The index per design:
- sobol: first-order S1 and total ST (SALib, Saltelli/Jansen estimators), bootstrap 95% CI;
- morris: mu* (mean absolute elementary effect, with bootstrap 95% CI), mu and sigma, per unit
  of each parameter's range, so parameters are comparable;
- grid and lhs: standardized regression coefficients (SRC: the change in the metric, in standard
  deviations, per standard deviation of the parameter, from one linear fit) with a bootstrap
  95% CI, and the fit's R^2 (if R^2 is low, the ranking says little).
A metric that does not vary over the sweep gets zeros rather than NaN (SALib divides by the
variance). `ci` is the half-width of the 95% interval; it is empty where a method gives none.

`reliable` says whether the sample was large enough for an index: false when a share of
variance (S1, ST, R^2) falls outside [0, 1], or when the interval is wider than the index
(half-width above its size: the index cannot be told from zero). Sobol' indices from 16
samples are often both; raise `samples` (and replications) until they are reliable.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulate.study.sweep.designs import problem
from simulate.study.sweep.spec import design_seed

if TYPE_CHECKING:
    from simulate.study.sweep.spec import Sweep

RESAMPLES = 200
Z95 = 1.959963984540054
MAX_BINS = 10  # main effects: a parameter with more distinct values is binned by quantiles
RANKED_BY = {"sobol": "ST", "morris": "mu_star", "grid": "src", "lhs": "src"}
COLUMNS = ["metric", "parameter", "index", "value", "ci", "reliable"]
Row = tuple[str, str, str, float, float | None]  # one row of COLUMNS, but `reliable`
SHARES = frozenset({"S1", "ST", "r2"})  # indices that are shares of variance: 0 to 1


def point_means(sweep: Sweep, results: pd.DataFrame) -> pd.DataFrame:
    """Mean of each metric over replications, one row per design point in point order."""
    means = results.groupby("point", sort=True)[sweep.metric_columns].mean()
    means = means.reindex(range(len(sweep.points)))
    values = means.to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise RuntimeError("a metric is NaN or infinite; sensitivity indices would be undefined")
    return means


def analyze(sweep: Sweep, results: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tidy index table (metric, parameter, index, value, ci) and the main effects."""
    means = point_means(sweep, results)
    x = np.array(sweep.points, dtype=float)
    names = sweep.parameter_names
    seed = design_seed(sweep.spec.seed)
    rows: list[Row] = []
    for column in means.columns:
        y = means[column].to_numpy(dtype=float)
        rows += _indices(sweep, column, names, x, y, seed)
    table = pd.DataFrame(
        [(*row, reliable(row[2], row[3], row[4])) for row in rows], columns=COLUMNS
    )
    return table, main_effects(names, x, means)


def reliable(index: str, value: float, ci: float | None) -> bool:
    """Whether an index is usable at this sample size: a share of variance inside [0, 1],
    and an interval (if the method gives one) no wider than the index itself."""
    if index in SHARES and not 0.0 <= value <= 1.0:
        return False
    return ci is None or ci <= abs(value)


def _indices(
    sweep: Sweep, metric: str, names: list[str], x: np.ndarray, y: np.ndarray, seed: int
) -> list[Row]:
    """One metric's rows: SALib's indices for sobol and morris (zeros if the metric is flat,
    where SALib would divide by zero), regression coefficients otherwise."""
    design = sweep.spec.design
    if design not in ("sobol", "morris"):
        return _src_rows(metric, names, x, y, seed)
    flat = float(np.ptp(y)) <= 1e-12 * max(1.0, float(np.abs(y).max()))
    found = None if flat else _salib(sweep, y, seed)

    def at(key: str, i: int) -> float:
        return 0.0 if found is None else _finite(found[key][i])

    rows: list[Row] = []
    for i, name in enumerate(names):
        if design == "sobol":
            for index in ("S1", "ST"):
                rows.append((metric, name, index, at(index, i), at(f"{index}_conf", i)))
        else:
            rows.append((metric, name, "mu_star", at("mu_star", i), at("mu_star_conf", i)))
            rows.append((metric, name, "mu", at("mu", i), None))
            rows.append((metric, name, "sigma", at("sigma", i), None))
    return rows


def _salib(sweep: Sweep, y: np.ndarray, seed: int) -> Any:
    """SALib's analysis of the design the sweep sampled (sobol or morris)."""
    if sweep.spec.design == "sobol":
        from SALib.analyze import sobol

        return sobol.analyze(
            problem(sweep.axes),
            y,
            calc_second_order=False,
            num_resamples=RESAMPLES,
            conf_level=0.95,
            seed=seed,
        )
    from SALib.analyze import morris

    return morris.analyze(
        problem(sweep.axes),
        sweep.unit,
        y,
        num_resamples=RESAMPLES,
        conf_level=0.95,
        num_levels=sweep.spec.levels,
        seed=seed,
    )


def _src_rows(metric: str, names: list[str], x: np.ndarray, y: np.ndarray, seed: int) -> list[Row]:
    """Standardized regression coefficients with a bootstrap CI, and the fit's R^2."""
    beta, r2 = _src(x, y)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(y), size=(RESAMPLES, len(y)))
    fits = [_src(x[d], y[d]) for d in draws]
    boot = np.array([b for b, _ in fits])
    ci = Z95 * boot.std(axis=0) if len(y) > 1 else np.zeros(len(names))
    r2_ci = Z95 * float(np.std([r for _, r in fits])) if len(y) > 1 else 0.0
    rows: list[Row] = [
        (metric, name, "src", _finite(beta[i]), _finite(ci[i])) for i, name in enumerate(names)
    ]
    rows.append((metric, "(linear fit)", "r2", _finite(r2), _finite(r2_ci)))
    return rows


def _src(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Standardized regression coefficients and R^2; zeros where nothing varies."""
    sx, sy = x.std(axis=0), y.std()
    if sy == 0:
        return np.zeros(x.shape[1]), 0.0
    z = np.where(sx > 0, (x - x.mean(axis=0)) / np.where(sx > 0, sx, 1.0), 0.0)
    w = (y - y.mean()) / sy
    beta = np.linalg.lstsq(z, w, rcond=None)[0]
    r2 = 1.0 - float(((w - z @ beta) ** 2).sum()) / float((w**2).sum())
    return beta, r2


def _finite(value: Any) -> float:
    value = float(value)
    return value if math.isfinite(value) else 0.0


def main_effects(names: list[str], x: np.ndarray, means: pd.DataFrame) -> pd.DataFrame:
    """Mean of each metric by level of each parameter (quantile bins if it has many values)."""
    rows = []
    for j, name in enumerate(names):
        col = x[:, j]
        levels = np.unique(col)
        if len(levels) <= MAX_BINS:
            bins = np.searchsorted(levels, col)
        else:
            edges = np.quantile(col, np.linspace(0, 1, MAX_BINS + 1)[1:-1])
            bins = np.searchsorted(edges, col, side="right")
        for b in np.unique(bins):
            mask = bins == b
            level = float(col[mask].mean())
            for metric in means.columns:
                value = float(means[metric].to_numpy()[mask].mean())
                rows.append((metric, name, level, value, int(mask.sum())))
    return pd.DataFrame(rows, columns=["metric", "parameter", "level", "mean", "points"])
