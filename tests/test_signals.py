"""Ctrl-C, SIGTERM and SIGKILL at several moments of real commands.

Ctrl-C and SIGTERM stop every command within 2 s with exit code 130 and one line that says
"interrupted" and what was kept (never a traceback, never click's "Aborted!"); after SIGKILL
of the parent, its workers exit on their own. No process is ever left behind.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SCENARIOS
from processes import alive, descendants
from test_sweep_helpers import write_spec

pytestmark = pytest.mark.slow

FILES = [str(SCENARIOS / f) for f in ("traditional.yaml", "mcl_teams.yaml")]
STOP_WITHIN = 2.0  # seconds from the signal to the process's end


def start(*args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "simulate.cli", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def wait_for_workers(process: subprocess.Popen[str], count: int = 3) -> set[int]:
    """Wait until the fork server and the workers run, then a moment more."""
    deadline = time.monotonic() + 60
    while len(alive(descendants(process.pid))) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no workers started"
        time.sleep(0.05)
    time.sleep(0.5)
    return descendants(process.pid)


def stop(process: subprocess.Popen[str], signum: int, helpers: set[int]) -> tuple[float, str]:
    """Send the signal; return the seconds the process took to end and its stderr. Checks
    that no helper process outlives it."""
    helpers = helpers | descendants(process.pid)
    sent = time.monotonic()
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    took = time.monotonic() - sent
    deadline = time.monotonic() + 5
    while alive(helpers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(helpers), f"left behind: {alive(helpers)}"
    return took, stderr


def assert_interrupted(process: subprocess.Popen[str], took: float, stderr: str) -> None:
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr, stderr
    assert "Traceback" not in stderr and "Aborted!" not in stderr, stderr
    assert took < STOP_WITHIN, f"took {took:.2f} s to stop"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("after", [0.15, 0.4, 0.8])
def test_a_signal_while_starting_up_stops_without_a_traceback(
    tmp_path: Path, signum: int, after: float
) -> None:
    """During the imports, the loading of the scenarios and the start of the workers (the
    command takes the signals over as soon as Python has started and imported click)."""
    process = start("compare", *FILES, "--out", tmp_path / "out", "-r", "200", "--workers", "2")
    time.sleep(after)
    took, stderr = stop(process, signum, set())
    assert_interrupted(process, took, stderr)
    out = tmp_path / "out"
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_a_parallel_compare_and_its_workers(tmp_path: Path, signum: int) -> None:
    out = tmp_path / "out"
    process = start("compare", *FILES, "--out", out, "-r", "200", "--workers", "2")
    helpers = wait_for_workers(process)
    took, stderr = stop(process, signum, helpers)
    assert_interrupted(process, took, stderr)
    assert f"{out} is as it was" in stderr
    assert list(out.iterdir()) == []  # nothing half-written, no lock, no staging


def test_a_signal_keeps_the_previous_results_of_a_forced_compare(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.csv").write_text("previous")
    process = start("compare", *FILES, "--out", out, "-r", "200", "--workers", "2", "--force")
    took, stderr = stop(process, signal.SIGINT, wait_for_workers(process))
    assert_interrupted(process, took, stderr)
    assert sorted(p.name for p in out.iterdir()) == ["summary.csv"]
    assert (out / "summary.csv").read_text() == "previous"


def test_workers_exit_when_the_parent_is_killed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    process = start("compare", *FILES, "--out", out, "-r", "200", "--workers", "2")
    helpers = wait_for_workers(process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    deadline = time.monotonic() + 5
    while alive(helpers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(helpers), "workers outlived their killed parent"
    again = subprocess.run(  # the killed command's lock is taken over
        [sys.executable, "-m", "simulate.cli", "compare", *FILES, "--out", str(out)]
        + ["-r", "1", "--workers", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert again.returncode == 0, again.stderr
    assert "taken over" in again.stderr


@pytest.mark.parametrize("after", [0.3, 1.5])
def test_ctrl_c_stops_run_and_budget(tmp_path: Path, after: float) -> None:
    year = tmp_path / "long.yaml"
    year.write_text(yaml.safe_dump({"extends": FILES[0], "name": "Long"}), encoding="utf-8")
    for command in (
        ["run", year, "--out", tmp_path / "run", "-r", "400"],
        ["budget", year, "--out", tmp_path / "budget", "-r", "400"],
    ):
        process = start(*command)
        time.sleep(after)
        took, stderr = stop(process, signal.SIGINT, set())
        assert_interrupted(process, took, stderr)


def long_year(folder: Path) -> Path:
    """A district of 40 copies of the traditional school: a year takes about a second."""
    path = folder / "district.yaml"
    data = {
        "extends": str(SCENARIOS / "traditional.yaml"),
        "name": "Forty schools",
        "school": {"copies": 40},
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_ctrl_c_stops_a_sweep_with_long_chunks_within_the_grace_period(tmp_path: Path) -> None:
    """A chunk of 12 runs takes longer than 2 s: it is abandoned, the finished ones are kept."""
    spec = write_spec(tmp_path, scenario=long_year(tmp_path).name, replications=4)
    out = tmp_path / "out"
    process = start("sweep", spec, "--out", out, "--workers", "2", "--chunk-size", "12")
    helpers = wait_for_workers(process)
    took, stderr = stop(process, signal.SIGINT, helpers)
    assert_interrupted(process, took, stderr)
    assert "--resume" in stderr
