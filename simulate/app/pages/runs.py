"""A run's page (its progress while it runs, then its files and, for a budget, the
projection), the progress fragment the page asks for (held until the run moves on), and the
run's files."""

from __future__ import annotations

import asyncio
import csv
import json
import time
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from simulate.app.guard import REPORT_POLICY
from simulate.app.site import site

DOWNLOADS = {  # run outputs offered for download, in this order, when a run has them
    "report.html": "the report (one file, opens offline)",
    "board.html": "the board summary: one page to print or save as PDF",
    "summary.csv": "every figure of every scenario",
    "differences.csv": "differences against the baseline",
    "budget.xlsx": "budget workbook",
    "budget.csv": "line items",
    "multiyear.csv": "multi-year projection",
    "multiyear_items.csv": "projection by line",
    "comparison.csv": "against the baseline",
    "positions.csv": "positions",
    "who_pays.csv": "who pays what each year",
    "federal_summary.csv": "federal budget (SF-424A object classes)",
    "federal_budget.csv": "federal budget justification",
    "goal_seek.csv": "goal-seek answer",
}
# At most, seconds a progress request waits for the run to move on: the page's poll at worst,
# and well within the grace a stopping server gives open requests (server.GRACE).
HOLD = 0.5
TICK = 0.02  # seconds between two looks at the run while a progress request waits
MEDIA = {
    ".html": "text/html; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def run_page(request: Request) -> Response:
    run_id = request.path_params["id"]
    s = site(request)

    def run() -> Response:
        record = s.progress_of(run_id)
        folder = s.ws.run_folder(run_id)
        files = [(n, text) for n, text in DOWNLOADS.items() if (folder / n).is_file()]
        budget = budget_view(folder, record) if record.get("kind") == "budget" else None
        return s.page(request, "run.html", run=record, files=files, budget=budget)

    return await run_in_threadpool(run)


async def progress(request: Request) -> Response:
    """The progress fragment. Asked with `seen` (the simulated years the page shows), it waits
    up to HOLD seconds for the run to move on, so the page learns of a new year or of the
    end at once instead of at its next poll, and asks again as soon as it has the answer."""
    run_id = request.path_params["id"]
    s = site(request)
    s.ws.run_folder(run_id)
    record = s.progress_of(run_id)
    seen = request.query_params.get("seen")
    until = time.monotonic() + HOLD
    while _unchanged(record, seen) and time.monotonic() < until:
        await asyncio.sleep(TICK)
        record = s.progress_of(run_id)
    response = s.page(request, "progress.html", run=record)
    if record.get("status") != "running":
        response.headers["HX-Refresh"] = "true"  # the finished page shows the results
    return response


def _unchanged(record: dict[str, Any], seen: str | None) -> bool:
    return record.get("status") == "running" and seen == str(record.get("done") or 0)


async def run_file(request: Request) -> Response:
    run_id, name = request.path_params["id"], request.path_params["name"]
    path = site(request).ws.run_file(run_id, name)
    download = request.query_params.get("download") == "1" or not name.endswith(".html")
    headers = {"content-security-policy": REPORT_POLICY} if name.endswith(".html") else {}
    if download:
        headers["content-disposition"] = f'attachment; filename="{name}"'
    return FileResponse(path, media_type=MEDIA[path.suffix], headers=headers)


def budget_view(folder: Path, record: dict[str, Any]) -> dict[str, Any] | None:
    """What the budget page shows from a budget run's files."""
    from simulate.app.charts import YearBars, projection_chart
    from simulate.app.pages.budget import setting
    from simulate.schema.words import written

    summary_path, multiyear_path = folder / "summary.json", folder / "multiyear.csv"
    if not summary_path.is_file() or not multiyear_path.is_file():
        return None
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    with multiyear_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    years = [
        YearBars(
            row.get("label") or row.get("fiscal_year") or f"Year {row['year']}",
            float(row["recurring_cost"]),
            float(row["one_off_cost"]),
            float(row["recurring_revenue"]),
            float(row["grant_revenue"]),
        )
        for row in rows
    ]
    goal = summary.get("goal_seek") or {}
    found = goal.get("value") is not None
    value = written(goal["field"], setting(goal["value"], goal["unit"])) if found else ""
    return {
        "summary": summary,
        "answer": f"{record.get('goal_words') or goal['field']} at {value}" if found else "",
        "rows": rows,
        "chart": projection_chart(years, summary.get("grant_cliff_year")),
    }


RUN = "/runs/{id:str}"
ROUTES = [
    Route(RUN, run_page),
    Route(f"{RUN}/progress", progress),
    Route(f"{RUN}/files/{{name:str}}", run_file),
]
