"""Labels that say what is counted: staffing cost of the roles modelled, other spending on its
own line, and projection years as fiscal years."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import build, data
from openpyxl import load_workbook

import simulate
from simulate.budget.projection import project, year_label
from simulate.measures.catalogue import OTHER_PER_PUPIL, STAFFING_PER_PUPIL, measure
from simulate.outputs import save_budget
from simulate.report import text_summary
from simulate.report.page import render
from simulate.schema.loading import apply_overrides
from simulate.study.budget_report import FIGURES, READ_ME
from simulate.study.budget_report import report as budget_report
from simulate.study.budget_tables import multiyear_frame, multiyear_items_frame
from simulate.workbook import CURRENCY


@pytest.fixture(scope="module")
def comparison() -> simulate.Comparison:
    specs = [build(data("traditional")), build(data("mcl_within_budget"))]
    return simulate.compare(specs, seed=1, replications=2)


def test_cost_per_pupil_says_it_counts_the_roles_modelled_everywhere(
    comparison: simulate.Comparison, tmp_path: Path
) -> None:
    label = measure("budget.per_pupil").label
    assert label.lower() == f"recurring {STAFFING_PER_PUPIL.lower()}"  # and no one-off costs
    assert "(roles modelled)" in STAFFING_PER_PUPIL
    assert "roles modelled" in measure("budget.total").label
    assert label in render(comparison)
    assert label.lower() in text_summary(comparison, tmp_path / "r.html")
    study = budget_report(build(data("traditional")))
    assert study.lines()[1].startswith(f"{label}: $")
    assert label in set(comparison.budget_sheets()[READ_ME].figure)
    save_budget(study, tmp_path)
    book = load_workbook(tmp_path / "budget.xlsx")
    assert book.sheetnames[:3] == [READ_ME, FIGURES, "Verdict"]
    assert label in [row[0] for row in book[READ_ME].iter_rows(values_only=True)]


def test_other_spending_per_pupil_is_shown_apart_and_never_added() -> None:
    d = data("traditional")
    other = d["budget"]["other_per_pupil"]
    with_other = budget_report(build(d)).totals()
    without = budget_report(build(apply_overrides(d, {"budget.other_per_pupil": None}))).totals()
    # the staffing cost is unchanged
    assert with_other["recurring_per_pupil"] == without["recurring_per_pupil"]
    assert with_other["year1_total"] == without["year1_total"]
    assert with_other["whole_per_pupil"] == with_other["recurring_per_pupil"] + other
    assert "other_per_pupil" not in without
    lines = budget_report(build(d)).lines()
    assert f"{OTHER_PER_PUPIL}: $10,970.00" in lines


def test_comparison_totals_carry_other_spending_in_their_own_columns(
    comparison: simulate.Comparison,
) -> None:
    totals = comparison.budget_totals.set_index("scenario")
    for name in comparison.names:
        row = totals.loc[name]
        whole = row["recurring_per_pupil"] + row["other_per_pupil"]
        assert row["whole_per_pupil"] == pytest.approx(whole)
    assert "Whole spending per pupil" in render(comparison)


def test_fiscal_year_labels() -> None:
    assert year_label(2027, 1) == "FY2027-28"
    assert year_label(2027, 3) == "FY2029-30"
    assert year_label(2099, 1) == "FY2099-00"
    assert year_label(None, 3) == "year 3"


def test_projection_years_carry_fiscal_year_labels_in_tables_report_and_workbook(
    comparison: simulate.Comparison, tmp_path: Path
) -> None:
    d = apply_overrides(data("mcl_teams"), {"budget.projection.first_year": 2027})
    multi = project(build(d))
    assert list(multiyear_frame(multi).fiscal_year) == [
        f"FY{y}-{(y + 1) % 100}" for y in range(2027, 2032)
    ]
    heads = list(multiyear_items_frame(multi).columns)
    assert heads[4:9] == ["FY2027-28", "FY2028-29", "FY2029-30", "FY2030-31", "FY2031-32"]
    assert "grant cliff in FY2030-31" in multi.verdict.text()
    study = budget_report(build(d))
    save_budget(study, tmp_path)
    sheet = load_workbook(tmp_path / "budget.xlsx")["Multi-year by line"]
    header = [c.value for c in sheet[1]]
    column = header.index("FY2027-28") + 1
    assert sheet.cell(row=2, column=column).number_format == CURRENCY
    # the bundled scenarios start in 2026: the report's year-by-year table says so
    assert "FY2026-27" in render(comparison)
    # without first_year, years are numbered
    plain = project(build(apply_overrides(d, {"budget.projection.first_year": None})))
    assert "grant cliff in year 4" in plain.verdict.text()
    assert "year_1" in multiyear_items_frame(plain).columns
