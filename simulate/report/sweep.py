"""The sweep's report: its design, then per metric a tornado chart, the main effects and the
index table. Built from the same shell, kit and charts as the comparison report."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from simulate.measures.catalogue import ALL, capital, group_title, measure, statistic_word
from simulate.study.sweep.sensitivity import RANKED_BY, point_means

from .charts import embed, style
from .kit import esc, section, table
from .shell import document

if TYPE_CHECKING:
    from simulate.study.sweep.spec import Key, Sweep

WIDTH = 1060  # plot width in pixels, for the legend's rows
HOW_TO_READ = {
    "sobol": "S1: share of the metric's variance explained by the parameter alone; ST: share "
    "including its interactions. ST near 0 means the parameter can be fixed anywhere in its range.",
    "morris": "mu*: mean absolute change of the metric when the parameter moves across its "
    "range (elementary effects); sigma: how much that change depends on the other parameters.",
    "grid": "src: standardized regression coefficient (change in the metric, in standard "
    "deviations, per standard deviation of the parameter); r2: how much a linear fit explains.",
}
HOW_TO_READ["lhs"] = HOW_TO_READ["grid"]


def render_sweep(
    sweep: Sweep, results: pd.DataFrame, indices: pd.DataFrame, effects: pd.DataFrame
) -> str:
    """One self-contained page: the design, then a section per metric."""
    spec = sweep.spec
    means = point_means(sweep, results)
    rank = RANKED_BY[spec.design]
    links = [("design", "Design")]
    sections = [section("design", "Design", "", _design(sweep, rank))]
    for n, metric in enumerate(sweep.metrics):
        column = metric.column
        part = indices[(indices.metric == column) & (indices["index"] == rank)]
        score = {r.parameter: abs(r.value) for r in part.itertuples()}
        order = sorted(sweep.parameter_names, key=lambda p: score.get(p, 0.0))
        base = float(means[column].mean())
        anchor = f"metric-{n}"
        title, lead = _words(metric.key)
        links.append((anchor, title))
        content = (
            embed(_tornado(metric.key, column, order, effects, base), f"tornado-{n}", *_size(order))
            + _main_effects(metric.key, column, sweep.parameter_names, effects, n)
            + _index_table(indices, column)
        )
        sections.append(section(anchor, title, f"<code>{esc(column)}</code>: {lead}", content))
    header = (
        f"<header><h1>Sweep: {esc(spec.name)}</h1>"
        f'<p class="lead">{esc(spec.description)}</p></header>'
    )
    return document(f"Sweep: {spec.name}", links, header, "\n".join(sections))


def _words(key: Key) -> tuple[str, str]:
    """A figure's title (label, group, statistic) and its unit and explanation (escaped)."""
    metric, group, statistic = key
    entry = measure(metric)
    parts = [entry.label]
    if group != ALL:
        parts.append(group_title(group))
    if statistic_word(statistic):
        parts.append(statistic_word(statistic))
    return ", ".join(parts), esc(f"{entry.unit}. {entry.explain}")


def _design(sweep: Sweep, rank: str) -> str:
    spec = sweep.spec
    facts = [
        ("design", spec.design),
        ("design points", len(sweep.points)),
        ("replications per point", spec.replications),
        ("runs", sweep.total),
        ("master seed", spec.seed),
        ("common random numbers", "yes" if spec.common_random_numbers else "no"),
        ("base scenario", sweep.scenario_path.name),
    ]
    facts_rows = [f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in facts]
    params = [
        f"<tr><th>{esc(a.name)}</th><td>"
        + esc(", ".join(map(str, a.values)) if a.values else f"{a.low:g} .. {a.high:g}")
        + f"</td><td>{'whole numbers' if a.integer else esc(a.kind)}</td></tr>"
        for a in sweep.axes
    ]
    return (
        table("", "<th>Setting</th><th>Value</th>", facts_rows)
        + "<h3>Parameters</h3>"
        + table("", "<th>Field</th><th>Values</th><th>Type</th>", params)
        + f'<p class="note">{esc(HOW_TO_READ[spec.design])} Replications are averaged per '
        "design point before analysis. The tornado chart shows, for each parameter, the mean "
        "of the metric over the design points at its lowest and highest level, around the "
        f"overall mean (dotted line); parameters are ordered by {esc(rank)}.</p>"
    )


def _size(order: list[str]) -> tuple[int, int]:
    """(height, width) of a tornado chart with one bar pair per parameter."""
    return 120 + 40 * len(order), WIDTH - 7 * max(len(n) for n in order)


def _axis(key: Key) -> dict[str, str]:
    kind = measure(key[0]).kind_of(key[2])
    return {"pct": {"tickformat": ".0%"}, "money": {"tickformat": "$,.0f"}}.get(kind, {})


def _tornado(
    key: Key, column: str, order: list[str], effects: pd.DataFrame, base: float
) -> go.Figure:
    low, high = [], []
    for name in order:
        rows = effects[(effects.metric == column) & (effects.parameter == name)]
        rows = rows.sort_values("level")
        low.append(float(rows["mean"].iloc[0]) - base)
        high.append(float(rows["mean"].iloc[-1]) - base)
    labels = [esc(n) for n in order]
    fig = go.Figure()
    fig.add_bar(y=labels, x=low, base=base, orientation="h", name="lowest level")
    fig.add_bar(y=labels, x=high, base=base, orientation="h", name="highest level")
    style(
        fig,
        "Mean at each parameter's lowest and highest level",
        capital(esc(measure(key[0]).unit)),
        "",
    )
    fig.update_layout(barmode="overlay", xaxis=_axis(key), yaxis={"automargin": True})
    fig.add_vline(x=base, line_dash="dot")
    return fig


def _main_effects(key: Key, column: str, names: list[str], effects: pd.DataFrame, n: int) -> str:
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[esc(p) for p in names])
    for i, name in enumerate(names):
        part = effects[(effects.metric == column) & (effects.parameter == name)]
        part = part.sort_values("level")
        fig.add_trace(
            go.Scatter(
                x=part["level"],
                y=part["mean"],
                mode="lines+markers",
                name=esc(name),
                showlegend=False,
            ),
            row=i // cols + 1,
            col=i % cols + 1,
        )
    style(fig, "", "", "")
    fig.update_yaxes(_axis(key))
    return "<h3>Main effects: mean over the design points at each level</h3>" + embed(
        fig, f"effects-{n}", 260 * rows, WIDTH
    )


def _index_table(indices: pd.DataFrame, column: str) -> str:
    part = indices[indices.metric == column]
    names = list(dict.fromkeys(part["index"]))
    head = "<th>Parameter</th>" + "".join(f"<th>{esc(i)}</th>" for i in names)
    body = []
    for name in dict.fromkeys(part["parameter"]):
        cells = []
        for index in names:
            found = part[(part.parameter == name) & (part["index"] == index)]
            if found.empty:
                cells.append("<td></td>")
                continue
            value, ci = float(found["value"].iloc[0]), found["ci"].iloc[0]
            text = f"{value:.3f}" + ("" if ci is None or pd.isna(ci) else f" ± {float(ci):.3f}")
            cells.append(f"<td>{esc(text)}</td>")
        body.append(f"<tr><th>{esc(name)}</th>{''.join(cells)}</tr>")
    return table("", head, body)
