"""What it may buy for learning: the estimate against the baseline with both layers of
uncertainty, by need tier, per $1,000, what small-group time cost, and the evidence used."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from simulate.learning.adapter import not_linked
from simulate.learning.evidence import evidence
from simulate.measures.catalogue import measure
from simulate.measures.formats import fmt
from simulate.study.learning import (
    BODIES,
    NONE,
    UNITS,
    cost_effectiveness,
    evidence_table,
    reads_evidence_differently,
)

from ..charts import INK, short, style
from ..context import Page, Section
from ..figures import row
from ..kit import esc, table

CAVEAT = (
    "This is an estimate from published studies, not a prediction for your school. It asks "
    "what research says tutoring, coaching, team leadership, class size and absences of the "
    "size each arrangement actually delivered have been worth elsewhere. Your students, "
    "teachers and curriculum may differ from the studies'; treat the ranges, not the centre, "
    "as the answer."
)
SUBJECT_TITLES = {"reading": "Reading", "math": "Math"}
COSTS = [
    measure("learning.tutored_share"),
    measure("learning.small_group_cost_per_scheduled_hour"),
    measure("learning.small_group_cost_per_delivered_hour"),
    measure("learning.cost_per_student_at_target"),
]


def _num(value: float, kind: str) -> str:
    """A figure as fmt writes it, with no minus sign on a value that rounds to zero."""
    shown = fmt(value, kind)
    return shown.lstrip("−") if shown.strip("−0.,") == "" else shown


def _range(low: float, high: float, kind: str) -> str:
    return f"{_num(low, kind)} to {_num(high, kind)}"


def estimate_rows(page: Page, frame: pd.DataFrame, groups: list[str]) -> list[str]:
    """One row per scenario, group and subject: SD and percentile points with three ranges."""
    rows = []
    found = {(r.scenario, r.group, r.subject, r.unit): r for r in frame.itertuples()}
    for name in page.names:
        for group in groups:
            for subject in SUBJECT_TITLES:
                sd = found.get((name, group, subject, UNITS["sd"]))
                pts = found.get((name, group, subject, UNITS["points"]))
                if sd is None or pts is None:
                    continue
                who = "" if group == "all" else f", {esc(page.group_title(group))}"
                rows.append(
                    f"<tr><th scope='row'>{page.scenario_head(name)}{who}</th>"
                    f"<td>{SUBJECT_TITLES[subject]}</td>"
                    f"<td class='num'>{_num(sd.estimate, 'num2')}</td>"
                    f"<td class='num'>{_num(pts.estimate, 'num1')}</td>"
                    f"<td class='num'>{_range(sd.years_low, sd.years_high, 'num2')}</td>"
                    f"<td class='num'>{_range(sd.evidence_low, sd.evidence_high, 'num2')}</td>"
                    f"<td class='num'>{_range(sd.both_low, sd.both_high, 'num2')}"
                    f"<div class='ci'>{_range(pts.both_low, pts.both_high, 'num1')} pts</div></td>"
                    "</tr>"
                )
    return rows


HEAD = (
    "<th scope='col'>Arrangement</th><th scope='col'>Subject</th>"
    "<th scope='col'>Estimate (SD)</th><th scope='col'>Percentile points</th>"
    "<th scope='col'>Year to year</th><th scope='col'>Evidence</th>"
    "<th scope='col'>Both</th>"
)


def chart(page: Page, frame: pd.DataFrame) -> go.Figure:
    """Each arrangement against the baseline, a line per subject: the centre, and the range of
    both layers of uncertainty together."""
    fig = go.Figure()
    against = frame[(frame.group == "all") & (frame.unit == UNITS["sd"])]
    for name in page.names:
        rows = against[against.scenario == name]
        if rows.empty:
            continue
        fig.add_scatter(
            y=[f"{esc(short(name))} · {SUBJECT_TITLES[s]}" for s in rows.subject],
            x=rows.estimate,
            mode="markers",
            name=esc(short(name)),
            showlegend=False,
            marker={"size": 11, "color": page.colors[name]},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": rows.both_high - rows.estimate,
                "arrayminus": rows.estimate - rows.both_low,
                "color": INK,
                "thickness": 1.5,
            },
            hovertemplate="%{y}<br>%{x:.2f} SD<extra></extra>",
        )
    style(fig, "Estimated effect against the baseline", "Standard deviations (SD)", "")
    fig.update_layout(yaxis={"autorange": "reversed", "automargin": True})
    fig.add_vline(x=0, line_color=INK, line_width=1)
    return fig


def per_thousand(page: Page, table_frame: pd.DataFrame) -> str:
    frame = cost_effectiveness(page.c, table_frame)
    if frame.empty:
        return ""
    rows = []
    for r in frame.itertuples(index=False):
        if r.sd_per_1000_per_pupil is None or pd.isna(r.sd_per_1000_per_pupil):
            ratio = (
                f"costs {fmt(-r.recurring_per_pupil_difference, 'money')} less per pupil: "
                "no ratio (any gain comes at no extra cost)"
                if r.recurring_per_pupil_difference < 0
                else "costs no more per pupil: no ratio"
            )
            cells = f"<td colspan='2'>{ratio}</td>"
        else:
            cells = (
                f"<td class='num'>{_num(r.sd_per_1000_per_pupil, 'num2')}</td>"
                f"<td class='num'>{_range(r.evidence_low, r.evidence_high, 'num2')}</td>"
            )
        rows.append(
            f"<tr><th scope='row'>{page.scenario_head(r.scenario)}</th>"
            f"<td>{SUBJECT_TITLES[r.subject]}</td>"
            f"<td class='num'>{fmt(r.recurring_per_pupil_difference, 'money')}</td>"
            f"<td class='num'>{_num(r.sd_difference, 'num2')}</td>{cells}</tr>"
        )
    head = (
        "<th scope='col'>Arrangement</th><th scope='col'>Subject</th>"
        "<th scope='col'>Extra recurring cost per pupil</th><th scope='col'>SD gained</th>"
        "<th scope='col'>SD per $1,000 per pupil</th><th scope='col'>Evidence range</th>"
    )
    return (
        "<h3>Per $1,000 per pupil</h3>"
        f"<p class='note'>SD gained against {esc(page.c.baseline)} for each $1,000 a year more "
        "per pupil (recurring staffing cost). The range is the evidence's.</p>"
        + table("metrics", head, rows)
    )


def _effect(value: float) -> str:
    """An effect size or ratio: three decimals, four for a per-day effect below 0.01."""
    digits = 4 if 0 < abs(value) < 0.01 else 3
    return f"{value:.{digits}f}".replace("-", "−")


def evidence_used(page: Page) -> str:
    """One row per lever: each subject's centre and 95% interval, the source, its check and
    the population it was studied in."""
    frame = evidence_table(page.c)
    frame = frame[frame.scenario == page.c.baseline]
    rows = []
    for lever, by_subject in frame.groupby("lever", sort=False):
        first = by_subject.iloc[0]
        cells = "".join(
            f"<td class='num'>{_effect(r.centre)}"
            f"<div class='ci'>{_effect(r.low)} to {_effect(r.high)}</div></td>"
            for r in by_subject.itertuples(index=False)
        )
        rows.append(
            f"<tr><th scope='row'>{esc(lever)}<div class='explain'>{esc(first.unit)}</div></th>"
            f"{cells}<td>{esc(first.source)}<div class='explain'>{esc(first.strength)} "
            f"evidence; figure {esc(first.verification)}; studied in: "
            f"{esc(first.population)}</div></td></tr>"
        )
    head = (
        "<th scope='col'>Lever</th><th scope='col'>Reading (95% interval)</th>"
        "<th scope='col'>Math (95% interval)</th><th scope='col'>Source and check</th>"
    )
    refs = "".join(
        f"<li>{esc(r.label)}: {esc(r.finding)}</li>"
        for r in evidence().table.levers
        if r.use == "reference"
    )
    return (
        f"<details><summary>The evidence used ({esc(page.c.baseline)}'s settings)</summary>"
        + table("assumptions", head, rows)
        + f"<ul class='note'>{refs}</ul></details>"
    )


def reading(page: Page) -> str:
    """The share of small-group time taken as reading: one figure, or each scenario's where
    they differ (a school whose only small groups are math tutoring takes none)."""
    shares = {r.scenario.name: r.scenario.learning.reading_share for r in page.c.results}
    if len(set(shares.values())) == 1:
        return f"{next(iter(shares.values())):.0%} of small-group time taken as reading"
    each = "; ".join(f"{esc(name)}: {share:.0%}" for name, share in shares.items())
    return f"the share of small-group time taken as reading: {each}"


def rules(page: Page) -> str:
    base = page.c.base.scenario
    s = base.learning
    others = [
        r.scenario.name for r in page.c.results if reads_evidence_differently(base, r.scenario)
    ]
    differ = (
        "<li><strong>These arrangements read the evidence differently from the baseline, so "
        "their differences mix staffing with evidence:</strong> "
        + ", ".join(esc(n) for n in others)
        + " (see the Learning evidence sheet of budget.xlsx).</li>"
        if others
        else ""
    )
    return (
        f"<ul class='note'>{differ}"
        f"<li>A student counts as tutored after at least {s.tutoring_sessions_per_week:g} "
        "small-group sessions a week on average over the year (three scheduled, 90% delivered); "
        "below that, nothing: studies find no gain from more hours, so minutes are not "
        "multiplied by a slope.</li>"
        f"<li>A teacher counts as coached after at least {s.coaching_observations_per_week:g} "
        "observations a week on average.</li>"
        "<li>A multi-classroom leader's team was studied as a whole, coaching and its teachers' "
        "small groups included, so those are not counted again for its students; tutors and "
        "residents still count. So a need tier whose own teachers give it tutoring-level small "
        "groups in one-teacher classrooms (counted there with the tutoring evidence) can show "
        "less on such a team, in reading most: the team studies found gains in math and no "
        "clear effect in reading.</li>"
        f"<li>Evidence: {BODIES[s.evidence]}; {reading(page)}.</li>"
        "<li>Year to year: the middle 95% of simulated years at the studies' central effects. "
        "Evidence: the middle 95% of effect sizes drawn from the studies' uncertainty, for the "
        "average year. Both: the two together.</li></ul>"
    )


def content(page: Page) -> str:
    frame = page.c.learning
    if frame.empty:
        return "<p>No learning estimate: the simulated years carried none.</p>"
    parts = [f"<p class='note'><strong>{esc(CAVEAT)}</strong></p>"]
    left_out = next((t for r in page.c.results if (t := not_linked(r.scenario))), "")
    if left_out:
        parts.append(f"<p class='note' id='learning-not-linked'>{esc(left_out)}</p>")
    against = frame[frame.against == page.c.baseline]
    if not against.empty:
        height = 90 + 34 * 2 * (len(page.names) - 1)
        parts.append(page.figure(chart(page, against), height))
        parts.append(
            f"<h3>Against {esc(page.c.baseline)}</h3>"
            + table("metrics", HEAD, estimate_rows(page, against, ["all"]))
        )
        tiers = [g for g in dict.fromkeys(against.group) if g != "all"]
        if tiers:
            parts.append(
                "<details><summary>By need tier</summary>"
                + table("metrics", HEAD, estimate_rows(page, against, tiers))
                + "</details>"
            )
        parts.append(per_thousand(page, frame))
    alone = frame[frame.against == NONE]
    parts.append(
        "<details><summary>Each arrangement against none of these levers</summary>"
        "<p class='note'>Against a year with no tutoring, no coaching, no team, a class of 22 "
        "and nobody absent: absences make these negative. Compare arrangements by their "
        "differences above.</p>"
        + table("metrics", HEAD, estimate_rows(page, alone, ["all"]))
        + "</details>"
    )
    parts.append("<h3>Small-group time: scheduled, delivered, and what it cost</h3>")
    ledger, delivered = measure("ledger"), measure("small_group.target_delivered_share")
    dosage = [
        row(ledger, s, "activity=small_group", f"Small-group adult minutes a year, {s}")
        for s in ("planned", "delivered")
    ]
    dosage.append(row(delivered, explain=delivered.explain))
    parts.append(page.metric_table([*dosage, *(row(m, explain=m.explain) for m in COSTS)]))
    parts.append(rules(page))
    parts.append(evidence_used(page))
    return "".join(parts)


SECTION = Section(
    "learning",
    "Learning (estimate)",
    "What it may buy for learning",
    "What the tutoring, coaching, team leadership, class sizes and absences each arrangement "
    "delivered have been worth in published studies, in standard deviations (SD) of test "
    "scores and in percentile points, with how sure we can be.",
    content,
)
