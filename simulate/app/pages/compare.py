"""The comparison form, and a comparison run as `simulate compare` runs it: the same loading
(study.inputs.load_scenarios), compare and save_comparison, into a run folder."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from simulate.app.checks import readable
from simulate.app.jobs import Busy, Job
from simulate.app.site import Site, number, replications, site
from simulate.schema.errors import InputError


async def form(request: Request) -> Response:
    entries = await run_in_threadpool(site(request).valid_entries)
    return compare_page(request, 200, entries, "", {})


def compare_page(
    request: Request, status: int, entries: list[Any], error: str, values: dict[str, str]
) -> Response:
    """The compare form: every scenario ticked, today's staffing the baseline."""
    from simulate.schema import bundled

    today = next((e for e in entries if e.origin == bundled.TODAY), None)
    first = today or (entries[0] if entries else None)
    baseline = values.get("baseline") or (first.slug if first else "")
    return site(request).page(
        request,
        "compare.html",
        status,
        entries=entries,
        today=today,
        today_title=bundled.titles()[bundled.TODAY],
        baseline=baseline,
        error=error,
        form=values,
    )


async def start(request: Request) -> Response:
    s = site(request)
    sent = await request.form()
    slugs = [str(slug) for slug in sent.getlist("scenario")]
    values = {k: str(v) for k, v in sent.items()}
    try:
        years = replications(values.get("replications", "20"))
        seed = number(values.get("seed", "0"), "seed", int)
        if seed < 0:
            raise InputError(None, "seed", f"is {seed}", "0 or more")
        if not slugs:
            raise InputError(None, "scenarios", "choose at least one scenario to compare")
        baseline = values.get("baseline") or None
        run_id = await run_in_threadpool(start_compare, s, slugs, years, seed, baseline)
    except Busy as busy:
        return s.busy(request, busy.job)
    except InputError as err:
        entries = await run_in_threadpool(s.valid_entries)
        return compare_page(request, 400, entries, readable(err, "the comparison"), values)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


def start_compare(
    s: Site, slugs: list[str], replications: int, seed: int, baseline: str | None
) -> str:
    """Start a comparison; without a baseline, today's staffing if it is among the chosen
    scenarios, else the first of them."""
    from simulate.schema import bundled
    from simulate.study.inputs import load_scenarios

    if baseline is None:
        today = [e.slug for e in s.ws.entries() if e.origin == bundled.TODAY]
        baseline = next((slug for slug in slugs if slug in today), slugs[0])
    if baseline not in slugs:
        raise InputError(None, "baseline", "must be one of the chosen scenarios")
    files = [s.ws.scenario_file(slug) for slug in slugs]
    base_file = str(files[slugs.index(baseline)])
    specs, base_name = load_scenarios(files, base_file, confined_to=s.ws.scenarios)
    s.check_free()
    record = {
        "kind": "compare",
        "status": "running",
        "scenarios": [spec.name for spec in specs],
        "files": [file.name for file in files],
        "baseline": base_name,
        "replications": replications,
        "seed": seed,
    }
    run_id = s.ws.new_run(record)
    folder = s.ws.run_folder(run_id)
    for file in files:
        (folder / "inputs" / file.name).write_bytes(file.read_bytes())
    label = f"comparing {len(specs)} scenarios over {replications} years"
    job = Job(run_id, "compare", label, total=len(specs) * replications)

    def work(job: Job) -> None:
        from simulate.outputs import save_comparison
        from simulate.study.compare import compare

        comparison = compare(specs, seed, replications, base_name, progress=job.progress)
        save_comparison(comparison, folder)

    return s.launch(job, work)


ROUTES = [
    Route("/compare", form, methods=["GET"]),
    Route("/compare", start, methods=["POST"]),
]
