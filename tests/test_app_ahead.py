"""Years simulated ahead of the click (app.ahead): the scenarios a planner ticks on the compare
page are simulated in the background, and the comparison then started uses those years and
gives the same figures as one that simulated them itself."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from test_app import LINCOLN, client, slugs, wait_for

from simulate.outputs import save_comparison
from simulate.study.compare import compare
from simulate.study.kept import model_key

SEED, YEARS = 11, 3


@pytest.fixture
def app(tmp_path: Path) -> Iterator[TestClient]:
    c = client(tmp_path / "ws")
    assert c.post("/new", data=LINCOLN).status_code == 303  # my school, today and in MCL teams
    yield c
    site = c.app.state.site  # type: ignore[attr-defined]
    site.ahead.close()
    site.pool.close()
    site.ahead.join(timeout=30)


def kept_years(c: TestClient, chosen: list[str]) -> int:
    site = c.app.state.site  # type: ignore[attr-defined]
    specs = [site.ws.load(slug)[1] for slug in chosen]
    models = [model_key(spec) for spec in specs]
    return sum(site.years.has(m, SEED, r) for m in models for r in range(YEARS))


def wait_kept(c: TestClient, chosen: list[str], count: int, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while (found := kept_years(c, chosen)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


@pytest.mark.slow
def test_ticked_scenarios_are_simulated_before_the_click(app: TestClient, tmp_path: Path) -> None:
    c = app
    chosen = slugs(c)
    form = {"scenario": chosen, "seed": str(SEED), "replications": str(YEARS)}
    assert kept_years(c, chosen) == 0
    c.post("/compare/check", data=form)
    assert wait_kept(c, chosen, 2 * YEARS) == 2 * YEARS  # every year, before any click
    response = c.post("/compare", data=form)
    run_id = response.headers["location"].rsplit("/", 1)[1]
    assert wait_for(c, run_id)["status"] == "done"
    site = c.app.state.site  # type: ignore[attr-defined]
    # the same figures as a comparison that simulated every year itself
    specs = [site.ws.load(slug)[1] for slug in chosen]
    baseline = wait_for(c, run_id)["baseline"]
    alone = compare(specs, SEED, YEARS, baseline, workers=1)
    save_comparison(alone, tmp_path / "alone")
    ran = site.ws.run_folder(run_id)
    for name in ("summary.csv", "differences.csv"):
        assert (ran / name).read_bytes() == (tmp_path / "alone" / name).read_bytes()


@pytest.mark.slow
def test_nothing_is_simulated_ahead_for_a_refused_or_unreadable_form(app: TestClient) -> None:
    c = app
    chosen = slugs(c)
    site = c.app.state.site  # type: ignore[attr-defined]
    c.post("/compare/check", data={"scenario": chosen, "seed": "x", "replications": "3"})
    c.post("/compare/check", data={"scenario": [], "seed": "1", "replications": "3"})
    c.post("/compare/check", data={"scenario": chosen, "seed": "-1", "replications": "3"})
    assert site.ahead._wanted is None


@pytest.mark.slow
def test_a_lever_tried_stops_the_work_ahead(app: TestClient) -> None:
    c = app
    chosen = slugs(c)
    site = c.app.state.site  # type: ignore[attr-defined]
    c.post("/compare/check", data={"scenario": chosen, "seed": "1", "replications": "500"})
    assert site.ahead._wanted is not None
    c.post(f"/levers/{chosen[0]}/effects", data={"lever": "tutor_per_team"})
    assert site.ahead._wanted is None
