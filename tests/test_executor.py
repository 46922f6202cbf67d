"""The shared executor: pool size, chunks, progress, Ctrl-C; and how compare uses it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import HANG, ROOT, SCENARIOS

import simulate
from simulate.output import prepare_out
from simulate.outputs import COMPARISON_FILES, save_comparison
from simulate.study import compare as compare_module
from simulate.study.executor import Executor, Task, available_cpus, chunk_size, chunks


def square(x: int) -> int:
    return x * x


def interrupt_me(x: int) -> int:
    """A task during which Ctrl-C is pressed."""
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.05)  # the handler runs here
    return x


def run_all(executor: Executor, tasks: list[Task], drain: bool = True) -> tuple[dict, list, bool]:
    results: dict[Any, Any] = {}
    seen: list[tuple[int, int]] = []
    interrupted = executor.run(
        tasks, lambda t, r: results.update({t.key: r}), lambda d, n: seen.append((d, n)), drain
    )
    return results, seen, interrupted


def test_pool_size_follows_the_cpus_this_process_may_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 2, 5})
    assert available_cpus() == 3
    with Executor() as executor:  # no task submitted: no process is started
        assert executor.slots == 3
    with Executor(1) as executor:
        assert executor.slots == 1


class Sized(Exception):
    """Stops a comparison once it has made its executor."""


def test_compare_sizes_its_pool_by_the_affinity_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {1, 3, 4})
    slots: list[int] = []

    class Recording(Executor):
        def run(self, *args: Any, **kwargs: Any) -> bool:
            slots.append(self.slots)
            raise Sized

    monkeypatch.setattr(compare_module, "Executor", Recording)
    specs = [simulate.load_scenario(SCENARIOS / f) for f in ("traditional.yaml", "mcl_teams.yaml")]
    with pytest.raises(Sized):
        simulate.compare(specs, replications=15)  # 30 runs: worth a pool
    with pytest.raises(Sized):
        simulate.compare(specs, replications=2)  # 4 runs: cheaper in this process
    with pytest.raises(Sized):
        simulate.compare(specs, replications=2, workers=2)
    assert slots == [3, 1, 2]


def test_chunks_keep_per_task_overhead_small_and_cover_every_run() -> None:
    assert chunk_size(200, 2) == 7  # about 16 tasks per worker
    assert chunk_size(10, 4) == 1
    assert chunk_size(1_000_000, 2) == 20  # bounded: a crash loses little
    parts = list(chunks(range(20), 7))
    assert parts == [range(0, 7), range(7, 14), range(14, 20)]


def test_every_task_is_done_once_with_progress_in_runs() -> None:
    tasks = [Task(square, (x,), key=x, runs=2) for x in range(5)]
    with Executor(1) as executor:
        results, seen, interrupted = run_all(executor, tasks)
    assert results == {x: x * x for x in range(5)}
    assert seen == [(2, 10), (4, 10), (6, 10), (8, 10), (10, 10)]
    assert not interrupted


def test_first_ctrl_c_lets_the_running_task_finish_and_hands_out_no_more() -> None:
    """And the caller's Ctrl-C handler is back afterwards (whatever it was: a process started
    in the background by a shell without job control ignores Ctrl-C from the start)."""
    tasks = [Task(square, (0,), key=0), Task(interrupt_me, (1,), key=1)]
    tasks += [Task(square, (x,), key=x) for x in range(2, 6)]
    before = signal.getsignal(signal.SIGINT)
    with Executor(1) as executor:
        results, _, interrupted = run_all(executor, tasks, drain=True)
    assert interrupted
    assert results == {0: 0, 1: 1}  # the task running at Ctrl-C is kept
    assert signal.getsignal(signal.SIGINT) is before


def test_without_drain_ctrl_c_abandons_the_running_task() -> None:
    tasks = [Task(square, (0,), key=0), Task(interrupt_me, (1,), key=1)]
    tasks += [Task(square, (x,), key=x) for x in range(2, 6)]
    with Executor(1) as executor:
        results, _, interrupted = run_all(executor, tasks, drain=False)
    assert interrupted
    assert results == {0: 0}


def test_compare_counts_progress_in_simulated_years() -> None:
    specs = [simulate.load_scenario(SCENARIOS / f) for f in ("traditional.yaml", "mcl_teams.yaml")]
    seen: list[tuple[int, int]] = []
    simulate.compare(specs, replications=1, workers=1, progress=lambda d, n: seen.append((d, n)))
    assert seen == [(1, 2), (2, 2)]


def test_study_does_not_import_the_report() -> None:
    """A Comparison computes; saving it (simulate.outputs) is what needs the report."""
    code = (
        "import sys, simulate.study.compare, simulate.study.run, simulate.study.sweep; "
        "print(sorted(m for m in sys.modules if m.startswith('simulate.report')))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "[]"


def modules() -> list[str]:
    package = ROOT / "simulate"
    return sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in package.rglob("*.py")
    )


@pytest.mark.slow
@pytest.mark.parametrize("module", modules())
def test_each_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    """No import cycle: whichever module a program imports first, it loads."""
    found = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, cwd=ROOT
    )
    assert found.returncode == 0, found.stderr


@pytest.mark.slow
def test_one_and_two_workers_give_identical_tables_over_uneven_chunks() -> None:
    specs = [simulate.load_scenario(SCENARIOS / f) for f in ("traditional.yaml", "mcl_teams.yaml")]
    serial = simulate.compare(specs, seed=3, replications=5, workers=1)
    parallel = simulate.compare(specs, seed=3, replications=5, workers=2)
    pd.testing.assert_frame_equal(serial.summary, parallel.summary)
    pd.testing.assert_frame_equal(serial.differences, parallel.differences)
    for one, two in zip(serial.results, parallel.results, strict=True):
        pd.testing.assert_frame_equal(one.ledger, two.ledger)
        assert one.usage == two.usage


def test_a_comparison_saved_beside_workers_is_byte_identical_to_one_saved_alone(
    tmp_path: Path,
) -> None:
    """The web app makes the workbook on a warm worker while it writes the report: every
    file is the same, byte for byte, as the command line's."""
    specs = [simulate.load_scenario(SCENARIOS / f) for f in ("traditional.yaml", "mcl_teams.yaml")]
    comparison = simulate.compare(specs, seed=3, replications=2, workers=1)
    alone = save_comparison(comparison, prepare_out(tmp_path / "alone"))
    with Executor(2) as executor:
        beside = save_comparison(comparison, prepare_out(tmp_path / "beside"), executor)
    assert alone.keys() == beside.keys() == COMPARISON_FILES.keys()
    for key, path in alone.items():
        assert path.read_bytes() == beside[key].read_bytes(), key


def started_apart(executor: Executor) -> None:
    apart = executor.start(square, 7)
    results, _, _ = run_all(executor, [Task(square, (k,), k) for k in range(3)])
    assert apart.result() == 49
    assert results == {0: 0, 1: 1, 2: 4}  # the started one is no task of run's


def test_a_task_started_apart_runs_beside_and_outside_the_tasks_run() -> None:
    for workers in (1, 2):
        with Executor(workers) as executor:
            started_apart(executor)


@pytest.mark.slow
def test_a_task_started_apart_on_a_dask_cluster() -> None:
    from distributed import LocalCluster

    with (
        LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        Executor(backend="dask", scheduler=cluster.scheduler_address) as executor,
    ):
        started_apart(executor)


def test_a_task_started_apart_gets_its_arguments_as_they_were_when_it_started() -> None:
    """The caller may go on changing them (the report fills a comparison's cached tables
    while a worker makes its workbook): a pool that pickled them later, in its own thread,
    sent what they had become, or failed on a dict changing size."""
    with Executor(2) as executor:
        given = {"seen": [1, 2, 3]}
        apart = executor.start(dict, given)
        given["later"] = [4]
        given["seen"].append(5)
        assert apart.result() == {"seen": [1, 2, 3]}


API_CODE = """
import simulate
specs = [simulate.load_scenario(f) for f in {files!r}]
c = simulate.compare(specs, replications=2, workers=2)
print("compared", len(c.results))
s = simulate.sweep({spec!r}, {out!r}, workers=2, chunk_size=2, progress=False)
print("swept", s.done)
"""


@pytest.mark.slow
@pytest.mark.parametrize("how", ["script", "-c", "stdin", "interactive"])
def test_the_api_runs_in_parallel_from_a_plain_script_and_a_notebook_like_session(
    tmp_path: Path, how: str
) -> None:
    """Workers do not re-run the caller's main module (which would start a comparison in
    each, or fail where there is no file to re-run: `python -c`, a REPL, a notebook)."""
    from test_sweep_helpers import write_spec

    files = [str(SCENARIOS / f) for f in ("traditional.yaml", "mcl_teams.yaml")]
    code = API_CODE.format(files=files, spec=str(write_spec(tmp_path)), out=str(tmp_path / "o"))
    script = tmp_path / "plain.py"
    script.write_text(code, encoding="utf-8")
    command, stdin = {
        "script": ([sys.executable, str(script)], None),
        "-c": ([sys.executable, "-c", code], None),
        "stdin": ([sys.executable, "-"], code),
        "interactive": ([sys.executable, "-i", "-q"], code + "\n"),
    }[how]
    done = subprocess.run(
        command, input=stdin, capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    lines = [line.strip(">. ") for line in done.stdout.splitlines() if line.strip(">. ")]
    assert lines == ["compared 2", "swept 18"]  # printed once: the caller ran once


DASK_SCRIPT = """
import simulate
s = simulate.sweep({spec!r}, {out!r}, workers=2, backend="dask", chunk_size=3, progress=False)
print("swept", s.done)
"""


@pytest.mark.slow
def test_a_plain_script_runs_a_sweep_on_a_local_dask_cluster(tmp_path: Path) -> None:
    """No `if __name__ == "__main__":` guard, as with the local pool: the cluster's workers
    never re-run the script (multiprocessing's nannies did, and failed to start)."""
    from test_sweep_helpers import write_spec

    code = DASK_SCRIPT.format(spec=str(write_spec(tmp_path)), out=str(tmp_path / "o"))
    script = tmp_path / "plain.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert done.stdout.split("\n") == ["swept 18", ""]  # printed once: the script ran once
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == ["o", "plain.py", "short.yaml", "spec.yaml"]  # no dask files left beside


FORK_SERVER_SIGNALLED_AT_BIRTH = """
import os, signal
from multiprocessing import forkserver
from simulate.study import executor

forkserver.set_forkserver_preload(executor.PRELOAD)
executor._start_fork_server()
server = forkserver._forkserver._forkserver_pid
os.kill(server, signal.SIGINT)  # at once: the new Python is still starting up
os.kill(server, signal.SIGTERM)
pool = executor._Processes(1)
print(pool.pool.submit(os.getpid).result(timeout=120) != os.getpid())
pool.close()
"""


def test_a_signal_to_the_fork_server_while_it_starts_is_discarded() -> None:
    """Ctrl-C at a terminal reaches the whole process group, the fork server too; one that came
    while it imported once printed a KeyboardInterrupt traceback from the fork server and broke
    the pool. Started with both signals held back, it starts, ignores them and serves."""
    done = subprocess.run(
        [sys.executable, "-c", FORK_SERVER_SIGNALLED_AT_BIRTH],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=180,
    )
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "True", "")


def test_a_worker_takes_copies_of_one_scenario_as_the_one_it_simulated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each task brings its own unpickled copy of its scenario; a worker simulates the first
    copy it met, so what the engine builds once per scenario is built once. A scenario that
    differs in anything is its own."""
    import pickle
    from collections import OrderedDict

    from simulate.schema.loading import load_scenario
    from simulate.study import run

    # a process that met none yet (another test in this process may have run the same file)
    monkeypatch.setattr(run, "_SEEN", OrderedDict())
    spec = load_scenario(SCENARIOS / "traditional.yaml")
    one, two = pickle.loads(pickle.dumps(spec)), pickle.loads(pickle.dumps(spec))
    assert run._seen(one) is one
    assert run._seen(two) is one
    other = pickle.loads(pickle.dumps(spec.model_copy(update={"name": "Other"})))
    assert run._seen(other) is other


PRELOADED = """
import sys
from simulate.study.executor import Executor
with Executor(2, preload=sys.argv[1:]) as executor:
    print(executor.start(eval, "'openpyxl' in __import__('sys').modules").result())
"""


@pytest.mark.slow
@pytest.mark.parametrize(("preload", "loaded"), [([], "False"), (["simulate.workbook"], "True")])
def test_workers_start_with_the_modules_they_are_given(preload: list[str], loaded: str) -> None:
    """The web app's workers start with the workbook's modules (openpyxl), so workers started
    anew after a lever is let go of make a comparison's workbook as fast as the first ones.
    In a process of its own: the fork server takes its modules when it first starts."""
    done = subprocess.run(
        [sys.executable, "-c", PRELOADED, *preload],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=HANG,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == loaded


APP_POOL = """
from simulate.app.pool import WarmPool
pool = WarmPool()
with pool.use() as executor:
    print(executor.start(eval, "'openpyxl' in __import__('sys').modules").result())
pool.close()
"""


@pytest.mark.slow
@pytest.mark.skipif(available_cpus() < 2, reason="one CPU: the pool runs in this process")
def test_the_app_pools_workers_start_with_the_workbooks_modules() -> None:
    done = subprocess.run(
        [sys.executable, "-c", APP_POOL], capture_output=True, text=True, cwd=ROOT, timeout=HANG
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
