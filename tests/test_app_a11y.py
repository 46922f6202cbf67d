"""Every page of the web app, the report and the board summary in Chromium: accessible
(axe-core, vendored in tests/vendor, finds no serious or critical violation), readable at
800 px and on a tablet (nothing wider than the window, no figure split across lines, no
table cell whose content runs into the next), and printable (the board summary is one page;
nothing of the report is cut off at the page's width)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_app_browser import CHROMIUM, FLAGS, Server, need_browser

import simulate
from simulate.outputs import save_comparison
from simulate.report.board import write_board
from simulate.study.compare import compare

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
SIZES = {"800 px": (800, 900), "tablet": (768, 1024), "wide": (1300, 1000)}
LETTER = (816 - 2 * 46, 1056)  # CSS pixels of a Letter page inside 12 mm margins

# Figures that must stay whole, and table cells whose content must fit.
LAYOUT = """() => {
  const wide = document.documentElement.scrollWidth - window.innerWidth;
  const split = [...document.querySelectorAll('.n, .fig, td.num .v')]
    .filter(e => e.getClientRects().length > 1).map(e => e.textContent);
  const spill = [...document.querySelectorAll('td, th')]
    .filter(c => c.scrollWidth > c.clientWidth + 1 && getComputedStyle(c).overflow === 'visible')
    .map(c => c.textContent.trim().slice(0, 40));
  return {wide, split, spill};
}"""


def violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page: 'rule: first targets'."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(content=AXE)
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
          .filter(v => v.impact === 'serious' || v.impact === 'critical')
          .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))"""
    )
    return list(found)


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    sync_playwright = need_browser()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def comparison_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's four arrangements compared over two years: report.html, board.html."""
    out = tmp_path_factory.mktemp("compared")
    names = ["traditional", "mcl_teams", "mcl_residents_tutors", "mcl_within_budget"]
    specs = [simulate.load_scenario(Path("scenarios") / f"{n}.yaml") for n in names]
    save_comparison(compare(specs, seed=0, replications=2), out)
    return out


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, chromium: Any) -> Iterator[tuple[str, list]]:
    """A workspace with my school (today and MCL teams), a comparison and a budget run; the
    app's pages to check."""
    workspace = tmp_path_factory.mktemp("ws")
    server = Server(workspace)
    context = chromium.new_context()
    page = context.new_page()
    try:
        page.goto(server.url + "/new")
        page.fill("input[name=enrollment]", "480")
        with page.expect_navigation():
            page.click("text=Create")
        slug = sorted(p.stem for p in (workspace / "scenarios").glob("*.yaml"))[0]
        page.goto(server.url + "/compare")
        page.fill("input[name=replications]", "2")
        with page.expect_navigation():
            page.click("#start-compare")
        page.locator("#run-status", has_text="done").wait_for(timeout=120_000)
        run = page.url.split(server.url, 1)[1]
        page.goto(server.url + f"/budget?scenario={slug}")
        page.fill("input[name=replications]", "1")
        with page.expect_navigation():
            page.click("#start-budget")
        page.locator("#run-status", has_text="done").wait_for(timeout=120_000)
        budget = page.url.split(server.url, 1)[1]
        paths = ["/", "/new", "/compare", "/budget", f"/scenarios/{slug}", run, budget]
        paths += [f"{run}/files/board.html", f"/levers/{slug}"]
        yield server.url, paths
    finally:
        context.close()
        server.stop()


@pytest.mark.slow
def test_every_app_page_is_accessible_and_readable_at_every_width(
    chromium: Any, served: tuple[str, list]
) -> None:
    url, paths = served
    problems = survey(chromium, {path: url + path for path in paths}, "networkidle")
    assert not problems, json.dumps(problems, indent=1)


@pytest.mark.slow
def test_the_report_is_accessible_and_readable_at_800_px_and_on_a_tablet(
    chromium: Any, comparison_files: Path
) -> None:
    names = ("report.html", "board.html")
    problems = survey(chromium, {n: (comparison_files / n).as_uri() for n in names}, "load")
    assert not problems, json.dumps(problems, indent=1)


def survey(chromium: Any, pages: dict[str, str], loaded: str) -> dict[str, Any]:
    """What is wrong with each page at each of SIZES (axe-core's findings at 800 px)."""
    problems = {}
    for size, (width, height) in SIZES.items():
        context = chromium.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
        page = context.new_page()
        for name, url in pages.items():
            page.goto(url)
            page.wait_for_load_state(loaded)
            layout = page.evaluate(LAYOUT)
            found = violations(page) if size == "800 px" else []
            if found or layout["wide"] > 0 or layout["split"] or layout["spill"]:
                problems[f"{name} at {size}"] = {"axe": found, **layout}
        context.close()
    return problems


@pytest.mark.slow
def test_the_board_summary_prints_on_one_page_and_the_report_prints_whole(
    chromium: Any, comparison_files: Path, tmp_path: Path
) -> None:
    context = chromium.new_context(viewport={"width": LETTER[0], "height": LETTER[1]})
    page = context.new_page()
    page.emulate_media(media="print")
    page.goto((comparison_files / "board.html").as_uri())
    assert page_count(page.pdf(format="Letter", print_background=True)) == 1
    layout = page.evaluate(LAYOUT)
    assert (layout["wide"], layout["split"], layout["spill"]) == (0, [], [])
    page.goto((comparison_files / "report.html").as_uri())
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)  # the charts draw at the page's width
    layout = page.evaluate(LAYOUT)
    assert (layout["wide"], layout["split"]) == (0, [])
    plots = page.evaluate(
        "[...document.querySelectorAll('.plot .main-svg')]"
        ".map(s => s.getBoundingClientRect().right)"
    )
    assert plots and max(plots) <= LETTER[0]
    assert page_count(page.pdf(format="Letter")) > 1
    context.close()


def test_a_board_summary_of_ten_scenarios_is_still_written(tmp_path: Path) -> None:
    """Many columns make a longer page, never an error (its pages are not counted here)."""
    base = simulate.load_scenario(Path("scenarios") / "traditional.yaml")
    specs = [base.model_copy(update={"name": f"Copy {k}"}) for k in range(10)]
    written = write_board(compare(specs, seed=0, replications=1), tmp_path / "board.html")
    assert written.read_text(encoding="utf-8").count('<th scope="col" class="num">') == 20


@pytest.mark.slow
def test_levers_answer_from_the_keyboard(chromium: Any, served: tuple[str, list]) -> None:
    """Tab to a lever and tick it with the space bar: its effect appears, then is refined."""
    url, paths = served
    levers = next(p for p in paths if p.startswith("/levers/"))
    context = chromium.new_context(viewport={"width": 800, "height": 900})
    page = context.new_page()
    page.goto(url + levers)
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "lever":
            break
    assert page.evaluate("document.activeElement.value") == "tutor_per_team"
    page.keyboard.press("Space")
    page.locator("#effects-table").wait_for(timeout=60_000)
    assert "tutor positions added" in page.inner_text("#effects")
    page.locator("#effects-years", has_text="From 20 simulated years").wait_for(timeout=240_000)
    context.close()
