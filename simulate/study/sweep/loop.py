"""Parameter sweeps: a spec of swept fields and a design, run in parallel, streamed to Parquet.

The spec, its checks and the seed of each run are in simulate.study.sweep.spec; runs go out in
chunks (simulate.study.sweep.chunk) through the shared executor, to local processes or a Dask
cluster (simulate.study.executor); each finished chunk is saved at once, so a crash loses at
most the chunks in flight and `--resume` carries on where it stopped
(simulate.study.sweep.store). At the end the parts are consolidated into DIR/results.parquet
in run-id order and analysed (simulate.study.sweep.sensitivity). `simulate.sweep`
(simulate.outputs) claims the folder, calls run_missing and writes the results and the report;
`--force` over earlier results runs the new sweep beside them and swaps it in whole once it is
complete (simulate.study.sweep.store).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from simulate.study.executor import Backend, Executor, Task, chunks
from simulate.study.executor import chunk_size as default_chunk_size
from simulate.study.progress import Progress, progress_bar
from simulate.study.sweep.chunk import run_chunk
from simulate.study.sweep.sensitivity import RANKED_BY
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
from simulate.study.sweep.store import RUNS, Folder, PartWriter, consolidate, start_fresh

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
    "kept",
    "load_sweep",
    "metric_column",
    "parse_metric",
    "run_chunk",
    "run_missing",
    "top_parameters",
]


@dataclass
class SweepResult:
    """What a sweep did (simulate.outputs.sweep); results and sensitivity are None when it
    was interrupted."""

    out: Path
    sweep: Sweep
    done: int  # runs on disk
    ran: int  # runs executed by this call
    interrupted: bool
    results: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)  # damaged parts set aside, repairs made
    kept: str = ""  # when interrupted: what is saved, and how to continue


def kept(sw: Sweep, out: Path, folder: Folder) -> str:
    """What an interrupted sweep leaves: the runs saved (none, if none) and where, and whether
    earlier results are as they were."""
    saved = len(folder.finished)
    hint = f"continue with: simulate sweep {sw.path} --out {out} --resume"
    if folder.replacing:
        text = f"the earlier results in {out} are as they were; "
        if saved:
            runs = f"{saved} of {sw.total} runs of the new sweep"
            return f"{text}{runs} are saved in {folder.path / RUNS}; {hint}"
        return text + "no run of the new sweep was saved"
    if saved:
        return f"{saved} of {sw.total} runs are saved in {out / RUNS}; {hint}"
    return "no run was saved"


def run_missing(
    sw: Sweep,
    out: Path,
    folder: Folder,
    workers: int,
    backend: Backend,
    scheduler: str | None,
    chunk_size: int | None,
    progress: bool | None,
) -> tuple[int, bool]:
    """Run what the claimed and checked folder is missing; (runs saved now, interrupted).
    Each run saved is added to folder.finished as its part is written."""
    todo = [r for r in range(sw.total) if r not in folder.finished]
    if not todo:
        return 0, False
    # started before start_fresh, so a --scheduler that cannot be reached writes nothing
    with Executor(workers, backend, scheduler, out / ".dask-scratch") as executor:
        if not folder.resuming:
            start_fresh(sw, folder, out)
        size = chunk_size or default_chunk_size(len(todo), executor.slots)
        label = f"sweep ({backend}, {workers} worker{'s' if workers > 1 else ''})"
        with progress_bar(label, sw.total, len(folder.finished), show=progress) as bar:
            return _execute(sw, folder, executor, todo, size, bar)


def _execute(
    sw: Sweep,
    folder: Folder,
    executor: Executor,
    todo: list[int],
    size: int,
    bar: Progress | None,
) -> tuple[int, bool]:
    """Hand out the runs in chunks, save each chunk as it finishes; (runs saved, interrupted).

    On Ctrl-C, chunks already running are saved when they finish (a second Ctrl-C abandons
    them); the runs of a chunk are saved together or not at all.
    """
    parts = PartWriter(sw, folder.path)
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
        folder.finished.update(run[0] for run in task.key)
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
