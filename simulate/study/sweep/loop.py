"""Parameter sweeps: a spec of swept fields and a design, run in parallel, streamed to Parquet.

The spec, its checks and the seed of each run are in simulate.study.sweep.spec; runs go out in
chunks (simulate.study.sweep.chunk) through the shared executor, to local processes or a Dask
cluster (simulate.study.executor); each finished chunk is saved at once, so a crash loses at
most the chunks in flight and `--resume` carries on where it stopped
(simulate.study.sweep.store). At the end the parts are consolidated into DIR/results.parquet
in run-id order and analysed (simulate.study.sweep.sensitivity). `--force` over earlier results
runs the new sweep beside them and swaps it in whole once it is complete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from simulate.output import (
    Interrupted,
    OutputError,
    claim_out,
    commit,
    remove_inside,
    staged_set,
    write_csv,
    write_text,
)
from simulate.schema.errors import InputError
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
from simulate.study.sweep.store import (
    OUR_FILES,
    RESULTS,
    RUNS,
    Folder,
    PartWriter,
    consolidate,
    open_folder,
    start_fresh,
)

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
    notes: list[str] = field(default_factory=list)  # damaged parts set aside, repairs made
    kept: str = ""  # when interrupted: what is saved, and how to continue


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
    workers = workers or available_cpus()
    check_options(workers, backend, scheduler)  # before the spec: checking it may take a while
    if resume and force:
        raise InputError(None, "--resume", "give --resume or --force, not both")
    sw = spec if isinstance(spec, Sweep) else load_sweep(spec)
    out = Path(out)
    with claim_out(out, force=force, resume=resume, writes=OUR_FILES) as stale:
        folder = open_folder(sw, out, resume, force)
        if stale is not None:
            taken = f"took over the lock left by a stopped command ({stale.describe()})"
            folder.notes.insert(0, taken)
        try:
            return _sweep_in(sw, out, folder, workers, backend, scheduler, chunk_size, progress)
        except KeyboardInterrupt as stop:
            if isinstance(stop, Interrupted):
                raise
            raise Interrupted(kept(sw, out, folder)) from None


def kept(sw: Sweep, out: Path, folder: Folder) -> str:
    """What an interrupted sweep leaves: the runs saved (none, if none) and where, and whether
    earlier results are as they were."""
    saved = len(folder.finished)
    hint = f"continue with: simulate sweep {sw.path} --out {out} --resume"
    if folder.replacing:
        text = f"the earlier results in {out} are as they were; "
        if saved:
            where = folder.path / RUNS
            return (
                text + f"{saved} of {sw.total} runs of the new sweep are saved in {where}; {hint}"
            )
        return text + "no run of the new sweep was saved"
    if saved:
        return f"{saved} of {sw.total} runs are saved in {out / RUNS}; {hint}"
    return "no run was saved"


def _sweep_in(
    sw: Sweep,
    out: Path,
    folder: Folder,
    workers: int,
    backend: Backend,
    scheduler: str | None,
    chunk_size: int | None,
    progress: bool | None,
) -> SweepResult:
    """The sweep in its claimed and checked folder: run what is missing, then the results."""
    todo = [r for r in range(sw.total) if r not in folder.finished]
    ran, interrupted = 0, False
    if todo:
        # started before start_fresh, so a --scheduler that cannot be reached writes nothing
        with Executor(workers, backend, scheduler, out / ".dask-scratch") as executor:
            if not folder.resuming:
                start_fresh(sw, folder, out)
            size = chunk_size or default_chunk_size(len(todo), executor.slots)
            label = f"sweep ({backend}, {workers} worker{'s' if workers > 1 else ''})"
            with progress_bar(label, sw.total, len(folder.finished), show=progress) as bar:
                ran, interrupted = _execute(sw, folder, executor, todo, size, bar)
    done = len(folder.finished)
    if interrupted:
        return SweepResult(out, sw, done, ran, True, notes=folder.notes, kept=kept(sw, out, folder))
    results, table = _write_results(sw, out, folder)
    return SweepResult(out, sw, done, ran, False, results, table, folder.notes)


def _write_results(sw: Sweep, out: Path, folder: Folder) -> tuple[pd.DataFrame, pd.DataFrame]:
    """results.parquet, sensitivity.csv and report.html, put in place together; a sweep that
    replaces earlier results is then swapped in whole, its runs and copies included."""
    if not folder.replacing:
        with staged_set(out, replaces=RESULTS) as stage:
            return _analysed(sw, folder.path, stage)
    try:
        made = _analysed(sw, folder.path, folder.path)
        commit(folder.path, out, replaces=(*OUR_FILES, RUNS))
    except OSError as err:
        raise OutputError(
            f"could not write the results into {out} ({err.strerror or err}); the earlier "
            f"results there are unchanged, and the new sweep's runs are kept in {folder.path} "
            "(finish it with --resume)"
        ) from None
    remove_inside(folder.path, out)
    return made


def _analysed(sw: Sweep, parts: Path, into: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    from simulate.report.sweep import render_sweep  # the study does not depend on the report

    results = consolidate(sw, parts, into=into)
    table, effects = analyze(sw, results)
    write_csv(into / "sensitivity.csv", table)
    write_text(into / "report.html", render_sweep(sw, results, table, effects))
    return results, table


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
