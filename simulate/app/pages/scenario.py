"""A scenario of the workspace: its editor (the short form of key inputs, the full form, the
YAML text), each checked as typed and saved; its YAML file and key-inputs workbook."""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from simulate.app.checks import NOTE, Message, apply_form, check, from_error, with_notes
from simulate.app.site import MAX_UPLOAD, Site, by_path, site
from simulate.schema.errors import InputError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def editor(request: Request) -> Response:
    slug = request.path_params["slug"]
    return await run_in_threadpool(editor_page, request, slug, None, [], 200)


def editor_page(
    request: Request,
    slug: str,
    form: dict[str, str] | None,
    messages: list[Message],
    status: int,
) -> Response:
    from simulate.app.editor import editor_schema
    from simulate.keyinputs.notes import cell_text
    from simulate.keyinputs.parts import parts
    from simulate.schema import bundled

    s = site(request)
    path = s.ws.scenario_file(slug)
    text = path.read_text(encoding="utf-8")
    try:
        data, scenario = s.ws.load(slug)
    except InputError as err:
        return s.page(
            request, "broken.html", status, slug=slug, text=text, messages=[from_error(err)]
        )
    if not messages:
        _, messages = check(data, path.name)
    shown = parts(scenario)
    return s.page(
        request,
        "editor.html",
        status,
        slug=slug,
        scenario=scenario,
        parts=shown,
        notes={
            row.key: cell_text(scenario.notes, row.key, dict(p.columns) if p.table else None)
            for p in shown
            for row in p.rows
        },
        bundled_funding=[f.name for f in scenario.budget.funding if bundled.is_district_funding(f)],
        note_field=NOTE,
        form=form or {},
        messages=messages,
        by_path=by_path(messages),
        text=text,
        editor={"schema": editor_schema(), "data": data},
    )


async def check_form(request: Request) -> Response:
    """The short form's values checked as the user types (an htmx fragment)."""
    slug = request.path_params["slug"]
    form = await _form_text(request)

    def run() -> Response:
        from simulate.keyinputs.parts import parts

        data, before = site(request).ws.load(slug)
        _, _, messages = apply_form(data, before, form, f"{slug}.yaml")
        paths = [i.path for p in parts(before) for r in p.rows for i in r.inputs]
        return site(request).page(
            request, "checks.html", messages=messages, by_path=by_path(messages), paths=paths
        )

    return await run_in_threadpool(run)


async def save_form(request: Request) -> Response:
    slug = request.path_params["slug"]
    form = await _form_text(request)

    def run() -> Response:
        ws = site(request).ws
        data, before = ws.load(slug)
        new, scenario, messages = apply_form(data, before, form, f"{slug}.yaml")
        if scenario is None:
            return editor_page(request, slug, form, messages, 400)
        ws.save_data(slug, new, "key inputs edited")
        return RedirectResponse(f"/scenarios/{slug}?notice=Saved", status_code=303)

    return await run_in_threadpool(run)


async def validate_data(request: Request) -> Response:
    """The full form's data checked (JSON in, messages out)."""
    slug = request.path_params["slug"]
    data = await run_in_threadpool(_full_form, site(request), slug, await _json(request))
    _, messages = await run_in_threadpool(check, data, f"{slug}.yaml")
    return JSONResponse({"messages": [m.__dict__ for m in messages]})


async def save_data(request: Request) -> Response:
    slug = request.path_params["slug"]
    ws = site(request).ws
    data = await run_in_threadpool(_full_form, site(request), slug, await _json(request))
    scenario, messages = await run_in_threadpool(check, data, f"{slug}.yaml")
    if scenario is None:
        return JSONResponse({"saved": False, "messages": [m.__dict__ for m in messages]}, 400)
    await run_in_threadpool(ws.save_data, slug, data, "full form edited")
    return JSONResponse({"saved": True, "messages": [m.__dict__ for m in messages]})


async def save_yaml(request: Request) -> Response:
    """The YAML text edited in the page: checked like an upload, kept as typed."""
    slug = request.path_params["slug"]
    s = site(request)
    s.ws.scenario_file(slug)
    text = str((await request.form(max_part_size=MAX_UPLOAD)).get("text", ""))
    try:
        await run_in_threadpool(s.ws.check_text, text, f"{slug}.yaml")
    except InputError as err:
        return s.page(request, "broken.html", 400, slug=slug, text=text, messages=[from_error(err)])
    s.ws.save_scenario(slug, text)
    return RedirectResponse(f"/scenarios/{slug}?notice=Saved", status_code=303)


async def download_yaml(request: Request) -> Response:
    path = site(request).ws.scenario_file(request.path_params["slug"])
    return FileResponse(path, media_type="application/yaml", filename=path.name)


async def download_template(request: Request) -> Response:
    """The key-inputs workbook of a workspace scenario, or of the bundled school's today."""
    slug = request.path_params.get("slug")

    def run() -> tuple[bytes, str]:
        from simulate.keyinputs.workbook import template
        from simulate.schema import bundled
        from simulate.schema.loading import load_data_and_scenario

        if slug is None:
            data, scenario = load_data_and_scenario(bundled.path(bundled.TODAY))
            label = f"the bundled scenario '{bundled.TODAY}'"
            return template(data, scenario, label), "school"
        data, scenario = site(request).ws.load(slug)
        return template(data, scenario, f"{slug}.yaml in the workspace"), slug

    content, stem = await run_in_threadpool(run)
    disposition = f'attachment; filename="{stem}.xlsx"'
    return Response(content, media_type=XLSX, headers={"content-disposition": disposition})


async def schema(request: Request) -> Response:
    from simulate.app.editor import editor_schema

    return JSONResponse(editor_schema())


def _full_form(s: Site, slug: str, data: Any) -> Any:
    """The full form's data, its notes kept true to the figures (checks.with_notes) against
    the scenario as saved."""
    s.ws.scenario_file(slug)  # a slug of the workspace, or InputError
    if not isinstance(data, dict):
        return data
    try:
        before, _ = s.ws.load(slug)
    except InputError:  # a file that does not load has no notes to keep
        return data
    return with_notes(data, before)


async def _form_text(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise InputError(None, None, "the request is not JSON") from None


SLUG = "/scenarios/{slug:str}"
ROUTES = [
    Route("/template.xlsx", download_template),
    Route("/schema.json", schema),
    Route(SLUG, editor),
    Route(f"{SLUG}/check", check_form, methods=["POST"]),
    Route(f"{SLUG}/save", save_form, methods=["POST"]),
    Route(f"{SLUG}/validate", validate_data, methods=["POST"]),
    Route(f"{SLUG}/data", save_data, methods=["POST"]),
    Route(f"{SLUG}/yaml", save_yaml, methods=["POST"]),
    Route(f"{SLUG}/file.yaml", download_yaml),
    Route(f"{SLUG}/template.xlsx", download_template),
]
