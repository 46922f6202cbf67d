"""Budget: annual totals, cost per pupil by category, the multi-year projection with its
sustainability verdict, and every line item."""

from __future__ import annotations

from typing import TYPE_CHECKING

import plotly.graph_objects as go

from simulate.measures.catalogue import (
    capital,
    measure,
)
from simulate.measures.formats import fmt, fmt_diff
from simulate.study.budget_tables import WHO_PAYS_COLUMNS, multiyear_frame, who_pays_frame

from ..charts import INK, style
from ..context import Page, Section
from ..kit import esc, raw, table

if TYPE_CHECKING:
    import pandas as pd

PER_PUPIL = measure("budget.per_pupil")
TOTAL = measure("budget.total")
# (label, column of multiyear_frame) in the year-by-year table
YEAR_LINES = [
    ("Total cost", "total_cost"),
    ("Recurring money", "recurring_revenue"),
    ("Grants", "grant_revenue"),
    ("Surplus (negative = gap)", "surplus"),
]


def totals_table(page: Page) -> str:
    """The headline figures by label (the catalogue's budget entries), to the cent, with
    each difference from the baseline on a row of its own."""
    c = page.c
    totals = c.budget_totals.set_index("scenario")
    body = []
    for entry, key, label, difference in c.figure_rows():
        cells = ""
        for name in page.names:
            v = float(totals.loc[name, key])
            if not difference:
                text = fmt(v, entry.kind)
            else:
                text = "—" if name == c.baseline else fmt_diff(v, entry.kind)
            cells += f'<td class="num" data-value="{raw(v)}">{text}</td>'
        body.append(f"<tr><th scope=row>{esc(label)}</th>{cells}</tr>")
    note = (
        '<p class="note">The staffing cost counts the roles each scenario holds, not the '
        "district's whole spending per pupil"
        + (
            "; the district's other spending per pupil (not modelled) is shown apart and never "
            "added to it.</p>"
            if "other_per_pupil" in totals.columns
            else ": give the district's other spending per pupil (in the budget's key inputs) "
            "to show the rest alongside it.</p>"
        )
    )
    return table("metrics", "<th>Budget</th>" + page.scenario_heads(), body) + note


def by_category_chart(page: Page) -> str:
    c = page.c
    categories = c.budget_by_category
    enrollment = [max(c.result(n).scenario.enrollment, 1) for n in page.names]
    return page.stacked_bars(
        page.labels(),
        [(str(k), list(categories.loc[k, page.names] / enrollment)) for k in categories.index],
        ": $%{x:,.0f} per pupil",
        f"{PER_PUPIL.label} by category",
        capital(PER_PUPIL.unit),
        xaxis={"tickprefix": "$", "tickformat": ",.0f"},
    )


def projection_block(page: Page) -> str:
    """Multi-year cost against funding: the grant cliff and the sustainability verdict."""
    c = page.c
    frames = {name: multiyear_frame(multi) for name, multi in c.projections.items()}
    labels = year_labels(page)
    fig = go.Figure()
    for name, frame in frames.items():
        color = page.colors[name]
        if c.has_funding:
            fig.add_scatter(
                x=frame.year,
                y=frame.surplus,
                name=esc(name),
                mode="lines+markers",
                line={"color": color, "width": 3},
                legendgroup=name,
                customdata=labels,
                hovertemplate=f"{esc(name)}<br>%{{customdata}}: "
                "%{y:$,.0f} with grants<extra>money in − money out</extra>",
            )
            fig.add_scatter(
                x=frame.year,
                y=frame.recurring_surplus,
                name=esc(name) + " (recurring only)",
                mode="lines+markers",
                line={"color": color, "width": 2, "dash": "dot"},
                legendgroup=name,
                showlegend=False,
                customdata=labels,
                hovertemplate=f"{esc(name)}<br>%{{customdata}}: %{{y:$,.0f}} "
                "without grants<extra>recurring money − recurring cost</extra>",
            )
        else:
            fig.add_scatter(
                x=frame.year,
                y=frame.total_cost,
                name=esc(name),
                mode="lines+markers",
                line={"color": color, "width": 3},
                customdata=labels,
                hovertemplate=f"{esc(name)}<br>%{{customdata}}: %{{y:$,.0f}}"
                "<extra>staffing cost</extra>",
            )
    if c.has_funding:
        style(
            fig,
            "Surplus or gap by year: with grants (solid) and recurring money only (dotted)",
            "Year",
            f"{capital(TOTAL.unit)} (negative = gap)",
        )
        fig.add_hline(y=0, line={"color": INK, "width": 1})
    else:
        style(fig, "Projected staffing cost (roles modelled)", "Year", capital(TOTAL.unit))
    years = list(range(1, len(labels) + 1))
    fig.update_layout(
        xaxis={"tickvals": years, "ticktext": [capital(x) for x in labels]},
        yaxis={"tickprefix": "$", "tickformat": ",.0f"},
    )
    rows = []
    for name, multi in c.projections.items():
        verdict = multi.verdict
        tone = "good" if verdict.sustainable else "bad"
        text = (
            "; ".join([verdict.text(), *multi.notes()])
            if c.has_funding
            else ("no funding sources given")
        )
        rows.append(
            f"<tr><th scope=row>{page.scenario_head(name)}</th>"
            f'<td class="{tone if c.has_funding else ""}">{esc(text)}</td></tr>'
        )
    note = (
        ""
        if c.has_funding
        else '<p class="note">None of these scenarios lists funding sources (budget.funding)'
        ", so there is no grant cliff or verdict to show: add recurring funding and "
        "time-limited grants to a scenario to see when recurring money covers the "
        "model.</p>"
    )
    span = len(next(iter(frames.values())))
    return (
        f"<h3>Multi-year projection ({span} years)</h3>{note}"
        + page.figure(fig, 380)
        + table("metrics verdicts", "<th>Scenario</th><th>Sustainability verdict</th>", rows)
        + year_table(page, frames)
    )


def year_labels(page: Page) -> list[str]:
    """The projection's years as fiscal years (FY2027-28) when every scenario starts in the
    same year, else as year 1, year 2, ..."""
    multis = list(page.c.projections.values())
    labels = [m.labels() for m in multis]
    if all(x == labels[0] for x in labels):
        return labels[0]
    return [f"year {y.year}" for y in multis[0].years]


def year_table(page: Page, frames: dict[str, pd.DataFrame]) -> str:
    """Year-by-year cost, money in and surplus per scenario, for a grant writer to copy."""
    body, years = [], 0
    for name, frame in frames.items():
        years = len(frame)
        for i, (label, column) in enumerate(YEAR_LINES):
            head = (
                f'<th scope="row" rowspan="{len(YEAR_LINES)}">{page.scenario_head(name)}</th>'
                if i == 0
                else ""
            )
            cells = "".join(
                f'<td class="num{" neg" if v < 0 else ""}" data-value="{raw(v)}">'
                f"{fmt(v, 'money')}</td>"
                for v in frame[column].astype(float)
            )
            body.append(f"<tr>{head}<td>{label}</td>{cells}</tr>")
    year_heads = "".join(f'<th class="num">{capital(x)}</th>' for x in year_labels(page)[:years])
    years_table = table("years", "<th>Scenario</th><th></th>" + year_heads, body)
    return (
        f"<details><summary>Year-by-year figures</summary>{years_table}</details>"
        + who_pays_table(page)
    )


def who_pays_table(page: Page) -> str:
    """Who pays what each year, per scenario with funding: each source's part of the costs,
    grants' indirect charges and required match, and what no source pays."""
    c = page.c
    body, heads = [], year_labels(page)
    for r in c.results:
        if not r.scenario.budget.funding:
            continue
        frame = who_pays_frame(c.projections[r.scenario.name], r.scenario)
        for i, row in enumerate(frame.itertuples(index=False)):
            head = (
                f'<th scope="row" rowspan="{len(frame)}">{page.scenario_head(r.scenario.name)}</th>'
                if i == 0
                else ""
            )
            values = list(row)[len(WHO_PAYS_COLUMNS) : len(WHO_PAYS_COLUMNS) + len(heads)]
            cells = "".join(
                f'<td class="num" data-value="{raw(float(v))}">{fmt(float(v), "money")}</td>'
                for v in values
            )
            who = esc(row.source) + (
                f" <span class=note>({esc(row.funder)})</span>" if row.funder else ""
            )
            body.append(f"<tr>{head}<td>{who}</td><td>{esc(row.what)}</td>{cells}</tr>")
    if not body:
        return ""
    year_heads = "".join(f'<th class="num">{capital(x)}</th>' for x in heads)
    who = table("years", "<th>Scenario</th><th>Source</th><th></th>" + year_heads, body)
    return f"<details><summary>Who pays what each year</summary>{who}</details>"


def line_items_table(page: Page) -> str:
    items = page.c.line_items
    pivot = items.pivot_table(
        index=["category", "item"],
        columns="scenario",
        values="amount",
        aggfunc="sum",
        fill_value=0.0,
    ).reindex(columns=page.names, fill_value=0.0)
    base = page.c.baseline
    body = []
    for (category, item), values in pivot.iterrows():
        cells = []
        for name in page.names:
            value = float(values[name])
            diff = value - float(values[base])
            note = (
                f'<div class="d">{fmt_diff(diff, "money")}</div>'
                if name != base and abs(diff) >= 0.5 and page.c.same_schools
                else ""
            )
            cells.append(
                f'<td class="num" data-sort="{raw(value)}">'
                f"{fmt(value, 'money') if value else '—'}{note}</td>"
            )
        body.append(f"<tr><td>{esc(category)}</td><td>{esc(item)}</td>{''.join(cells)}</tr>")
    head = "<th>Category</th><th>Item</th>" + page.scenario_heads()
    return table("sortable lines", head, body)


def content(page: Page) -> str:
    by_category = by_category_chart(page)  # drawn first: figures are numbered as made
    return (
        totals_table(page)
        + by_category
        + projection_block(page)
        + "<h3>Line items (annual cost)</h3>"
        + line_items_table(page)
    )


SECTION = Section(
    "budget",
    "Budget",
    "Budget",
    "Staffing cost of the roles modelled: salaries for the days positions are filled, "
    "supplements and benefits, hourly staff paid for the hours they worked, the substitute "
    "days the simulation used, and the cost of replacing leavers. Details by line item "
    "below; every figure is also in budget.xlsx.",
    content,
)
