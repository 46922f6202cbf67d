"""`simulate budget` end to end: files, Excel equal to the CSVs, verdict, bad input."""

from __future__ import annotations

import json
import re
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


def test_the_terminal_says_the_goal_seek_answer_in_words_not_as_a_raw_row() -> None:
    code, stdout, stderr = invoke(
        "budget", WITHIN, "--baseline", TRADITIONAL, "-r", "1",
        "--goal-seek", "roles.mcl.supplement",
    )  # fmt: skip
    assert code == 0, stderr
    assert "== Goal seek ==\nthe answer in words at the end" in stdout
    assert "reran_simulation" not in stdout and "None" not in stdout  # the row's raw cells
    assert stdout.rstrip().splitlines()[-1].startswith("goal-seek roles.mcl.supplement")


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


def test_a_question_with_no_answer_exits_3_and_says_what_would(tmp_path: Path) -> None:
    """A grant is not recurring money: asked to sustain the plan, goal-seek says so, names
    what would, writes its answer, and exits 3 (documented in the README)."""
    out = tmp_path / "out"
    code, stdout, stderr = invoke(
        "budget", str(SCENARIOS / "mcl_teams.yaml"), "-r", "1", "--out", str(out),
        "--goal-seek", "budget.funding[3].amount", "--target", "sustainable",
    )  # fmt: skip
    assert code == 3, stderr
    assert "No amount of Start-up grant (years 1-3) sustains the plan" in stdout
    assert "What would: more recurring money (--goal-seek budget.funding[0].amount" in stdout
    assert not re.search(r"\$\d{1,3}(,\d{3}){3,}", stdout)  # no billion-dollar 'answer'
    goal = pd.read_csv(out / "goal_seek.csv").iloc[0]
    assert pd.isna(goal["value"]) and goal["remedy"].startswith("What would:")
    # the files say it in words: the field by its label, the command line's hints as words
    assert goal["field"] == "budget.funding[3].amount" and goal["figure"].endswith(": amount")
    assert "--" not in goal["remedy"] and "budget.funding" not in goal["remedy"]
    assert "with the target 'sustainable'" in goal["remedy"]
    verdict = json.loads((out / "summary.json").read_text(encoding="utf-8"))["verdict"][-1]
    assert verdict.startswith("Goal-seek of Funding") and "--" not in verdict


def test_a_field_that_does_not_move_the_target_gives_no_value_to_apply(tmp_path: Path) -> None:
    """Recurring money against the budget target (the recurring staffing cost within the
    baseline's): any amount meets it, so there is no answer to write, and the command says why
    and exits 3 rather than applying the search's last figure (billions)."""
    target = tmp_path / "applied.yaml"
    code, stdout, stderr = invoke(
        "budget", WITHIN, "--baseline", TRADITIONAL, "-r", "1", "--apply", str(target),
        "--goal-seek", "budget.funding[0].amount",
    )  # fmt: skip
    assert code == 3, stderr
    assert "does not change what the budget target compares" in stdout
    assert not re.search(r"\$\d{1,3}(,\d{3}){3,}", stdout) and not target.exists()


def test_apply_writes_the_scenario_with_the_answer_and_shows_its_budget(tmp_path: Path) -> None:
    """The recurring money that sustains the MCL plan from the grant cliff on, written into a
    copy of the scenario next to it (so its comments are kept) and budgeted."""
    folder = tmp_path / "s"
    folder.mkdir()
    for name in ("traditional.yaml", "mcl_teams.yaml"):
        (folder / name).write_bytes((SCENARIOS / name).read_bytes())
    target = folder / "sustained.yaml"
    code, stdout, stderr = invoke(
        "budget", str(folder / "mcl_teams.yaml"), "-r", "1", "--apply", str(target),
        "--goal-seek", "budget.funding[0].amount", "--target", "sustainable",
    )  # fmt: skip
    assert code == 0, stderr
    applied = simulate.load_scenario(target)
    value = applied.budget.funding[0].amount
    assert value > 160000 and f"budget.funding[0].amount = {value} -> {target}" in stdout
    text = target.read_text(encoding="utf-8")
    assert f"amount: {value}  # changed by simulate budget (was 160000)" in text
    original = (folder / "mcl_teams.yaml").read_text(encoding="utf-8").splitlines()
    # every line and comment kept: the value changed, and the figure's note said anew (its
    # bundled note was written for 160000)
    assert (
        "\nnotes:\n  budget.funding[0].amount:\n    kind: assumption\n"
        f"    text: Set by simulate budget --apply to {value} (was 160000).\n"
    ) in text
    assert len(text.splitlines()) == len(original) + 3
    assert [line for line in text.splitlines() if line not in original] == [
        f"      amount: {value}  # changed by simulate budget (was 160000)",
        "  budget.funding[0].amount:",
        f"    text: Set by simulate budget --apply to {value} (was 160000).",
    ]
    note = applied.notes["budget.funding[0].amount"]
    assert note.kind == "assumption" and "was 160000" in note.text
    # the budget shown is the one with the value: sustainable from the cliff on
    assert "\nsustainable" in stdout and "grant cliff in FY2029-30: surplus of $" in stdout


def test_apply_says_when_it_cannot_keep_the_comments(tmp_path: Path) -> None:
    target = tmp_path / "w.yaml"
    code, stdout, stderr = invoke(
        "budget", WITHIN, "--baseline", TRADITIONAL, "-r", "1", "--apply", str(target),
        "--goal-seek", "roles.mcl.supplement",
    )  # fmt: skip
    assert code == 0, stderr
    assert "the comments of mcl_within_budget.yaml are not kept (roles.mcl.supplement is not " in (
        stdout
    )
    assert target.read_text().startswith("# Written by simulate budget --apply from ")
    supplement = simulate.load_scenario(target).roles["mcl"].supplement
    assert f"roles.mcl.supplement = {supplement} -> " in stdout


def test_apply_and_set_refuse_bad_requests_before_simulating(tmp_path: Path) -> None:
    existing = tmp_path / "x.yaml"
    existing.write_text("name: mine\n")
    for args, field in (
        (["--apply", str(tmp_path / "y.yaml")], "--apply"),
        (["--goal-seek", "roles.mcl.supplement", "--apply", str(existing)], "--apply"),
        (["--set", "roles.mcl.supplement=lots"], "roles.mcl.supplement"),
        (["--set", "roles.mcl.suplement=1"], "roles.mcl.suplement"),
    ):
        code, _, stderr = invoke("budget", WITHIN, "-r", "1", *args)
        assert code == 2 and field in stderr and "Traceback" not in stderr, (args, stderr)
    assert existing.read_text() == "name: mine\n"


def test_set_changes_a_field_as_simulate_new_takes_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, stderr = invoke(
        "budget", WITHIN, "-r", "1", "--set", "roles.mcl.supplement=$15,000",
        "--set", "budget.projection.years=3", "--out", str(out),
    )  # fmt: skip
    assert code == 0, stderr
    items = pd.read_csv(out / "budget.csv").set_index("item")
    assert items.loc["Multi-classroom leader supplements", "unit_cost"] == 15000
    assert len(pd.read_csv(out / "multiyear.csv")) == 3
