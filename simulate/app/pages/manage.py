"""Scenario management from the home page and a scenario's page: rename, duplicate, delete
(into the workspace's trash) and restore (see simulate.app.manage)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from simulate.app import manage
from simulate.app.checks import readable
from simulate.app.site import site
from simulate.schema.errors import InputError


def _to(path: str, notice: str) -> Response:
    return RedirectResponse(f"{path}?notice={quote(notice)}", status_code=303)


async def rename(request: Request) -> Response:
    s, slug = site(request), request.path_params["slug"]
    name = str((await request.form()).get("name", ""))
    try:
        new = await run_in_threadpool(manage.rename, s.ws, slug, name)
    except InputError as err:
        if err.field in ("scenario", "run", "file"):
            raise
        return s.problem(request, readable(err, "the new name"))
    return _to(f"/scenarios/{new}", f"Renamed to {' '.join(name.split())}")


async def duplicate(request: Request) -> Response:
    s, slug = site(request), request.path_params["slug"]
    new = await run_in_threadpool(manage.duplicate, s.ws, slug)
    name = (await run_in_threadpool(s.ws.load, new))[1].name
    return _to(f"/scenarios/{new}", f"Duplicated as {name}")


async def delete(request: Request) -> Response:
    s, slug = site(request), request.path_params["slug"]
    await run_in_threadpool(manage.delete, s.ws, slug)
    return _to("/", f"Moved {slug}.yaml to the trash (restore it below)")


async def restore(request: Request) -> Response:
    s = site(request)
    kept = str((await request.form()).get("kept", ""))
    slug = await run_in_threadpool(manage.restore, s.ws, kept)
    return _to(f"/scenarios/{slug}", f"Restored as {slug}.yaml")


SLUG = "/scenarios/{slug:str}"
ROUTES = [
    Route(f"{SLUG}/rename", rename, methods=["POST"]),
    Route(f"{SLUG}/duplicate", duplicate, methods=["POST"]),
    Route(f"{SLUG}/delete", delete, methods=["POST"]),
    Route("/trash/restore", restore, methods=["POST"]),
]
