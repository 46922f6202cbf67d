"""simulate.compare: common random numbers, paired differences, tidy tables, budget, CLI."""

from __future__ import annotations

import io
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import SCENARIOS, build, data
from openpyxl import load_workbook

import simulate
from simulate.cli import main
from simulate.schema.errors import InputError
from simulate.schema.loading import apply_overrides
from simulate.study.assumptions import assumption_diff
from simulate.study.compare import Comparison, compare
from simulate.study.stats import complete

README = [
    "scenarios/traditional.yaml",
    "scenarios/mcl_teams.yaml",
    "scenarios/mcl_residents_tutors.yaml",
    "scenarios/mcl_within_budget.yaml",
]
SUMMARY_COLUMNS = ["scenario", "metric", "group", "statistic", "value", "ci_low", "ci_high"]


def load(name: str) -> simulate.Scenario:
    return simulate.load_scenario(SCENARIOS / f"{name}.yaml")


def renamed(spec: simulate.Scenario, name: str) -> simulate.Scenario:
    return spec.model_copy(update={"name": name})


@pytest.fixture(scope="module")
def three() -> Comparison:
    return compare(
        [load("traditional"), load("mcl_teams"), load("mcl_residents_tutors")],
        seed=5,
        replications=3,
    )


def test_summary_is_tidy_and_covers_every_scenario(three: Comparison) -> None:
    s = three.summary
    assert list(s.columns) == SUMMARY_COLUMNS
    assert set(s.scenario) == set(three.names)
    assert not s.duplicated(["scenario", "metric", "group", "statistic"]).any()
    stats = s[~s.metric.str.startswith("budget.")]
    assert stats[["value", "ci_low", "ci_high"]].notna().all().all()
    assert (stats.ci_low <= stats.value + 1e-9).all() and (
        stats.value <= stats.ci_high + 1e-9
    ).all()


def test_same_seed_gives_the_same_tables() -> None:
    specs = [load("traditional"), load("mcl_teams")]
    a = compare(specs, seed=11, replications=2)
    b = compare(specs, seed=11, replications=2)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    pd.testing.assert_frame_equal(a.differences, b.differences)
    c = compare(specs, seed=12, replications=2)
    assert not a.summary["value"].equals(c.summary["value"])


@pytest.mark.slow
def test_results_do_not_depend_on_worker_processes() -> None:
    specs = [load("traditional"), load("mcl_teams")]
    serial = compare(specs, seed=2, replications=2, workers=1)
    parallel = compare(specs, seed=2, replications=2, workers=2)
    pd.testing.assert_frame_equal(serial.summary, parallel.summary)
    pd.testing.assert_frame_equal(serial.differences, parallel.differences)


def test_an_arrangement_against_itself_differs_by_exactly_zero() -> None:
    """Common random numbers: the same arrangement sees the same year, replication by
    replication, so every paired difference is 0 with a zero-width interval."""
    base = load("mcl_teams")
    c = compare([base, renamed(base, "Copy")], seed=4, replications=3)
    d = c.differences
    assert len(d) > 50
    assert (d.value == 0).all()
    stats = d[~d.metric.str.startswith("budget.")]
    assert (stats.ci_low == 0).all() and (stats.ci_high == 0).all()


def test_differences_are_differences_of_means(three: Comparison) -> None:
    s = three.summary.set_index(["scenario", "metric", "group", "statistic"])["value"]
    d = three.differences
    assert set(d.baseline) == {three.baseline}
    assert set(d.scenario) == set(three.names) - {three.baseline}
    for row in d.itertuples(index=False):
        expected = (
            s[(row.scenario, row.metric, row.group, row.statistic)]
            - s[(three.baseline, row.metric, row.group, row.statistic)]
        )
        assert row.value == pytest.approx(expected, abs=1e-6)


def test_paired_intervals_are_tighter_than_the_spread_of_either_side(three: Comparison) -> None:
    """Pairing removes the year-to-year noise both arrangements share."""
    d = three.differences.set_index(["scenario", "metric", "group", "statistic"])
    s = three.summary.set_index(["scenario", "metric", "group", "statistic"])
    key = ("coverage.absences", "all", "count")  # the same absences in every arrangement
    for name in three.names[1:]:
        width = d.loc[(name, *key)]
        assert width.ci_high - width.ci_low == pytest.approx(0.0, abs=1e-9)
        spread = s.loc[(name, *key)]
        assert spread.ci_high - spread.ci_low > 0


def test_figures_missing_from_a_year_count_as_zero() -> None:
    metrics = pd.DataFrame(
        [
            (0, "ledger", "activity=x", "lost:closure", 3.0),
            (1, "ledger", "activity=x", "planned", 9.0),
            (0, "ledger", "activity=x", "planned", 9.0),
        ],
        columns=["replication", "metric", "group", "statistic", "value"],
    )
    full = complete(metrics, replications=3)
    closure = full[full.statistic == "lost:closure"]
    assert list(closure.value) == [3.0, 0.0, 0.0]
    assert len(full) == 6


def test_ledger_in_the_summary_adds_up_and_matches_the_raw_ledger(three: Comparison) -> None:
    s = three.summary.set_index(["scenario", "metric", "group", "statistic"])["value"]
    for result in three.results:
        name = result.scenario.name
        ledger = result.ledger
        for activity, rows in ledger.groupby("activity"):
            group = f"activity={activity}"
            planned = s[(name, "ledger", group, "planned")]
            delivered = s.get((name, "ledger", group, "delivered"), 0.0)
            lost = s.get((name, "ledger", group, "lost"), 0.0)
            unused = s.get((name, "ledger", group, "unused"), 0.0)
            assert planned == pytest.approx(delivered + lost + unused)
            assert planned == pytest.approx(rows.amount.sum() / three.replications)
            for reason, part in rows[rows.outcome == "lost"].groupby("detail"):
                # every replication counts, including the years without this reason
                expected = part.amount.sum() / three.replications
                stat = "unused" if reason == "unused" else f"lost:{reason}"
                assert s[(name, "ledger", group, stat)] == pytest.approx(expected)


def test_lost_shares_are_lost_over_planned_and_add_up(three: Comparison) -> None:
    per_rep = three.replication_metrics
    s = three.summary.set_index(["scenario", "metric", "group", "statistic"])["value"]
    for name in three.names:
        mine = per_rep[(per_rep.scenario == name) & (per_rep.metric == "ledger")]
        for group in mine.group.unique():
            rows = mine[mine.group == group].pivot(
                index="replication", columns="statistic", values="value"
            )
            if "lost" not in rows or (rows["planned"] == 0).any():
                continue
            expected = (rows["lost"] / rows["planned"]).mean()
            assert s[(name, "ledger.lost_share", group, "lost")] == pytest.approx(expected)
            reasons = [c for c in rows.columns if c.startswith("lost:")]
            by_reason = sum(s[(name, "ledger.lost_share", group, r)] for r in reasons)
            assert by_reason == pytest.approx(expected)


def test_roles_a_scenario_does_not_staff_have_no_figures(three: Comparison) -> None:
    s = three.summary
    mcl = s[s.scenario == "Multi-classroom leadership teams"]
    assert "teacher" in three.result("Multi-classroom leadership teams").scenario.roles
    assert not (mcl.group == "role=teacher").any()
    assert (mcl.group == "role=team_teacher").any()
    traditional = s[s.scenario == three.baseline]
    assert (traditional.group == "role=teacher").any()


def test_budget_totals_are_exact_sums_of_line_items(three: Comparison) -> None:
    totals = three.budget_totals.set_index("scenario")
    items = three.line_items
    base = totals.loc[three.baseline]
    for result in three.results:
        name = result.scenario.name
        row = totals.loc[name]
        mine = items[items.scenario == name]
        assert row.year1_total == pytest.approx(mine.amount.sum(), abs=0.005)
        assert row.recurring + row.one_off == pytest.approx(row.year1_total, abs=0.005)
        n = result.scenario.enrollment
        assert row.year1_per_pupil == pytest.approx(round(row.year1_total / n, 2))
        assert row.recurring_per_pupil == pytest.approx(round(row.recurring / n, 2))
        difference = row.year1_total_difference
        assert difference == pytest.approx(row.year1_total - base.year1_total, abs=0.005)
    assert base.year1_total_difference == 0
    summary = three.summary.set_index(["scenario", "metric"])
    for name in three.names:  # the yearly figures leave one-off (start-up) costs out
        recurring = totals.loc[name, "recurring_per_pupil"]
        assert summary.loc[(name, "budget.per_pupil"), "value"] == recurring
        assert summary.loc[(name, "budget.total"), "value"] == totals.loc[name, "recurring"]


def test_projection_covers_every_scenario_over_the_same_years(three: Comparison) -> None:
    years = {len(p.years) for p in three.projections.values()}
    assert len(years) == 1
    assert set(three.projections) == set(three.names)
    sheets = three.budget_sheets()
    assert set(sheets["Verdict"].scenario) == set(three.names)
    first = sheets["Multi-year"].groupby("scenario").first()
    totals = three.budget_totals.set_index("scenario")
    for name in three.names:  # year 1 of the projection is the simulated year
        year1 = totals.loc[name, "year1_total"]
        assert first.loc[name, "total_cost"] == pytest.approx(year1, abs=0.01)


def test_assumptions_list_exactly_the_inputs_that_differ() -> None:
    base = data("traditional")
    changed = apply_overrides(data("traditional"), {"roles.teacher.salary": 80000})
    changed["name"] = "Higher pay"
    changed["schools"][0]["need_tiers"] = list(reversed(changed["schools"][0]["need_tiers"]))
    changed["notes"]["roles.teacher.salary"] = {"kind": "local", "source": "district HR, 2026-27"}
    [difference] = assumption_diff([build(base), build(changed)])
    assert difference.path == "roles.teacher.salary"
    assert difference.label == "Classroom teacher: salary"
    assert difference.values == ("$72,030", "$80,000")
    before, after = difference.notes
    assert before is not None and before.kind == "public" and "NEA" in before.source
    assert after is not None and after.source == "district HR, 2026-27"
    assert assumption_diff([build(base), build({**base, "name": "Same"})]) == []


def test_an_input_without_a_note_says_why() -> None:
    """A default the scenario does not set, and a name or a choice (a cascade, a title), have
    no source to cite: the table says which, not "No note."; a figure shows its note."""
    middle = [load("middle_departmentalized"), load("middle_tutoring")]
    rows = {d.label: d for d in assumption_diff(middle)}
    assert rows["Reading share"].values == ("50%", "0%")
    default, sourced = rows["Reading share"].said
    assert default == "The model's default: the scenario does not set it."
    assert sourced.startswith("Public source: Guryan et al. (2023)")
    assert rows["Tutor"].said[1].startswith("A name or a choice of the arrangement, not a figure")
    assert rows["Tutor"].said[0] == ""  # the departmentalized school has no tutors
    # the tutor role's note (its pay and absences) is not the source of its title
    assert rows["Tutor: title"].said[1].startswith("A name or a choice")


def test_assumptions_show_a_role_one_scenario_lacks(three: Comparison) -> None:
    rows = {d.label: d for d in three.assumptions}
    wage = rows["Tutor: hourly wage"]
    assert wage.values[three.names.index(three.baseline)] == "—"
    assert wage.values[three.names.index("MCL teams with residents and tutors")] == "$23"
    assert "Name" not in rows and "Description" not in rows
    assert not any("." in d.label.split(":")[0] and "[" in d.label for d in three.assumptions)


def test_baseline_is_chosen_by_name() -> None:
    specs = [load("traditional"), load("mcl_teams")]
    c = compare(specs, replications=1, baseline="multi-classroom leadership teams")
    assert c.baseline == "Multi-classroom leadership teams"
    assert set(c.differences.scenario) == {specs[0].name}
    with pytest.raises(InputError, match="--baseline"):
        compare(specs, replications=1, baseline="nobody")
    with pytest.raises(InputError, match="name"):
        compare([specs[0], specs[0]], replications=1)


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.slow
def readme_compare_args(out: Path) -> list[str]:
    """The README's `simulate compare` command, with --out moved to a test folder."""
    text = (SCENARIOS.parent / "README.md").read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if "simulate compare " in x and "--out" in x)
    args = shlex.split(line.split("simulate compare ", 1)[1].split("&&")[0])
    args[args.index("--out") + 1] = str(out)
    root = SCENARIOS.parent  # the README runs from the repository root
    return ["compare", *(str(root / a) if a.endswith(".yaml") else a for a in args)]


def test_readme_command_writes_report_summary_and_workbook(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    args = readme_compare_args(out)
    assert [a for a in args if a.endswith(".yaml")] == [str(SCENARIOS.parent / f) for f in README]
    code, stdout, stderr = run_cli(*args, "--replications", "3")
    assert code == 0, stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "board.html",
        "budget.xlsx",
        "differences.csv",
        "report.html",
        "summary.csv",
    ]
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == SUMMARY_COLUMNS
    names = [simulate.load_scenario(SCENARIOS.parent / f).name for f in README]
    assert list(dict.fromkeys(summary.scenario)) == names
    assert str((out / "report.html").resolve()) in stdout
    assert len(stdout.splitlines()) <= 24  # one screen
    for name in names:
        assert name[:20] in stdout
    book = load_workbook(out / "budget.xlsx")
    assert {"Totals", "Line items", "Vs baseline", "Multi-year", "Verdict"} <= set(book.sheetnames)
    header = [c.value for c in book["Totals"][1]]
    rows = {
        r[0]: dict(zip(header, r, strict=True))
        for r in book["Totals"].iter_rows(min_row=2, values_only=True)
    }
    per_pupil = summary[summary.metric == "budget.per_pupil"].set_index("scenario").value
    for name in names:
        assert rows[name]["recurring_per_pupil"] == pytest.approx(per_pupil[name])


def test_cli_refuses_a_non_empty_out_and_bad_baselines(tmp_path: Path) -> None:
    files = [str(SCENARIOS / "traditional.yaml"), str(SCENARIOS / "mcl_teams.yaml")]
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code, _, stderr = run_cli("compare", *files, "--out", str(out), "-r", "1")
    assert code == 2 and "--out" in stderr and "Traceback" not in stderr
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    code, _, stderr = run_cli("compare", *files, "--out", str(tmp_path / "b"), "--baseline", "x")
    assert code == 2 and "--baseline" in stderr and "Traditional" in stderr
    assert not (tmp_path / "b").exists()


def test_cli_rejects_two_scenarios_with_one_name(tmp_path: Path) -> None:
    file = str(SCENARIOS / "traditional.yaml")
    code, _, stderr = run_cli("compare", file, file, "--out", str(tmp_path / "o"))
    assert code == 2
    assert "traditional.yaml" in stderr and "name" in stderr
    assert "Traceback" not in stderr


def test_cli_reports_a_bad_scenario_file_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nroles: {}\n")
    code, _, stderr = run_cli("compare", str(bad), "--out", str(tmp_path / "o"))
    assert code == 2 and "bad.yaml" in stderr and "Traceback" not in stderr


def test_cli_baseline_may_be_a_file_and_force_overwrites(tmp_path: Path) -> None:
    files = [str(SCENARIOS / "traditional.yaml"), str(SCENARIOS / "mcl_teams.yaml")]
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("x")
    code, stdout, stderr = run_cli(
        "compare", *files, "--out", str(out), "-r", "1", "--baseline", "mcl_teams", "--force"
    )
    assert code == 0, stderr
    assert "baseline: Multi-classroom leadership teams" in stdout
    d = pd.read_csv(out / "differences.csv")
    assert set(d.baseline) == {"Multi-classroom leadership teams"}


def test_progress_is_quiet_when_not_on_a_terminal(tmp_path: Path) -> None:
    code, stdout, _ = run_cli(
        "compare", str(SCENARIOS / "traditional.yaml"), "--out", str(tmp_path / "o"), "-r", "1"
    )
    assert code == 0
    assert "\r" not in stdout and "\x1b[" not in stdout
    assert stdout.startswith("Compared 1 scenario over 1 simulated year")


def test_summary_csv_round_trips(three: Comparison) -> None:
    buffer = io.StringIO()
    three.summary.to_csv(buffer, index=False)
    back = pd.read_csv(io.StringIO(buffer.getvalue()))
    assert np.array_equal(back.value.to_numpy(), three.summary.value.to_numpy())
