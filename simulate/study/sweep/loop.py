"""Parameter sweeps: a spec of swept fields and a design, run in parallel, streamed to Parquet.

The spec, its checks and the seed of each run are in simulate.sweep_spec; runs go out in
chunks to local processes or a Dask cluster (simulate.sweep_runners); each finished chunk is
saved at once, so a crash loses at most the chunks in flight and `--resume` carries on where
it stopped (simulate.sweep_store). At the end the parts are consolidated into
DIR/results.parquet in run-id order and analysed (simulate.sensitivity). Scripts that call
sweep() with workers > 1 need the usual `if __name__ == "__main__":` guard: workers start
from a fork server.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from simulate.output import write_csv, write_text
from simulate.report.sweep import render_sweep
from simulate.schema.errors import InputError
from simulate.study.sweep.runners import Runner, make_runner, run_chunk
from simulate.study.sweep.sensitivity import RANKED_BY, analyze
from simulate.study.sweep.spec import (
    Key,
    Metric,
    ParameterSpec,
    RunTask,
    Sweep,
    SweepSpec,
    design_seed,
    load_sweep,
    metric_column,
    parse_metric,
)
from simulate.study.sweep.store import PartWriter, consolidate, finished_runs, open_out, start_fresh

__all__ = [
    "Key",
    "Metric",
    "ParameterSpec",
    "RunTask",
    "Sweep",
    "SweepResult",
    "SweepSpec",
    "consolidate",
    "default_workers",
    "design_seed",
    "load_sweep",
    "metric_column",
    "parse_metric",
    "run_chunk",
    "sweep",
    "top_parameters",
]


@dataclass
class SweepResult:
    """What a sweep() call did; results and sensitivity are None when it was interrupted."""

    out: Path
    sweep: Sweep
    done: int  # runs on disk
    ran: int  # runs executed by this call
    interrupted: bool
    results: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None


def default_workers() -> int:
    """The cores this process may use (fewer than the machine has when it is pinned)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def sweep(
    spec: str | Path | Sweep,
    out: str | Path,
    *,
    workers: int | None = None,
    backend: Literal["local", "dask"] = "local",
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    chunk_size: int | None = None,
    progress: bool | None = None,
) -> SweepResult:
    """Run a sweep into `out`; see the module docstring. Ctrl-C stops cleanly (interrupted)."""
    sw = spec if isinstance(spec, Sweep) else load_sweep(spec)
    out = Path(out)
    workers = workers or default_workers()
    if workers < 1:
        raise InputError(None, "--workers", f"must be at least 1 (got {workers})")
    if scheduler and backend != "dask":
        raise InputError(None, "--scheduler", "only applies with --backend dask")
    resuming = open_out(sw, out, resume, force)
    finished = finished_runs(out) if resuming else set()
    todo = [r for r in range(sw.total) if r not in finished]
    ran, interrupted = 0, False
    if todo:
        # started before start_fresh, so a --scheduler that cannot be reached keeps old results
        runner = make_runner(backend, workers, scheduler, out)
        if not resuming:
            try:
                start_fresh(sw, out)
            except BaseException:
                runner.close(abort=True)
                raise
        # ~16 chunks per worker slot keeps the idle tail short; 20 runs at most bounds a crash loss
        size = chunk_size or max(1, min(20, math.ceil(len(todo) / (runner.slots * 16))))
        chunks = [[sw.task(r) for r in todo[i : i + size]] for i in range(0, len(todo), size)]
        show = progress if progress is not None else sys.stderr.isatty()
        label = f"sweep ({backend}, {workers} worker{'s' if workers > 1 else ''})"
        with _progress(show, sw.total, len(finished), label) as advance:
            ran, interrupted = _execute(sw, out, runner, chunks, advance)
    done = len(finished) + ran
    if interrupted:
        return SweepResult(out, sw, done, ran, True)
    results = consolidate(sw, out)
    table, effects = analyze(sw, results)
    write_csv(out / "sensitivity.csv", table)
    write_text(out / "report.html", render_sweep(sw, results, table, effects))
    return SweepResult(out, sw, done, ran, False, results, table)


def _execute(
    sw: Sweep,
    out: Path,
    runner: Runner,
    chunks: list[list[RunTask]],
    advance: Callable[[int], None],
) -> tuple[int, bool]:
    """Hand out the chunks, save each as it finishes; returns (runs saved, interrupted).

    On Ctrl-C, queued chunks are cancelled and those already running are saved when they
    finish (a second Ctrl-C abandons them); the runs of a chunk are saved together or not.
    """
    parts = PartWriter(sw, out)
    keys = [m.key for m in sw.metrics]
    ran, interrupted, abort = 0, False, True

    def save(tasks: list[RunTask], values: list[list[float]]) -> None:
        nonlocal ran
        parts.write(tasks, values)
        ran += len(tasks)
        advance(len(tasks))

    try:
        with _Stop() as stop:
            pending = {runner.submit(run_chunk, sw.base, keys, c): c for c in chunks}
            while pending and not stop.requested:
                for fut in runner.wait(0.2):
                    save(pending.pop(fut), fut.result())
            if pending:
                interrupted = True
                running = set(runner.cancel(list(pending)))
                while running:
                    for fut in runner.wait(0.2):
                        if fut in running:
                            running.discard(fut)
                            save(pending[fut], fut.result())
        abort = False
    except KeyboardInterrupt:
        interrupted = True
    finally:
        runner.close(abort=abort)
    return ran, interrupted


class _Stop:
    """First Ctrl-C: stop handing out chunks and save what finishes. Second: stop at once."""

    def __init__(self) -> None:
        self.requested = False
        self.previous: Any = None

    def __enter__(self) -> _Stop:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


@contextlib.contextmanager
def _progress(show: bool, total: int, done: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr; yields advance(n) for n more runs saved."""
    if not show:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs"),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(label, total=total, completed=done, rate="")

        def advance(n: int) -> None:
            bar.advance(task, n)
            speed = bar.tasks[0].speed
            bar.update(task, rate=f"{speed:.1f}/s" if speed else "")

        yield advance


def top_parameters(result: SweepResult) -> list[tuple[str, str, str, float]]:
    """Per metric, the parameter with the largest index (ST, mu* or |SRC|)."""
    if result.sensitivity is None:
        return []
    index = RANKED_BY[result.sweep.spec.design]
    table = result.sensitivity[result.sensitivity["index"] == index]
    out = []
    for metric in result.sweep.metric_columns:
        rows = table[table.metric == metric]
        if len(rows):
            best = rows.loc[rows["value"].abs().idxmax()]
            out.append((metric, str(best.parameter), index, float(best.value)))
    return out
