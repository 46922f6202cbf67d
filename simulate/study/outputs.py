"""The files a run and a comparison leave in their output folder.

Kept apart from Result and Comparison, which only compute, so that the study does not depend
on the report (the report reads a Comparison; a Comparison knows nothing of pages).
"""

from __future__ import annotations

from pathlib import Path

from simulate.output import staged_set, write_csv, write_json
from simulate.study.compare import Comparison
from simulate.study.run import Result

# What each set holds, by key: the files are written together or not at all (staged_set).
RUN_FILES = {
    "metrics": "metrics.csv",
    "ledger": "ledger.csv",
    "budget": "budget.csv",
    "summary": "summary.json",
}
COMPARISON_FILES = {
    "report": "report.html",
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


def save_comparison(comparison: Comparison, out: str | Path) -> dict[str, Path]:
    """Write report.html, summary.csv, differences.csv and budget.xlsx into out, all or none."""
    # plotly and openpyxl take a while to import: only when a comparison is saved
    from simulate.report import write_report
    from simulate.workbook import write_workbook

    out = Path(out)
    sheets = comparison.budget_sheets()
    by_scenario = {"By category": comparison.names}  # one money column per scenario
    with staged_set(out) as stage:
        write_report(comparison, stage / COMPARISON_FILES["report"])
        write_csv(stage / COMPARISON_FILES["summary"], comparison.summary)
        write_csv(stage / COMPARISON_FILES["differences"], comparison.differences)
        write_workbook(stage / COMPARISON_FILES["budget"], sheets, extra_money=by_scenario)
    return {key: out / name for key, name in COMPARISON_FILES.items()}
