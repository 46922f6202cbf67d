"""Forms that help while typing: every problem at once, each next to the field or table it
is about, in the command line's words (schema.loading.problems is the one set of rules)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SCENARIOS
from test_app import LINCOLN, client, slugs

from simulate.app.site import field_id
from simulate.schema.errors import InputError
from simulate.schema.loading import load_data, problems, validate


def broken_teams() -> dict:
    data = load_data(SCENARIOS / "mcl_teams.yaml")
    data["schools"][0]["need_tiers"][0]["share"] += 0.05  # shares add up to 1.05
    data["schools"][0]["classrooms"] = 23  # teams hold 24
    data["roles"]["mcl"]["salary"] = "lots"
    return data


def test_problems_finds_every_rule_broken_and_the_command_line_says_the_first() -> None:
    data = broken_teams()
    found = [f"{e.field}: {e.problem}" for e in problems(data, "x.yaml")]
    assert found == [
        "roles.mcl.salary: expected an amount of money, got 'lots'",
        "schools[0].need_tiers: shares add up to 1.05, they must add up to 1",
        "schools[0].teams: teams hold 24 classrooms (count x classrooms) but the school has "
        "23; they must be equal",
    ]
    with pytest.raises(InputError) as first:
        validate(data, "x.yaml")
    assert str(first.value) == str(problems(data, "x.yaml")[0])
    assert problems(load_data(SCENARIOS / "mcl_teams.yaml"), "x.yaml") == []


@pytest.mark.slow
def test_my_school_shows_every_problem_next_to_its_field_as_typed(tmp_path: Path) -> None:
    c = client(tmp_path / "ws")
    form = {
        **LINCOLN,
        "classrooms": "3",
        "tier_share_0": "0.75",
        "teacher_salary": "lots",
        "pilot_grades": "9",
        "funding": "General fund",
    }
    checked = c.post("/new/check", data=form).text
    spans = dict(re.findall(r'id="msg-([a-z_]+)" hx-swap-oob="true">([^<]*)<', checked))
    assert "fewer than the 4 grades" in spans["classrooms"]
    assert "shares add up to 1.05" in spans["tiers"]
    assert "&#39;lots&#39; is not an amount of money" in spans["teacher_salary"]
    assert "names 9, not a grade of the school" in spans["pilot_grades"]
    assert "not a funding line" in spans["funding"]
    assert spans["enrollment"] == spans["name"] == spans["benefits_rate"] == ""
    assert "5 problems" in checked
    created = c.post("/new", data=form)  # the same, all at once, when sent
    assert created.status_code == 400 and slugs(c) == []
    for key in ("classrooms", "tiers", "teacher_salary", "pilot_grades", "funding"):
        assert re.search(rf'id="msg-{key}">[^<]+<', created.text), key
    good = c.post("/new/check", data=LINCOLN).text
    assert 'id="new-error"' not in good and 'id="msg-classrooms" hx-swap-oob="true"><' in good


@pytest.mark.slow
def test_the_key_inputs_show_rules_across_fields_beside_their_tables(tmp_path: Path) -> None:
    c = client(tmp_path / "ws")
    assert c.post("/new", data=LINCOLN).status_code == 303
    teams, _ = slugs(c)
    typed = {
        "schools[0].need_tiers[0].share": "0.75",
        "schools[0].classrooms": "23",
        "roles.mcl.salary": "lots",
    }
    checked = c.post(f"/scenarios/{teams}/check", data=typed).text

    def beside(anchor: str) -> str:
        found = re.search(rf'id="m-{re.escape(anchor)}" hx-swap-oob="true">([^<]*)<', checked)
        assert found, anchor
        return found.group(1)

    assert "shares add up to 1.05" in beside("part-Tiers")
    assert "teams hold 24 classrooms" in beside("part-Teams")
    assert "teams hold 24 classrooms" in beside(field_id("schools[0].classrooms"))
    assert "expected a number, got &#39;lots&#39;" in beside(field_id("roles.mcl.salary"))
    assert beside(field_id("schools[0].enrollment")) == ""
    saved = c.post(f"/scenarios/{teams}/save", data=typed)
    assert saved.status_code == 400
    assert re.search(r'id="m-part-Tiers"[^>]*>[^<]*shares add up to 1.05', saved.text)
