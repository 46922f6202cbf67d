"""Sensitivity analysis of a finished sweep, and its self-contained HTML report.

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
"""

from __future__ import annotations

import html
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
COLUMNS = ["metric", "parameter", "index", "value", "ci"]
Row = tuple[str, str, str, float, float | None]  # one row of COLUMNS


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
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table, main_effects(names, x, means)


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


# ---- the report ------------------------------------------------------------------------------
def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _figure_html(fig: Any, div_id: str) -> str:
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )


def _tornado(metric: str, order: list[str], effects: pd.DataFrame, base: float) -> Any:
    import plotly.graph_objects as go

    low, high = [], []
    for name in order:
        rows = effects[(effects.metric == metric) & (effects.parameter == name)]
        rows = rows.sort_values("level")
        low.append(float(rows["mean"].iloc[0]) - base)
        high.append(float(rows["mean"].iloc[-1]) - base)
    labels = [_esc(n) for n in order]
    fig = go.Figure()
    fig.add_bar(y=labels, x=low, base=base, orientation="h", name="lowest level")
    fig.add_bar(y=labels, x=high, base=base, orientation="h", name="highest level")
    fig.update_layout(
        barmode="overlay",
        title=f"{_esc(metric)}: mean at each parameter's lowest and highest level",
        xaxis_title=_esc(metric),
        height=160 + 40 * len(order),
        margin={"l": 260},
    )
    fig.add_vline(x=base, line_dash="dot")
    return fig


def _main_effects_figure(metric: str, names: list[str], effects: pd.DataFrame) -> Any:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[_esc(n) for n in names])
    for i, name in enumerate(names):
        part = effects[(effects.metric == metric) & (effects.parameter == name)]
        part = part.sort_values("level")
        fig.add_trace(
            go.Scatter(x=part["level"], y=part["mean"], mode="lines+markers", name=_esc(name)),
            row=i // cols + 1,
            col=i % cols + 1,
        )
    fig.update_layout(
        title=f"Main effects on {_esc(metric)} (mean over design points at each level)",
        showlegend=False,
        height=280 * rows + 80,
    )
    return fig


def _index_table(table: pd.DataFrame, metric: str) -> str:
    part = table[table.metric == metric]
    indices = list(dict.fromkeys(part["index"]))
    head = "".join(f"<th>{_esc(i)}</th>" for i in indices)
    body = []
    for name in dict.fromkeys(part["parameter"]):
        cells = []
        for index in indices:
            row = part[(part.parameter == name) & (part["index"] == index)]
            if row.empty:
                cells.append("<td></td>")
                continue
            value, ci = float(row["value"].iloc[0]), row["ci"].iloc[0]
            text = f"{value:.3f}" + ("" if ci is None or pd.isna(ci) else f" ± {float(ci):.3f}")
            cells.append(f"<td>{_esc(text)}</td>")
        body.append(f"<tr><th>{_esc(name)}</th>{''.join(cells)}</tr>")
    return f"<table><tr><th>parameter</th>{head}</tr>{''.join(body)}</table>"


HOW_TO_READ = {
    "sobol": "S1: share of the metric's variance explained by the parameter alone; ST: share "
    "including its interactions. ST near 0 means the parameter can be fixed anywhere in its range.",
    "morris": "mu*: mean absolute change of the metric when the parameter moves across its "
    "range (elementary effects); sigma: how much that change depends on the other parameters.",
    "grid": "src: standardized regression coefficient (change in the metric, in standard "
    "deviations, per standard deviation of the parameter); r2: how much a linear fit explains.",
}
HOW_TO_READ["lhs"] = HOW_TO_READ["grid"]


def report_html(
    sweep: Sweep, results: pd.DataFrame, table: pd.DataFrame, effects: pd.DataFrame
) -> str:
    """One self-contained page: plotly.js embedded once, every user string escaped."""
    from plotly.offline import get_plotlyjs

    spec = sweep.spec
    names = sweep.parameter_names
    means = point_means(sweep, results)
    rank = RANKED_BY[spec.design]
    params = "".join(
        f"<tr><th>{_esc(a.name)}</th><td>"
        + _esc(", ".join(map(str, a.values)) if a.values else f"{a.low:g} .. {a.high:g}")
        + f"</td><td>{'whole numbers' if a.integer else _esc(a.kind)}</td></tr>"
        for a in sweep.axes
    )
    facts = [
        ("design", spec.design),
        ("design points", len(sweep.points)),
        ("replications per point", spec.replications),
        ("runs", sweep.total),
        ("master seed", spec.seed),
        ("common random numbers", "yes" if spec.common_random_numbers else "no"),
        ("base scenario", sweep.scenario_path.name),
    ]
    sections = []
    for n, metric in enumerate(means.columns):
        part = table[(table.metric == metric) & (table["index"] == rank)]
        score = {r.parameter: abs(r.value) for r in part.itertuples()}
        order = sorted(names, key=lambda p: score.get(p, 0.0))
        base = float(means[metric].mean())
        sections.append(
            f"<section><h2>{_esc(metric)}</h2>"
            + _figure_html(_tornado(metric, order, effects, base), f"tornado-{n}")
            + _figure_html(_main_effects_figure(metric, names, effects), f"effects-{n}")
            + _index_table(table, metric)
            + "</section>"
        )
    facts_html = "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in facts)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Sweep: {_esc(spec.name)}</title>
<script type="text/javascript">{get_plotlyjs()}</script>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }}
section {{ margin-top: 2.5em; border-top: 2px solid #ddd; }}
.note {{ color: #555; }}
</style></head><body>
<h1>Sweep: {_esc(spec.name)}</h1>
<p>{_esc(spec.description)}</p>
<table>{facts_html}</table>
<h2>Parameters</h2>
<table><tr><th>field</th><th>values</th><th>type</th></tr>{params}</table>
<p class="note">{_esc(HOW_TO_READ[spec.design])} Replications are averaged per design point
before analysis. The tornado chart shows, for each parameter, the mean of the metric over the
design points at its lowest and highest level, around the overall mean (dotted line);
parameters are ordered by {_esc(rank)}.</p>
{"".join(sections)}
</body></html>
"""
