"""The web app in a real browser: Playwright drives Debian's Chromium (launched by its path;
no browser is downloaded) against `simulate serve` started as a user starts it.

A new user creates "my school", edits a salary, sees a field error for a bad value, runs a
comparison whose progress bar reaches the total, reads the report (no console errors, no
request leaving 127.0.0.1), downloads budget.xlsx and the Excel template, re-imports the
template unchanged, and finds the run again after the server is stopped with Ctrl-C and
started again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import Server

import simulate
from simulate.app.checks import plausibility
from simulate.app.site import field_id
from simulate.study.new import MySchool, new_scenario

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def need_browser() -> Any:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI (.ci/chromium.sh should install it)")
        pytest.skip(f"{CHROMIUM} is not installed (run .ci/chromium.sh); browser tests skipped")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("playwright is missing in CI (pip install -e '.[test]')")
        pytest.skip("playwright is not installed")
    return sync_playwright


@pytest.fixture
def browser() -> Iterator[Any]:
    sync_playwright = need_browser()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


class Watched:
    """A page whose console errors and requests are recorded; requests leaving the server
    are refused and remembered."""

    def __init__(self, browser: Any, base: str, downloads: Path) -> None:
        self.context = browser.new_context(
            accept_downloads=True, viewport={"width": 1300, "height": 1000}
        )
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.base = base
        self.downloads = downloads
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.base + "/"):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def download(self, selector: str, name: str) -> Path:
        with self.page.expect_download() as info:
            self.page.click(selector)
        target = self.downloads / name
        info.value.save_as(target)
        return target


@pytest.mark.slow
def test_a_planner_from_my_school_to_a_report_and_back_after_a_restart(
    browser: Any, tmp_path: Path
) -> None:
    workspace = tmp_path / "workspace"
    server = Server(workspace)
    user = Watched(browser, server.url, tmp_path)
    page = user.page
    try:
        # my school, today and in MCL teams
        page.goto(server.url + "/new")
        page.fill("input[name=name]", "Lincoln Elementary")
        page.fill("input[name=enrollment]", "480")
        page.fill("input[name=classrooms]", "24")
        with page.expect_navigation():
            page.click("text=Create")
        assert "Created: Lincoln Elementary" in page.inner_text(".notice")
        with page.expect_navigation():
            page.click("#scenarios a:has-text('Multi-classroom leadership teams')")
        editor_url = page.url

        # a bad salary: the CLI's words next to the field as the user types
        salary = "roles.team_teacher.salary"
        page.fill(f"#{field_id(salary)}", "lots")
        message = page.locator(f"#m-{field_id(salary)}")
        message.filter(has_text="expected a number").wait_for()
        assert (
            "expected a number, got 'lots' (allowed: at least 0; cents at most)"
            in message.inner_text()
        )
        page.fill(f"#{field_id(salary)}", "-1")
        message.filter(has_text="below the lowest allowed").wait_for()
        page.fill(f"#{field_id(salary)}", "66000")
        page.locator("#checks .ok").wait_for()
        assert message.inner_text() == ""

        # a class of 40 draws a warning when the scenario model has plausibility warnings
        forty = new_scenario(MySchool(enrollment=960, classrooms=24), "mcl_teams").scenario
        if plausibility(forty, "forty.yaml"):
            page.fill(f"#{field_id('schools[0].enrollment')}", "960")
            page.locator("#checks li.warning").wait_for()
            page.fill(f"#{field_id('schools[0].enrollment')}", "480")
            page.locator("#checks .ok").wait_for()
        with page.expect_navigation():
            page.click("#save-key-inputs")
        assert page.inner_text(".notice") == "Saved"
        assert page.input_value(f"#{field_id(salary)}") == "$66,000"

        # the full form is generated from the schema, with each field's help and range
        page.click("#full-form summary")
        page.locator("#editor").get_by_text(
            "Annual base salary per position, in dollars [at least 0]"
        ).first.wait_for()

        # the Excel template of this scenario, downloaded and uploaded back unchanged
        template = user.download("a:has-text('download key inputs (Excel)')", "lincoln.xlsx")
        assert openpyxl.load_workbook(template).sheetnames[1:4] == ["School", "Tiers", "Roles"]
        page.goto(server.url + "/")
        page.set_input_files("input[name=file]", str(template))
        with page.expect_navigation():
            page.click("form[action='/upload'] button")
        assert "Uploaded lincoln.xlsx" in page.inner_text(".notice")
        uploaded = page.url.split("/scenarios/")[1].split("?")[0]
        files = sorted((workspace / "scenarios").glob("*.yaml"))
        loaded = [simulate.load_scenario(f) for f in files]
        teams = [s for s in loaded if "Multi-classroom leadership teams" in s.name]
        assert len(teams) == 2  # the re-import is the same scenario, under a name of its own
        first, second = sorted(teams, key=lambda s: s.name)
        assert second.name == f"{first.name} (2)"
        assert first == second.model_copy(update={"name": first.name})

        # a comparison with a live progress bar that reaches the total
        page.goto(server.url + "/compare")
        page.uncheck(f"input[name=scenario][value='{uploaded}']")  # the re-imported copy
        today = next(f.stem for f in files if "traditional" in f.stem)
        assert page.input_value("select[name=baseline]") == today  # today's staffing, pre-set
        assert "today's staffing" in page.inner_text("#baseline-note")
        # unticking the baseline moves it to the first ticked scenario; ticking today's
        # staffing again does not move it back, the planner's choice stands
        first = page.locator("input[name=scenario]:checked").first.get_attribute("value")
        page.uncheck(f"input[name=scenario][value='{today}']")
        assert page.input_value("select[name=baseline]") == first != today
        page.check(f"input[name=scenario][value='{today}']")
        assert page.input_value("select[name=baseline]") == first
        page.select_option("select[name=baseline]", today)
        page.fill("input[name=replications]", "3")
        with page.expect_navigation():
            page.click("#start-compare")
        run_url = page.url
        page.locator("#run-status", has_text="done").wait_for(timeout=120_000)
        bar = page.locator("#progress progress")
        assert bar.get_attribute("value") == bar.get_attribute("max") == "6"
        assert page.inner_text("#progress-text") == "6 of 6 simulated years"

        # the report in the page, and the files to take away
        report = page.frame_locator("#report")
        report.get_by_text("Executive summary").first.wait_for()
        report.locator(".plot .main-svg").first.wait_for(timeout=30_000)
        learning = report.locator("#learning")  # the learning estimate, with its caveat
        learning.get_by_text("not a prediction for your school").first.wait_for()
        learning.locator(".plot .main-svg").first.wait_for(timeout=30_000)
        workbook = user.download("a[href$='budget.xlsx?download=1']", "budget.xlsx")
        assert "Totals" in openpyxl.load_workbook(workbook).sheetnames
        summary = user.download("a[href$='summary.csv?download=1']", "summary.csv")
        assert summary.read_text(encoding="utf-8").startswith("scenario,metric,group,statistic")
        page.wait_for_timeout(500)  # late console messages
        assert user.errors == []
        assert user.foreign == []
    finally:
        user.context.close()
        out = server.stop()
    assert "interrupted: the server stopped; " in out and "keeps every scenario and run" in out

    # a new server on the same workspace: the run is listed and opens again
    again = Server(workspace)
    user = Watched(browser, again.url, tmp_path)
    try:
        user.page.goto(again.url + "/")
        run_id = run_url.rsplit("/", 1)[1]
        with user.page.expect_navigation():
            user.page.click(f"#runs a[href='/runs/{run_id}']")
        user.page.frame_locator("#report").get_by_text("Executive summary").first.wait_for()
        assert user.page.locator("#run-status").inner_text() == "done"
        user.page.goto(again.url + editor_url.split(server.url, 1)[1])
        assert user.page.input_value(f"#{field_id(salary)}") == "$66,000"
        assert user.errors == [] and user.foreign == []
    finally:
        user.context.close()
        again.stop()
    record = json.loads((workspace / "runs" / run_id / "run.json").read_text(encoding="utf-8"))
    assert record["status"] == "done" and record["replications"] == 3


@pytest.mark.slow
def test_names_reach_the_full_form_as_text_never_as_markup(browser: Any, tmp_path: Path) -> None:
    """json-editor turned titles into text by parsing them as HTML: a role, school, team or
    funding line named like an image tag loaded it (only the content security policy kept an
    event handler in such a name from running)."""
    import yaml
    from conftest import SCENARIOS

    from simulate.schema.loading import load_data

    workspace = tmp_path / "ws"
    (workspace / "scenarios").mkdir(parents=True)
    data = load_data(SCENARIOS / "traditional.yaml")
    tag = '<img src="/injected-{}">'
    data["name"] = tag.format("scenario")
    data["roles"][tag.format("role")] = data["roles"]["teacher"]
    data["schools"][0]["staff"][tag.format("role")] = 1
    data["schools"][0]["name"] = tag.format("school")
    data["schools"][0]["teams"][0]["name"] = tag.format("team")
    data["budget"]["funding"][0]["name"] = tag.format("funding")
    (workspace / "scenarios" / "named.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    server = Server(workspace)
    user = Watched(browser, server.url, tmp_path)
    asked: list[str] = []
    user.page.on("request", lambda r: asked.append(r.url) if "/injected-" in r.url else None)
    try:
        user.page.goto(server.url + "/scenarios/named")
        user.page.click("#full-form summary")
        user.page.locator("#editor").get_by_text(tag.format("role")).first.wait_for()
        user.page.wait_for_timeout(500)  # late requests
        assert asked == []
        values = user.page.eval_on_selector_all("#editor input", "all => all.map(e => e.value)")
        for where in ("scenario", "school", "team", "funding"):
            assert tag.format(where) in values  # the form holds every name
        assert user.errors == [] and user.foreign == []
    finally:
        user.context.close()
        server.stop()
