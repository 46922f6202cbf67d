"""What a run, a comparison and a sweep leave in their output folder.

Above the study and the report: Result, Comparison and the sweep's runs only compute, and the
report only renders, so neither depends on the other (docs/architecture.md). Plotly, openpyxl
and the study's heavy modules load only when a function here needs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from simulate.output import (
    Interrupted,
    OutputError,
    claim_out,
    commit,
    committed,
    remove_inside,
    sets_committed,
    staged_set,
    write_bytes,
    write_csv,
    write_json,
    write_text,
)

if TYPE_CHECKING:
    from pandas import DataFrame

    from simulate.study.budget_report import BudgetReport
    from simulate.study.compare import Comparison
    from simulate.study.executor import Backend, Executor
    from simulate.study.run import Result
    from simulate.study.sweep.loop import SweepResult
    from simulate.study.sweep.spec import Sweep
    from simulate.study.sweep.store import Folder

# What each set holds, by key: the files are written together or not at all (staged_set).
RUN_FILES = {
    "metrics": "metrics.csv",
    "ledger": "ledger.csv",
    "budget": "budget.csv",
    "summary": "summary.json",
}
COMPARISON_FILES = {
    "report": "report.html",
    "board": "board.html",
    "summary": "summary.csv",
    "differences": "differences.csv",
    "budget": "budget.xlsx",
}


def save_run(result: Result, out: str | Path) -> dict[str, Path]:
    """Write metrics.csv, ledger.csv, budget.csv and summary.json into out, all or none."""
    out = Path(out)
    with staged_set(out) as stage:
        write_csv(stage / RUN_FILES["metrics"], result.metrics)
        write_csv(stage / RUN_FILES["ledger"], result.ledger)
        write_csv(stage / RUN_FILES["budget"], result.budget)
        write_json(stage / RUN_FILES["summary"], result.summary())
    return {key: out / name for key, name in RUN_FILES.items()}


def save_comparison(
    comparison: Comparison, out: str | Path, executor: Executor | None = None
) -> dict[str, Path]:
    """Write report.html, board.html (the one-page board summary), summary.csv,
    differences.csv and budget.xlsx into out, all or none. With an `executor` (the web app's
    warm workers), the workbook is made on a worker while this process writes the report."""
    # plotly and openpyxl take a while to import: only when a comparison is saved
    from simulate.report import write_report
    from simulate.report.board import write_board

    out = Path(out)
    workbook = executor.start(comparison_workbook, comparison) if executor else None
    with staged_set(out) as stage:
        write_report(comparison, stage / COMPARISON_FILES["report"])
        write_board(comparison, stage / COMPARISON_FILES["board"])
        write_csv(stage / COMPARISON_FILES["summary"], comparison.summary)
        write_csv(stage / COMPARISON_FILES["differences"], comparison.differences)
        data = workbook.result() if workbook else comparison_workbook(comparison)
        write_bytes(stage / COMPARISON_FILES["budget"], data)
    return {key: out / name for key, name in COMPARISON_FILES.items()}


def comparison_workbook(comparison: Comparison) -> bytes:
    """budget.xlsx of a comparison: its budget tables, one money column per scenario in the
    budget by category."""
    from simulate.workbook import workbook_data

    by_scenario = {"By category": comparison.names}
    return workbook_data(comparison.budget_sheets(), extra_money=by_scenario)


# What `comparison_workbook` needs beyond the engine: the web app's workers start with it.
WRITERS = ("simulate.study.compare", "simulate.workbook")


def load_writers() -> None:
    """Import what `comparison_workbook` needs (a warm worker does it before its first)."""
    import importlib

    for name in WRITERS:
        importlib.import_module(name)


def budget_files() -> tuple[str, ...]:
    """Every file `simulate budget --out` may write: a CSV per table, the workbook, the
    summary; a new set removes those it does not have."""
    from simulate.study.budget_report import SHEETS

    return (*(f"{stem}.csv" for stem in SHEETS), "budget.xlsx", "summary.json")


def save_budget(report: BudgetReport, out: str | Path) -> dict[str, Path]:
    """Write every table of a budget as CSV, all of them in budget.xlsx, and summary.json
    into out, all or none (a set without a goal-seek removes an older goal_seek.csv)."""
    from simulate.workbook import write_workbook

    out = Path(out)
    tables = report.tables()
    with staged_set(out, replaces=budget_files()) as stage:
        for stem, frame in tables.items():
            write_csv(stage / f"{stem}.csv", frame)
        write_workbook(stage / "budget.xlsx", report.sheets())
        write_json(stage / "summary.json", report.summary())
    written = [*(f"{stem}.csv" for stem in tables), "budget.xlsx", "summary.json"]
    return {name: out / name for name in written}


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
    """Run a sweep into `out` (simulate.study.sweep.loop), then write results.parquet,
    sensitivity.csv and report.html, all or none. Ctrl-C stops cleanly (interrupted, with
    what was kept); a KeyboardInterrupt outside the runs becomes Interrupted saying so.

    `progress`: a bar on stderr (default: when it is a terminal)."""
    from simulate.schema.errors import InputError
    from simulate.study.executor import available_cpus, check_options
    from simulate.study.sweep.loop import SweepResult, kept, run_missing
    from simulate.study.sweep.spec import Sweep, load_sweep
    from simulate.study.sweep.store import OUR_FILES, open_folder

    workers = workers or available_cpus()
    check_options(workers, backend, scheduler)  # before the spec: checking it may take a while
    if resume and force:
        raise InputError(None, "--resume", "give --resume or --force, not both")
    sw = spec if isinstance(spec, Sweep) else load_sweep(spec)
    out = Path(out)
    with claim_out(out, force=force, resume=resume, writes=OUR_FILES) as stale:
        folder = open_folder(sw, out, resume, force)
        before = sets_committed()
        if stale is not None:
            taken = f"took over the lock left by a stopped command ({stale.describe()})"
            folder.notes.insert(0, taken)
        try:
            options = (workers, backend, scheduler, chunk_size, progress)
            ran, interrupted = run_missing(sw, out, folder, *options)
            done = len(folder.finished)
            if interrupted:
                what = kept(sw, out, folder)
                return SweepResult(out, sw, done, ran, True, notes=folder.notes, kept=what)
            results, table = _sweep_results(sw, out, folder)
        except KeyboardInterrupt as stop:
            if isinstance(stop, Interrupted):
                raise
            if sets_committed() > before:  # a signal just after the results were moved in
                raise Interrupted(f"the sweep is complete in {out}") from None
            raise Interrupted(kept(sw, out, folder)) from None
        return SweepResult(out, sw, done, ran, False, results, table, folder.notes)


def _sweep_results(sw: Sweep, out: Path, folder: Folder) -> tuple[DataFrame, DataFrame]:
    """results.parquet, sensitivity.csv and report.html, put in place together; a sweep that
    replaces earlier results is then swapped in whole, its runs and copies included."""
    from simulate.study.sweep.store import OUR_FILES, RESULTS, RUNS

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
    finally:
        if committed(folder.path):  # moved in whole, even when a signal then stops us
            remove_inside(folder.path, out)
    return made


def _analysed(sw: Sweep, parts: Path, into: Path) -> tuple[DataFrame, DataFrame]:
    from simulate.report.sweep import render_sweep  # plotly: only once the runs are done
    from simulate.study.sweep.sensitivity import analyze
    from simulate.study.sweep.store import consolidate

    results = consolidate(sw, parts, into=into)
    table, effects = analyze(sw, results)
    write_csv(into / "sensitivity.csv", table)
    write_text(into / "report.html", render_sweep(sw, results, table, effects))
    return results, table
