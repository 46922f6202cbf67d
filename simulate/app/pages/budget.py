"""The budget form, a budget study run as `simulate budget` runs it (budget_study, with the
same goal check first) into a run folder, and a goal-seek answer applied (as --apply)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from simulate.app.checks import in_words, readable
from simulate.app.jobs import Busy, Job
from simulate.app.site import Site, number, replications, site
from simulate.schema import limits, words
from simulate.schema.errors import InputError


async def form(request: Request) -> Response:
    values = {"replications": "20", **request.query_params}
    return await run_in_threadpool(budget_page, request, 200, "", values)


def budget_page(request: Request, status: int, error: str, values: dict[str, str]) -> Response:
    from simulate.budget.goalseek import TARGETS  # pandas, on the first budget page, not at start

    s = site(request)
    entries = s.valid_entries()
    return s.page(
        request,
        "budget.html",
        status,
        entries=entries,
        goals=goal_fields(s, entries),
        targets=TARGETS,
        error=error,
        form=values,
    )


def goal_fields(s: Site, entries: list[Any]) -> list[tuple[str, str]]:
    """Numeric key inputs of the workspace's scenarios, for the goal-seek drop-down."""
    from simulate.keyinputs.parts import parts

    seen: dict[str, str] = {}
    for entry in entries:
        try:
            _, scenario = s.ws.load(entry.slug)
        except InputError:
            continue
        for part in parts(scenario):
            for row in part.rows:
                for item in row.inputs:
                    if item.meta.kind in ("money", "int", "float") and not item.meta.entry:
                        where = f"{part.title}: {_row_name(row)}" if part.table else part.title
                        seen.setdefault(item.path, f"{where}: {item.label}")
    return sorted(seen.items(), key=lambda kv: (kv[0] != "roles.mcl.supplement", kv[1]))


def _row_name(row: Any) -> str:
    """A table row as the planner knows it: a funding line or one-off cost by its name."""
    named = next((i.value for i in row.inputs if i.path == f"{row.key}.name"), None)
    return str(named) if named else str(row.label)


async def start(request: Request) -> Response:
    s = site(request)
    values = {k: str(v) for k, v in (await request.form()).items()}
    try:
        run_id = await run_in_threadpool(start_budget, s, values)
    except Busy as busy:
        return s.busy(request, busy.job)
    except InputError as err:
        error = readable(err, "the budget")
        return await run_in_threadpool(budget_page, request, 400, error, values)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


def start_budget(s: Site, values: dict[str, str]) -> str:
    from simulate.budget.goalseek import check_goal

    slug, base_slug = values.get("scenario", ""), values.get("baseline", "")
    years_text = values.get("years", "").strip()
    years = number(years_text, "years", int) if years_text else None
    if years is not None and not 1 <= years <= limits.MAX_PROJECTION_YEARS:
        raise InputError(None, "years", f"is {years}", f"1 to {limits.MAX_PROJECTION_YEARS}")
    count = replications(values.get("replications", "20"))
    goal = values.get("goal", "").strip() or None
    target = values.get("target", "budget")
    _, scenario = s.ws.load(slug)
    baseline = s.ws.load(base_slug)[1] if base_slug else None
    if goal is not None:  # as the command line: a bad field fails before any run
        check_goal(scenario, goal, target, f"{slug}.yaml", baseline is not None)  # type: ignore[arg-type]
    s.check_free()
    slugs = [slug] + ([base_slug] if base_slug else [])
    record = {
        "kind": "budget",
        "status": "running",
        "scenarios": [scenario.name] + ([baseline.name] if baseline else []),
        "files": [f"{name}.yaml" for name in slugs],
        "baseline": baseline.name if baseline else None,
        "replications": count,
        "seed": 0,
        "years": years,
        "goal": goal,
        "goal_words": in_words(goal, scenario) if goal else None,
        "target": target,
    }
    run_id = s.ws.new_run(record)
    folder = s.ws.run_folder(run_id)
    for name in set(slugs):
        (folder / "inputs" / f"{name}.yaml").write_bytes(s.ws.scenario_file(name).read_bytes())
    total = (len(slugs)) * count
    job = Job(run_id, "budget", f"the budget of {scenario.name}", total=total)

    def work(job: Job) -> None:
        from simulate.outputs import save_budget
        from simulate.study.budget_study import budget_study

        report = budget_study(
            scenario,
            baseline,
            years=years,
            replications=count,
            goal_field=goal,
            target=target,  # type: ignore[arg-type]
            file=f"{slug}.yaml",
            progress=job.progress,
            simulating=job.progress,
        )
        save_budget(report, folder)

    return s.launch(job, work)


async def apply(request: Request) -> Response:
    """Apply a budget run's goal-seek answer: a new scenario with the value found (the run's
    scenario kept as it was), and its budget, as `simulate budget --apply` shows it."""
    s = site(request)
    try:
        run_id = await run_in_threadpool(apply_answer, s, request.path_params["id"])
    except Busy as busy:
        return s.busy(request, busy.job)
    except InputError as err:
        return s.problem(request, readable(err, "the goal-seek answer"))
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


def apply_answer(s: Site, run_id: str) -> str:
    """Write the scenario with the answer of run `run_id` beside it and start its budget."""
    from simulate.schema.writing import edited

    record = s.ws.record(run_id)
    summary_path = s.ws.run_folder(run_id) / "summary.json"
    goal = json.loads(summary_path.read_text(encoding="utf-8")).get("goal_seek") or {}
    if record.get("kind") != "budget" or goal.get("value") is None:
        raise InputError(None, "goal-seek", "this run has no goal-seek answer to apply")
    slug = record["files"][0].removesuffix(".yaml")
    _, scenario = s.ws.load(slug)
    value = setting(goal["value"], goal["unit"])
    field = words.label(goal["field"], scenario)
    name = f"{scenario.name} ({field}: {words.written(goal['field'], value, scenario)})"[:200]
    source = s.ws.scenario_file(slug)
    # written beside its source (in the same folder: the same paths to what it extends)
    text, _ = edited(source, source, {"name": name, goal["field"]: value})
    s.ws.check_text(text, f"the copy of {source.name}")
    new = s.ws.add_scenario(name, text)  # a free name, claimed in one step
    base = record["files"][1].removesuffix(".yaml") if len(record["files"]) > 1 else ""
    values = {"scenario": new, "baseline": base, "replications": str(record["replications"])}
    return start_budget(s, values | {"years": str(record.get("years") or "")})


def setting(value: float, unit: float) -> Decimal | int | float:
    """A goal-seek answer as its field holds it: money to the cent, whole counts, rates."""
    if unit == 0.01:
        return Decimal(str(round(value, 2)))
    return int(value) if unit == 1 else value


ROUTES = [
    Route("/budget", form, methods=["GET"]),
    Route("/budget", start, methods=["POST"]),
    Route("/runs/{id:str}/apply", apply, methods=["POST"]),
]
