"""The comparison form, and a comparison run as `simulate compare` runs it: the same loading
(study.inputs.load_scenarios), compare and save_comparison, into a run folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from simulate.app.checks import readable
from simulate.app.jobs import Busy, Job
from simulate.app.site import Site, number, replications, site
from simulate.schema.errors import InputError

if TYPE_CHECKING:
    from simulate.schema.model import Scenario


async def form(request: Request) -> Response:
    entries = await run_in_threadpool(site(request).valid_entries)
    return compare_page(request, 200, entries, "", {})


def compare_page(
    request: Request,
    status: int,
    entries: list[Any],
    error: str,
    values: dict[str, str],
    ticked: list[str] | None = None,
) -> Response:
    """The compare form: the scenarios of one school ticked (default_ticks), today's
    staffing the baseline."""
    from simulate.schema import bundled

    if ticked is None:
        ticked = default_ticks(site(request), entries)
    today = next((e for e in entries if e.origin == bundled.TODAY and e.slug in ticked), None)
    first = today or next((e for e in entries if e.slug in ticked), None)
    baseline = values.get("baseline") or (first.slug if first else "")
    judged = judge(site(request), ticked) if ticked else None
    simulate_ahead(site(request), judged, values)
    return site(request).page(
        request,
        "compare.html",
        status,
        entries=entries,
        ticked=ticked,
        today=today,
        today_title=bundled.titles()[bundled.TODAY],
        baseline=baseline,
        error=error,
        form=values,
        judged=judged,
    )


def simulate_ahead(s: Site, judged: Judged | None, values: dict[str, str]) -> None:
    """Start on the years of the comparison the form now shows (app.ahead)."""
    if judged is None or judged.refused:
        return
    try:
        years, seed = years_and_seed(values)
    except InputError:
        return
    s.ahead.want(judged.specs, seed, years)


def years_and_seed(values: dict[str, str]) -> tuple[int, int]:
    """The form's simulated years and seed (InputError naming the field if one is wrong)."""
    years = replications(values.get("replications", "20"))
    seed = number(values.get("seed", "0"), "seed", int)
    if seed < 0:
        raise InputError(None, "seed", f"is {seed}", "0 or more")
    return years, seed


def default_ticks(s: Site, entries: list[Any]) -> list[str]:
    """What the compare form ticks first: one scenario of each name, of the same school as
    today's staffing (or the first scenario), so the comparison offered is a fair one."""
    from simulate.schema import bundled
    from simulate.study.schools import school_difference

    named: dict[str, Any] = {}
    for e in entries:
        named.setdefault(e.name, e)
    if not named:
        return []
    first = next(
        (e for e in named.values() if e.origin == bundled.TODAY), next(iter(named.values()))
    )
    anchor = s.ws.load(first.slug)[1]
    return [
        e.slug for e in named.values() if school_difference([anchor, s.ws.load(e.slug)[1]]) is None
    ]


async def check(request: Request) -> Response:
    """What the comparison of the ticked scenarios will be (an htmx fragment)."""
    sent = await request.form()
    slugs = [str(slug) for slug in sent.getlist("scenario")]
    s = site(request)
    judged = await run_in_threadpool(judge, s, slugs)
    simulate_ahead(s, judged, {k: str(v) for k, v in sent.items()})
    return s.page(request, "compare_check.html", judged=judged)


async def start(request: Request) -> Response:
    s = site(request)
    sent = await request.form()
    slugs = [str(slug) for slug in sent.getlist("scenario")]
    values = {k: str(v) for k, v in sent.items()}
    try:
        years, seed = years_and_seed(values)
        baseline = values.get("baseline") or None
        run_id = await run_in_threadpool(start_compare, s, slugs, years, seed, baseline)
    except Busy as busy:
        return s.busy(request, busy.job)
    except InputError as err:
        entries = await run_in_threadpool(s.valid_entries)
        error = readable(err, "the comparison")
        return compare_page(request, 400, entries, error, values, slugs)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@dataclass(frozen=True)
class Judged:
    """What a comparison of chosen scenarios will be, said before it runs."""

    specs: list[Scenario]  # the scenarios, names made unique
    files: list[Path]
    per_pupil: bool  # different schools, compared per pupil
    text: str  # what the page says about it ('' when nothing needs saying)
    refused: bool = False


def judge(s: Site, slugs: list[str]) -> Judged:
    """The chosen scenarios loaded, their names told apart (a clash never stops a
    comparison: the second gets its file name), and whether their schools compare: the
    same schools in full, schools of other sizes per pupil, other students not at all."""
    from simulate.schema.loading import load_scenario
    from simulate.study.schools import per_pupil_fair, school_difference

    if not slugs:
        return Judged([], [], False, "Tick at least one scenario to compare.", True)
    files = [s.ws.scenario_file(slug) for slug in slugs]
    specs, seen = [], set()
    for file in files:
        spec = load_scenario(file, s.ws.scenarios)
        if spec.name in seen:
            spec = spec.model_copy(update={"name": f"{spec.name} ({file.stem})"})
        seen.add(spec.name)
        specs.append(spec)
    found = school_difference(specs)
    if found is None:
        return Judged(specs, files, False, "")
    what = DIFFERENCES.get(found.path.rsplit(".", 1)[-1].split("[")[0], found.path)
    if per_pupil_fair(found):
        text = (
            f"{found.other} and {found.first} describe different schools ({what}: "
            f"{found.other_value} against {found.first_value}), so they will be compared per "
            "pupil, per student and per teacher; whole-school totals are shown for each but "
            "not set against each other."
        )
        return Judged(specs, files, True, text)
    text = (
        f"{found.other} and {found.first} cannot be compared: their students need different "
        f"help ({what}: {found.other_value} against {found.first_value}), so even per-pupil "
        "figures would mix the arrangement with the students. Compare scenarios made from "
        "the same school figures (My school)."
    )
    return Judged(specs, files, False, text, True)


DIFFERENCES = {  # the fields school_difference names, in the planner's words
    "enrollment": "enrollment",
    "copies": "copies of the school",
    "schools": "number of schools",
    "need_tiers": "need tiers",
}


def start_compare(
    s: Site, slugs: list[str], replications: int, seed: int, baseline: str | None
) -> str:
    """Start a comparison; without a baseline, today's staffing if it is among the chosen
    scenarios, else the first of them."""
    from simulate.schema import bundled

    judged = judge(s, slugs)
    if judged.refused:
        raise InputError(None, "scenarios", judged.text)
    if baseline is None:
        today = [e.slug for e in s.ws.entries() if e.origin == bundled.TODAY]
        baseline = next((slug for slug in slugs if slug in today), slugs[0])
    if baseline not in slugs:
        raise InputError(None, "baseline", "must be one of the chosen scenarios")
    specs, files = judged.specs, judged.files
    base_name = specs[slugs.index(baseline)].name
    s.check_free()
    record = {
        "kind": "compare",
        "status": "running",
        "scenarios": [spec.name for spec in specs],
        "files": [file.name for file in files],
        "baseline": base_name,
        "replications": replications,
        "seed": seed,
        "per_pupil": judged.per_pupil,
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

        with s.pool.use() as executor:
            comparison = compare(
                specs,
                seed,
                replications,
                base_name,
                progress=job.progress,
                allow_different_schools=judged.per_pupil,
                executor=executor,
                kept=s.years,
            )
            save_comparison(comparison, folder, executor)

    return s.launch(job, work)


ROUTES = [
    Route("/compare", form, methods=["GET"]),
    Route("/compare", start, methods=["POST"]),
    Route("/compare/check", check, methods=["POST"]),
]
