"""The sweep's report: its design, then per metric a tornado chart, the main effects and the
index table. Built from the same shell, kit and charts as the comparison report."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from simulate.measures.catalogue import ALL, capital, group_title, measure, statistic_word
from simulate.measures.formats import unsigned_zero
from simulate.study.sweep.sensitivity import RANKED_BY, SHARES, point_means

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
        scale = _scale(results[column].to_numpy(dtype=float))
        anchor = f"metric-{n}"
        title, lead = _words(metric.key)
        links.append((anchor, title))
        content = ""
        if spec.design == "grid":  # each level's mean is over every other parameter's levels
            tornado = _tornado(metric.key, column, order, effects, base, scale)
            content = embed(tornado, f"tornado-{n}", *_size(order))
            content += _effect_note(metric.key, column, effects, base)
        content += (
            _main_effects(metric.key, column, sweep.parameter_names, effects, n, scale)
            + _reliability_note(indices, column, spec.design)
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
        "design point before analysis. "
        + (
            "The tornado chart shows, for each parameter, the mean of the metric over the "
            "design points at its lowest and highest level, around the overall mean (dotted "
            f"line); parameters are ordered by {esc(rank)}. Its axis spans zero and every "
            "value the metric took in the sweep, so a small effect looks small; the line "
            "under it gives the largest effect as a share of the metric's mean. "
            if spec.design == "grid"
            else "Sampled designs have few points at any one level of a parameter, mixed with "
            "every other parameter, so no tornado chart is drawn: read the indices, and the "
            "main effects as a rough shape. "
        )
        + "Indices marked as not reliable came from too small a sample.</p>"
    )


def _size(order: list[str]) -> tuple[int, int]:
    """(height, width) of a tornado chart with one bar pair per parameter."""
    return 120 + 40 * len(order), WIDTH - 7 * max(len(n) for n in order)


def _axis(key: Key) -> dict[str, str]:
    kind = measure(key[0]).kind_of(key[2])
    return {"pct": {"tickformat": ".0%"}, "money": {"tickformat": "$,.0f"}}.get(kind, {})


def _scale(values: np.ndarray) -> list[float]:
    """The metric's own scale for an axis: zero and every value it took, with a margin."""
    low, high = min(0.0, float(values.min())), max(0.0, float(values.max()))
    pad = 0.05 * (high - low) or 1.0
    return [low - pad if low < 0 else low, high + pad]


def _ends(column: str, name: str, effects: pd.DataFrame) -> tuple[float, float]:
    """The metric's mean at a parameter's lowest and highest level."""
    rows = effects[(effects.metric == column) & (effects.parameter == name)]
    rows = rows.sort_values("level")
    return float(rows["mean"].iloc[0]), float(rows["mean"].iloc[-1])


def _tornado(
    key: Key,
    column: str,
    order: list[str],
    effects: pd.DataFrame,
    base: float,
    scale: list[float],
) -> go.Figure:
    low, high = [], []
    for name in order:
        first, last = _ends(column, name, effects)
        low.append(first - base)
        high.append(last - base)
    labels = [esc(n) for n in order]
    fig = go.Figure()
    for name, x in (("lowest level", low), ("highest level", high)):
        fig.add_bar(
            y=labels,
            x=x,
            base=base,
            orientation="h",
            name=name,
            customdata=[_share(d, base) for d in x],
            hovertemplate="%{y}: %{x:+.3g} (%{customdata} of the mean)<extra></extra>",
        )
    style(
        fig,
        "Mean at each parameter's lowest and highest level",
        capital(esc(measure(key[0]).unit)),
        "",
    )
    fig.update_layout(
        barmode="overlay", xaxis={**_axis(key), "range": scale}, yaxis={"automargin": True}
    )
    fig.add_vline(x=base, line_dash="dot")
    return fig


def _share(effect: float, base: float) -> str:
    return f"{effect / base:+.1%}" if base else "—"


def _effect_note(key: Key, column: str, effects: pd.DataFrame, base: float) -> str:
    """The largest effect in the metric's units and as a share of its mean."""
    names = list(dict.fromkeys(effects[effects.metric == column].parameter))
    if not names:
        return ""
    spans = {n: _ends(column, n, effects) for n in names}
    name = max(names, key=lambda n: abs(spans[n][1] - spans[n][0]))
    effect = spans[name][1] - spans[name][0]
    unit = measure(key[0]).unit
    return (
        f'<p class="note">Largest effect: {esc(name)} moves the mean by {effect:+,.4g} '
        f"{esc(unit)} from its lowest to its highest level, {_share(effect, base)} of the "
        f"metric's mean ({base:,.4g}).</p>"
    )


def _reliability_note(indices: pd.DataFrame, column: str, design: str) -> str:
    part = indices[indices.metric == column]
    if part["reliable"].all():
        return ""
    shares = ", or a share of variance outside [0, 1]" if design != "morris" else ""
    return (
        '<p class="note"><strong>Sample too small for some of these indices:</strong> their '
        f"interval is wider than the index itself{shares} (marked below). Raise the samples "
        "or replications to settle them before reading the ranking.</p>"
    )


def _flag(index: str, value: float) -> str:
    """Why an index is not reliable, in a few words."""
    if index in SHARES and not 0.0 <= value <= 1.0:
        return " (not reliable: outside [0, 1])"
    return " (not reliable: cannot be told from zero)"


def _main_effects(
    key: Key, column: str, names: list[str], effects: pd.DataFrame, n: int, scale: list[float]
) -> str:
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
    fig.update_yaxes({**_axis(key), "range": scale})  # the metric's own scale, as the tornado
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
            text = _three(value) + ("" if ci is None or pd.isna(ci) else f" ± {float(ci):.3f}")
            if not bool(found["reliable"].iloc[0]):
                text += _flag(index, value)
            cells.append(f"<td>{esc(text)}</td>")
        body.append(f"<tr><th>{esc(name)}</th>{''.join(cells)}</tr>")
    return table("", head, body)


def _three(value: float) -> str:
    """An index to three decimals; one that rounds to zero has no sign (-0.0004 is 0.000)."""
    return unsigned_zero(f"{value:.3f}")
