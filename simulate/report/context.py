"""What every section of the comparison report builds on: the comparison, each scenario's
colour, metric tables and cells, chart embedding, and the names of roles, tiers and groups."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import plotly.graph_objects as go

from simulate.measures.catalogue import COVERER_TITLES, group_title
from simulate.measures.formats import fmt

from .cells import difference_html, interval_html
from .charts import BASELINE_COLOR, PALETTE, REASON_COLORS, embed, short, style
from .figures import Row
from .kit import esc, plural, raw, table

if TYPE_CHECKING:
    from simulate.study.compare import Comparison


@dataclass(frozen=True)
class Section:
    """One section of the report: its anchor and link in the table of contents, its heading,
    its lead paragraph (trusted markup), what builds its content, and whether a comparison has
    it (a section for schools some comparisons do not hold)."""

    anchor: str
    link: str
    title: str
    lead: str
    content: Callable[[Page], str]
    shown: Callable[[Page], bool] | None = None  # whether the page has it (None: always)


class Page:
    """One report's comparison and the building blocks its sections share."""

    def __init__(self, comparison: Comparison) -> None:
        self.c = comparison
        self.names = comparison.names
        others = itertools.cycle(PALETTE)  # the baseline is always grey
        self.colors = {
            n: BASELINE_COLOR if n == comparison.baseline else next(others) for n in self.names
        }
        self.n_figures = 0
        self.bars_height = 90 + 40 * len(self.names)  # a chart with one bar per scenario

    # ---------- scenarios ----------

    def scenario_head(self, name: str) -> str:
        """A scenario's name with its colour swatch, tagged if it is the baseline."""
        tag = '<small class="base">baseline</small>' if name == self.c.baseline else ""
        return (
            f'<span class="swatch" style="background:{self.colors[name]}"></span>{esc(name)}{tag}'
        )

    def scenario_heads(self, attrs: str = "") -> str:
        """One header cell per scenario, for tables with scenarios as columns."""
        return "".join(f"<th{attrs}>{self.scenario_head(n)}</th>" for n in self.names)

    def labels(self) -> list[str]:
        """Scenario names for a category axis (escaped for plotly, shortened)."""
        return [esc(short(n)) for n in self.names]

    # ---------- metric tables ----------

    def metric_table(self, rows: Sequence[Row], table_id: str = "", collapsed: bool = False) -> str:
        """Scenarios as columns, one row per figure: mean, interval, difference from baseline."""
        body = []
        for row in rows:
            if all(self.c.value(n, *row.key) is None for n in self.names):
                continue
            cells = "".join(self.metric_cell(n, row) for n in self.names)
            explain = f'<div class="explain">{esc(row.explain)}</div>' if row.explain else ""
            body.append(f'<tr><th scope="row">{esc(row.label)}{explain}</th>{cells}</tr>')
        head = '<th scope="col">Measure</th>' + self.scenario_heads(' scope="col"')
        html = table("metrics", head, body, table_id)
        if collapsed:
            return f"<details><summary>All figures as a table</summary>{html}</details>"
        return html

    def metric_cell(self, name: str, row: Row) -> str:
        """One scenario's figure, its interval and its difference from the baseline; the exact
        numbers ride along in data- attributes, the same digits as summary.csv."""
        c = self.c
        keys = (
            f'data-scenario="{esc(name)}" data-metric="{esc(row.metric)}" '
            f'data-group="{esc(row.group)}" data-statistic="{esc(row.statistic)}"'
        )
        found = c.value(name, *row.key)
        if found is None:
            return f'<td class="num na" {keys}>—</td>'
        mean, lo, hi = found
        attrs = f'{keys} data-value="{raw(mean)}" data-ci-low="{raw(lo)}" data-ci-high="{raw(hi)}"'
        shown = f'<div class="v">{fmt(mean, row.kind)}</div>{interval_html(found, row.kind)}'
        years = c.years_with(name, *row.key)
        if years < c.replications:  # a figure some years had nothing to measure for
            shown += f'<div class="ci">in {plural(years, "year")} of {c.replications}</div>'
        diff = c.difference(name, *row.key)
        if diff is not None:
            d, dlo, dhi = diff
            attrs += f' data-diff="{raw(d)}" data-diff-low="{raw(dlo)}" data-diff-high="{raw(dhi)}"'
            shown += difference_html(diff, row)
        return f'<td class="num" {attrs}>{shown}</td>'

    # ---------- charts ----------

    def figure(self, fig: go.Figure, height: int, half: bool = False) -> str:
        """Embed a chart at full or half the page's width."""
        self.n_figures += 1
        width = (520 if half else 1120) - 60
        if fig.layout.yaxis.autorange == "reversed":  # scenario names label the y axis
            width -= 7 * max(len(short(n)) for n in self.names)
        return embed(fig, f"fig{self.n_figures}", height, width)

    def stacked_bars(
        self,
        y: list[str],
        parts: list[tuple[str, list[float]]],
        hover: str,
        title: str,
        xtitle: str,
        xaxis: dict[str, object],
        half: bool = False,
    ) -> str:
        """One horizontal bar per scenario, stacked from named parts (plain-text names)."""
        fig = go.Figure()
        for i, (part, values) in enumerate(parts):
            fig.add_bar(
                y=y,
                x=values,
                orientation="h",
                name=esc(part),
                marker={"color": REASON_COLORS[(i + 2) % len(REASON_COLORS)]},
                hovertemplate=f"%{{y}}<br>{esc(part)}{hover}<extra></extra>",
            )
        style(fig, title, xtitle, "")
        fig.update_layout(
            barmode="stack", xaxis=xaxis, yaxis={"autorange": "reversed", "automargin": True}
        )
        return self.figure(fig, self.bars_height, half=half)

    # ---------- figures and names ----------

    def groups(self, metric: str, prefix: str) -> list[str]:
        """Groups of a metric across all scenarios, in first-seen order."""
        s = self.c.summary
        seen = s[(s.metric == metric) & s.group.str.startswith(prefix)].group
        return list(dict.fromkeys(seen))

    def mean(self, name: str, metric: str, group: str = "all", statistic: str = "value") -> float:
        found = self.c.value(name, metric, group, statistic)
        return found[0] if found else 0.0

    def role_title(self, role: str) -> str:
        """A role's title from the scenarios (plain text: escape where used)."""
        if role in COVERER_TITLES:
            return COVERER_TITLES[role]
        for result in self.c.results:
            spec = result.scenario.roles.get(role)
            if spec is not None:
                return spec.title or role
        return role.replace("_", " ").capitalize()

    def group_title(self, group: str) -> str:
        """How a group reads in a row, roles by their titles (plain text)."""
        return group_title(group, self.role_title)

    def dosage_targets(self) -> dict[str, float]:
        """Weekly dosage per tier name, from the baseline (the first school that has it)."""
        out: dict[str, float] = {}
        for result in [self.c.base, *self.c.results]:
            for school in result.scenario.schools:
                for tier in school.need_tiers:
                    out.setdefault(tier.name, float(tier.dosage_minutes_per_week))
        return out


def group_value(group: str) -> str:
    """'role=tutor' -> 'tutor'."""
    return group.partition("=")[2]
