"""The files a run and a comparison leave in their output folder.

Kept apart from Result and Comparison, which only compute, so that the study does not depend
on the report (the report reads a Comparison; a Comparison knows nothing of pages).
"""

from __future__ import annotations

from pathlib import Path

from simulate.output import write_csv, write_json
from simulate.study.compare import Comparison
from simulate.study.run import Result


def save_run(result: Result, out: Path) -> dict[str, Path]:
    """Write metrics.csv, ledger.csv, budget.csv and summary.json into out."""
    return {
        "metrics": write_csv(out / "metrics.csv", result.metrics),
        "ledger": write_csv(out / "ledger.csv", result.ledger),
        "budget": write_csv(out / "budget.csv", result.budget),
        "summary": write_json(out / "summary.json", result.summary()),
    }


def save_comparison(comparison: Comparison, out: Path) -> dict[str, Path]:
    """Write report.html, summary.csv, differences.csv and budget.xlsx into out."""
    # plotly and openpyxl take a while to import: only when a comparison is saved
    from simulate.budget.workbook import write_workbook
    from simulate.report import write_report

    sheets = comparison.budget_sheets()
    by_scenario = {"By category": comparison.names}  # one money column per scenario
    return {
        "report": write_report(comparison, out / "report.html"),
        "summary": write_csv(out / "summary.csv", comparison.summary),
        "differences": write_csv(out / "differences.csv", comparison.differences),
        "budget": write_workbook(out / "budget.xlsx", sheets, extra_money=by_scenario),
    }
