"""The report page: one section per topic, each with its charts and tables, from a Comparison."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from simulate import __version__
from simulate.output import write_text

from .charts import (
    BASELINE_COLOR,
    INK,
    PALETTE,
    REASON_COLORS,
    Interval,
    ci_text,
    embed,
    error_bars,
    short,
    style,
)
from .figures import KEY_ROWS, REASONS, Row, activity_label, esc, fmt, fmt_diff, plural, raw
from .shell import CSS, LOADER, TEMPLATE

if TYPE_CHECKING:
    import pandas as pd

    from simulate.study.compare import Comparison


# (label, column of Comparison.budget_totals) in the budget section's totals table
BUDGET_LINES = [
    ("Annual cost", "total"),
    ("recurring", "recurring"),
    ("one-off (year 1)", "one_off"),
    ("Per pupil", "per_pupil"),
    ("Difference from baseline", "difference"),
    ("Difference per pupil", "per_pupil_difference"),
]
# (label, column of MultiYear.frame()) in the year-by-year table
YEAR_LINES = [
    ("Total cost", "total_cost"),
    ("Recurring money", "recurring_revenue"),
    ("Grants", "grant_revenue"),
    ("Surplus (negative = gap)", "surplus"),
]
TAKEAWAY_ROWS = [  # the key figures "At a glance" speaks of, in KEY_ROWS order
    row
    for row in KEY_ROWS
    if row.metric
    in {
        "budget.per_pupil",
        "coaching.observations_per_teacher_week",
        "small_group.minutes_per_student_week",
        "small_group.below_target_share",
        "relationships.adults_per_student",
        "ledger.lost_share",
    }
]


def write_report(comparison: Comparison, path: Path) -> Path:
    """Write the report to `path` (atomically, like every output)."""
    return write_text(path, render(comparison))


def render(comparison: Comparison) -> str:
    """The whole report as one HTML string."""
    page = _Page(comparison)
    sections = [
        page.summary_section(),
        page.coaching_section(),
        page.small_group_section(),
        page.relationships_section(),
        page.coverage_section(),
        page.budget_section(),
        page.assumptions_section(),
        page.method_section(),
    ]
    title = "Staffing arrangements compared: " + ", ".join(comparison.names)
    return TEMPLATE.format(
        title=esc(title),
        css=CSS,
        header=page.header(),
        toc=page.toc(),
        body="\n".join(sections),
        plotly=get_plotlyjs(),
        loader=LOADER,
    )


class _Page:
    """Builds the sections of one report from one Comparison."""

    def __init__(self, comparison: Comparison) -> None:
        self.c = comparison
        self.names = comparison.names
        others = itertools.cycle(PALETTE)  # the baseline is always grey
        self.colors = {
            n: BASELINE_COLOR if n == comparison.baseline else next(others) for n in self.names
        }
        self.n_figures = 0
        self.bars_height = 90 + 40 * len(self.names)  # a chart with one bar per scenario

    # ---------- page frame ----------

    def header(self) -> str:
        c = self.c
        cards = []
        for result in c.results:
            s = result.scenario
            name = s.name
            schools = sum(school.copies for school in s.schools)
            badge = '<span class="badge">baseline</span>' if name == c.baseline else ""
            cards.append(
                f'<div class="card" style="border-top-color:{self.colors[name]}">'
                f"<h3>{esc(name)} {badge}</h3><p>{esc(s.description.strip())}</p>"
                f'<p class="meta">{s.enrollment:,} students · {plural(schools, "school")}'
                "</p></div>"
            )
        return (
            "<header><h1>Staffing arrangements compared</h1>"
            f'<p class="lead">{len(c.names)} arrangements simulated over the same '
            f"{c.replications} school years (seed {c.seed}), with the same students, absences "
            f"and closures in each. Differences are shown against "
            f"<strong>{esc(c.baseline)}</strong>.</p>"
            f'<div class="cards">{"".join(cards)}</div>'
            f"{self.takeaways()}</header>"
        )

    def toc(self) -> str:
        links = [
            ("summary", "Summary"),
            ("coaching", "Coaching"),
            ("small-groups", "Small groups"),
            ("relationships", "Relationships"),
            ("coverage", "Coverage and losses"),
            ("budget", "Budget"),
            ("assumptions", "Assumptions"),
            ("method", "Method"),
        ]
        return "".join(f'<a href="#{a}">{t}</a>' for a, t in links)

    def takeaways(self) -> str:
        """One sentence per arrangement with the differences whose interval excludes zero."""
        c = self.c
        items = []
        for name in self.names:
            if name == c.baseline:
                continue
            parts = []
            for row in TAKEAWAY_ROWS:
                diff = c.difference(name, *row.key)
                if diff is not None and _clear(diff, row.kind):
                    parts.append(f"<b>{fmt_diff(diff[0], row.kind)}</b> {esc(row.label.lower())}")
            text = "; ".join(parts) if parts else "no clear difference on the key measures"
            items.append(
                f'<li><span class="swatch" style="background:{self.colors[name]}"></span>'
                f"<strong>{esc(name)}</strong>: {text}.</li>"
            )
        if not items:
            return ""
        return (
            '<div class="takeaways"><h2>At a glance</h2><p class="note">Compared with '
            f"{esc(c.baseline)}; only differences whose 95% interval excludes zero are listed."
            "</p>"
            f"<ul>{''.join(items)}</ul></div>"
        )

    # ---------- sections ----------

    def summary_section(self) -> str:
        return self.section(
            "summary",
            "Executive summary",
            "Each figure is the mean over the simulated years; the grey range under it is the "
            "95% interval. The line below is the difference from the baseline: green when it is "
            "clearly better, red when clearly worse, grey when the interval includes zero.",
            self.metric_table(KEY_ROWS, "summary-table"),
        )

    def coaching_section(self) -> str:
        c = self.c
        metric = "coaching.observations_per_teacher_week"
        groups = self.groups(metric, prefix="role=")
        labels = ["All teachers"] + [esc(self.role_title(_group_value(g))) for g in groups]
        fig = go.Figure()
        for name in self.names:
            planned: list[float | None] = []
            realized: list[Interval | None] = []
            text = []
            for group in ["all", *groups]:
                p = c.value(name, metric, group, "planned")
                r = c.value(name, metric, group, "realized")
                shown = p is not None and r is not None and (p[0] != 0 or r[0] != 0)
                planned.append(p[0] if shown else None)
                realized.append(r if shown else None)
                text.append(f"planned {p[0]:.2f}; realized {ci_text(r, '.2f')}" if shown else "")
            color = self.colors[name]
            fig.add_bar(
                x=labels,
                y=planned,
                name=esc(name) + " (planned)",
                offsetgroup=name,
                legendgroup=name,
                showlegend=False,
                marker={"color": "rgba(0,0,0,0)", "line": {"color": color, "width": 2}},
                hovertemplate=f"{esc(name)}<br>%{{x}}: planned %{{y:.2f}}<extra></extra>",
            )
            fig.add_bar(
                x=labels,
                y=[r[0] if r else None for r in realized],
                name=esc(name),
                offsetgroup=name,
                legendgroup=name,
                marker={"color": color},
                customdata=text,
                error_y=error_bars(realized),
                hovertemplate=f"{esc(name)}<br>%{{x}}: %{{customdata}}<extra></extra>",
            )
        style(
            fig,
            "Classroom observations per teacher per week: planned (outline) vs realized (solid)",
            "Coachee role",
            "Observations per teacher per week",
        )
        fig.update_layout(barmode="group")
        rows = [
            Row(
                "Planned, all teachers",
                metric,
                statistic="planned",
                kind="num2",
                explain="Observations the coaching plans call for.",
            ),
            Row(
                "Realized, all teachers",
                metric,
                statistic="realized",
                kind="num2",
                better=1,
                explain="Observations that happened: coach and teacher present and in class.",
            ),
            *[
                Row(
                    f"Realized: {self.role_title(_group_value(g))}",
                    metric,
                    g,
                    "realized",
                    "num2",
                    better=1,
                )
                for g in groups
            ],
            Row(
                "Teacher-weeks with an observation",
                "coaching.teacher_weeks_observed_share",
                kind="pct",
                better=1,
            ),
            Row(
                "Feedback given on time",
                "coaching.feedback_on_time_share",
                kind="pct",
                better=1,
                explain="Share of observations followed by feedback inside the feedback window.",
            ),
            Row(
                "Feedback latency, mean (days)",
                "coaching.feedback_latency_days",
                statistic="mean",
                kind="num1",
                better=-1,
                explain="School days between an observation and its feedback.",
            ),
            Row(
                "Feedback latency, 90th percentile (days)",
                "coaching.feedback_latency_days",
                statistic="p90",
                kind="num1",
                better=-1,
            ),
        ]
        return self.section(
            "coaching",
            "Coaching",
            "Frequent observation with quick feedback is the engine of teacher growth in team "
            "models. Planned is what the coaching plans ask for; realized is what survived "
            "absences, coverage duty and testing.",
            self.figure(fig, 440) + self.metric_table(rows),
        )

    def small_group_section(self) -> str:
        c = self.c
        metric = "small_group.minutes_per_student_week"
        targets = self.dosage_targets()
        order = [f"tier={t}" for t in targets]  # tiers as the scenarios list them, then others
        tiers = sorted(
            self.groups(metric, prefix="tier="),
            key=lambda g: order.index(g) if g in order else len(order),
        )
        groups = ["all", *tiers]
        labels = ["All students"] + [esc(_group_value(t)) for t in tiers]
        fig = go.Figure()
        for name in self.names:
            spread: list[Interval | None] = []  # (median, 10th, 90th percentile)
            text = []
            for group in groups:
                mean, p10, p50, p90 = (
                    c.value(name, metric, group, s) for s in ("mean", "p10", "p50", "p90")
                )
                if mean is None or p10 is None or p50 is None or p90 is None:
                    spread.append(None)
                    text.append("")
                    continue
                spread.append((p50[0], p10[0], p90[0]))
                text.append(
                    f"median {p50[0]:.0f}, middle 80% {p10[0]:.0f}–{p90[0]:.0f}<br>"
                    f"mean {ci_text(mean, '.0f')}"
                )
            fig.add_scatter(
                x=labels,
                y=[v[0] if v else None for v in spread],
                name=esc(name),
                mode="markers",
                offsetgroup=name,
                customdata=text,
                marker={
                    "color": self.colors[name],
                    "size": 12,
                    "line": {"color": "white", "width": 1},
                },
                error_y=error_bars(spread, color=self.colors[name], thickness=3, width=0),
                hovertemplate=f"{esc(name)}<br>%{{x}}: %{{customdata}}"
                "<extra>minutes per student per week</extra>",
            )
        for i, tier in enumerate(tiers):
            target = targets.get(_group_value(tier))
            if target:
                fig.add_shape(
                    type="line",
                    x0=i + 0.55,
                    x1=i + 1.45,
                    y0=target,
                    y1=target,
                    xref="x",
                    yref="y",
                    line={"color": INK, "dash": "dash"},
                )
                fig.add_annotation(
                    x=i + 1,
                    y=target,
                    text=f"target {target:g}",
                    showarrow=False,
                    yshift=10,
                    font={"size": 11, "color": INK},
                )
        style(
            fig,
            "Small-group minutes per student per week: median (dot) and the middle "
            "80% of students (bar)",
            "Students",
            "Minutes per student per week",
        )
        fig.update_layout(scattermode="group", yaxis={"rangemode": "tozero"})
        below = go.Figure()
        below_groups = ["all", *[t for t in tiers if targets.get(_group_value(t), 1)]]
        below_labels = ["All with a target"] + [esc(_group_value(t)) for t in below_groups[1:]]
        for name in self.names:
            found = [c.value(name, "small_group.below_target_share", g) for g in below_groups]
            below.add_bar(
                x=below_labels,
                y=[v[0] if v else None for v in found],
                name=esc(name),
                marker={"color": self.colors[name]},
                customdata=[ci_text(v, ".1%") if v else "" for v in found],
                error_y=error_bars(found),
                hovertemplate=f"{esc(name)}<br>%{{x}}: %{{customdata}}<extra></extra>",
                texttemplate="%{y:.0%}",
                textposition="outside",  # a 0% bar still shows its 0%
                cliponaxis=False,
                textfont={"size": 10},
            )
        style(
            below,
            "Students below their small-group dosage target",
            "Need tier",
            "Share of students below target (%)",
        )
        below.update_layout(barmode="group", yaxis={"tickformat": ".0%", "rangemode": "tozero"})
        rows = [Row("Mean, all students", metric, statistic="mean", kind="num0", better=1)]
        for tier in tiers:
            label = _group_value(tier)
            rows += [
                Row(f"Tier {label}: mean", metric, tier, "mean", "num0", better=1),
                Row(
                    f"Tier {label}: 10th percentile",
                    metric,
                    tier,
                    "p10",
                    "num0",
                    better=1,
                    explain="One student in ten got fewer minutes than this.",
                ),
                Row(f"Tier {label}: median", metric, tier, "p50", "num0", better=1),
                Row(f"Tier {label}: 90th percentile", metric, tier, "p90", "num0"),
                Row(
                    f"Tier {label}: below target",
                    "small_group.below_target_share",
                    tier,
                    kind="pct",
                    better=-1,
                ),
            ]
        delivered = self.delivered_by_chart()
        return self.section(
            "small-groups",
            "Small-group minutes",
            "Small-group time is where students with the most need catch up. The dot is the "
            "typical (median) student, the bar spans the middle 80% of students, and the dashed "
            "line is each tier's weekly target.",
            self.figure(fig, 440)
            + '<div class="two">'
            + self.figure(below, 320, half=True)
            + delivered
            + "</div>"
            + self.metric_table(rows, collapsed=True),
        )

    def delivered_by_chart(self) -> str:
        metric = "small_group.delivered_by_share"
        parts = [
            (self.role_title(_group_value(role)), [self.mean(n, metric, role) for n in self.names])
            for role in self.groups(metric, prefix="role=")
        ]
        return self.stacked_bars(
            self.labels(),
            parts,
            ": %{x:.1%} of small-group minutes",
            "Who delivers small-group minutes",
            "Share of small-group minutes (%)",
            xaxis={"tickformat": ".0%", "range": [0, 1]},
            half=True,
        )

    def relationships_section(self) -> str:
        c = self.c
        metric = "relationships.adults_per_student"
        fig = go.Figure()
        means = [c.value(n, metric, "all", "mean") for n in self.names]
        fig.add_bar(
            y=self.labels(),
            x=[v[0] if v else None for v in means],
            orientation="h",
            name="Mean adults per student",
            showlegend=False,
            marker={"color": [self.colors[n] for n in self.names]},
            customdata=[ci_text(v, ".2f") if v else "" for v in means],
            error_x=error_bars(means),
            hovertemplate="%{y}<br>%{customdata}<extra></extra>",
        )
        fewest = [self.mean(n, metric, "all", "min") for n in self.names]
        fig.add_scatter(
            y=self.labels(),
            x=fewest,
            mode="markers",
            name="Student with the fewest",
            marker={"symbol": "diamond", "size": 11, "color": INK},
            hovertemplate="%{y}<br>fewest adults for one student: %{x:.0f}<extra></extra>",
        )
        style(fig, "Adults who know each student", "Adults per student", "")
        fig.update_layout(yaxis={"autorange": "reversed"}, xaxis={"rangemode": "tozero"})
        rows = [
            Row(
                "Adults per student, mean",
                metric,
                statistic="mean",
                kind="num1",
                better=1,
                explain="Distinct adults with substantive contact over the year.",
            ),
            Row(
                "Adults per student, fewest",
                metric,
                statistic="min",
                kind="num0",
                better=1,
                explain="The student with the fewest adults who know them.",
            ),
            Row(
                "Students per adult",
                "relationships.students_per_adult",
                statistic="mean",
                kind="num0",
                explain="Students each adult knows; more means thinner ties.",
            ),
        ]
        return self.section(
            "relationships",
            "Relationships",
            "More adults who know a student means more people who notice when something is "
            "wrong, but each adult then knows more students. An adult counts once they have "
            "spent the contact threshold with a student over the year.",
            self.figure(fig, self.bars_height) + self.metric_table(rows),
        )

    def coverage_section(self) -> str:
        c = self.c
        activities = self.groups("ledger.lost_share", prefix="activity=")
        statistics = c.summary[c.summary.metric == "ledger.lost_share"].statistic
        reasons = sorted({s.removeprefix("lost:") for s in statistics if s.startswith("lost:")})
        ys = [  # two-level axis: activity, then scenario
            [esc(activity_label(a)) for a in activities for _ in self.names],
            self.labels() * len(activities),
        ]
        fig = go.Figure()
        for i, reason in enumerate(reasons):
            xs, text = [], []
            for activity in activities:
                for name in self.names:
                    share = self.mean(name, "ledger.lost_share", activity, f"lost:{reason}")
                    amount = self.mean(name, "ledger", activity, f"lost:{reason}")
                    unit = "observations" if activity == "activity=observation" else "hours"
                    amount = amount if unit == "observations" else amount / 60
                    xs.append(share)
                    text.append(
                        f"{esc(name)}: {share:.1%} of planned ({amount:,.0f} {unit} a year)"
                    )
            fig.add_bar(
                y=ys,
                x=xs,
                orientation="h",
                name=esc(reason.replace("_", " ")),
                marker={"color": REASON_COLORS[i % len(REASON_COLORS)]},
                customdata=text,
                hovertemplate="%{customdata}<extra>" + esc(reason.replace("_", " ")) + "</extra>",
            )
        style(
            fig, "What friction cost each activity, by reason", "Share of planned time lost (%)", ""
        )
        fig.update_layout(
            barmode="stack",
            xaxis={"tickformat": ".0%", "rangemode": "tozero"},
            yaxis={"autorange": "reversed", "automargin": True},
        )
        height = 150 + 24 * len(activities) * len(self.names)
        rows = [
            Row(f"{activity_label(a)}: lost", "ledger.lost_share", a, "lost", "pct", better=-1)
            for a in activities
        ]
        rows += [
            Row("Teacher absences (a year)", "coverage.absences", statistic="count", kind="num0"),
            Row(
                "Absences filled by a substitute",
                "coverage.substitute_fill_rate",
                kind="pct",
                better=1,
            ),
            Row(
                "Substitute days (a year)",
                "coverage.substitute_days",
                statistic="count",
                kind="num0",
            ),
        ]
        glossary = "".join(
            f"<li><b>{esc(r.replace('_', ' '))}</b>: {REASONS.get(r, 'as recorded by the engine')}"
            "</li>"
            for r in reasons
        )
        return self.section(
            "coverage",
            "Coverage and losses",
            "Every planned minute is either delivered or lost for a reason. This is what a "
            "spreadsheet cannot show: when a teacher is out and no substitute comes, a "
            "colleague covers, and what that colleague had planned is lost.",
            self.figure(fig, height)
            + f'<ul class="glossary">{glossary}</ul>'
            + self.metric_table(rows)
            + self.covered_by_table(),
        )

    def covered_by_table(self) -> str:
        groups = self.groups("coverage.minutes", prefix="by=")
        if not groups:
            return ""
        rows = [
            Row(
                f"Covered by {self.role_title(_group_value(g))} (minutes a year)",
                "coverage.minutes",
                g,
                kind="num0",
            )
            for g in groups
        ]
        return "<h3>Who covered absent adults</h3>" + self.metric_table(rows)

    def budget_section(self) -> str:
        c = self.c
        table = c.budget_by_category
        enrollment = [max(c.result(n).scenario.enrollment, 1) for n in self.names]
        by_category = self.stacked_bars(
            self.labels(),
            [(str(k), list(table.loc[k, self.names] / enrollment)) for k in table.index],
            ": $%{x:,.0f} per pupil",
            "Annual cost per pupil by category",
            "Dollars per pupil per year",
            xaxis={"tickprefix": "$", "tickformat": ",.0f"},
        )
        totals = c.budget_totals.set_index("scenario")
        body = []
        for label, column in BUDGET_LINES:
            cells = ""
            for name in self.names:
                v = float(totals.loc[name, column])
                if "difference" not in column:
                    text = fmt(v, "money")
                else:
                    text = "—" if name == c.baseline else fmt_diff(v, "money")
                cells += f'<td class="num" data-value="{raw(v)}">{text}</td>'
            body.append(f"<tr><th scope=row>{label}</th>{cells}</tr>")
        totals_table = _table("metrics", "<th>Budget</th>" + self.scenario_heads(), body)
        return self.section(
            "budget",
            "Budget",
            "Annual cost from positions, salaries, supplements and benefits, hourly staff paid "
            "for the hours they worked, and the substitute days the simulation used. Details by "
            "line item below; every figure is also in budget.xlsx.",
            totals_table
            + by_category
            + self.projection_block()
            + "<h3>Line items (annual cost)</h3>"
            + self.line_items_table(),
        )

    def projection_block(self) -> str:
        """Multi-year cost against funding: the grant cliff and the sustainability verdict."""
        c = self.c
        frames = {name: multi.frame() for name, multi in c.projections.items()}
        fig = go.Figure()
        for name, frame in frames.items():
            color = self.colors[name]
            if c.has_funding:
                fig.add_scatter(
                    x=frame.year,
                    y=frame.surplus,
                    name=esc(name),
                    mode="lines+markers",
                    line={"color": color, "width": 3},
                    legendgroup=name,
                    hovertemplate=f"{esc(name)}<br>year %{{x}}: "
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
                    hovertemplate=f"{esc(name)}<br>year %{{x}}: %{{y:$,.0f}} "
                    "without grants<extra>recurring money − recurring cost</extra>",
                )
            else:
                fig.add_scatter(
                    x=frame.year,
                    y=frame.total_cost,
                    name=esc(name),
                    mode="lines+markers",
                    line={"color": color, "width": 3},
                    hovertemplate=f"{esc(name)}<br>year %{{x}}: %{{y:$,.0f}}"
                    "<extra>total cost</extra>",
                )
        if c.has_funding:
            style(
                fig,
                "Surplus or gap by year: with grants (solid) and recurring money only (dotted)",
                "Year",
                "Dollars a year (negative = gap)",
            )
            fig.add_hline(y=0, line={"color": INK, "width": 1})
        else:
            style(fig, "Projected annual cost", "Year", "Dollars a year")
        fig.update_layout(xaxis={"dtick": 1}, yaxis={"tickprefix": "$", "tickformat": ",.0f"})
        rows = []
        for name, multi in c.projections.items():
            verdict = multi.verdict
            tone = "good" if verdict.sustainable else "bad"
            text = verdict.text() if c.has_funding else "no funding sources given"
            rows.append(
                f"<tr><th scope=row>{self.scenario_head(name)}</th>"
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
        years = len(next(iter(frames.values())))
        return (
            f"<h3>Multi-year projection ({years} years)</h3>{note}"
            + self.figure(fig, 380)
            + _table("metrics verdicts", "<th>Scenario</th><th>Sustainability verdict</th>", rows)
            + self.year_table(frames)
        )

    def year_table(self, frames: dict[str, pd.DataFrame]) -> str:
        """Year-by-year cost, money in and surplus per scenario, for a grant writer to copy."""
        body, years = [], 0
        for name, frame in frames.items():
            years = len(frame)
            for i, (label, column) in enumerate(YEAR_LINES):
                head = (
                    f'<th scope="row" rowspan="{len(YEAR_LINES)}">{self.scenario_head(name)}</th>'
                    if i == 0
                    else ""
                )
                cells = "".join(
                    f'<td class="num{" neg" if v < 0 else ""}" data-value="{raw(v)}">'
                    f"{fmt(v, 'money')}</td>"
                    for v in frame[column].astype(float)
                )
                body.append(f"<tr>{head}<td>{label}</td>{cells}</tr>")
        year_heads = "".join(f'<th class="num">Year {k}</th>' for k in range(1, years + 1))
        table = _table("years", "<th>Scenario</th><th></th>" + year_heads, body)
        return f"<details><summary>Year-by-year figures</summary>{table}</details>"

    def line_items_table(self) -> str:
        items = self.c.line_items
        pivot = items.pivot_table(
            index=["category", "item"],
            columns="scenario",
            values="amount",
            aggfunc="sum",
            fill_value=0.0,
        ).reindex(columns=self.names, fill_value=0.0)
        base = self.c.baseline
        body = []
        for (category, item), row in pivot.iterrows():
            cells = []
            for name in self.names:
                value = float(row[name])
                diff = value - float(row[base])
                note = (
                    f'<div class="d">{fmt_diff(diff, "money")}</div>'
                    if name != base and abs(diff) >= 0.5
                    else ""
                )
                cells.append(
                    f'<td class="num" data-sort="{raw(value)}">'
                    f"{fmt(value, 'money') if value else '—'}{note}</td>"
                )
            body.append(f"<tr><td>{esc(category)}</td><td>{esc(item)}</td>{''.join(cells)}</tr>")
        head = "<th>Category</th><th>Item</th>" + self.scenario_heads()
        return _table("sortable lines", head, body)

    def assumptions_section(self) -> str:
        table = self.c.assumptions
        if table.empty:
            content = "<p>The scenarios have the same inputs apart from their names.</p>"
        else:
            body = (
                f"<tr><td><code>{esc(field)}</code></td>"
                + "".join(f"<td>{esc(v)}</td>" for v in values)
                + "</tr>"
                for field, *values in table.itertuples(index=False)
            )
            head = "<th>Input (field path)</th>" + self.scenario_heads()
            content = _table("sortable assumptions", head, body)
        return self.section(
            "assumptions",
            "Assumptions that differ",
            "Every input that is not the same in all scenarios, by its field path in the "
            "scenario files. A dash means the scenario has no such item (for example a role it "
            "does not use). Inputs shared by all scenarios are in the scenario files.",
            content,
        )

    def method_section(self) -> str:
        c = self.c
        return self.section(
            "method",
            "How these numbers were made",
            "",
            f"<ul><li>Each arrangement was simulated for {c.replications} school years, minute "
            "by minute, with absences, substitutes, coverage, vacancies, closures and testing "
            f"drawn at random. Master seed {c.seed}: anyone can rerun it and get the same "
            "numbers.</li>"
            "<li>Common random numbers: year <i>k</i> of every arrangement has the same "
            "students, the same closures and the same absence draws, so differences come from "
            "the staffing, not from luck. Differences are computed year by year.</li>"
            "<li>Each figure is the mean across the simulated years; the range is a 95% "
            "t-interval for that mean. It describes simulation noise, not the uncertainty in "
            "the assumptions: change an assumption and rerun to see its effect.</li>"
            "<li>Costs are exact to the cent at the mean substitute days and hourly-staff hours "
            "of the simulated years; their interval is the spread of the yearly totals.</li>"
            f"<li>Produced by simulate {esc(__version__)}; the same figures are in "
            "summary.csv, differences.csv and budget.xlsx beside this file.</li></ul>",
        )

    # ---------- building blocks ----------

    def section(self, anchor: str, title: str, lead: str, content: str) -> str:
        lead_html = f'<p class="lead">{lead}</p>' if lead else ""
        return f'<section id="{anchor}"><h2>{esc(title)}</h2>{lead_html}{content}</section>'

    def scenario_head(self, name: str) -> str:
        """A scenario's name with its colour swatch, tagged if it is the baseline."""
        tag = '<small class="base">baseline</small>' if name == self.c.baseline else ""
        return (
            f'<span class="swatch" style="background:{self.colors[name]}"></span>{esc(name)}{tag}'
        )

    def scenario_heads(self, attrs: str = "") -> str:
        """One header cell per scenario, for tables with scenarios as columns."""
        return "".join(f"<th{attrs}>{self.scenario_head(n)}</th>" for n in self.names)

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
        table = _table("metrics", head, body, table_id)
        if collapsed:
            return f"<details><summary>All figures as a table</summary>{table}</details>"
        return table

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
        shown = f'<div class="v">{fmt(mean, row.kind)}</div>{_interval_html(found, row.kind)}'
        diff = c.difference(name, *row.key)
        if diff is not None:
            d, dlo, dhi = diff
            attrs += f' data-diff="{raw(d)}" data-diff-low="{raw(dlo)}" data-diff-high="{raw(dhi)}"'
            shown += _difference_html(diff, row)
        return f'<td class="num" {attrs}>{shown}</td>'

    def labels(self) -> list[str]:
        """Scenario names for a category axis (escaped for plotly, shortened)."""
        return [esc(short(n)) for n in self.names]

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
        special = {"split": "splitting the class among colleagues"}
        if role in special:
            return special[role]
        for result in self.c.results:
            spec = result.scenario.roles.get(role)
            if spec is not None:
                return spec.title or role
        return role.replace("_", " ").capitalize()

    def dosage_targets(self) -> dict[str, float]:
        """Weekly dosage per tier name, from the baseline (the first school that has it)."""
        out: dict[str, float] = {}
        for result in [self.c.base, *self.c.results]:
            for school in result.scenario.schools:
                for tier in school.need_tiers:
                    out.setdefault(tier.name, float(tier.dosage_minutes_per_week))
        return out


def _table(classes: str, head: str, rows: Iterable[str], table_id: str = "") -> str:
    """A table with one header row (`head`: its cells) and the given body rows."""
    id_attr = f' id="{table_id}"' if table_id else ""
    return (
        f'<table class="{classes}"{id_attr}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _clear(diff: Interval, kind: str) -> bool:
    """A difference worth a reader's attention: it does not round to zero as shown, and its
    95% interval excludes zero (a NaN bound never does)."""
    mean, low, high = diff
    return fmt_diff(mean, kind)[0] in "+−" and (low > 0 or high < 0)


def _interval_html(value: Interval, kind: str) -> str:
    """The 95% interval under a figure; none when both ends read the same."""
    mean, low, high = value
    if math.isnan(low):
        return ""
    # the t-interval may cross 0 or 100%, where these figures cannot go: show it cut there
    low = max(low, 0.0) if mean >= 0 else low
    high = min(high, 1.0) if kind == "pct" and mean <= 1 else high
    if fmt(low, kind) == fmt(high, kind):
        return ""
    return f'<div class="ci">{fmt(low, kind)} – {fmt(high, kind)}</div>'


def _difference_html(diff: Interval, row: Row) -> str:
    """'vs baseline: +0.12' and its interval; green or red when clearly better or worse."""
    mean, low, high = diff
    tone = ""
    if row.better and _clear(diff, row.kind):
        tone = "good" if (mean > 0) == (row.better > 0) else "bad"
    span = ""
    if not math.isnan(low):
        if row.kind == "pct":  # a difference of two shares lies within ±100 points
            low, high = max(low, -1.0), min(high, 1.0)
        low_shown, high_shown = fmt_diff(low, row.kind), fmt_diff(high, row.kind)
        if low_shown != high_shown:
            span = f"<br><span>{low_shown} to {high_shown}</span>"
    return f'<div class="d {tone}">vs baseline: {fmt_diff(mean, row.kind)}{span}</div>'


def _group_value(group: str) -> str:
    """'role=tutor' -> 'tutor'."""
    return group.partition("=")[2]
