"""`simulate sweep` end to end: outputs, bad specs (exit 2), a killed sweep resumed, Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result
from processes import alive, descendants
from test_sweep_helpers import ROOT, results, short_year, write_spec

from simulate.cli import main
from simulate.outputs import sweep


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def test_sweep_command_writes_results_sensitivity_and_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("sweep", write_spec(tmp_path), "--out", out, "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "9 points x 2 replication(s) = 18 runs" in result.stdout
    assert "most influential" in result.stdout
    names = {p.name for p in out.iterdir()}
    assert {"results.parquet", "sensitivity.csv", "report.html", "manifest.json"} <= names
    assert {"spec.yaml", "base_scenario.json", "runs"} <= names
    # resuming a finished sweep runs nothing and gives the same table
    before = results(out)
    again = invoke("sweep", write_spec(tmp_path), "--out", out, "--resume", "--workers", "1")
    assert again.exit_code == 0, again.output
    assert "(0 run now)" in again.stdout
    pd.testing.assert_frame_equal(before, results(out))


BAD: list[tuple[dict[str, Any], list[str]]] = [
    ({"design": "sobol", "samples": 100}, ["samples", "power of two", "64 or 128"]),
    ({"replication": 3}, ["replication", "did you mean 'replications'"]),
    (
        {"parameters": {"roles.teacher.absense_rate": [0.1]}},
        ["parameters.roles.teacher.absense_rate", "did you mean 'absence_rate'"],
    ),
    (
        {"parameters": {"roles.teachr.absence_rate": [0.1]}},
        ["roles has no field 'teachr'", "did you mean 'teacher'"],
    ),
    (
        {"metrics": ["coverage.substitute_fil_rate.value"]},
        ["metrics[0]", "did you mean 'coverage.substitute_fill_rate.value'"],
    ),
    ({"metrics": ["coverage.absences[tier=nope].count"]}, ["metrics[0]", "not a figure"]),
    (
        {"parameters": {"roles.teacher.absence_rate": {"low": 0.0, "high": 1.5, "levels": 3}}},
        ["parameters.roles.teacher.absence_rate", "value 1.5", "absence_rate"],
    ),
    (
        {"parameters": {"coverage.vacancy_cover": [1, 2]}},
        ["coverage.vacancy_cover", "not a numeric field"],
    ),
    (
        {"parameters": {"substitutes.pool": {"low": 0, "high": 3}}},
        ["parameters.substitutes.pool", "needs levels"],
    ),
    (
        {"parameters": {"substitutes.pool": [0.5, 1]}},
        ["parameters.substitutes.pool", "whole numbers"],
    ),
    ({"parameters": {"schools.3.enrollment": [100]}}, ["schools", "not an index"]),
    ({"design": "lhs"}, ["samples", "needs samples"]),
    (
        {
            "parameters": {
                "roles.teacher.absence_rate": {"low": 0, "high": 1, "levels": 2000},
                "substitutes.pool": {"low": 0, "high": 5000, "levels": 1000},
            }
        },
        ["parameters", "2,000,000 points", "at most 1,000,000"],
    ),
    ({"parameters": {"roles.teacher.absence_rate": [True]}}, ["values", "not true/false"]),
]


@pytest.mark.parametrize(("fields", "expected"), BAD)
def test_bad_spec_exits_2_naming_file_and_field(
    tmp_path: Path, fields: dict[str, Any], expected: list[str]
) -> None:
    spec = write_spec(tmp_path, **fields)
    out = tmp_path / "out"
    result = invoke("sweep", spec, "--out", out)
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(f"error: {spec}")
    for text in expected:
        assert text in message, message
    assert not out.exists()  # rejected before anything is written or run


def test_a_point_that_breaks_the_scenario_is_named(tmp_path: Path) -> None:
    """Each value is fine alone; together they exceed a role's day (a cross-field rule)."""
    spec = write_spec(
        tmp_path,
        parameters={
            "roles.teacher.schedule.instruction": [270, 900],
            "roles.teacher.schedule.planning": [45, 700],
        },
    )
    result = invoke("sweep", spec, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "design point 3" in result.stderr and "planning=700" in result.stderr
    assert "more than a day" in result.stderr


def test_out_folder_rules(tmp_path: Path) -> None:
    spec = write_spec(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    refused = invoke("sweep", spec, "--out", out)
    assert refused.exit_code == 2 and "not empty" in refused.stderr
    assert invoke("sweep", spec, "--out", out, "--resume").exit_code == 2  # not a sweep folder
    assert invoke("sweep", spec, "--out", out, "--force", "--workers", "1").exit_code == 0
    assert (out / "notes.txt").read_text() == "mine"  # --force replaces only our own files
    (tmp_path / "b").mkdir()
    other = write_spec(tmp_path / "b", seed=12)
    changed = invoke("sweep", other, "--out", out, "--resume")
    assert changed.exit_code == 2 and "different sweep" in changed.stderr
    both = invoke("sweep", spec, "--out", out, "--resume", "--force")
    assert both.exit_code == 2


def _start(spec: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "simulate.cli", "sweep", str(spec), "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [*command, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )


def _wait_for_parts(out: Path, process: subprocess.Popen[bytes], count: int) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        parts = list((out / "runs").glob("part-*.parquet")) if (out / "runs").is_dir() else []
        if len(parts) >= count:
            return len(parts)
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    raise AssertionError("no chunk files appeared")


def _run_ids(out: Path) -> list[int]:
    ids: list[int] = []
    for part in sorted((out / "runs").glob("part-*.parquet")):
        ids += pq.read_table(part, columns=["run_id"]).column("run_id").to_pylist()
    return ids


def _slow_spec(tmp_path: Path) -> Path:
    """36 runs of a 120-day year (~0.1 s each), so a kill lands in the middle."""
    return write_spec(tmp_path, scenario=short_year(tmp_path, days=120).name, replications=4)


@pytest.mark.slow
def test_killed_sweep_resumes_with_every_run_exactly_once(tmp_path: Path) -> None:
    spec = _slow_spec(tmp_path)
    out = tmp_path / "out"
    process = _start(spec, out, "--workers", "2", "--chunk-size", "2")
    _wait_for_parts(out, process, 3)
    helpers = descendants(process.pid)  # the pool's workers (and its fork server)
    assert len(helpers) >= 2
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while alive(helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(helpers), "workers outlived the killed sweep"
    saved = _run_ids(out)
    assert not (out / "results.parquet").exists(), "the sweep finished before the kill"
    assert 6 <= len(saved) < 36 and len(saved) == len(set(saved))
    resumed = invoke("sweep", spec, "--out", out, "--resume", "--workers", "2")
    assert resumed.exit_code == 0, resumed.output
    assert f"({36 - len(saved)} run now)" in resumed.stdout
    ids = _run_ids(out)
    assert sorted(ids) == list(range(36))  # every run once: none repeated, none lost
    reference = sweep(spec, tmp_path / "reference", workers=1, progress=False)
    pd.testing.assert_frame_equal(results(out), results(reference.out))


@pytest.mark.slow
def test_ctrl_c_saves_finished_chunks_and_says_how_to_resume(tmp_path: Path) -> None:
    spec = _slow_spec(tmp_path)
    out = tmp_path / "out"
    process = _start(spec, out, "--workers", "2", "--chunk-size", "1")
    _wait_for_parts(out, process, 2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    text = stderr.decode()
    assert process.returncode == 130, text
    assert "interrupted" in text and "--resume" in text and "Traceback" not in text
    saved = _run_ids(out)
    assert len(saved) == len(set(saved)) and 2 <= len(saved) < 36
    assert f"{len(saved)} of 36 runs are saved" in text
    resumed = invoke("sweep", spec, "--out", out, "--resume", "--workers", "1")
    assert resumed.exit_code == 0, resumed.output
    assert sorted(_run_ids(out)) == list(range(36))
