"""The web app's routes, with Starlette's TestClient: every page, the safety rules, the one-run
rule and the workspace that survives a restart."""

from __future__ import annotations

import hashlib
import io
import json
import re
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import SCENARIOS
from starlette.testclient import TestClient

import simulate
from simulate.app import server
from simulate.app.pages import runs
from simulate.app.server import create_app
from simulate.app.site import MAX_UPLOAD, field_id
from simulate.app.workspace import origin
from simulate.schema import bundled
from simulate.schema.limits import MAX_PROJECTION_YEARS, MAX_REPLICATIONS

PORT = 8765
LOCAL = f"http://127.0.0.1:{PORT}"
LINCOLN = {
    "name": "Lincoln <b>Elementary</b>",
    "enrollment": "480",
    "classrooms": "24",
    "grades": "K, 1, 2, 3",
    "tier_name_0": "core",
    "tier_share_0": "0.7",
    "tier_name_1": "strategic",
    "tier_share_1": "0.2",
    "tier_name_2": "intensive",
    "tier_share_2": "0.1",
    "teacher_salary": "61000",
    "arrangement": ["traditional", "mcl_teams"],
}


def client(workspace: Path) -> TestClient:
    return TestClient(create_app(workspace, PORT), base_url=LOCAL, follow_redirects=False)


def slugs(c: TestClient) -> list[str]:
    return sorted(set(re.findall(r'href="/scenarios/([a-z0-9-]+)"', c.get("/").text)))


def wait_for(c: TestClient, run_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = c.app.state.site.ws.record(run_id)  # type: ignore[attr-defined]
        if record.get("status") != "running":
            return record
        time.sleep(0.1)
    raise TimeoutError(run_id)


@pytest.fixture
def made(tmp_path: Path) -> tuple[TestClient, list[str]]:
    """A workspace with 'my school' today and in MCL teams."""
    c = client(tmp_path / "ws")
    response = c.post("/new", data=LINCOLN)
    assert response.status_code == 303, response.text
    return c, slugs(c)


@pytest.mark.slow
def test_every_page_renders(made: tuple[TestClient, list[str]]) -> None:
    c, (teams, today) = made
    for path in ("/", "/new", "/compare", "/budget", f"/scenarios/{today}", f"/scenarios/{teams}"):
        response = c.get(path)
        assert response.status_code == 200, path
        assert "<h1" in response.text and "simulate" in response.text
    home = c.get("/").text
    assert "Lincoln &lt;b&gt;Elementary&lt;/b&gt;: Traditional" in home  # escaped, not markup
    assert "<b>Elementary</b>" not in home
    salary = c.get("/schema.json").json()["definitions"]["Role"]["properties"]["salary"]
    assert (salary["type"], salary["minimum"]) == ("number", 0)  # money keeps its range
    assert c.get("/static/vendor/htmx.min.js").status_code == 200
    missing = c.get("/scenarios/nope")
    assert missing.status_code == 404
    assert 'id="problem">scenario: &#39;nope&#39; is not a scenario of the workspace' in (
        missing.text
    )
    assert c.get("/scenarios/..%2F..%2Fetc").status_code == 404
    assert c.get("/runs/20240101-000000").status_code == 404


@pytest.mark.slow
def test_my_school_makes_fair_scenarios_in_the_workspace(
    made: tuple[TestClient, list[str]], tmp_path: Path
) -> None:
    _, found = made
    files = [tmp_path / "ws" / "scenarios" / f"{slug}.yaml" for slug in found]
    a, b = (simulate.load_scenario(f) for f in files)
    assert (a.schools[0].enrollment, a.schools[0].classrooms) == (480, 24)
    assert (a.schools[0].need_tiers, a.schools[0].classrooms) == (
        b.schools[0].need_tiers,
        b.schools[0].classrooms,
    )
    assert files[0].read_text(encoding="utf-8").startswith("# Lincoln <b>Elementary</b>: ")


@pytest.mark.slow
def test_my_school_errors_are_shown_next_to_the_field(tmp_path: Path) -> None:
    c = client(tmp_path / "ws")
    response = c.post("/new", data={**LINCOLN, "classrooms": "3"})
    assert response.status_code == 400
    assert "fewer than the 4 grades" in response.text
    assert re.search(r'id="msg-classrooms">[^<]*fewer than the 4 grades', response.text)
    assert slugs(c) == []  # nothing half-made
    # the message names the school and the arrangement's title, not an internal tag
    title = bundled.titles()["traditional"]
    general = re.search(r'id="new-error">([^<]*)', response.text)
    assert general and general.group(1).startswith(
        f"Lincoln &lt;b&gt;Elementary&lt;/b&gt; as {title}: classrooms: is 3, "
    )
    typo = c.post("/new", data={**LINCOLN, "classrooms": "lots"})
    assert 'id="new-error">your school: classrooms: &#39;lots&#39; is not a whole number' in (
        typo.text
    )
    assert "&lt;" + "input" not in typo.text and "&lt;new" not in response.text + typo.text


def test_each_bundled_title_is_the_name_its_scenario_loads_with() -> None:
    """The titles come from each file's `name:` line (quick, for the first page), so they
    must be the names the scenarios load with."""
    from simulate.schema.loading import load_data

    assert bundled.titles() == {
        stem: str(load_data(bundled.path(stem))["name"]) for stem in bundled.names()
    }


def test_arrangements_are_listed_by_title_with_the_file_stem_as_value(tmp_path: Path) -> None:
    c = client(tmp_path / "ws")
    titles = bundled.titles()
    new = c.get("/new").text
    for stem in ("traditional", "mcl_within_budget", "lab_rotation"):
        assert re.search(rf'value="{stem}" ?(checked)?> {re.escape(titles[stem])}</label>', new)
    assert "> mcl_within_budget<" not in new
    school = simulate.load_scenario(bundled.path("traditional")).schools[0]
    note = re.search(r'id="funding-note">(.*?)</p>', new, re.S)
    assert note and "keeps the bundled district's lines" in note.group(1)
    assert f"({school.enrollment} students in {school.classrooms} classrooms)" in note.group(1)
    home = c.get("/").text
    assert f'<option value="mcl_within_budget">{titles["mcl_within_budget"]}</option>' in home
    added = c.post("/bundled", data={"bundled": "mcl_within_budget"})
    assert added.status_code == 303
    assert (
        simulate.load_scenario(next((tmp_path / "ws" / "scenarios").glob("*.yaml"))).name
        == titles["mcl_within_budget"]
    )


@pytest.mark.slow
def test_compare_preselects_todays_staffing_as_the_baseline(
    made: tuple[TestClient, list[str]], tmp_path: Path
) -> None:
    c, (teams, today) = made  # teams sorts first
    page = c.get("/compare").text
    assert f'<option value="{today}" selected>' in page
    assert f'<option value="{teams}" >' in page
    note = re.search(r'id="baseline-note">(.*?)</p>', page)
    assert note and "today's staffing" in note.group(1)
    assert "Lincoln &lt;b&gt;Elementary&lt;/b&gt;: Traditional" in note.group(1)
    # without today's staffing, the first scenario in the order shown, and the page says so
    other = client(tmp_path / "other")
    for stem in ("mcl_teams", "mcl_residents_tutors"):
        assert other.post("/bundled", data={"bundled": stem}).status_code == 303
    first, second = slugs(other)
    page = other.get("/compare").text
    assert f'<option value="{first}" selected>' in page
    assert f'<option value="{second}" >' in page
    assert "None of these scenarios was made from today's staffing" in page


@pytest.mark.slow
def test_the_origin_of_a_workspace_scenario_is_read_from_its_header(
    made: tuple[TestClient, list[str]], tmp_path: Path
) -> None:
    c, (teams, today) = made
    folder = tmp_path / "ws" / "scenarios"
    assert origin((folder / f"{today}.yaml").read_text(encoding="utf-8"), "x") == "traditional"
    assert origin((folder / f"{teams}.yaml").read_text(encoding="utf-8"), "x") == "mcl_teams"
    generic = c.get("/template.xlsx").content  # today's staffing of the bundled school
    assert c.post("/upload", files={"file": ("school.xlsx", generic, "app/x")}).status_code == 303
    raw = (SCENARIOS / "traditional.yaml").read_bytes()
    assert c.post("/upload", files={"file": ("t.yaml", raw, "text/yaml")}).status_code == 303
    found = {e.slug: e.origin for e in c.app.state.site.ws.entries()}  # type: ignore[attr-defined]
    assert found[teams] == "mcl_teams" and found[today] == "traditional"
    assert sorted(found.values()) == ["mcl_teams", "traditional", "traditional", "traditional"]
    assert origin("# My own plan\nname: x\n", "My own plan") is None


@pytest.mark.slow
def test_key_inputs_are_checked_as_typed_and_saved(
    made: tuple[TestClient, list[str]], tmp_path: Path
) -> None:
    c, (teams, _) = made
    path = "roles.team_teacher.salary"
    bad = c.post(f"/scenarios/{teams}/check", data={path: "lots"})
    assert bad.status_code == 200
    message = "expected a number, got &#39;lots&#39; (allowed: at least 0; cents at most)"
    assert f'id="m-{field_id(path)}" hx-swap-oob="true">{message}' in bad.text
    assert f"error: Team teacher: salary: {message}" in bad.text  # in words, not its path
    assert path not in bad.text.split('<span class="msg"')[0]
    negative = c.post(f"/scenarios/{teams}/check", data={path: "-1"})
    assert "is -1, below the lowest allowed (allowed: at least 0" in negative.text
    fine = c.post(f"/scenarios/{teams}/check", data={path: "66000"})
    assert "No problems found." in fine.text
    refused = c.post(f"/scenarios/{teams}/save", data={path: "lots"})
    assert refused.status_code == 400
    saved = c.post(
        f"/scenarios/{teams}/save", data={path: "$66,000", "budget.projection.years": "7"}
    )
    assert saved.status_code == 303
    spec = simulate.load_scenario(tmp_path / "ws" / "scenarios" / f"{teams}.yaml")
    assert spec.roles["team_teacher"].salary == 66000 and spec.budget.projection.years == 7
    assert spec.roles["mcl"].salary == 61000  # untouched fields keep their values
    text = (tmp_path / "ws" / "scenarios" / f"{teams}.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Lincoln <b>Elementary</b>: Multi-classroom")  # header kept
    assert "Saved by the simulate web app" in text


@pytest.mark.slow
def test_the_full_form_is_validated_and_saved_as_json(
    made: tuple[TestClient, list[str]], tmp_path: Path
) -> None:
    c, (teams, _) = made
    data = simulate.schema.loading.load_data(tmp_path / "ws" / "scenarios" / f"{teams}.yaml")
    data["schools"][0]["classrooms"] = 20
    checked = c.post(f"/scenarios/{teams}/validate", json=data).json()["messages"]
    assert checked[0]["path"] == "schools[0].teams"
    assert "teams hold 24 classrooms" in checked[0]["text"]
    assert c.post(f"/scenarios/{teams}/data", json=data).status_code == 400
    data["schools"][0]["classrooms"] = 24
    data["roles"]["mcl"]["supplement"] = 15000
    assert c.post(f"/scenarios/{teams}/data", json=data).json()["saved"] is True
    spec = simulate.load_scenario(tmp_path / "ws" / "scenarios" / f"{teams}.yaml")
    assert spec.roles["mcl"].supplement == 15000


@pytest.mark.slow
def test_foreign_host_and_origin_are_refused(made: tuple[TestClient, list[str]]) -> None:
    c, (teams, _) = made
    assert c.get("/", headers={"host": f"evil.example:{PORT}"}).status_code == 403  # rebinding
    assert c.get("/", headers={"host": "127.0.0.1:9999"}).status_code == 403
    assert c.get("/", headers={"host": f"localhost:{PORT}"}).status_code == 200
    post = {"roles.mcl.supplement": "1"}
    for headers in (
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"sec-fetch-site": "cross-site"},
        {"referer": "https://evil.example/form"},
    ):
        response = c.post(f"/scenarios/{teams}/save", data=post, headers=headers)
        assert response.status_code == 403, headers
        assert response.text.startswith("refused")
    same = c.post(f"/scenarios/{teams}/save", data=post, headers={"origin": LOCAL})
    assert same.status_code == 303
    page = c.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "SAMEORIGIN"


def test_uploads_are_limited_and_checked(tmp_path: Path) -> None:
    c = client(tmp_path / "ws")
    huge = {"file": ("big.yaml", b"#" * (MAX_UPLOAD * 2 + 10), "application/yaml")}
    assert c.post("/upload", files=huge).status_code == 413
    big = {"file": ("big.yaml", b"#" * (MAX_UPLOAD + 10), "application/yaml")}
    assert c.post("/upload", files=big).status_code == 413
    bad = c.post("/upload", files={"file": ("mine.yaml", b"name: [unclosed\n", "text/yaml")})
    assert bad.status_code == 400 and "mine.yaml:" in bad.text
    evil = b"name: x\n!!python/object/apply:os.system ['echo pwned']\n"
    assert c.post("/upload", files={"file": ("evil.yaml", evil, "text/yaml")}).status_code == 400
    outside = f"extends: {SCENARIOS / 'traditional.yaml'}\nname: mine\n".encode()
    refused = c.post("/upload", files={"file": ("out.yaml", outside, "text/yaml")})
    assert refused.status_code == 400 and "is an absolute path" in refused.text
    climb = b"extends: ../../traditional.yaml\nname: mine\n"
    refused = c.post("/upload", files={"file": ("up.yaml", climb, "text/yaml")})
    assert refused.status_code == 400 and "points outside the scenario&#39;s folder" in refused.text
    wrong = c.post("/upload", files={"file": ("notes.txt", b"hello", "text/plain")})
    assert wrong.status_code == 400 and "not a scenario file" in wrong.text
    assert slugs(c) == []
    assert sorted(p.name for p in (tmp_path / "ws" / "scenarios").iterdir()) == []  # no leftovers
    good = (SCENARIOS / "traditional.yaml").read_bytes()
    ok = c.post("/upload", files={"file": ("traditional.yaml", good, "text/yaml")})
    assert ok.status_code == 303
    (kept,) = (tmp_path / "ws" / "scenarios").iterdir()
    assert kept.read_bytes() == good  # comments and all


@pytest.mark.slow
def test_excel_template_download_and_upload(made: tuple[TestClient, list[str]]) -> None:
    c, (teams, _) = made
    generic = c.get("/template.xlsx")
    assert generic.status_code == 200 and generic.headers["content-type"].startswith(
        "application/vnd.openxmlformats"
    )
    mine = c.get(f"/scenarios/{teams}/template.xlsx").content
    book = openpyxl.load_workbook(io.BytesIO(mine))
    roles = book["Roles"]
    row = next(r for r in roles.iter_rows(min_row=3) if r[0].value == "roles.mcl")
    row[3].value = 14000
    edited = io.BytesIO()
    book.save(edited)
    response = c.post("/upload", files={"file": ("mine.xlsx", edited.getvalue(), "application/x")})
    assert response.status_code == 303
    new_slug = response.headers["location"].split("/scenarios/")[1].split("?")[0]
    page = c.get(f"/scenarios/{new_slug}").text
    assert 'value="$14,000"' in page
    broken = c.post("/upload", files={"file": ("junk.xlsx", b"PK\x03\x04junk", "application/x")})
    assert broken.status_code == 400 and "junk.xlsx: is not an Excel workbook" in broken.text


@pytest.mark.slow
def test_a_comparison_runs_and_its_files_download(made: tuple[TestClient, list[str]]) -> None:
    c, (teams, today) = made
    response = c.post(
        "/compare",
        data={"scenario": [today, teams], "baseline": today, "replications": "2", "seed": "4"},
    )
    assert response.status_code == 303
    run_id = response.headers["location"].rsplit("/", 1)[1]
    record = wait_for(c, run_id)
    assert record["status"] == "done", record
    assert (record["done"], record["total"]) == (4, 4)
    progress = c.get(f"/runs/{run_id}/progress")
    assert 'value="4" max="4"' in progress.text and progress.headers["HX-Refresh"] == "true"
    page = c.get(f"/runs/{run_id}").text
    assert f'src="/runs/{run_id}/files/report.html"' in page
    for name in ("report.html", "summary.csv", "differences.csv", "budget.xlsx"):
        assert f"/runs/{run_id}/files/{name}?download=1" in page
        file = c.get(f"/runs/{run_id}/files/{name}?download=1")
        assert file.status_code == 200 and "attachment" in file.headers["content-disposition"]
    report = c.get(f"/runs/{run_id}/files/report.html")
    assert "default-src 'none'" in report.headers["content-security-policy"]
    assert c.get(f"/runs/{run_id}/files/run.py").status_code == 404
    assert c.get(f"/runs/{run_id}/files/..%2Frun.json").status_code == 404
    inputs = sorted(p.name for p in (c.app.state.site.ws.runs / run_id / "inputs").iterdir())  # type: ignore[attr-defined]
    assert inputs == sorted([f"{today}.yaml", f"{teams}.yaml"])


@pytest.mark.slow
def test_the_run_forms_take_the_limits_the_command_line_takes(
    made: tuple[TestClient, list[str]],
) -> None:
    """One set of limits (schema.limits): the forms offer them and the server holds to them."""
    c, (teams, today) = made
    most, years = f"{MAX_REPLICATIONS:,}", MAX_PROJECTION_YEARS
    for page in ("/compare", "/budget"):
        assert (
            f'name="replications" type="number" min="1" max="{MAX_REPLICATIONS}"'
            in c.get(page).text
        )
    assert f'name="years" type="number" min="1" max="{years}"' in c.get("/budget").text
    over = str(MAX_REPLICATIONS + 1)
    compare = c.post("/compare", data={"scenario": [today, teams], "replications": over})
    assert compare.status_code == 400 and f"replications: is {over} (allowed: 1 to {most})" in (
        compare.text
    )
    budget = c.post("/budget", data={"scenario": teams, "years": str(years + 1)})
    assert budget.status_code == 400 and f"(allowed: 1 to {years})" in budget.text


HELD_FORM = {"replications": "1", "seed": "0"}


def held_run(
    c: TestClient, monkeypatch: pytest.MonkeyPatch, scenarios: list[str]
) -> tuple[str, threading.Event]:
    """A comparison of `scenarios` that reports 1 of 2 simulated years and waits there until
    the event is set, then fails: its run id and the event."""
    release = threading.Event()
    import simulate.study.compare as study

    def slow_compare(specs: Any, seed: int, replications: int, baseline: Any, **kw: Any) -> Any:
        kw["progress"](1, 2)
        release.wait(30)
        raise simulate.InputError(None, None, "stopped by the test")

    monkeypatch.setattr(study, "compare", slow_compare)
    first = c.post("/compare", data=HELD_FORM | {"scenario": scenarios})
    assert first.status_code == 303
    return first.headers["location"].rsplit("/", 1)[1], release


@pytest.mark.slow
def test_the_progress_the_page_asks_for_waits_for_the_run_to_move_on(
    made: tuple[TestClient, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page sends the years it shows; the answer comes once there are more (or the run
    ends), so the page learns of them at once, and asks again as soon as it has it."""
    c, (teams, today) = made
    run_id, release = held_run(c, monkeypatch, [today, teams])
    s = c.app.state.site  # type: ignore[attr-defined]
    while s.jobs.current.done != 1:
        time.sleep(0.01)
    assert (
        f'hx-get="/runs/{run_id}/progress?seen=1" hx-trigger="load"'
        in c.get(f"/runs/{run_id}").text
    )
    monkeypatch.setattr(runs, "HOLD", 60.0)  # only the run moving on ends the wait
    looks: list[int] = []
    read = s.progress_of

    def progress_of(run: str) -> dict[str, Any]:
        looks.append(1)
        if len(looks) == 3:  # the run moves on while the request waits
            s.jobs.current.progress(2, 2)
        return read(run)

    monkeypatch.setattr(s, "progress_of", progress_of)
    held = c.get(f"/runs/{run_id}/progress?seen=1").text
    assert len(looks) == 3 and 'value="2" max="2"' in held and "?seen=2" in held
    looks.clear()
    assert 'value="2" max="2"' in c.get(f"/runs/{run_id}/progress?seen=0").text  # behind: now
    assert len(looks) == 1
    release.set()
    assert wait_for(c, run_id)["status"] == "failed"


@pytest.mark.slow
def test_a_second_run_gets_a_busy_answer(
    made: tuple[TestClient, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    c, (teams, today) = made
    run_id, release = held_run(c, monkeypatch, [today, teams])
    second = c.post("/compare", data=HELD_FORM | {"scenario": [today, teams]})
    assert second.status_code == 409
    assert "Another run is going" in second.text and "1 of 2 simulated years" in second.text
    budget = c.post("/budget", data={"scenario": teams, "replications": "1"})
    assert budget.status_code == 409
    assert 'value="1" max="2"' in c.get(f"/runs/{run_id}/progress").text
    release.set()
    record = wait_for(c, run_id)
    assert record["status"] == "failed" and "stopped by the test" in record["message"]
    assert record["message"].startswith("comparing 2 scenarios")  # not "<input>"
    assert "stopped by the test" in c.get(f"/runs/{run_id}").text


@pytest.mark.slow
def test_budget_page_shows_the_projection_verdict_and_goal_seek(
    made: tuple[TestClient, list[str]],
) -> None:
    c, (teams, today) = made
    form = c.get("/budget").text
    assert 'value="roles.mcl.supplement"' in form
    response = c.post(
        "/budget",
        data={
            "scenario": teams,
            "baseline": today,
            "replications": "1",
            "goal": "roles.mcl.supplement",
        },
    )
    assert response.status_code == 303, response.text
    run_id = response.headers["location"].rsplit("/", 1)[1]
    assert wait_for(c, run_id)["status"] == "done"
    page = c.get(f"/runs/{run_id}").text
    assert "<svg" in page and "grant cliff" in page
    verdict = page[page.index('<ul id="verdict">') :]
    verdict = verdict[: verdict.index("</ul>")]
    assert "Goal-seek of Multi-classroom leader: supplement (budget:" in verdict  # in words
    assert "roles.mcl" not in verdict and "--target" not in verdict  # no path, no flag
    assert "goal-seek: Multi-classroom leader: supplement" in page  # the run's title
    started = re.search(r"Budget started (\d{1,2} [A-Z][a-z]+ 20\d\d, \d\d:\d\d:\d\d)", page)
    assert started and run_id not in started.group(0)  # when, in words, not the run's id
    assert started.group(1) in c.get("/").text  # the list of past runs says it so too
    table = page[page.index('<table id="projection">') :]
    table = table[: table.index("</table>")]
    money = r'<td class="num"><span class="fig">−?\$[\d,]+\.\d\d</span></td>'
    assert re.search(money, table)  # money as money, never 2509656.5
    assert not re.search(r">-?\d+\.\d+<", table)
    assert "Nothing fits: even at $0.00" in page  # teams cost more
    assert re.search(r"(sustainable|not sustainable)", page)
    assert f"/runs/{run_id}/files/budget.xlsx?download=1" in page
    bad = c.post("/budget", data={"scenario": teams, "goal": "roles.mcl.salry"})
    assert bad.status_code == 400 and "did you mean &#39;salary&#39;" in bad.text


@pytest.mark.slow
def test_the_workspace_survives_a_restart(
    made: tuple[TestClient, list[str]], tmp_path: Path
) -> None:
    c, (teams, today) = made
    response = c.post("/compare", data={"scenario": [teams, today], "replications": "1"})
    run_id = response.headers["location"].rsplit("/", 1)[1]
    assert wait_for(c, run_id)["status"] == "done"
    report = c.get(f"/runs/{run_id}/files/report.html").content
    # no baseline sent: today's staffing, though the MCL scenario is ticked first
    assert wait_for(c, run_id)["baseline"].endswith(bundled.titles()["traditional"])
    again = client(tmp_path / "ws")  # a new server on the same folder
    assert slugs(again) == sorted([teams, today])
    home = again.get("/").text
    assert f'href="/runs/{run_id}"' in home
    assert again.get(f"/runs/{run_id}/files/report.html").content == report


def test_a_run_cut_short_by_a_stop_is_marked_interrupted(tmp_path: Path) -> None:
    c = client(tmp_path / "ws")
    ws = c.app.state.site.ws  # type: ignore[attr-defined]
    run_id = ws.new_run({"kind": "compare", "status": "running", "scenarios": ["x"]})
    again = client(tmp_path / "ws")
    assert again.app.state.site.ws.record(run_id)["status"] == "interrupted"  # type: ignore[attr-defined]


def test_vendored_files_match_their_recorded_versions() -> None:
    vendor = Path(server.__file__).parent / "static" / "vendor"
    readme = (vendor / "README.md").read_text(encoding="utf-8")
    for name in ("htmx.min.js", "jsoneditor.js"):
        digest = hashlib.sha256((vendor / name).read_bytes()).hexdigest()
        assert f"{digest}  {name}" in readme
    assert (vendor / "htmx.LICENSE").is_file() and (vendor / "jsoneditor.LICENSE").is_file()
    tests = Path(__file__).parent / "vendor"  # axe-core, for the browser tests only
    digest = hashlib.sha256((tests / "axe.min.js").read_bytes()).hexdigest()
    assert f"{digest}  axe.min.js" in (tests / "README.md").read_text(encoding="utf-8")
    assert (tests / "axe.LICENSE").read_text(encoding="utf-8").startswith("Mozilla Public License")


@pytest.mark.slow
def test_plausibility_warnings_are_shown_next_to_their_field(
    made: tuple[TestClient, list[str]],
) -> None:
    """A class of 40 is valid but implausible: the form shows the warning (as the CLI words
    it) next to the enrollment."""
    from simulate.app.checks import plausibility
    from simulate.study.new import MySchool, new_scenario

    forty = new_scenario(MySchool(enrollment=960, classrooms=24), "mcl_teams").scenario
    assert any("students per homeroom" in m.text for m in plausibility(forty, "forty.yaml"))
    c, (teams, _) = made
    checked = c.post(f"/scenarios/{teams}/check", data={"schools[0].enrollment": "960"}).text
    assert '<li class="warning">warning: ' in checked


@pytest.mark.slow
def test_my_school_takes_classrooms_by_grade_a_pilot_its_pay_and_funding(tmp_path: Path) -> None:
    c = client(tmp_path / "ws")
    form = {
        **LINCOLN,
        "grades": "K, 1, 2, 3, 4, 5",
        "classrooms": "3, 3, 4, 3, 3, 2",
        "pilot_grades": "3, 4, 5",
        "teacher_salary": "$58,000",
        "benefits_rate": "35%",
        "substitute_rate": "$150",
        "pay_source": "district HR, 2026-27 salary schedule",
        "funding": "General fund=$4,350 per pupil; district budget office, FY2027\n"
        "Title I=$1,227 per eligible pupil, 62% eligible",
        "arrangement": ["mcl_teams"],
    }
    response = c.post("/new", data=form)
    assert response.status_code == 303, response.text
    home = c.get(response.headers["location"]).text
    assert "8 of today&#39;s classrooms (3: 3, 4: 3, 5: 2) make 2 MCL teams" in home  # chose
    assert "Grades K, 1, 2 keep today&#39;s staffing" in home
    [file] = (tmp_path / "ws" / "scenarios").glob("*.yaml")
    spec = simulate.load_scenario(file)
    assert spec.schools[0].classrooms == 18
    assert spec.roles["team_teacher"].salary == 58000 and spec.budget.benefits_rate == 0.35
    assert spec.substitutes.daily_rate == 150
    assert spec.notes["roles.team_teacher.salary"].source == "district HR, 2026-27 salary schedule"
    assert [f.name for f in spec.budget.funding][:2] == ["General fund", "Title I"]
    assert spec.notes["budget.funding[0]"].source == "district budget office, FY2027"
    editor = c.get(f"/scenarios/{file.stem}").text
    assert 'id="bundled-funding"' not in editor  # the district's own lines
    bad = c.post("/new", data={**form, "funding": "General fund"})
    assert bad.status_code == 400 and re.search(
        r'id="msg-funding">[^<]*not a funding line', bad.text
    )
    money = c.post("/new", data={**form, "teacher_salary": "58,00"})
    assert "&#39;58,00&#39; is not an amount of money" in money.text


@pytest.mark.slow
def test_my_school_takes_a_salary_schedule_typed_as_its_placeholder_shows(tmp_path: Path) -> None:
    """Money with thousands separators needs no quotes on a line of the schedule."""
    c = client(tmp_path / "ws")
    page = c.get("/new").text
    typed = re.search(r'name="salary_schedule"[^>]*placeholder="([^"]*)"', page)
    assert typed is not None and "$46,000" in typed.group(1)
    schedule = typed.group(1).replace("&#10;", "\n")
    form = {**LINCOLN, "teacher_salary": "", "salary_schedule": schedule}
    response = c.post("/new", data={**form, "arrangement": ["traditional"]})
    assert response.status_code == 303, response.text
    [file] = (tmp_path / "ws" / "scenarios").glob("*.yaml")
    steps = simulate.load_scenario(file).roles["teacher"].salary_schedule
    assert [(s.step, s.lane, s.salary, s.staff) for s in steps] == [
        (1, "BA", 46000, 6),
        (5, "BA", 52000, 10),
        (10, "MA", 64000, 8),
    ]
    bad = c.post("/new", data={**form, "salary_schedule": "1, BA, $46,000, 6, 2"})
    assert bad.status_code == 400
    assert re.search(r'id="msg-salary_schedule">[^<]*line 1: has 5 values, not 4', bad.text)


def test_the_key_inputs_show_money_as_written_and_a_save_as_shown_changes_nothing(
    tmp_path: Path,
) -> None:
    """$72,030 in the form, never 72030; the form sent back as shown keeps every value and
    note (money with cents, shares and lists included)."""
    c = client(tmp_path / "ws")
    data = simulate.schema.loading.load_data(bundled.path("mcl_residents_tutors"))
    data["roles"]["tutor"]["hourly_wage"] = 23.1  # cents a float cannot hold exactly
    raw = simulate.schema.writing.to_yaml(data).encode()
    assert c.post("/upload", files={"file": ("r.yaml", raw, "text/yaml")}).status_code == 303
    [file] = (tmp_path / "ws" / "scenarios").glob("*.yaml")
    before = simulate.load_scenario(file)
    page = c.get(f"/scenarios/{file.stem}").text
    shown = dict(re.findall(r'<input name="([^"]+)" id="f-[^"]*" value="([^"]*)"', page))
    assert shown["roles.building_coach.salary"] == "$72,030"
    assert shown["roles.tutor.hourly_wage"] == "$23.10"
    assert shown["budget.funding[0].amount"] == "$160,000"
    sent = {k: v.replace("&#39;", "'").replace("&amp;", "&") for k, v in shown.items()}
    response = c.post(f"/scenarios/{file.stem}/save", data=sent)
    assert response.status_code == 303, response.text
    assert simulate.load_scenario(file) == before


@pytest.mark.slow
def test_notes_survive_the_apps_saves_and_take_a_typed_source(
    made: tuple[TestClient, list[str]], tmp_path: Path
) -> None:
    c, (teams, _) = made
    file = tmp_path / "ws" / "scenarios" / f"{teams}.yaml"
    before = simulate.load_scenario(file)
    page = c.get(f"/scenarios/{teams}").text
    assert 'id="bundled-funding"' in page and "General fund, school base allotment" in page
    assert "Supplement: [public] Public Impact, Opportunity Culture dashboard" in page
    # saved without a change, every note stays
    assert c.post(f"/scenarios/{teams}/save", data={}).status_code == 303
    assert simulate.load_scenario(file).notes == before.notes
    # a source typed for a changed figure is its note; another changed figure is noted as
    # typed in the form; the row's other notes stay
    key = "roles.team_teacher"
    shown = re.search(rf'name="note:{key}"[^>]*>([^<]*)</textarea>', page)
    assert shown is not None
    typed = "\n".join(
        "Salary: district HR, 2026-27" if line.startswith("Salary:") else line
        for line in shown.group(1).replace("&#39;", "'").splitlines()
    )
    saved = c.post(
        f"/scenarios/{teams}/save",
        data={f"{key}.salary": "$66,000", f"note:{key}": typed, "roles.mcl.supplement": "13000"},
    )
    assert saved.status_code == 303
    after = simulate.load_scenario(file)
    assert after.notes[f"{key}.salary"].source == "district HR, 2026-27"
    assert after.notes["roles.mcl.supplement"].kind == "local"
    assert "typed in the form" in after.notes["roles.mcl.supplement"].text
    assert after.notes[f"{key}.supplement"] == before.notes[f"{key}.supplement"]
    # the full form: a changed figure loses its old note, the others keep theirs
    data = simulate.schema.loading.load_data(file)
    data["roles"]["team_teacher"]["supplement"] = 2000
    assert c.post(f"/scenarios/{teams}/data", json=data).json()["saved"] is True
    full = simulate.load_scenario(file)
    assert f"{key}.supplement" not in full.notes
    assert full.notes[f"{key}.salary"] == after.notes[f"{key}.salary"]


@pytest.mark.slow
def test_my_school_takes_the_districts_other_buildings(tmp_path: Path) -> None:
    c = client(tmp_path / "ws")
    form = {**LINCOLN, "buildings": "Oak; 400; 16; none", "district": "Springfield"}
    response = c.post("/new", data={**form, "arrangement": ["mcl_teams"]})
    assert response.status_code == 303, response.text
    [file] = (tmp_path / "ws" / "scenarios").glob("*.yaml")
    spec = simulate.load_scenario(file)
    assert spec.name.startswith("Springfield: ") and [s.name for s in spec.schools] == [
        "Lincoln <b>Elementary</b>",
        "Oak",
    ]
    bad = c.post("/new", data={**form, "buildings": "Oak"})
    assert bad.status_code == 400
    assert re.search(r'id="msg-buildings">[^<]*is not a building', bad.text)


def test_a_goal_seek_answer_is_applied_to_a_copy_and_budgeted(tmp_path: Path) -> None:
    """The budget page's apply button: as `simulate budget --apply`, the scenario with the
    value found, kept beside the original, and its budget with it."""
    c = client(tmp_path / "ws")
    for stem in ("traditional", "mcl_within_budget"):
        assert c.post("/bundled", data={"bundled": stem}).status_code == 303
    plan, today = (next(x for x in slugs(c) if x.startswith(p)) for p in ("mcl", "trad"))
    form = {
        "scenario": plan,
        "baseline": today,
        "replications": "1",
        "goal": "roles.mcl.supplement",
    }
    run_id = c.post("/budget", data=form).headers["location"].rsplit("/", 1)[1]
    assert wait_for(c, run_id)["status"] == "done"
    page = c.get(f"/runs/{run_id}").text
    assert f'action="/runs/{run_id}/apply"' in page and "At most" not in page
    response = c.post(f"/runs/{run_id}/apply")
    assert response.status_code == 303, response.text
    applied_run = response.headers["location"].rsplit("/", 1)[1]
    assert wait_for(c, applied_run)["status"] == "done"
    copy = next(x for x in slugs(c) if x not in (plan, today))
    data, scenario = c.app.state.site.ws.load(copy)  # type: ignore[attr-defined]
    supplement = scenario.roles["mcl"].supplement
    assert "roles.mcl" not in scenario.name  # named in the planner's words, with its unit
    # the button offered the value found, in those words, and the copy holds that value
    found = json.loads((c.app.state.site.ws.run_folder(run_id) / "summary.json").read_text())  # type: ignore[attr-defined]
    assert supplement == Decimal(str(found["goal_seek"]["value"]))
    assert (
        f"a copy of the scenario with Multi-classroom leader: supplement at ${supplement:,.2f}, "
        "and its budget</button>"
    ) in page
    assert scenario.name.endswith(f": ${supplement:,.2f})") and "supplement" in scenario.name
    assert (
        supplement
        > simulate.load_scenario(SCENARIOS / "mcl_within_budget.yaml").roles["mcl"].supplement
    )
    shown = c.get(f"/runs/{applied_run}").text
    assert "Figures" in shown and "Verdict" in shown
    # the original scenario is as it was
    assert c.app.state.site.ws.load(plan)[1].roles["mcl"].supplement < supplement  # type: ignore[attr-defined]
    assert c.post(f"/runs/{applied_run}/apply").status_code == 400  # no goal-seek there
