"""User text is text: never a formula in a workbook or a CSV, never an escape on a terminal,
and a name that is also a column name breaks no table."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import SCENARIOS
from openpyxl import load_workbook

from simulate.cli import main
from simulate.output import safe_text, write_csv
from simulate.schema.loading import load_data
from simulate.study.progress import progress_bar

TRADITIONAL = SCENARIOS / "traditional.yaml"
MCL = SCENARIOS / "mcl_teams.yaml"
HYPERLINK = '=HYPERLINK("http://x","y")'
PAYLOADS = [HYPERLINK, "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\tTabbed", "\rReturn"]


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def scenario(folder: Path, name: str, base: Path = TRADITIONAL, file: str = "") -> Path:
    """A 20-day year of a bundled scenario under another name, with a one-off cost named alike
    (after the base's own one-off costs, which its grants may pay for)."""
    path = folder / (file or f"s{len(list(folder.glob('*.yaml')))}.yaml")
    one_offs = load_data(base)["budget"].get("one_off", [])
    fields = {
        "extends": str(base),
        "name": name,
        "calendar": {"school_days": 20, "testing_windows": []},
        "budget": {"one_off": [*one_offs, {"name": name, "amount": 1000, "category": name}]},
    }
    path.write_text(yaml.safe_dump(fields), encoding="utf-8")
    return path


def cells(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def assert_workbook_holds_text(path: Path, names: list[str]) -> None:
    """No cell is a formula, and every cell showing a name holds exactly that name."""
    seen: set[str] = set()
    for sheet in load_workbook(path):
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if cell.value in names:
                    assert cell.data_type == "s"
                    seen.add(cell.value)
    assert seen == set(names)


def assert_csv_neutralised(path: Path) -> None:
    """No text cell starts with a character that makes a spreadsheet run it."""
    for row in cells(path):
        for cell in row:
            if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
                float(cell)  # only numbers (-0.5) may start so


def test_formula_payloads_stay_text_in_the_workbook_and_are_neutralised_in_csv(
    tmp_path: Path,
) -> None:
    names = [HYPERLINK, "@SUM(A1:A2)", "-2+3"]
    files = [scenario(tmp_path, n, MCL if i else TRADITIONAL) for i, n in enumerate(names)]
    out = tmp_path / "compare"
    result = invoke("compare", *files, "--out", out, "-r", "2", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert_workbook_holds_text(out / "budget.xlsx", names)
    for table in ("summary.csv", "differences.csv"):
        assert_csv_neutralised(out / table)
    scenarios = {row[0] for row in cells(out / "summary.csv")[1:]}
    assert scenarios == {"'" + n for n in names}  # a leading quote: shown as text


def test_budget_and_run_outputs_neutralise_names_of_costs_and_scenarios(tmp_path: Path) -> None:
    base = scenario(tmp_path, "+Base", file="base.yaml")
    plan = scenario(tmp_path, HYPERLINK, MCL, file="plan.yaml")
    out = tmp_path / "budget"
    result = invoke("budget", plan, "--baseline", base, "--out", out)
    assert result.exit_code == 0, result.output
    assert_workbook_holds_text(out / "budget.xlsx", [HYPERLINK])
    for table in out.glob("*.csv"):
        assert_csv_neutralised(table)
    assert any("'" + HYPERLINK in row for row in cells(out / "budget.csv"))
    run_out = tmp_path / "run"
    assert invoke("run", plan, "--out", run_out).exit_code == 0
    for table in run_out.glob("*.csv"):
        assert_csv_neutralised(table)
    assert any("'" + HYPERLINK in row for row in cells(run_out / "budget.csv"))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_safe_text_quotes_exactly_the_cells_a_spreadsheet_would_run(payload: str) -> None:
    assert safe_text(payload) == "'" + payload
    for harmless in ("Plain", "a=b", " =x", "", 3, -2.5, None):
        assert safe_text(harmless) == harmless


def test_csv_headers_and_text_columns_are_neutralised_but_numbers_are_not(tmp_path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame({"=name": ["=1+1", "ok"], "value": [-1.5, 2.0]})
    write_csv(tmp_path / "t.csv", frame)
    assert cells(tmp_path / "t.csv") == [["'=name", "value"], ["'=1+1", "-1.5"], ["ok", "2.0"]]
    assert list(frame.columns) == ["=name", "value"]  # the caller's frame is left alone


@pytest.mark.slow
@pytest.mark.parametrize("reserved", ["category", "scenario", "metric", "group", "value"])
def test_reserved_words_work_as_scenario_names(tmp_path: Path, reserved: str) -> None:
    first = scenario(tmp_path, reserved)
    second = scenario(tmp_path, "other", MCL)
    out = tmp_path / "out"
    for order in ((first, second), (second, first)):
        result = invoke("compare", *order, "--out", out, "-r", "1", "--workers", "1", "--force")
        assert result.exit_code == 0, result.output
        by_category = load_workbook(out / "budget.xlsx")["By category"]
        header = [c.value for c in next(by_category.iter_rows(max_row=1))]
        assert header[0] == "category" and sorted(header[1:]) == sorted([reserved, "other"])
    budget = invoke("budget", first, "--baseline", second, "--out", tmp_path / "b")
    assert budget.exit_code == 0, budget.output


def test_escape_sequences_in_file_names_never_reach_the_terminal(tmp_path: Path) -> None:
    evil = scenario(tmp_path, "Plain", file="evil\x1b]0;owned\x07\x1b[31m.yaml")
    for args in (("validate", evil), ("run", evil, "--out", tmp_path / "o")):
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output and "\x07" not in result.output
    assert "evil.yaml (Plain)" in invoke("validate", evil).stdout
    broken = tmp_path / "bad\x1b[2J.yaml"
    broken.write_text("name: [", encoding="utf-8")
    refused = invoke("validate", broken)
    assert refused.exit_code == 2 and "\x1b" not in refused.output


def test_a_name_is_never_markup_in_the_progress_bar() -> None:
    with progress_bar("Simulating [bold red]x[/] and [/]", 2, show=True) as bar:
        assert bar is not None
        bar(1, 2)
