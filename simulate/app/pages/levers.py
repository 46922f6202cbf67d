"""A scenario's levers (/levers/<slug>): tick the changes a planner thinks in and see, within
about a second, what they do to cost per pupil, small-group time, coaching and (where the
catalogue has it) the learning estimate; the answer is refined in the background. A set of
levers is saved as a new scenario. The levers themselves are schema.levers; this is a view."""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from simulate.app.checks import readable
from simulate.app.manage import add
from simulate.app.site import site
from simulate.schema.errors import InputError


async def page(request: Request) -> Response:
    from simulate.schema.levers import LEVERS, refusals

    s, slug = site(request), request.path_params["slug"]
    data, scenario = await run_in_threadpool(s.ws.load, slug)
    refused = await run_in_threadpool(refusals, data)
    return s.page(
        request, "levers.html", slug=slug, scenario=scenario, levers=LEVERS, refused=refused
    )


def chosen(values: list[str]) -> list[str]:
    from simulate.schema.levers import LEVERS

    return [name for name in LEVERS if name in values]  # in the levers' own order


async def try_levers(request: Request) -> Response:
    """The effect of the ticked levers (an htmx fragment), quick at first, then refined."""
    s, slug = site(request), request.path_params["slug"]
    if request.method == "POST":
        levers = chosen([str(v) for v in (await request.form()).getlist("lever")])
    else:
        levers = chosen(request.query_params.getlist("lever"))
    if not levers:
        return s.page(request, "effects.html", trial=None, error="", query="")
    s.ahead.stop()  # the levers' answer comes first
    data, _ = await run_in_threadpool(s.ws.load, slug)
    try:
        trial = await run_in_threadpool(s.trials.try_levers, data, levers, f"{slug}.yaml")
    except InputError as err:
        return s.page(request, "effects.html", trial=None, error=err.problem, query="")
    from simulate.learning.adapter import not_linked

    query = "&".join(f"lever={quote(name)}" for name in levers)
    left_out = not_linked(trial.scenarios[0]) if trial.scenarios else ""
    return s.page(
        request, "effects.html", trial=trial, error="", query=query, slug=slug, left_out=left_out
    )


async def save(request: Request) -> Response:
    """The scenario with the ticked levers pulled, saved as a new scenario of the workspace."""
    from simulate.schema.levers import pull
    from simulate.schema.writing import to_yaml

    s, slug = site(request), request.path_params["slug"]
    sent = await request.form()
    levers = chosen([str(v) for v in sent.getlist("lever")])

    def run() -> str:
        data, scenario = s.ws.load(slug)
        if not levers:
            raise InputError(None, "levers", "tick at least one lever to save")
        name = " ".join(str(sent.get("name", "")).split()) or f"{scenario.name} + levers"
        new, made, said = pull(data, levers, f"{slug}.yaml")
        header = [name, f"Made in the simulate web app from {slug}.yaml with these levers:"]
        header += [f"  {line}" for line in said] + [""]
        return add(s.ws, to_yaml({**new, "name": name}, header), name)

    try:
        new = await run_in_threadpool(run)
    except InputError as err:
        return s.problem(request, readable(err, "the levers"))
    return RedirectResponse(f"/scenarios/{new}?notice=Saved the levers as a scenario", 303)


LEVERS = "/levers/{slug:str}"
ROUTES = [
    Route(LEVERS, page),
    Route(f"{LEVERS}/effects", try_levers, methods=["GET", "POST"]),
    Route(f"{LEVERS}/save", save, methods=["POST"]),
]
