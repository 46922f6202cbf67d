"""The pieces the report is built from: exact budget rows, interval and difference cells, and
the terminal summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SCENARIOS

import simulate
from simulate.budget import items as budget_mod
from simulate.report import Row, text_summary
from simulate.report.cells import difference_html, figure, interval_html
from simulate.report.text import SHORT_ROWS
from simulate.study.compare import Comparison, compare


@pytest.fixture(scope="module")
def two() -> Comparison:
    files = ["traditional", "mcl_residents_tutors"]
    specs = [simulate.load_scenario(SCENARIOS / f"{f}.yaml") for f in files]
    return compare(specs, seed=11, replications=2)


def test_budget_rows_are_the_exact_line_item_sums_and_their_differences(two: Comparison) -> None:
    totals = {r.scenario.name: budget_mod.recurring_total(r.line_items) for r in two.results}
    base = totals[two.baseline]
    summary = two.summary.set_index(["scenario", "metric"])
    differences = two.differences.set_index(["scenario", "metric"])
    for name, total in totals.items():
        row = summary.loc[(name, "budget.total")]
        assert row.value == float(total)
        assert row.ci_low <= row.value <= row.ci_high
        if name != two.baseline:
            diff = differences.loc[(name, "budget.total")]
            assert diff.value == float(total - base)
            assert diff.ci_low <= diff.value <= diff.ci_high


def test_an_interval_is_cut_where_the_figure_cannot_go() -> None:
    n = figure
    assert (
        interval_html((0.995, 0.98, 1.01), "pct")
        == f'<div class="ci">{n("98.0%")} – {n("100.0%")}</div>'
    )
    assert (
        interval_html((0.01, -0.02, 0.04), "pct")
        == f'<div class="ci">{n("0.0%")} – {n("4.0%")}</div>'
    )
    assert (
        interval_html((-5.0, -8.0, -2.0), "num0") == f'<div class="ci">{n("−8")} – {n("−2")}</div>'
    )
    assert interval_html((3.0, 3.01, 3.04), "num1") == ""  # both ends read 3.0
    assert interval_html((3.0, float("nan"), float("nan")), "num1") == ""


@pytest.mark.parametrize(
    ("diff", "better", "tone"),
    [
        ((0.5, 0.1, 0.9), 1, "good"),
        ((0.5, 0.1, 0.9), -1, "bad"),
        ((-0.5, -0.9, -0.1), -1, "good"),
        ((0.5, -0.1, 0.9), 1, ""),  # the interval includes zero
        ((0.5, 0.1, 0.9), 0, ""),  # neither direction is better
        ((0.001, 0.0005, 0.0015), 1, ""),  # rounds to zero as shown
    ],
)
def test_a_difference_is_coloured_only_when_clearly_better_or_worse(
    diff: tuple[float, float, float], better: int, tone: str
) -> None:
    cell = difference_html(diff, Row("x", "m", kind="num2", better=better))
    assert cell.startswith(f'<div class="d {tone}">')


def test_a_share_difference_shows_points_and_stays_within_100() -> None:
    cell = difference_html((0.9, 0.7, 1.1), Row("x", "m", kind="pct", better=1))
    assert f"vs baseline: {figure('+90.0 pts')}" in cell
    assert f"{figure('+70.0 pts')} to {figure('+100.0 pts')}" in cell


def test_text_summary_has_a_line_per_scenario_and_one_per_difference(two: Comparison) -> None:
    text = text_summary(two, Path("out") / "report.html")
    lines = text.splitlines()
    assert all(header in lines[2] for header, _ in SHORT_ROWS)
    rows = lines[3 : 3 + 2 * len(two.names) - 1]
    assert rows[0].startswith(two.baseline[:15])
    assert "(baseline)" in rows[0]  # kept even when a long name is clipped
    assert [r.startswith("  vs baseline") for r in rows] == [False] + [False, True] * (
        len(two.names) - 1
    )
    assert text.endswith(f"budget.xlsx in {(Path('out') / 'report.html').resolve().parent}")


def test_scenarios_whose_clipped_names_read_alike_are_clipped_in_the_middle() -> None:
    """Two long names alike at the start ('Elm: Multi-classroom leadership teams' and the
    same with ', grades 3-5 pilot') would both read 'Elm: Multi-classroom leadershi…' in
    the terminal's table: they keep both ends instead; the rest are clipped at the end."""
    from simulate.report.text import _labels

    today = "Elm: Today (one teacher per classroom)"
    teams = "Elm: Multi-classroom leadership teams"
    names = [today, teams, f"{teams}, grades 3-5 pilot"]
    labels = _labels(names, today)
    assert len(set(labels)) == 3 and labels[0].endswith("… (baseline)")
    assert labels[1].endswith("eadership teams") and labels[2].endswith("3-5 pilot")
    assert all(len(label) <= 31 for label in labels)
