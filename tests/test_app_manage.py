"""Scenario management in the web app: names kept unique, rename, duplicate, delete into the
trash and restore; runs named by what they compare; the compare page that never fails on a
name clash and says, before any run, whether scenarios of different schools compare."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SCENARIOS
from starlette.testclient import TestClient
from test_app import LINCOLN, client, slugs, wait_for

import simulate
from simulate.app.manage import unique_name
from simulate.app.site import run_title


def names(c: TestClient) -> dict[str, str]:
    """slug -> scenario name of the workspace."""
    return {e.slug: e.name for e in c.app.state.site.ws.entries()}  # type: ignore[attr-defined]


def upload(c: TestClient, name: str, content: bytes) -> str:
    response = c.post("/upload", files={"file": (name, content, "text/yaml")})
    assert response.status_code == 303, response.text
    return response.headers["location"].split("/scenarios/")[1].split("?")[0]


def test_unique_names_count_up_from_two() -> None:
    assert unique_name("A", set()) == "A"
    assert unique_name("A", {"A"}) == "A (2)"
    assert unique_name("A", {"A", "A (2)", "A (3)"}) == "A (4)"
    assert unique_name("A (2)", {"A", "A (2)"}) == "A (3)"


def test_the_same_file_uploaded_twice_gets_two_names_and_compares(tmp_path: Path) -> None:
    c = client(tmp_path / "ws")
    raw = (SCENARIOS / "traditional.yaml").read_bytes()
    first, second = upload(c, "t.yaml", raw), upload(c, "t.yaml", raw)
    found = names(c)
    title = simulate.load_scenario(SCENARIOS / "traditional.yaml").name
    assert (found[first], found[second]) == (title, f"{title} (2)")
    # the renamed copy keeps its comments at the top and says why it was renamed
    text = (tmp_path / "ws" / "scenarios" / f"{second}.yaml").read_text(encoding="utf-8")
    assert text.startswith("#") and "was taken" in text
    page = c.get("/compare").text
    assert len(re.findall(r'name="scenario" value="[^"]+" checked', page)) == 2
    response = c.post("/compare", data={"scenario": [first, second], "replications": "1"})
    assert response.status_code == 303, response.text
    run_id = response.headers["location"].rsplit("/", 1)[1]
    assert wait_for(c, run_id)["status"] == "done"


def test_a_name_clash_left_on_disk_never_stops_a_comparison(tmp_path: Path) -> None:
    """Files put in the workspace by hand may share a name: the compare page ticks one of
    them, and ticking both runs with the second told apart by its file name."""
    c = client(tmp_path / "ws")
    raw = (SCENARIOS / "traditional.yaml").read_bytes()
    for stem in ("a", "b"):
        (tmp_path / "ws" / "scenarios" / f"{stem}.yaml").write_bytes(raw)
    page = c.get("/compare").text
    assert 'value="a" checked' in page and 'value="b" >' in page
    response = c.post("/compare", data={"scenario": ["a", "b"], "replications": "1"})
    assert response.status_code == 303, response.text
    record = wait_for(c, response.headers["location"].rsplit("/", 1)[1])
    assert record["status"] == "done", record
    title = simulate.load_scenario(SCENARIOS / "traditional.yaml").name
    assert record["scenarios"] == [title, f"{title} (b)"]


@pytest.mark.slow
def test_rename_duplicate_delete_and_restore(tmp_path: Path) -> None:
    c = client(tmp_path / "ws")
    assert c.post("/new", data=LINCOLN).status_code == 303
    teams, today = slugs(c)
    folder = tmp_path / "ws" / "scenarios"
    before = (folder / f"{today}.yaml").read_text(encoding="utf-8")

    renamed = c.post(f"/scenarios/{today}/rename", data={"name": "  Lincoln   today "})
    assert renamed.status_code == 303
    new = renamed.headers["location"].split("/scenarios/")[1].split("?")[0]
    assert new == "lincoln-today" and not (folder / f"{today}.yaml").exists()
    assert names(c)[new] == "Lincoln today"
    assert "Made by `simulate new`" in (folder / f"{new}.yaml").read_text(encoding="utf-8")
    clash = c.post(f"/scenarios/{new}/rename", data={"name": names(c)[teams]})
    assert clash.status_code == 400 and "is the name of another scenario" in clash.text
    assert c.post(f"/scenarios/{new}/rename", data={"name": " "}).status_code == 400

    copy = c.post(f"/scenarios/{new}/duplicate").headers["location"]
    copied = copy.split("/scenarios/")[1].split("?")[0]
    assert names(c)[copied] == "Lincoln today (copy)"
    assert simulate.load_scenario(folder / f"{copied}.yaml").schools == (
        simulate.load_scenario(folder / f"{new}.yaml").schools
    )

    assert c.post(f"/scenarios/{new}/delete").status_code == 303
    assert new not in names(c)
    home = c.get("/").text
    kept = re.search(r'name="kept" value="([^"]+)"', home)
    assert kept and kept.group(1).startswith(f"{new}.")
    # the deleted scenario's name is free again; take it, then restore: it comes back renamed
    assert c.post(f"/scenarios/{copied}/rename", data={"name": "Lincoln today"}).status_code == 303
    back = c.post("/trash/restore", data={"kept": kept.group(1)})
    assert back.status_code == 303
    restored = back.headers["location"].split("/scenarios/")[1].split("?")[0]
    assert names(c)[restored] == "Lincoln today (2)"
    assert 'name="kept"' not in c.get("/").text  # the trash is empty again
    assert c.post("/trash/restore", data={"kept": "../../etc.yaml"}).status_code == 404
    assert c.post("/scenarios/nope/delete").status_code == 404
    assert before  # the original file was read before it moved


@pytest.mark.slow
def test_the_key_inputs_form_refuses_a_name_another_scenario_has(tmp_path: Path) -> None:
    c = client(tmp_path / "ws")
    assert c.post("/new", data=LINCOLN).status_code == 303
    teams, today = slugs(c)
    taken = names(c)[teams]
    checked = c.post(f"/scenarios/{today}/check", data={"name": taken})
    assert re.search(r'id="m-f-name"[^>]*>[^<]*is the name of another scenario', checked.text)
    assert c.post(f"/scenarios/{today}/save", data={"name": taken}).status_code == 400


def test_runs_are_named_by_what_they_compare() -> None:
    run = {"kind": "compare", "scenarios": ["MCL", "Today"], "baseline": "Today"}
    assert run_title({**run, "replications": 20}) == "Today vs MCL, 20 simulated years"
    three = {**run, "scenarios": ["Today", "MCL", "MCL+R"], "replications": 3}
    assert run_title(three) == "Today vs MCL and MCL+R, 3 simulated years"
    budget = {"kind": "budget", "scenarios": ["MCL", "Today"], "baseline": "Today"}
    assert run_title({**budget, "replications": 5, "goal_words": "Roles: MCL: Supplement"}) == (
        "Budget of MCL against Today, 5 simulated years, goal-seek: Roles: MCL: Supplement"
    )
    assert run_title({"id": "20240101-000000"}) == "Run 20240101-000000"


@pytest.mark.slow
@pytest.mark.parametrize(
    "change, per_pupil",
    [({"enrollment": "600"}, True), ({"tier_share_0": "0.6", "tier_share_2": "0.2"}, False)],
)
def test_different_schools_are_judged_before_the_run(
    tmp_path: Path, change: dict[str, str], per_pupil: bool
) -> None:
    c = client(tmp_path / "ws")
    assert c.post("/new", data={**LINCOLN, "arrangement": "traditional"}).status_code == 303
    other = {**LINCOLN, **change, "name": "Oak", "arrangement": "mcl_teams"}
    assert c.post("/new", data=other).status_code == 303
    chosen = slugs(c)
    note = c.post("/compare/check", data={"scenario": chosen, "replications": "1"}).text
    runs = tmp_path / "ws" / "runs"
    response = c.post("/compare", data={"scenario": chosen, "replications": "1"})
    if per_pupil:
        assert "compared per pupil" in note and "enrollment: 600 against 480" in note
        assert response.status_code == 303
        record = wait_for(c, response.headers["location"].rsplit("/", 1)[1])
        assert record["status"] == "done" and record["per_pupil"] is True
    else:
        assert "cannot be compared: their students need different help" in note
        assert 'class="error"' in note
        assert response.status_code == 400 and "cannot be compared" in response.text
        assert list(runs.iterdir()) == []  # refused before any run folder


@pytest.mark.slow
def test_the_compare_page_ticks_one_schools_scenarios_first(tmp_path: Path) -> None:
    """With two schools in the workspace, the default comparison is a fair one: today's
    staffing and the other arrangements of its school, not the other school."""
    c = client(tmp_path / "ws")
    assert c.post("/new", data=LINCOLN).status_code == 303
    lincoln = set(slugs(c))
    oak = {**LINCOLN, "tier_share_0": "0.6", "tier_share_2": "0.2", "name": "Oak"}
    assert c.post("/new", data={**oak, "arrangement": "mcl_teams"}).status_code == 303
    page = c.get("/compare").text
    assert set(re.findall(r'name="scenario" value="([^"]+)" checked', page)) == lincoln
    assert "cannot be compared" not in page and len(slugs(c)) == 3


@pytest.mark.slow
def test_budget_page_words(tmp_path: Path) -> None:
    c = client(tmp_path / "ws")
    assert c.post("/new", data=LINCOLN).status_code == 303
    page = c.get("/budget").text
    assert 'name="target"' in page and "sustainable: recurring money covers" in page
    options = re.findall(r">([^<]*)</option>", page.split('name="goal"')[1].split("</select>")[0])
    assert "Funding sources: Title I, Part A (share spent on these roles): Amount" in options
    assert not any("budget." in option or "1: " in option for option in options)


@pytest.mark.slow
@pytest.mark.parametrize("when", ["while it loads", "after it loads"])
def test_a_scenario_gone_since_the_listing_is_left_out_not_shown_broken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    """A file another request renames or deletes between the listing and its reading is not
    listed (neither as a scenario nor as one that does not load)."""
    from simulate.schema import loading

    c = client(tmp_path / "ws")
    assert c.post("/new", data=LINCOLN).status_code == 303
    ws = c.app.state.site.ws  # type: ignore[attr-defined]
    first, second = sorted(e.path for e in ws.entries())
    real = loading.load_scenario

    def gone(path: Path, *args: object) -> object:
        if path != first:
            return real(path, *args)
        if when == "while it loads":
            path.unlink()
            return real(path, *args)
        loaded = real(path, *args)
        path.unlink()
        return loaded

    monkeypatch.setattr(loading, "load_scenario", gone)
    assert [e.path for e in ws.entries()] == [second]
