"""The `simulate` command end to end: outputs, determinism, exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import ROOT

from simulate.cli import main

TRADITIONAL = str(ROOT / "scenarios" / "traditional.yaml")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_run_writes_summary_metrics_ledger_and_budget(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("run", TRADITIONAL, "--out", str(out), "--seed", "3", "-r", "2")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "budget.csv",
        "ledger.csv",
        "metrics.csv",
        "summary.json",
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replications"] == 2 and summary["seed"] == 3
    metric = summary["metrics"]["coaching.observations_per_teacher_week"]["all"]["realized"]
    assert metric["ci_low"] <= metric["mean"] <= metric["ci_high"]
    metrics = pd.read_csv(out / "metrics.csv")
    assert set(metrics.replication) == {0, 1}
    assert list(metrics.columns) == ["replication", "metric", "group", "statistic", "value"]
    ledger = pd.read_csv(out / "ledger.csv")
    assert (ledger.amount >= 0).all()
    budget = pd.read_csv(out / "budget.csv")
    assert budget.amount.sum() == pytest.approx(summary["budget"]["year1_total"], abs=0.005)
    # lost shares are computed for every command, not only compare
    assert "ledger.lost_share" in set(metrics.metric)
    share = summary["metrics"]["ledger.lost_share"]["activity=instruction"]["lost"]
    assert 0 <= share["mean"] <= 1


def test_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert (
            invoke("run", TRADITIONAL, "--out", str(tmp_path / name), "--seed", "7").exit_code == 0
        )
    for file in ("summary.json", "metrics.csv", "ledger.csv", "budget.csv"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


def test_run_refuses_a_non_empty_out_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    refused = invoke("run", TRADITIONAL, "--out", str(tmp_path))
    assert refused.exit_code == 2
    assert "not empty" in refused.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
    assert invoke("run", TRADITIONAL, "--out", str(tmp_path), "--force").exit_code == 0
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_validate_reports_each_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: " + TRADITIONAL + "\nroles:\n  teacher:\n    salry: 1\n")
    result = invoke("validate", TRADITIONAL, str(bad))
    assert result.exit_code == 2
    assert "ok: " in result.output
    assert "roles.teacher.salry" in result.output
    assert "did you mean 'salary'" in result.output


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("school:\n  enrollment: -5\n", "schools[0].enrollment"),
        ("roles:\n  teacher:\n    absence_rate: 1.5\n", "roles.teacher.absence_rate"),
        ("calendar:\n  school_days: many\n", "calendar.school_days"),
        ("coverage:\n  cascade: [janitor]\n", "janitor"),
    ],
)
def test_bad_input_exits_2_naming_the_field(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(f"extends: {TRADITIONAL}\n{text}")
    result = invoke("run", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert field in result.output
    assert str(path) in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_metrics_lists_the_catalogue_as_a_table_csv_and_json() -> None:
    from simulate.measures.catalogue import MEASURES

    table = invoke("metrics")
    assert table.exit_code == 0, table.output
    listed = [line.split()[0] for line in table.output.splitlines()[1:] if line[:1].isalpha()]
    assert [m.name for m in MEASURES] == listed[: len(MEASURES)]
    assert "Feedback latency; unit: days." in table.output
    csv = invoke("metrics", "--format", "csv")
    frame = pd.read_csv(io.StringIO(csv.output))
    assert list(frame.name) == [m.name for m in MEASURES]
    assert {"statistics", "groups", "unit", "better", "explanation"} <= set(frame.columns)
    records = json.loads(invoke("metrics", "--format", "json").output)
    latency = next(r for r in records if r["name"] == "coaching.feedback_latency_days")
    assert latency["statistics"] == ["mean", "p90"] and latency["better"] == -1
    assert invoke("metrics", "--format", "xml").exit_code == 2


def test_schema_is_json_schema() -> None:
    result = invoke("schema")
    schema = json.loads(result.output)
    assert schema["type"] == "object"
    assert {"roles", "schools", "coaching"} <= set(schema["properties"])


def test_schema_describes_every_property() -> None:
    """Editors and the planner's form show each field's help text from the schema."""
    schema = json.loads(invoke("schema").output)
    sections = [schema, *schema["$defs"].values()]
    properties = {
        f"{section.get('title')}.{name}": prop
        for section in sections
        for name, prop in section.get("properties", {}).items()
    }
    assert len(properties) > 80
    missing = [name for name, prop in properties.items() if not prop.get("description")]
    assert missing == []
    assert all(section.get("description") for section in sections)
    # money says its unit; the fields the engine never reads say so too
    role = schema["$defs"]["Role"]["properties"]
    assert "dollars" in role["salary"]["description"] and role["salary"]["cost_only"] is True
    assert "cost_only" not in role["absence_rate"]


@pytest.mark.slow
def test_console_script_runs_in_a_fresh_process(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "simulate.cli", "run", TRADITIONAL, "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "simulate.cli", "run", "no-such.yaml", "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2
    assert missing.stderr.strip().count("\n") == 0
    assert "no-such.yaml" in missing.stderr


def test_the_command_line_mirrors_the_api_constants() -> None:
    """The command line keeps its own copies so that `simulate --help` imports nothing heavy."""
    from simulate import cli
    from simulate.budget.goalseek import TARGETS
    from simulate.schema.limits import MAX_REPLICATIONS
    from simulate.study.run import REPLICATIONS

    assert cli.REPLICATIONS == REPLICATIONS
    assert list(TARGETS) == cli.GOAL_TARGETS
    assert cli.Replications.max == MAX_REPLICATIONS


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["compare", "--replicatons", "3", "x.yaml"], "did you mean '--replications'"),
        (["budget", "scenarios/traditional.yaml", "--target", "fundd"], "'fundd' is not one of"),
        (["run", "scenarios/traditional.yaml"], "missing option '--out'"),
    ],
)
def test_a_mistyped_command_line_is_one_line_and_exit_2(args: list[str], words: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "simulate.cli", *args], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0].lower(), done.stderr
    assert "--help" in lines[0] and "Traceback" not in done.stderr
