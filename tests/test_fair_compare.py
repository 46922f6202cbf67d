"""Fair comparisons: the same schools or a refusal that names the difference, and the budget
and the comparison telling the same figures for the same scenario and seed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from conftest import SCENARIOS, build, data

import simulate
from simulate.cli import main
from simulate.measures.catalogue import MEASURES
from simulate.schema.errors import InputError
from simulate.schema.loading import apply_overrides
from simulate.study.budget_tables import multiyear_frame
from simulate.study.intervals import RECURRING
from simulate.study.schools import school_difference

WHOLE_SCHOOL = {m.name for m in MEASURES if m.whole_school}


def smaller(d: dict[str, Any]) -> dict[str, Any]:
    """The traditional school with 450 students in 18 classrooms (six teams of three)."""
    d = apply_overrides(d, {"name": "Smaller school", "schools[0].enrollment": 450})
    d["schools"][0]["classrooms"] = 18
    d["schools"][0]["teams"] = [
        {"name": "grade", "count": 6, "classrooms": 3, "members": {"teacher": 3}}
    ]
    return d


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_600_and_a_450_student_school_are_refused_naming_enrollment(tmp_path: Path) -> None:
    small = tmp_path / "small.yaml"
    small.write_text(yaml.safe_dump(smaller(data("traditional"))), encoding="utf-8")
    out = tmp_path / "out"
    code, _, stderr = invoke(
        "compare", str(SCENARIOS / "traditional.yaml"), str(small), "-r", "1", "--out", str(out)
    )
    assert code == 2 and "Traceback" not in stderr
    assert f"{small}: schools[0].enrollment: is 450" in stderr and "600" in stderr
    assert "--allow-different-schools" in stderr
    assert not out.exists()  # refused before anything is written


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"schools[0].need_tiers[0].name": "universal"}, "schools[0].need_tiers"),
        ({"schools[0].copies": 2}, "schools[0].copies"),
    ],
)
def test_tiers_and_copies_are_part_of_the_school(change: dict[str, Any], field: str) -> None:
    base = build(data("traditional"))
    other = build(apply_overrides(data("traditional"), {"name": "other", **change}))
    found = school_difference([base, other])
    assert found is not None and found.path == field
    with pytest.raises(InputError) as err:
        simulate.compare([base, other], replications=1)
    assert err.value.field == field


def test_arrangements_of_one_school_compare_though_their_classes_differ() -> None:
    """Fewer, larger classes are what an arrangement decides, not a different school."""
    specs = [build(data(n)) for n in ("traditional", "mcl_teams", "mcl_within_budget")]
    assert specs[2].schools[0].classrooms != specs[0].schools[0].classrooms
    assert school_difference(specs) is None


@pytest.fixture(scope="module")
def different() -> simulate.Comparison:
    specs = [build(data("traditional")), build(smaller(data("traditional")))]
    return simulate.compare(specs, seed=1, replications=3, allow_different_schools=True)


def test_with_the_flag_no_whole_school_total_is_differenced(
    different: simulate.Comparison,
) -> None:
    c = different
    assert not c.same_schools and c.schools_differ is not None
    assert c.schools_differ.path == "schools[0].enrollment"
    metrics = set(c.differences.metric)
    assert metrics and not metrics & WHOLE_SCHOOL
    assert "budget.per_pupil" in metrics and "class_size.students_per_homeroom" in metrics
    assert "year1_total_difference" not in c.budget_totals.columns
    assert "recurring_difference" not in c.budget_totals.columns
    assert "recurring_per_pupil_difference" in c.budget_totals.columns
    assert "difference" not in c.budget_vs_baseline.columns
    # whole-school totals are still shown for each scenario, just not against each other
    assert set(c.summary.metric) >= WHOLE_SCHOOL


def test_with_the_flag_the_report_says_plainly_that_students_differ(
    different: simulate.Comparison, tmp_path: Path
) -> None:
    from simulate.report import text_summary
    from simulate.report.page import render

    page = render(different)
    assert "They describe different schools, so their students differ" in page
    assert "the same students" not in page
    assert "Different schools" in text_summary(different, tmp_path / "report.html")


def test_budget_and_compare_give_the_same_figures_for_the_same_scenario_and_seed() -> None:
    within, base = build(data("mcl_within_budget")), build(data("traditional"))
    study = simulate.budget_study(within, base, seed=5, replications=4)
    c = simulate.compare([base, within], seed=5, replications=4)
    totals = c.budget_totals.set_index("scenario").loc[within.name]
    for key, value in study.totals().items():  # every headline figure and difference
        assert float(value) == totals[key], key
    assert study.multiyear.verdict == c.projections[within.name].verdict
    assert multiyear_frame(study.multiyear).equals(multiyear_frame(c.projections[within.name]))
    # the interval of the recurring staffing cost is the comparison's interval of budget.total
    low, high = study.intervals()[RECURRING]
    value, ci_low, ci_high = c.value(within.name, "budget.total")
    assert value == totals["recurring"]
    assert (low, high) == pytest.approx((ci_low, ci_high), abs=1e-6)
    assert high > low  # vacancies, leavers, substitutes and hours vary between years
    # line items: the same amounts, with the same intervals, in both
    columns = ["amount", "amount_ci_low", "amount_ci_high"]
    lines = study.tables()["budget"].set_index(["category", "item"])[columns]
    theirs = c.line_items[c.line_items.scenario == within.name]
    assert lines.to_dict() == theirs.set_index(["category", "item"])[columns].to_dict()


def test_budget_shows_intervals_for_usage_driven_lines_only() -> None:
    study = simulate.budget_study(build(data("traditional")), seed=2, replications=4)
    table = study.tables()["budget"]
    width = table["amount_ci_high"] - table["amount_ci_low"]
    fixed = table.item.isin(["Principal salaries", "Instructional coach salaries"])
    assert (width[fixed] == 0).all()
    assert (width[table.item == "substitute days"] > 0).all()
    assert (table["amount_ci_low"] <= table["amount"]).all()
    assert (table["amount"] <= table["amount_ci_high"]).all()
    assert any("95% interval of the recurring staffing cost" in x for x in study.verdict_lines())
    assert isinstance(table, pd.DataFrame)
