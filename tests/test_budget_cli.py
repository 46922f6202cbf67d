"""`simulate budget` end to end: files, Excel equal to the CSVs, verdict, bad input."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import SCENARIOS
from openpyxl import load_workbook

import simulate
from simulate.cli import main
from simulate.measures.formats import money_columns
from simulate.schema.errors import InputError
from simulate.study.budget_report import SHEETS
from simulate.workbook import CURRENCY

WITHIN = str(SCENARIOS / "mcl_within_budget.yaml")
TRADITIONAL = str(SCENARIOS / "traditional.yaml")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("budget") / "out"
    code, stdout, stderr = invoke(
        "budget", WITHIN, "--baseline", TRADITIONAL, "--years", "6", "--seed", "4", "-r", "3",
        "--goal-seek", "roles.mcl.supplement", "--out", str(out),
    )  # fmt: skip
    assert code == 0, stderr
    return out, stdout


def test_budget_writes_every_table_and_a_verdict(written: tuple[Path, str]) -> None:
    out, stdout = written
    for stem in SHEETS:
        assert (out / f"{stem}.csv").is_file(), stem
    assert (out / "budget.xlsx").is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["years"] == 6 and summary["sustainable_from_year"] == 1
    assert "sustainable" in stdout and "goal-seek roles.mcl.supplement" in stdout
    assert len(pd.read_csv(out / "multiyear.csv")) == 6
    # the CSV's line items add up to the total the summary reports, to the cent
    items = pd.read_csv(out / "budget.csv", dtype={"amount": str})
    total = sum((Decimal(a) for a in items["amount"]), Decimal(0))
    assert total == Decimal(str(summary["year1_total"]))
    # the goal-seek answer in the files is the one that fits the baseline
    goal = pd.read_csv(out / "goal_seek.csv").iloc[0]
    assert goal["cost"] <= goal["limit_cost"] < goal["cost_one_unit_beyond"]


def test_the_command_writes_what_budget_study_returns(written: tuple[Path, str]) -> None:
    """`simulate budget` is a shell over simulate.budget_study: same figures, same verdict."""
    out, stdout = written
    study = simulate.budget_study(
        simulate.load_scenario(WITHIN),
        simulate.load_scenario(TRADITIONAL),
        years=6,
        seed=4,
        replications=3,
        goal_field="roles.mcl.supplement",
    )
    summary = json.loads((out / "summary.json").read_text())
    assert json.loads(json.dumps(study.summary())) == summary
    assert study.goal is not None and study.goal.value is not None
    assert stdout.splitlines()[:-1] == study.lines()  # then "-> OUT"


def test_budget_study_checks_the_field_before_simulating(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_runs(*args: object, **kwargs: object) -> None:
        raise AssertionError("simulated before checking the field")

    monkeypatch.setattr("simulate.study.budget_study.simulate_years", no_runs)
    with pytest.raises(InputError) as err:
        simulate.budget_study(
            simulate.load_scenario(WITHIN), goal_field="roles.mcl.suplement", file="w.yaml"
        )
    assert (err.value.file, err.value.field) == ("w.yaml", "roles.mcl.suplement")
    assert "did you mean 'supplement'" in err.value.problem


def test_excel_numbers_equal_the_csv_and_money_is_currency(written: tuple[Path, str]) -> None:
    out, _ = written
    book = load_workbook(out / "budget.xlsx")
    assert "Verdict" in book.sheetnames
    for stem, title in SHEETS.items():
        csv = pd.read_csv(out / f"{stem}.csv", keep_default_na=False)
        sheet = book[title]
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == list(csv.columns)
        assert len(rows) - 1 == len(csv)
        for r, row in enumerate(rows[1:]):
            for c, value in enumerate(row):
                expected = csv.iat[r, c]
                if isinstance(value, bool) or isinstance(expected, bool):
                    assert bool(value) == bool(expected)
                elif isinstance(value, int | float):
                    assert value == pytest.approx(float(expected), abs=0, rel=0), (stem, r, c)
                else:
                    assert (value or "") == str(expected), (stem, r, c)
        money = money_columns(csv)
        for c, column in enumerate(csv.columns, start=1):
            if column in money and len(csv):
                assert sheet.cell(row=2, column=c).number_format == CURRENCY, (stem, column)


def test_without_out_prints_tables_only(tmp_path: Path) -> None:
    code, stdout, _ = invoke("budget", TRADITIONAL, "--years", "2", "-r", "2")
    assert code == 0
    assert "== Line items ==" in stdout and "== Multi-year ==" in stdout
    assert "== Comparison ==" not in stdout  # no baseline, no comparison
    assert "$" in stdout and "sustainable" in stdout


def test_bad_goal_seek_field_exits_2_naming_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, stderr = invoke("budget", WITHIN, "--goal-seek", "roles.mcl.suplement", "--out",
                             str(out))  # fmt: skip
    assert code == 2
    assert "roles.mcl.suplement" in stderr and "supplement" in stderr
    assert "Traceback" not in stderr
    assert not out.exists()  # bad input fails before anything is written


def test_refuses_a_non_empty_out_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    code, _, stderr = invoke("budget", TRADITIONAL, "--out", str(tmp_path))
    assert code == 2 and "--out" in stderr
    code, _, _ = invoke("budget", TRADITIONAL, "--out", str(tmp_path), "--force", "-r", "2")
    assert code == 0 and (tmp_path / "budget.csv").is_file()
    assert (tmp_path / "keep.txt").read_text() == "x"


def test_bad_baseline_file_exits_2(tmp_path: Path) -> None:
    code, _, stderr = invoke("budget", WITHIN, "--baseline", str(tmp_path / "missing.yaml"))
    assert code == 2 and "missing.yaml" in stderr
