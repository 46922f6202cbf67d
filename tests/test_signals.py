"""Ctrl-C, SIGTERM and SIGKILL at several moments of real commands.

Ctrl-C and SIGTERM stop every command with exit code 130 and one line that says "interrupted"
and what was kept (never a traceback, never click's "Aborted!"); after SIGKILL of the parent,
its workers exit on their own. No process is ever left behind. These tests assert what
happens, not how fast: the waits only bound a hang, so they hold on a busy machine.
benchmarks/bench_stop.py measures the stop times.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SCENARIOS
from processes import alive, descendants, signals_held_or_caught
from test_sweep_helpers import write_spec

pytestmark = pytest.mark.slow

FILES = [str(SCENARIOS / f) for f in ("traditional.yaml", "mcl_teams.yaml")]
HANG = 120  # seconds after which a command that has not stopped is a failure
# The `simulate` command as the package installs it (module:function).
ENTRY = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]["simulate"]


def start(*args: str | Path) -> subprocess.Popen[str]:
    """The command as a user starts it at a terminal: the console script's entry point, in a
    process group of its own (as a shell's job is)."""
    module, _, function = ENTRY.partition(":")
    launch = f"import sys; sys.argv[0] = 'simulate'; from {module} import {function}; {function}()"
    return subprocess.Popen(
        [sys.executable, "-c", launch, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )


def wait_for_workers(process: subprocess.Popen[str], count: int = 3) -> set[int]:
    """Wait until the fork server and the workers run, then a moment more."""
    deadline = time.monotonic() + HANG
    while len(alive(descendants(process.pid))) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no workers started"
        time.sleep(0.05)
    time.sleep(0.5)
    return descendants(process.pid)


def stop(
    process: subprocess.Popen[str], signum: int, helpers: set[int], group: bool | None = None
) -> str:
    """Send the signal as a user does: Ctrl-C at a terminal to every process of the command's
    group (its workers included), SIGTERM (`kill PID`) to the command, unless `group` says
    otherwise. Return the process's stderr once it has ended; checks that no helper process
    outlives it."""
    helpers = helpers | descendants(process.pid)
    if signum == signal.SIGINT if group is None else group:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    _, stderr = process.communicate(timeout=HANG)
    deadline = time.monotonic() + HANG
    while alive(helpers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(helpers), f"left behind: {alive(helpers)}"
    return stderr


def assert_interrupted(process: subprocess.Popen[str], stderr: str) -> None:
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr, stderr
    assert "Traceback" not in stderr and "Aborted!" not in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr


SIGNAL_AT_IMPORT = """
import importlib, importlib.abc, os, sys

module, signum, entry = sys.argv[1], int(sys.argv[2]), sys.argv[3]


class SignalAt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == module:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signum)
        return None


sys.meta_path.insert(0, SignalAt())
sys.argv = ["simulate", *sys.argv[4:]]
entry_module, _, function = entry.partition(":")
getattr(importlib.import_module(entry_module), function)()
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize(
    "module", ["simulate.terminal", "click", "simulate.schema.errors", "yaml", "numpy"]
)
def test_a_signal_during_the_start_up_imports_exits_130_without_a_traceback(
    tmp_path: Path, signum: int, module: str
) -> None:
    """The signal arrives exactly while the entry point imports `module` (the command line's
    own imports, then the command's): it once gave a KeyboardInterrupt traceback (exit -2)
    or a bare kill by SIGTERM (-15)."""
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-c", SIGNAL_AT_IMPORT, module, str(int(signum)), ENTRY]
        + ["compare", *FILES, "--out", str(out), "-r", "1", "--workers", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=HANG,
    )
    assert done.returncode == 130, (done.returncode, done.stderr)
    assert done.stderr.strip() == "interrupted: nothing was written", done.stderr
    assert not out.exists() or list(out.iterdir()) == []


SIGNAL_AT_EXIT = """
import atexit, os, sys, threading, time

signum, entry = int(sys.argv[1]), sys.argv[2]
# A thread that does not hold the signals, as the libraries' own threads do not: the system
# may hand a signal to any such thread while the process ends.
threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
atexit.register(os.kill, os.getpid(), signum)  # once the command is over, as Python ends
sys.argv = ["simulate", *sys.argv[3:]]
entry_module, _, function = entry.partition(":")
getattr(__import__(entry_module, fromlist=[function]), function)()
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_the_process_ends_leaves_the_commands_exit_code(
    tmp_path: Path, signum: int
) -> None:
    """After the command has said it is done, Python takes a moment to end; a signal then once
    ended the process by that signal (-2, -15) with no line, or printed a traceback."""
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-c", SIGNAL_AT_EXIT, str(int(signum)), ENTRY]
        + ["run", str(SCENARIOS / "traditional.yaml"), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=HANG,
    )
    assert done.returncode == 0, (done.returncode, done.stderr)
    assert done.stderr == "" and f"-> {out}" in done.stdout
    assert (out / "summary.json").is_file()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("after", [0.0, 0.05, 0.15, 0.4, 0.8])
def test_a_signal_while_starting_up_stops_without_a_traceback(
    tmp_path: Path, signum: int, after: float
) -> None:
    """From the entry point's first instruction on (the imports, the loading of the
    scenarios, the start of the workers), at whatever moment the signal comes."""
    process = start("compare", *FILES, "--out", tmp_path / "out", "-r", "200", "--workers", "2")
    deadline = time.monotonic() + HANG
    while not signals_held_or_caught(process.pid, signal.SIGTERM):  # our first instruction ran
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the command never took the signals over"
        time.sleep(0.001)
    time.sleep(after)
    stderr = stop(process, signum, set())
    assert_interrupted(process, stderr)
    out = tmp_path / "out"
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_a_parallel_compare_and_its_workers(tmp_path: Path, signum: int) -> None:
    out = tmp_path / "out"
    process = start("compare", *FILES, "--out", out, "-r", "200", "--workers", "2")
    helpers = wait_for_workers(process)
    stderr = stop(process, signum, helpers)
    assert_interrupted(process, stderr)
    assert f"{out} is as it was" in stderr
    assert list(out.iterdir()) == []  # nothing half-written, no lock, no staging


SLOW_SECOND_WORKER = """
import sys, time
from simulate.study import executor

launch, launched = executor._PopenWithoutMain._launch, []


def slow(self, process_obj):
    launch(self, process_obj)  # the fork server has started the worker
    launched.append(self.pid)
    if len(launched) == 2:
        print(self.pid, flush=True)
        time.sleep(3)  # and the pool does not know it yet


executor._PopenWithoutMain._launch = slow
sys.argv = ["simulate", *sys.argv[1:]]
from simulate.cli import main
main()
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_a_worker_starts_stops_the_compare(tmp_path: Path, signum: int) -> None:
    """A signal just as the second worker has started, before the pool knows it: it once left
    that worker running, unknown to the pool, after the command had ended, and a caller
    reading the command's output waited for it (it held the output open). The worker must be
    gone by the time the command has ended (before its caller has even reaped it)."""
    out = tmp_path / "out"
    args = ["compare", *FILES, "--out", str(out), "-r", "200", "--workers", "2"]
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_SECOND_WORKER, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )
    assert process.stdout is not None
    worker = int(process.stdout.readline() or 0)
    assert worker, process.communicate()
    helpers = descendants(process.pid)
    if signum == signal.SIGINT:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    deadline = time.monotonic() + HANG
    while alive({process.pid}) and time.monotonic() < deadline:  # ended, not yet reaped
        time.sleep(0.01)
    assert not alive({worker}), "the second worker outlived the command"
    _, stderr = process.communicate(timeout=HANG)
    assert_interrupted(process, stderr)
    while alive(helpers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(helpers), f"left behind: {alive(helpers)}"
    assert list(out.iterdir()) == []


def test_a_signal_keeps_the_previous_results_of_a_forced_compare(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.csv").write_text("previous")
    process = start("compare", *FILES, "--out", out, "-r", "200", "--workers", "2", "--force")
    stderr = stop(process, signal.SIGINT, wait_for_workers(process))
    assert_interrupted(process, stderr)
    assert sorted(p.name for p in out.iterdir()) == ["summary.csv"]
    assert (out / "summary.csv").read_text() == "previous"


def test_workers_exit_when_the_parent_is_killed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    process = start("compare", *FILES, "--out", out, "-r", "200", "--workers", "2")
    helpers = wait_for_workers(process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=HANG)
    deadline = time.monotonic() + HANG
    while alive(helpers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(helpers), "workers outlived their killed parent"
    again = start("compare", *FILES, "--out", out, "-r", "1", "--workers", "1")
    _, stderr = again.communicate(timeout=HANG)
    assert again.returncode == 0, stderr
    assert "taken over" in stderr  # the killed command's lock


@pytest.mark.parametrize("after", [0.3, 1.5])
def test_ctrl_c_stops_run_and_budget(tmp_path: Path, after: float) -> None:
    year = tmp_path / "long.yaml"
    year.write_text(yaml.safe_dump({"extends": FILES[0], "name": "Long"}), encoding="utf-8")
    commands: list[list[str | Path]] = [
        ["run", year, "--out", tmp_path / "run", "-r", "400"],
        ["budget", year, "--out", tmp_path / "budget", "-r", "400"],
    ]
    for command in commands:
        process = start(*command)
        time.sleep(after)
        stderr = stop(process, signal.SIGINT, set())
        assert_interrupted(process, stderr)


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


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_to_the_whole_group_stops_a_sweep_with_long_chunks(
    tmp_path: Path, signum: int
) -> None:
    """Ctrl-C at a terminal, or SIGTERM to the command's process group (as `timeout`, a
    service manager or `kill -- -PGID` send it, which once killed the workers and ended in an
    internal error, BrokenProcessPool). A chunk of 12 runs takes longer than the grace period:
    it is abandoned, and the line says how many runs are saved and how to resume."""
    spec = write_spec(tmp_path, scenario=long_year(tmp_path).name, replications=4)
    out = tmp_path / "out"
    process = start("sweep", spec, "--out", out, "--workers", "2", "--chunk-size", "12")
    helpers = wait_for_workers(process)
    stderr = stop(process, signum, helpers, group=True)
    assert_interrupted(process, stderr)
    saved = sum(1 for _ in (out / "runs").glob("part-*")) * 12
    if saved:
        assert f"{saved} of 36 runs are saved" in stderr and "--resume" in stderr
    else:
        assert "no run was saved" in stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_a_sweep_on_a_local_dask_cluster_and_its_workers(
    tmp_path: Path, signum: int
) -> None:
    """It once printed a CommClosedError traceback while the cluster shut down."""
    spec = write_spec(tmp_path, scenario=long_year(tmp_path).name, replications=4)
    out = tmp_path / "out"
    process = start(
        "sweep", spec, "--out", out, "--backend", "dask", "--workers", "2", "--chunk-size", "2"
    )
    deadline = time.monotonic() + HANG
    while not list(out.glob("runs/part-*")):  # the workers run
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no runs were saved"
        time.sleep(0.05)
    stderr = stop(process, signum, descendants(process.pid))
    assert_interrupted(process, stderr)
    assert "runs are saved" in stderr and "--resume" in stderr
    assert not (out / ".dask-scratch").exists()


DROPPED = """
import time, weakref
from simulate.cli import main

class Thing:
    pass

@main.command("drop")
def drop() -> None:
    thing = Thing()
    def stop(_):
        raise KeyboardInterrupt  # as a Ctrl-C that lands in a weakref callback does
    held = weakref.ref(thing, stop)
    del thing  # the callback runs, and Python drops its KeyboardInterrupt
    time.sleep(2)
    print("went on")

main(["drop"], last=True)
"""


def test_a_ctrl_c_python_dropped_still_stops_the_command() -> None:
    """A KeyboardInterrupt raised inside a weakref callback (where a Ctrl-C during the
    engine's imports once landed) is dropped by Python with 'Exception ignored'; the command
    then went on and ended with 0."""
    done = subprocess.run(
        [sys.executable, "-c", DROPPED], capture_output=True, text=True, cwd=ROOT, timeout=HANG
    )
    assert done.returncode == 130, done.stderr
    assert "went on" not in done.stdout
    assert done.stderr.strip() == "interrupted: nothing was written"
