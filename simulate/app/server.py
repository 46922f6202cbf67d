"""The web app's pages and actions, and `serve`, which runs it on 127.0.0.1.

Every page reads and writes the workspace (simulate.app.workspace) through the same Python
API as the command line: `new_scenario`, the key-inputs workbook, `compare` and
`save_comparison`, `budget_study`. Heavy modules (pandas, the engine) are imported when a page
needs them, so the server starts in well under two seconds.
"""

from __future__ import annotations

import csv
import datetime
import json
import secrets
import shutil
import socket
import threading
import webbrowser
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from simulate import __version__
from simulate.app.checks import Message, apply_form, check, from_error, readable
from simulate.app.guard import REPORT_POLICY, LocalOnly, SecurityHeaders
from simulate.app.jobs import Busy, Job, Jobs
from simulate.app.workspace import Workspace
from simulate.schema.errors import InputError

HERE = Path(__file__).parent
MAX_UPLOAD = 1_000_000  # a scenario is a few kilobytes, a key-inputs workbook a few tens
MAX_BODY = 2 * MAX_UPLOAD
MAX_REPLICATIONS = 500
UPLOAD_SUFFIXES = (".yaml", ".yml", ".xlsx")
DOWNLOADS = {  # run outputs offered for download, in this order, when a run has them
    "report.html": "the report (one file, opens offline)",
    "summary.csv": "every figure of every scenario",
    "differences.csv": "differences against the baseline",
    "budget.xlsx": "budget workbook",
    "budget.csv": "line items",
    "multiyear.csv": "multi-year projection",
    "multiyear_items.csv": "projection by line",
    "comparison.csv": "against the baseline",
    "positions.csv": "positions",
    "goal_seek.csv": "goal-seek answer",
}
MEDIA = {
    ".html": "text/html; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class Pages:
    """The handlers, around one workspace and one job slot."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self.jobs = Jobs()
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,  # every user string is escaped in every page
        )
        self.env.filters["field_id"] = field_id
        self.env.filters["shown"] = shown

    # ---- helpers --------------------------------------------------------------------------
    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        context.setdefault("notice", request.query_params.get("notice", ""))
        html = self.env.get_template(name).render(version=__version__, **context)
        return HTMLResponse(html, status_code=status)

    def problem(self, request: Request, text: str, status: int = 400) -> Response:
        return self.page(request, "problem.html", status, text=text)

    def entries(self) -> list[Any]:
        return self.ws.entries()

    def scenario_file(self, slug: str) -> Path:
        path = self.ws.scenario_path(slug)
        if not path.is_file():
            raise InputError(None, "scenario", f"'{slug}' is not a scenario of the workspace")
        return path

    def load(self, slug: str) -> tuple[dict[str, Any], Any]:
        """A workspace scenario as plain data and validated (InputError if it is not valid)."""
        from simulate.schema.loading import load_data, load_scenario

        path = self.scenario_file(slug)
        return load_data(path, self.ws.scenarios), load_scenario(path, self.ws.scenarios)

    def save(self, slug: str, data: dict[str, Any], why: str) -> None:
        """Write a scenario file, keeping the comment lines at its top."""
        from simulate.schema.writing import to_yaml

        path = self.ws.scenario_path(slug)
        header: list[str] = []
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.startswith("#"):
                    break
                header.append(line[1:].removeprefix(" "))
        while header and not header[-1].strip():
            header.pop()
        note = f"Saved by the simulate web app (simulate {__version__}): {why}."
        header = [line for line in header if not line.startswith("Saved by the simulate web app")]
        self.ws.save_scenario(slug, to_yaml(data, [*header, note, ""]))

    # ---- home -----------------------------------------------------------------------------
    async def home(self, request: Request) -> Response:
        from simulate.schema import bundled

        entries = await run_in_threadpool(self.entries)
        runs = [self.ws.record(run_id) for run_id in self.ws.run_ids()]
        return self.page(
            request,
            "home.html",
            entries=entries,
            runs=runs,
            bundled=bundled.titles(),
            workspace=str(self.ws.root),
            error="",
        )

    # ---- my school ------------------------------------------------------------------------
    async def new_form(self, request: Request) -> Response:
        return self.new_page(request, 200, NEW_DEFAULTS, {})

    def new_page(
        self,
        request: Request,
        status: int,
        form: dict[str, str],
        errors: dict[str, str],
        chosen: list[str] | None = None,
    ) -> Response:
        from simulate.schema import bundled
        from simulate.schema.loading import load_scenario
        from simulate.schema.new import arrangements

        today = load_scenario(bundled.path(bundled.TODAY)).schools[0]
        return self.page(
            request,
            "new.html",
            status,
            arrangements=[(stem, bundled.titles()[stem]) for stem in arrangements()],
            picked=chosen if chosen is not None else [bundled.TODAY, "mcl_teams"],
            form=form,
            errors=errors,
            bundled_school=f"{today.enrollment} students in {today.classrooms} classrooms",
        )

    async def new_create(self, request: Request) -> Response:
        sent = await request.form()
        form = {k: v for k, v in sent.items() if isinstance(v, str)}
        chosen = [str(a) for a in sent.getlist("arrangement")]
        values = NEW_DEFAULTS | form
        try:
            made = await run_in_threadpool(self.make_schools, form, chosen)
        except InputError as err:
            key = NEW_FIELDS.get(err.field or "", "general")
            errors = {key: from_error(err).text, "general": readable(err, "your school")}
            return self.new_page(request, 400, values, errors, chosen)
        return RedirectResponse(f"/?notice=Created: {', '.join(made)}", status_code=303)

    def make_schools(self, form: dict[str, str], chosen: list[str]) -> list[str]:
        from simulate.schema.new import MySchool, new_scenario

        if not chosen:
            raise InputError(None, "arrangement", "choose at least one arrangement")
        tiers = {}
        for k in range(4):
            name = form.get(f"tier_name_{k}", "").strip()
            if name:
                tiers[name] = _number(form.get(f"tier_share_{k}", ""), "need_tiers", float)
        salary = form.get("teacher_salary", "").strip()
        benefits = form.get("benefits_rate", "").strip()
        school = MySchool(
            enrollment=_number(form.get("enrollment", ""), "enrollment", int),
            classrooms=_number(form.get("classrooms", ""), "classrooms", int),
            name=form.get("name", "").strip() or "My school",
            grades=[g.strip() for g in form.get("grades", "").split(",") if g.strip()] or None,
            tiers=tiers or None,
            teacher_salary=Decimal(str(_number(salary, "teacher_salary", float)))
            if salary
            else None,
            benefits_rate=_number(benefits, "benefits_rate", float) if benefits else None,
        )
        made = [new_scenario(school, arrangement) for arrangement in chosen]  # all or none
        names = []
        for scenario in made:
            slug = self.ws.free_slug(scenario.scenario.name)
            self.ws.save_scenario(slug, scenario.yaml())
            names.append(scenario.scenario.name)
        return names

    async def add_bundled(self, request: Request) -> Response:
        from simulate.schema import bundled
        from simulate.schema.loading import load_data, load_scenario
        from simulate.schema.writing import to_yaml

        name = str((await request.form()).get("bundled", ""))
        path = bundled.path(name)
        scenario = load_scenario(path)
        slug = self.ws.free_slug(scenario.name)
        header = [
            scenario.name,
            f"A copy of the bundled scenario '{path.stem}' (simulate {__version__}).",
            "",
        ]
        self.ws.save_scenario(slug, to_yaml(load_data(path), header))
        return RedirectResponse(f"/scenarios/{slug}", status_code=303)

    # ---- uploads --------------------------------------------------------------------------
    async def upload(self, request: Request) -> Response:
        form = await request.form(max_files=1, max_fields=4, max_part_size=MAX_UPLOAD)
        file = form.get("file")
        if not isinstance(file, UploadFile) or not file.filename:
            return self.problem(request, "upload: choose a .yaml or .xlsx file")
        name = Path(file.filename).name
        content = await file.read(MAX_UPLOAD + 1)
        if len(content) > MAX_UPLOAD:
            return self.problem(request, f"{name}: too large (at most {MAX_UPLOAD:,} bytes)", 413)
        if not name.lower().endswith(UPLOAD_SUFFIXES):
            return self.problem(
                request, f"{name}: not a scenario file (allowed: .yaml, .yml, .xlsx)"
            )
        try:
            slug = await run_in_threadpool(self.take_upload, name, content)
        except InputError as err:
            return self.problem(request, readable(err, name))
        return RedirectResponse(f"/scenarios/{slug}?notice=Uploaded {name}", status_code=303)

    def take_upload(self, name: str, content: bytes) -> str:
        """Check an uploaded file as the CLI would and keep it in the workspace."""
        from simulate.schema.loading import load_scenario
        from simulate.schema.writing import to_yaml

        if name.lower().endswith(".xlsx"):
            from simulate.keyinputs.workbook import read

            made = read(content, name)
            slug = self.ws.free_slug(made.scenario.name)
            header = [
                made.scenario.name,
                f"Imported in the simulate web app from {name} over {made.base}.",
                f"Fields the workbook changed: {', '.join(made.changed) or 'none'}.",
                "",
            ]
            self.ws.save_scenario(slug, to_yaml(made.data, header))
            return slug
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(name, None, "is not UTF-8 text", "a YAML file") from None
        temporary = self.ws.scenarios / f".upload-{secrets.token_hex(8)}.yaml"
        try:
            temporary.write_text(text, encoding="utf-8")
            try:
                scenario = load_scenario(temporary, confined_to=self.ws.scenarios)
            except InputError as err:
                raise InputError(
                    name if err.file == str(temporary) else err.file,
                    err.field,
                    err.problem,
                    err.allowed,
                    err.line,
                ) from None
        finally:
            temporary.unlink(missing_ok=True)
        slug = self.ws.free_slug(scenario.name)
        self.ws.save_scenario(slug, text)
        return slug

    # ---- the editor -----------------------------------------------------------------------
    async def editor(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        return await run_in_threadpool(self.editor_page, request, slug, None, [], 200)

    def editor_page(
        self,
        request: Request,
        slug: str,
        form: dict[str, str] | None,
        messages: list[Message],
        status: int,
    ) -> Response:
        from simulate.app.editor import editor_schema
        from simulate.keyinputs.parts import parts

        path = self.scenario_file(slug)
        text = path.read_text(encoding="utf-8")
        try:
            data, scenario = self.load(slug)
        except InputError as err:
            return self.page(
                request,
                "broken.html",
                status,
                slug=slug,
                text=text,
                messages=[from_error(err)],
            )
        if not messages:
            _, messages = check(data, path.name)
        return self.page(
            request,
            "editor.html",
            status,
            slug=slug,
            scenario=scenario,
            parts=parts(scenario),
            form=form or {},
            messages=messages,
            by_path=_by_path(messages),
            text=text,
            editor={"schema": editor_schema(), "data": data},
        )

    async def check_form(self, request: Request) -> Response:
        """The short form's values checked as the user types (an htmx fragment)."""
        slug = request.path_params["slug"]
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}

        def run() -> Response:
            data, before = self.load(slug)
            _, _, messages = apply_form(data, before, form, f"{slug}.yaml")
            paths = [i.path for p in _parts(before) for r in p.rows for i in r.inputs]
            return self.page(
                request, "checks.html", messages=messages, by_path=_by_path(messages), paths=paths
            )

        return await run_in_threadpool(run)

    async def save_form(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}

        def run() -> Response:
            data, before = self.load(slug)
            new, scenario, messages = apply_form(data, before, form, f"{slug}.yaml")
            if scenario is None:
                return self.editor_page(request, slug, form, messages, 400)
            self.save(slug, new, "key inputs edited")
            return RedirectResponse(f"/scenarios/{slug}?notice=Saved", status_code=303)

        return await run_in_threadpool(run)

    async def validate_data(self, request: Request) -> Response:
        """The full form's data checked (JSON in, messages out)."""
        slug = request.path_params["slug"]
        data = await _json(request)
        self.scenario_file(slug)
        _, messages = await run_in_threadpool(check, data, f"{slug}.yaml")
        return JSONResponse({"messages": [m.__dict__ for m in messages]})

    async def save_data(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        data = await _json(request)
        self.scenario_file(slug)
        scenario, messages = await run_in_threadpool(check, data, f"{slug}.yaml")
        if scenario is None:
            return JSONResponse({"saved": False, "messages": [m.__dict__ for m in messages]}, 400)
        await run_in_threadpool(self.save, slug, data, "full form edited")
        return JSONResponse({"saved": True, "messages": [m.__dict__ for m in messages]})

    async def save_yaml(self, request: Request) -> Response:
        """The YAML text edited in the page: checked like an upload, kept as typed."""
        slug = request.path_params["slug"]
        self.scenario_file(slug)
        text = str((await request.form(max_part_size=MAX_UPLOAD)).get("text", ""))
        temporary = self.ws.scenarios / f".edit-{secrets.token_hex(8)}.yaml"
        try:
            temporary.write_text(text, encoding="utf-8")
            from simulate.schema.loading import load_scenario

            await run_in_threadpool(load_scenario, temporary, self.ws.scenarios)
        except InputError as err:
            shown = err.at(f"{slug}.yaml") if err.file == str(temporary) else err
            return self.page(
                request, "broken.html", 400, slug=slug, text=text, messages=[from_error(shown)]
            )
        finally:
            temporary.unlink(missing_ok=True)
        self.ws.save_scenario(slug, text)
        return RedirectResponse(f"/scenarios/{slug}?notice=Saved", status_code=303)

    async def download_yaml(self, request: Request) -> Response:
        path = self.scenario_file(request.path_params["slug"])
        return FileResponse(path, media_type="application/yaml", filename=path.name)

    async def download_template(self, request: Request) -> Response:
        slug = request.path_params.get("slug")

        def run() -> tuple[bytes, str]:
            from simulate.keyinputs.workbook import template
            from simulate.schema import bundled
            from simulate.schema.loading import load_data, load_scenario

            if slug is None:
                path = bundled.path(bundled.TODAY)
                label = f"the bundled scenario '{bundled.TODAY}'"
                return template(load_data(path), load_scenario(path), label), "school"
            data, scenario = self.load(slug)
            return template(data, scenario, f"{slug}.yaml in the workspace"), slug

        content, stem = await run_in_threadpool(run)
        return Response(
            content,
            media_type=MEDIA[".xlsx"],
            headers={"content-disposition": f'attachment; filename="{stem}.xlsx"'},
        )

    # ---- runs -----------------------------------------------------------------------------
    async def compare_form(self, request: Request) -> Response:
        entries = [e for e in await run_in_threadpool(self.entries) if e.error is None]
        return self.compare_page(request, 200, entries, "", {})

    def compare_page(
        self, request: Request, status: int, entries: list[Any], error: str, form: dict[str, str]
    ) -> Response:
        """The compare form: every scenario ticked, today's staffing the baseline."""
        from simulate.schema import bundled

        today = next((e for e in entries if e.origin == bundled.TODAY), None)
        first = today or (entries[0] if entries else None)
        baseline = form.get("baseline") or (first.slug if first else "")
        return self.page(
            request,
            "compare.html",
            status,
            entries=entries,
            today=today,
            today_title=bundled.titles()[bundled.TODAY],
            baseline=baseline,
            error=error,
            form=form,
        )

    async def compare_start(self, request: Request) -> Response:
        form = await request.form()
        slugs = [str(s) for s in form.getlist("scenario")]
        values = {k: str(v) for k, v in form.items()}
        try:
            replications = _number(values.get("replications", "20"), "replications", int)
            seed = _number(values.get("seed", "0"), "seed", int)
            if not 1 <= replications <= MAX_REPLICATIONS:
                raise InputError(
                    None, "replications", f"is {replications}", f"1 to {MAX_REPLICATIONS}"
                )
            if seed < 0:
                raise InputError(None, "seed", f"is {seed}", "0 or more")
            if not slugs:
                raise InputError(None, "scenarios", "choose at least one scenario to compare")
            run_id = await run_in_threadpool(
                self.start_compare, slugs, replications, seed, values.get("baseline") or None
            )
        except Busy as busy:
            return self.busy(request, busy.job)
        except InputError as err:
            entries = [e for e in await run_in_threadpool(self.entries) if e.error is None]
            message = readable(err, "the comparison")
            return self.compare_page(request, 400, entries, message, values)
        return RedirectResponse(f"/runs/{run_id}", status_code=303)

    def start_compare(
        self, slugs: list[str], replications: int, seed: int, baseline: str | None
    ) -> str:
        """Start a comparison; without a baseline, today's staffing if it is among the chosen
        scenarios, else the first of them."""
        from simulate.schema import bundled
        from simulate.schema.loading import load_scenario

        if baseline is None:
            today = [e.slug for e in self.entries() if e.origin == bundled.TODAY]
            baseline = next((s for s in slugs if s in today), slugs[0])
        specs = [load_scenario(self.scenario_file(s), self.ws.scenarios) for s in slugs]
        names = [s.name for s in specs]
        if len(set(names)) != len(names):
            raise InputError(
                None, "scenarios", "two chosen scenarios have the same name", "different names"
            )
        if baseline not in slugs:
            raise InputError(None, "baseline", "must be one of the chosen scenarios")
        base_name = names[slugs.index(baseline)]
        self.check_free()
        record = {
            "kind": "compare",
            "status": "running",
            "scenarios": names,
            "files": [f"{s}.yaml" for s in slugs],
            "baseline": base_name,
            "replications": replications,
            "seed": seed,
        }
        run_id = self.ws.new_run(record)
        folder = self.ws.run_folder(run_id)
        for slug in slugs:
            (folder / "inputs" / f"{slug}.yaml").write_bytes(self.scenario_file(slug).read_bytes())
        label = f"comparing {len(specs)} scenarios over {replications} years"
        job = Job(run_id, "compare", label, total=len(specs) * replications)

        def work(job: Job) -> None:
            from simulate.study.compare import compare
            from simulate.study.outputs import save_comparison

            comparison = compare(specs, seed, replications, base_name, progress=job.progress)
            save_comparison(comparison, folder)

        return self.launch(job, work)

    async def budget_form(self, request: Request) -> Response:
        def run() -> Response:
            entries = [e for e in self.entries() if e.error is None]
            return self.page(
                request,
                "budget.html",
                entries=entries,
                goals=self.goal_fields(entries),
                error="",
                form={"replications": "20", **request.query_params},
            )

        return await run_in_threadpool(run)

    def goal_fields(self, entries: list[Any]) -> list[tuple[str, str]]:
        """Numeric key inputs of the workspace's scenarios, for the goal-seek drop-down."""
        from simulate.keyinputs.parts import parts

        seen: dict[str, str] = {}
        for entry in entries:
            try:
                _, scenario = self.load(entry.slug)
            except InputError:
                continue
            for part in parts(scenario):
                for row in part.rows:
                    for item in row.inputs:
                        if item.meta.kind in ("money", "int", "float") and not item.meta.entry:
                            where = f"{part.title}: {row.label}" if part.table else part.title
                            seen.setdefault(item.path, f"{where}: {item.label}")
        return sorted(seen.items(), key=lambda kv: (kv[0] != "roles.mcl.supplement", kv[1]))

    async def budget_start(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        try:
            run_id = await run_in_threadpool(self.start_budget, form)
        except Busy as busy:
            return self.busy(request, busy.job)
        except InputError as err:
            message = readable(err, "the budget")

            def again() -> Response:
                entries = [e for e in self.entries() if e.error is None]
                return self.page(
                    request,
                    "budget.html",
                    400,
                    entries=entries,
                    goals=self.goal_fields(entries),
                    error=message,
                    form=form,
                )

            return await run_in_threadpool(again)
        return RedirectResponse(f"/runs/{run_id}", status_code=303)

    def start_budget(self, form: dict[str, str]) -> str:
        from simulate.budget.goalseek import field_value

        slug, base_slug = form.get("scenario", ""), form.get("baseline", "")
        years_text = form.get("years", "").strip()
        years = _number(years_text, "years", int) if years_text else None
        if years is not None and not 1 <= years <= 30:
            raise InputError(None, "years", f"is {years}", "1 to 30")
        replications = _number(form.get("replications", "20"), "replications", int)
        if not 1 <= replications <= MAX_REPLICATIONS:
            raise InputError(None, "replications", f"is {replications}", f"1 to {MAX_REPLICATIONS}")
        goal = form.get("goal", "").strip() or None
        _, scenario = self.load(slug)
        baseline = self.load(base_slug)[1] if base_slug else None
        if goal is not None:
            field_value(scenario, goal, f"{slug}.yaml")
        self.check_free()
        record = {
            "kind": "budget",
            "status": "running",
            "scenarios": [scenario.name] + ([baseline.name] if baseline else []),
            "files": [f"{slug}.yaml"] + ([f"{base_slug}.yaml"] if base_slug else []),
            "baseline": baseline.name if baseline else None,
            "replications": replications,
            "seed": 0,
            "years": years,
            "goal": goal,
        }
        run_id = self.ws.new_run(record)
        folder = self.ws.run_folder(run_id)
        for s in {slug, base_slug} - {""}:
            (folder / "inputs" / f"{s}.yaml").write_bytes(self.scenario_file(s).read_bytes())
        job = Job(run_id, "budget", f"the budget of {scenario.name}")

        def work(job: Job) -> None:
            from simulate.study.budget_study import budget_study

            report = budget_study(
                scenario,
                baseline,
                years=years,
                replications=replications,
                goal_field=goal,
                file=f"{slug}.yaml",
                progress=job.progress,
            )
            report.write(folder)

        return self.launch(job, work)

    def launch(self, job: Job, work: Callable[[Job], None]) -> str:
        """Start a job; if another started since check_free, drop this run's folder."""
        try:
            self.jobs.start(job, work, self.finished)
        except Busy:
            shutil.rmtree(self.ws.run_folder(job.run_id), ignore_errors=True)
            raise
        return job.run_id

    def check_free(self) -> None:
        job = self.jobs.current
        if job is not None and job.status == "running":
            raise Busy(job)

    def finished(self, job: Job) -> None:
        self.ws.update_record(
            job.run_id,
            status=job.status,
            message=job.message,
            done=job.done,
            total=job.total,
            finished=datetime.datetime.now().strftime("%Y%m%d-%H%M%S"),
        )

    def busy(self, request: Request, job: Job) -> Response:
        return self.page(request, "busy.html", 409, job=job)

    def progress_of(self, run_id: str) -> dict[str, Any]:
        record = self.ws.record(run_id)
        job = self.jobs.get(run_id)
        if job is not None and job.status == "running":
            return {**record, "status": "running", "done": job.done, "total": job.total}
        return record

    async def run_page(self, request: Request) -> Response:
        run_id = request.path_params["id"]

        def run() -> Response:
            record = self.progress_of(run_id)
            folder = self.ws.run_folder(run_id)
            files = [(n, text) for n, text in DOWNLOADS.items() if (folder / n).is_file()]
            budget = _budget_view(folder) if record.get("kind") == "budget" else None
            return self.page(request, "run.html", run=record, files=files, budget=budget)

        return await run_in_threadpool(run)

    async def run_progress(self, request: Request) -> Response:
        run_id = request.path_params["id"]
        self.ws.run_folder(run_id)
        record = self.progress_of(run_id)
        response = self.page(request, "progress.html", run=record)
        if record.get("status") != "running":
            response.headers["HX-Refresh"] = "true"  # the finished page shows the results
        return response

    async def run_file(self, request: Request) -> Response:
        run_id, name = request.path_params["id"], request.path_params["name"]
        path = self.ws.run_file(run_id, name)
        download = request.query_params.get("download") == "1" or not name.endswith(".html")
        headers = {"content-security-policy": REPORT_POLICY} if name.endswith(".html") else {}
        if download:
            headers["content-disposition"] = f'attachment; filename="{name}"'
        return FileResponse(path, media_type=MEDIA[path.suffix], headers=headers)

    async def schema(self, request: Request) -> Response:
        from simulate.app.editor import editor_schema

        return JSONResponse(editor_schema())


NEW_DEFAULTS = {
    "name": "My school",
    "enrollment": "600",
    "classrooms": "24",
    "grades": "K, 1, 2, 3, 4, 5",
    "tier_name_0": "core",
    "tier_share_0": "0.65",
    "tier_name_1": "strategic",
    "tier_share_1": "0.25",
    "tier_name_2": "intensive",
    "tier_share_2": "0.10",
    "tier_name_3": "",
    "tier_share_3": "",
    "teacher_salary": "",
    "benefits_rate": "",
}
# error field -> the form field it is shown next to
NEW_FIELDS = {
    "enrollment": "enrollment",
    "schools[0].enrollment": "enrollment",
    "classrooms": "classrooms",
    "schools[0].classrooms": "classrooms",
    "need_tiers": "tiers",
    "schools[0].need_tiers": "tiers",
    "teacher_salary": "teacher_salary",
    "budget.benefits_rate": "benefits_rate",
    "benefits_rate": "benefits_rate",
    "schools[0].grades": "grades",
    "schools[0].name": "name",
    "name": "name",
    "arrangement": "arrangement",
}


def _number(text: str, field: str, kind: Callable[[str], Any]) -> Any:
    try:
        return kind(text.replace(",", "").strip())
    except ValueError:
        word = "a whole number" if kind is int else "a number"
        raise InputError(None, field, f"'{text:.40}' is not {word}") from None


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise InputError(None, None, "the request is not JSON") from None


def _parts(scenario: Any) -> list[Any]:
    from simulate.keyinputs.parts import parts

    return parts(scenario)


def _by_path(messages: list[Message]) -> dict[str, Message]:
    return {m.path: m for m in messages if m.path}


def field_id(path: str) -> str:
    """An HTML id for a field path (letters, digits and dashes only)."""
    return "f-" + "".join(ch if ch.isalnum() or ch == "_" else f"-{ord(ch):x}-" for ch in path)


def shown(value: Any) -> str:
    """A value as an input shows it: lists comma-separated, None blank, TRUE/FALSE."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _budget_view(folder: Path) -> dict[str, Any] | None:
    """What the budget page shows from a budget run's files."""
    from simulate.app.charts import YearBars, projection_chart

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
    return {
        "summary": summary,
        "rows": rows,
        "chart": projection_chart(years, summary.get("grant_cliff_year")),
    }


def create_app(workspace: Path, port: int) -> Starlette:
    """The app, answering only at 127.0.0.1:port and localhost:port."""
    pages = Pages(Workspace(workspace))
    pages.ws.mark_unfinished()
    slug, run = "{slug:str}", "{id:str}"
    routes = [
        Route("/", pages.home),
        Route("/new", pages.new_form, methods=["GET"]),
        Route("/new", pages.new_create, methods=["POST"]),
        Route("/bundled", pages.add_bundled, methods=["POST"]),
        Route("/upload", pages.upload, methods=["POST"]),
        Route("/template.xlsx", pages.download_template),
        Route("/schema.json", pages.schema),
        Route(f"/scenarios/{slug}", pages.editor),
        Route(f"/scenarios/{slug}/check", pages.check_form, methods=["POST"]),
        Route(f"/scenarios/{slug}/save", pages.save_form, methods=["POST"]),
        Route(f"/scenarios/{slug}/validate", pages.validate_data, methods=["POST"]),
        Route(f"/scenarios/{slug}/data", pages.save_data, methods=["POST"]),
        Route(f"/scenarios/{slug}/yaml", pages.save_yaml, methods=["POST"]),
        Route(f"/scenarios/{slug}/file.yaml", pages.download_yaml),
        Route(f"/scenarios/{slug}/template.xlsx", pages.download_template),
        Route("/compare", pages.compare_form, methods=["GET"]),
        Route("/compare", pages.compare_start, methods=["POST"]),
        Route("/budget", pages.budget_form, methods=["GET"]),
        Route("/budget", pages.budget_start, methods=["POST"]),
        Route(f"/runs/{run}", pages.run_page),
        Route(f"/runs/{run}/progress", pages.run_progress),
        Route(f"/runs/{run}/files/{{name:str}}", pages.run_file),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]

    async def input_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, InputError)
        status = 404 if exc.field in ("scenario", "run", "file") else 400
        if request.headers.get("content-type", "").startswith("application/json"):
            return JSONResponse({"messages": [from_error(exc).__dict__]}, status)
        return pages.problem(request, readable(exc), status)

    async def not_found(request: Request, exc: Exception) -> Response:
        return pages.problem(request, f"not found: {request.url.path}", 404)

    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(LocalOnly, port=port, max_body=MAX_BODY),
            Middleware(SecurityHeaders),
        ],
        exception_handlers={InputError: input_error, 404: not_found},
    )
    app.state.pages = pages
    return app


def serve(
    workspace: Path, port: int = 0, open_browser: bool = True, echo: Callable[[str], None] = print
) -> None:
    """Serve the app on 127.0.0.1 (a free port when port is 0) until Ctrl-C."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as err:
        sock.close()
        raise InputError(None, "--port", f"{port} cannot be used ({err.strerror or err})") from None
    port = sock.getsockname()[1]
    app = create_app(workspace, port)
    pages: Pages = app.state.pages
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=5, lifespan="off")
    )
    url = f"http://127.0.0.1:{port}/"

    def announce() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.05)
        if server.started:
            echo(f"simulate serve: {url}  (workspace: {pages.ws.root}; Ctrl-C stops it)")
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=announce, name="announce", daemon=True).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn passes Ctrl-C on once it has shut down
        pass
    finally:
        pages.jobs.stop()
        pages.ws.mark_unfinished()
        sock.close()
    echo("simulate serve: stopped")
