"""The home page: the workspace's scenarios and runs; a bundled scenario copied in; an upload."""

from __future__ import annotations

from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from simulate import __version__
from simulate.app.checks import readable
from simulate.app.manage import add, trashed
from simulate.app.site import MAX_UPLOAD, Site, site
from simulate.schema.errors import InputError

UPLOAD_SUFFIXES = (".yaml", ".yml", ".xlsx")


async def home(request: Request) -> Response:
    from simulate.schema import bundled

    s = site(request)
    entries = await run_in_threadpool(s.ws.entries)
    runs = [s.ws.record(run_id) for run_id in s.ws.run_ids()]
    trash = await run_in_threadpool(trashed, s.ws)
    return s.page(
        request,
        "home.html",
        entries=entries,
        runs=runs,
        trash=trash,
        bundled=bundled.titles(),
        workspace=str(s.ws.root),
        error="",
    )


async def add_bundled(request: Request) -> Response:
    """A copy of a bundled scenario in the workspace, opened in the editor."""
    from simulate.schema import bundled
    from simulate.schema.loading import load_data_and_scenario
    from simulate.schema.writing import to_yaml

    s = site(request)
    path = bundled.path(str((await request.form()).get("bundled", "")))
    data, scenario = load_data_and_scenario(path)
    header = [
        scenario.name,
        f"A copy of the bundled scenario '{path.stem}' (simulate {__version__}).",
        "",
    ]
    slug = await run_in_threadpool(add, s.ws, to_yaml(data, header), scenario.name)
    return RedirectResponse(f"/scenarios/{slug}", status_code=303)


async def upload(request: Request) -> Response:
    s = site(request)
    form = await request.form(max_files=1, max_fields=4, max_part_size=MAX_UPLOAD)
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return s.problem(request, "upload: choose a .yaml or .xlsx file")
    name = Path(file.filename).name
    content = await file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        return s.problem(request, f"{name}: too large (at most {MAX_UPLOAD:,} bytes)", 413)
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        return s.problem(request, f"{name}: not a scenario file (allowed: .yaml, .yml, .xlsx)")
    try:
        slug = await run_in_threadpool(take_upload, s, name, content)
    except InputError as err:
        return s.problem(request, readable(err, name))
    return RedirectResponse(f"/scenarios/{slug}?notice=Uploaded {name}", status_code=303)


def take_upload(s: Site, name: str, content: bytes) -> str:
    """Check an uploaded file as the CLI would and keep it in the workspace."""
    if name.lower().endswith(".xlsx"):
        from simulate.keyinputs.workbook import read
        from simulate.schema.writing import to_yaml

        made = read(content, name)
        header = [
            made.scenario.name,
            f"Imported in the simulate web app from {name} over {made.base}.",
            f"Fields the workbook changed: {', '.join(made.changed) or 'none'}.",
            "",
        ]
        return add(s.ws, to_yaml(made.data, header), made.scenario.name)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(name, None, "is not UTF-8 text", "a YAML file") from None
    scenario = s.ws.check_text(text, name)
    return add(s.ws, text, scenario.name)


ROUTES = [
    Route("/", home),
    Route("/bundled", add_bundled, methods=["POST"]),
    Route("/upload", upload, methods=["POST"]),
]
