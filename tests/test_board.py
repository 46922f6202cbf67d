"""The board summary's key assumptions say where each figure comes from: the scenarios' own
notes, each once, named with its scenarios where they differ (its printing is checked in
Chromium by test_app_a11y)."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from conftest import SCENARIOS

import simulate
from simulate.report.board import render_board
from simulate.schema.model import Note, Scenario
from simulate.study.compare import compare


def sources(board: str) -> dict[str, str]:
    """The board's 'Where these figures come from' list: figure -> its sources, as text."""
    found = board[board.index('id="board-sources"') :]
    found = found[: found.index("</ul>")]
    items = re.findall(r"<li><strong>(.*?)</strong> (.*?)</li>", found)
    return {html.unescape(label): html.unescape(text) for label, text in items}


@pytest.fixture(scope="module")
def pair() -> tuple[Scenario, Scenario]:
    return (
        simulate.load_scenario(SCENARIOS / "traditional.yaml"),
        simulate.load_scenario(SCENARIOS / "mcl_teams.yaml"),
    )


def board(*specs: Scenario) -> str:
    return render_board(compare(list(specs), seed=0, replications=1))


def test_each_key_assumption_names_the_source_its_scenario_gives(
    pair: tuple[Scenario, Scenario],
) -> None:
    today, teams = pair
    said = sources(board(today, teams))
    assert said["Classroom teacher"] == "[public] " + today.notes["roles.teacher.salary"].source
    supplement = teams.notes["roles.mcl.supplement"].source
    assert "Public Impact, Opportunity Culture dashboard" in supplement
    assert f"[public] {supplement}" in said["Multi-classroom leader"]
    assert said["Benefits rate"].startswith("[assumption] ")
    assert set(said) == {
        "Students",
        "Classroom teacher",
        "Instructional coach",
        "Principal",
        "Multi-classroom leader",
        "Team teacher",
        "Benefits rate",
    }


def test_a_figure_noted_differently_is_named_with_its_scenario_and_one_without_a_note_says_so(
    pair: tuple[Scenario, Scenario],
) -> None:
    today, teams = pair
    local = Note(kind="local", source="Lincoln district HR, 2026-27 salary schedule")
    ours = teams.model_copy(update={"notes": {**teams.notes, "roles.principal.salary": local}})
    said = sources(board(today, ours))
    bundled = today.notes["roles.principal.salary"].source
    assert said["Principal"] == (
        f"[assumption] {bundled} ({today.name}); "
        f"[local] Lincoln district HR, 2026-27 salary schedule ({teams.name})"
    )
    bare = today.model_copy(update={"notes": {}})
    assert set(sources(board(bare)).values()) == {"[no source given]"}
    ended = Note(kind="local", source="Given to simulate new.")  # a sentence's own full stop
    dotted = teams.model_copy(update={"notes": {**teams.notes, "roles.principal.salary": ended}})
    said = sources(board(today, dotted))["Principal"]
    assert "[local] Given to simulate new (" in said and ".;" not in said


def test_pay_is_written_in_whole_dollars_only_where_it_has_no_cents(
    pair: tuple[Scenario, Scenario],
) -> None:
    today, _ = pair
    page = board(today)
    assert re.search(r'>24</span> × <span class="n">\$72,030</span>', page)
    teacher = today.roles["teacher"].model_copy(update={"salary": Decimal("72030.50")})
    cents = today.model_copy(update={"roles": {**today.roles, "teacher": teacher}})
    assert "$72,030.50" in board(cents)


def test_one_simulated_year_is_said_in_the_singular(pair: tuple[Scenario, Scenario]) -> None:
    page = board(*pair)
    assert "over one school year " in page and "1 school years" not in page


def test_a_verdict_on_funding_the_school_did_not_give_says_so(
    pair: tuple[Scenario, Scenario],
) -> None:
    """The bundled district's recurring lines are assumptions: the verdict's heading says it
    rests on them; once the school's own lines are given (local notes), it does not."""
    today, teams = pair
    said = re.search(
        r'<h2>Budget verdict <small id="board-funding">(.*?)</small></h2>', board(today, teams)
    )
    assert said is not None
    assert html.unescape(said.group(1)).startswith("on assumed recurring funding, not the school's")
    local = Note(kind="local", source="district budget office, 2026-27")
    ours = {p: local for p in today.notes if p.startswith("budget.funding[")}
    own = today.model_copy(update={"notes": {**today.notes, **ours}})
    assert 'id="board-funding"' not in board(own)
    # as `simulate new --funding` notes them: one note on each line
    kept = {p: n for p, n in today.notes.items() if not p.startswith("budget.funding[")}
    lines = {f"budget.funding[{k}]": local for k in range(len(today.budget.funding))}
    given = today.model_copy(update={"notes": kept | lines})
    assert 'id="board-funding"' not in board(given)


def test_the_benefits_rate_shows_the_rates_of_roles_paid_another(
    pair: tuple[Scenario, Scenario],
) -> None:
    """Residents and tutors carry a 50% benefits rate of their own, which the budget adds to
    their pay: the board gives the range of rates where the scenario's 40% is not the only
    one, and where each rate comes from."""
    today, _ = pair
    tutors = simulate.load_scenario(SCENARIOS / "mcl_residents_tutors.yaml")
    assert tutors.roles["tutor"].benefits_rate == Decimal("0.5") != tutors.budget.benefits_rate
    page = board(today, tutors)
    row = page[page.index('<th scope="row">Benefits rate</th>') :]
    found = re.findall(r'<td class="num">(.*?)</td>', row[: row.index("</tr>")])
    cells = [html.unescape(re.sub("<[^>]+>", "", cell)) for cell in found]
    assert cells == ["40%", "40%–50%"]
    said = sources(page)["Benefits rate"]
    assert tutors.notes["roles.tutor.benefits_rate"].source in said
