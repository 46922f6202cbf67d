"""Parameter sweeps: a spec of swept fields and a design, run in parallel, streamed to Parquet.

The spec, its checks and the seed of each run are in simulate.study.sweep.spec; runs go out in
chunks (simulate.study.sweep.chunk) through the shared executor, to local processes or a Dask
cluster (simulate.study.executor); each finished chunk is saved at once, so a crash loses at
most the chunks in flight and `--resume` carries on where it stopped
(simulate.study.sweep.store). At the end the parts are consolidated into DIR/results.parquet
in run-id order and analysed (simulate.study.sweep.sensitivity).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulate.output import write_csv, write_text
from simulate.study.executor import (
    Backend,
    Executor,
    Task,
    available_cpus,
    check_options,
    chunks,
)
from simulate.study.executor import chunk_size as default_chunk_size
from simulate.study.progress import Progress, progress_bar
from simulate.study.sweep.chunk import run_chunk
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


def sweep(
    spec: str | Path | Sweep,
    out: str | Path,
    *,
    workers: int | None = None,
    backend: Backend = "local",
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    chunk_size: int | None = None,
    progress: bool | None = None,
) -> SweepResult:
    """Run a sweep into `out`; see the module docstring. Ctrl-C stops cleanly (interrupted).

    `progress`: a bar on stderr (default: when it is a terminal)."""
    sw = spec if isinstance(spec, Sweep) else load_sweep(spec)
    out = Path(out)
    workers = workers or available_cpus()
    check_options(workers, backend, scheduler)
    resuming = open_out(sw, out, resume, force)
    finished = finished_runs(out) if resuming else set()
    todo = [r for r in range(sw.total) if r not in finished]
    ran, interrupted = 0, False
    if todo:
        # started before start_fresh, so a --scheduler that cannot be reached keeps old results
        with Executor(workers, backend, scheduler, out / ".dask-scratch") as executor:
            if not resuming:
                start_fresh(sw, out)
            size = chunk_size or default_chunk_size(len(todo), executor.slots)
            label = f"sweep ({backend}, {workers} worker{'s' if workers > 1 else ''})"
            with progress_bar(label, sw.total, len(finished), show=progress) as bar:
                ran, interrupted = _execute(sw, out, executor, todo, size, bar)
    done = len(finished) + ran
    if interrupted:
        return SweepResult(out, sw, done, ran, True)
    results = consolidate(sw, out)
    table, effects = analyze(sw, results)
    write_csv(out / "sensitivity.csv", table)
    from simulate.report.sweep import render_sweep  # the study does not depend on the report

    write_text(out / "report.html", render_sweep(sw, results, table, effects))
    return SweepResult(out, sw, done, ran, False, results, table)


def _execute(
    sw: Sweep, out: Path, executor: Executor, todo: list[int], size: int, bar: Progress | None
) -> tuple[int, bool]:
    """Hand out the runs in chunks, save each chunk as it finishes; (runs saved, interrupted).

    On Ctrl-C, chunks already running are saved when they finish (a second Ctrl-C abandons
    them); the runs of a chunk are saved together or not at all.
    """
    parts = PartWriter(sw, out)
    keys = [m.key for m in sw.metrics]
    tasks = [
        Task(run_chunk, (sw.base, keys, chunk), key=chunk, runs=len(chunk))
        for chunk in ([sw.task(r) for r in ids] for ids in chunks(todo, size))
    ]
    already = sw.total - len(todo)
    ran = 0

    def save(task: Task, values: list[list[float]]) -> None:
        nonlocal ran
        parts.write(task.key, values)
        ran += task.runs

    def advance(done: int, total: int) -> None:
        if bar is not None:
            bar(already + done, sw.total)

    interrupted = executor.run(tasks, save, advance, drain=True)
    return ran, interrupted


def top_parameters(result: SweepResult) -> list[tuple[str, str, str, float, bool]]:
    """Per metric, the parameter with the largest index (ST, mu* or |SRC|), and whether that
    index is reliable at this sample size (see sensitivity.reliable)."""
    if result.sensitivity is None:
        return []
    index = RANKED_BY[result.sweep.spec.design]
    table = result.sensitivity[result.sensitivity["index"] == index]
    out = []
    for metric in result.sweep.metric_columns:
        rows = table[table.metric == metric]
        if len(rows):
            best = rows.loc[rows["value"].abs().idxmax()]
            out.append((metric, str(best.parameter), index, float(best.value), bool(best.reliable)))
    return out
