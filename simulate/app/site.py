"""What every page shares: the workspace, the one job slot, the templates, and how a form's
numbers are read.

A page module (simulate.app.pages) reaches the Site of the running app with `site(request)`.
"""

from __future__ import annotations

import datetime
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from simulate import __version__
from simulate.app.ahead import Ahead
from simulate.app.checks import in_words
from simulate.app.jobs import Busy, Job, Jobs
from simulate.app.pool import WarmPool
from simulate.app.trials import Trials
from simulate.app.workspace import Workspace
from simulate.schema import limits
from simulate.schema.errors import InputError
from simulate.schema.words import dollars
from simulate.study.kept import KeptYears

HERE = Path(__file__).parent
MAX_UPLOAD = 1_000_000  # a scenario is a few kilobytes, a key-inputs workbook a few tens
MAX_BODY = 2 * MAX_UPLOAD


class Site:
    """The workspace, its one job slot, the warm pool of workers (and the levers' trials
    that share it), the years simulated so far (kept for the comparisons and trials to come)
    and the page templates."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self.jobs = Jobs()
        self.pool = WarmPool()
        self.years = KeptYears()
        self.trials = Trials(self.pool, self.years)
        self.ahead = Ahead(self.pool, self.years)  # the compare page's years, before its click
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,  # every user string is escaped in every page
        )
        self.env.filters["field_id"] = field_id
        self.env.filters["shown"] = shown
        self.env.filters["run_title"] = run_title
        self.env.filters["when"] = when
        self.env.filters["figure"] = figure
        self.env.filters["change"] = change
        self.env.filters["in_words"] = in_words
        self.env.globals["limits"] = limits

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        context.setdefault("notice", request.query_params.get("notice", ""))
        html = self.env.get_template(name).render(version=__version__, **context)
        return HTMLResponse(html, status_code=status)

    def problem(self, request: Request, text: str, status: int = 400) -> Response:
        return self.page(request, "problem.html", status, text=text)

    def busy(self, request: Request, job: Job) -> Response:
        return self.page(request, "busy.html", 409, job=job)

    def valid_entries(self) -> list[Any]:
        """The workspace's scenarios that load, for the run forms."""
        return [entry for entry in self.ws.entries() if entry.error is None]

    # ---- runs -----------------------------------------------------------------------------
    def check_free(self) -> None:
        """Busy if a run is going (checked before a new run's folder is made)."""
        job = self.jobs.current
        if job is not None and job.status == "running":
            raise Busy(job)

    def launch(self, job: Job, work: Callable[[Job], None]) -> str:
        """Start a job; if another started since check_free, drop this run's folder."""
        try:
            self.jobs.start(job, work, self.finished)
        except Busy:
            shutil.rmtree(self.ws.run_folder(job.run_id), ignore_errors=True)
            raise
        return job.run_id

    def finished(self, job: Job) -> None:
        self.ws.update_record(
            job.run_id,
            status=job.status,
            message=job.message,
            done=job.done,
            total=job.total,
            finished=datetime.datetime.now().strftime("%Y%m%d-%H%M%S"),
        )

    def progress_of(self, run_id: str) -> dict[str, Any]:
        record = self.ws.record(run_id)
        job = self.jobs.get(run_id)
        if job is not None and job.status == "running":
            return {**record, "status": "running", "done": job.done, "total": job.total}
        return record


def site(request: Request) -> Site:
    """The Site of the app answering this request."""
    found: Site = request.app.state.site
    return found


def number(text: str, field: str, kind: Callable[[str], Any]) -> Any:
    """A number typed into a form (commas allowed); InputError naming the field if it is not."""
    try:
        return kind(text.replace(",", "").strip())
    except ValueError:
        word = "a whole number" if kind is int else "a number"
        raise InputError(None, field, f"'{text:.40}' is not {word}") from None


def replications(text: str) -> int:
    """The simulated years a run form asks for, within schema.limits."""
    value: int = number(text, "replications", int)
    if not 1 <= value <= limits.MAX_REPLICATIONS:
        raise InputError(None, "replications", f"is {value}", f"1 to {limits.MAX_REPLICATIONS:,}")
    return value


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip


def when(run_id: str) -> str:
    """When a run started, from its id ('20261204-190000', '-2' for a second that second), as a
    planner reads it: '4 December 2026, 19:00:00'."""
    try:
        moment = datetime.datetime.strptime(run_id[:15], "%Y%m%d-%H%M%S")
    except ValueError:
        return run_id
    month = MONTHS[moment.month - 1]  # not %B, which follows the locale
    return f"{moment.day} {month} {moment.year}, {moment:%H:%M:%S}"


def run_title(record: dict[str, Any]) -> str:
    """A run named by what it compares: "Today vs MCL teams, 20 years"; "Budget of MCL
    teams against Today, 20 years, goal-seek: MCL supplement"."""
    names = [str(n) for n in record.get("scenarios") or []]
    baseline = record.get("baseline")
    years = record.get("replications")
    tail = f", {years} simulated years" if years else ""
    if record.get("kind") == "compare" and names:
        first = baseline if baseline in names else names[0]
        others = [n for n in names if n != first]
        text = f"{first} vs {_and(others)}" if others else first
        return text + tail
    if record.get("kind") == "budget" and names:
        text = f"Budget of {names[0]}" + (f" against {baseline}" if baseline else "")
        goal = record.get("goal_words") or record.get("goal")
        return text + tail + (f", goal-seek: {goal}" if goal else "")
    return f"Run {record.get('id', '')}"


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def figure(value: Any, kind: str = "money") -> Any:
    """A number as the reports write it (measures.formats: money as $2,509,656.50, a true
    minus sign; "count": a whole number), kept on one line; other text is shown as it is."""
    from simulate.measures.formats import fmt

    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return _kept(fmt(number, "num0" if kind == "count" else kind))


def change(value: float, kind: str) -> Any:
    """A difference with its sign, as the reports write it, kept on one line."""
    from simulate.measures.formats import fmt_diff

    return _kept(fmt_diff(value, kind))


def _kept(text: str) -> Any:
    from markupsafe import Markup, escape

    return Markup('<span class="fig">{}</span>').format(escape(text))


def field_id(path: str) -> str:
    """An HTML id for a field path (letters, digits and dashes only)."""
    return "f-" + "".join(ch if ch.isalnum() or ch == "_" else f"-{ord(ch):x}-" for ch in path)


def shown(value: Any, kind: str = "") -> str:
    """A value as an input shows it: money as written ($72,030), lists comma-separated, None
    blank, TRUE/FALSE; the form reads each back as the same value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if kind == "money" and isinstance(value, int | float | Decimal):
        return dollars(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)
