"""Sources travel with the data: every figure of a bundled scenario has a note (public with
its source, local, or an assumption), and a note follows the figure it was written for."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BUNDLED, build, data

import simulate
from simulate.schema.errors import InputError
from simulate.schema.loading import apply_overrides
from simulate.schema.notes import carried, figures, note_for


@pytest.mark.parametrize("file", BUNDLED, ids=lambda p: p.stem)
def test_every_figure_of_a_bundled_scenario_has_a_note(file: Path) -> None:
    scenario = simulate.load_scenario(file)
    numbers = figures(scenario)
    assert len(numbers) > 50
    missing = [path for path in numbers if note_for(scenario, path) is None]
    assert missing == []
    for note in scenario.notes.values():
        assert note.kind in ("public", "assumption") and (note.source or note.text)
        assert note.kind != "public" or note.source  # the model refuses a public note without


def test_a_note_covers_the_figures_of_its_section_without_their_own() -> None:
    scenario = simulate.load_scenario(Path("scenarios/traditional.yaml"))
    schedule = note_for(scenario, "roles.teacher.schedule.planning")
    assert schedule is not None and schedule is scenario.notes["roles.teacher.schedule"]
    tier = "schools.0.need_tiers.1"  # list items typed either way
    assert note_for(scenario, f"{tier}.group_size") is scenario.notes["schools[0].need_tiers[1]"]
    assert note_for(scenario, f"{tier}.share") is scenario.notes["schools[0].need_tiers[1].share"]
    salary = note_for(scenario, "roles.teacher.salary")
    assert salary is not None and salary.kind == "public" and "NEA" in salary.source
    assert note_for(scenario, "roles.teacher.homeroom") is None  # a flag, not a figure
    assert note_for(data("traditional"), "roles.teacher.salary") == salary  # plain data too


def test_an_extending_file_keeps_the_base_notes_only_for_figures_it_leaves_alone() -> None:
    today = simulate.load_scenario(Path("scenarios/traditional.yaml"))
    within = simulate.load_scenario(Path("scenarios/mcl_within_budget.yaml"))
    # the calendar is today's: so is its note
    assert within.notes["calendar.school_days"] == today.notes["calendar.school_days"]
    # 18 homerooms, not 24: traditional's note on 24 classrooms must not vouch for them
    classrooms = note_for(within, "schools[0].classrooms")
    assert classrooms is not None and classrooms != today.notes["schools[0].classrooms"]
    assert "Three teams of six homerooms" in classrooms.text
    # the MCL's section note (a teacher's pay and absences) stays; its new schedule has its own
    mcl_teams = simulate.load_scenario(Path("scenarios/mcl_teams.yaml"))
    assert within.notes["roles.mcl"] == mcl_teams.notes["roles.mcl"]
    assert within.notes["roles.mcl.schedule"] != mcl_teams.notes["roles.mcl.schedule"]


def test_a_school_file_carries_its_own_notes() -> None:
    district = simulate.load_scenario(Path("scenarios/district.yaml"))
    oak = note_for(district, "schools[1].enrollment")
    assert oak is not None and "smaller school" in oak.text  # from schools/oak.yaml
    assert (
        note_for(district, "schools[1].need_tiers[2].share")
        == district.notes["schools[1].need_tiers"]
    )


def test_carried_drops_a_note_whose_figure_changed_and_moves_notes_with_list_items() -> None:
    before = data("traditional")
    after = apply_overrides(before, {})
    after["roles"]["teacher"]["salary"] = 58_000
    after["budget"]["funding"] = after["budget"]["funding"][1:]  # the base allotment removed
    moves = {"budget.funding[0]": None, "budget.funding[1]": "budget.funding[0]"}
    moves["budget.funding[2]"] = "budget.funding[1]"
    given = {"roles.teacher.salary": {"kind": "local", "source": "district HR, 2026-27"}}
    notes = carried(before["notes"], before, after, given, moves)
    assert notes["roles.teacher.salary"] == given["roles.teacher.salary"]
    assert notes["budget.funding[0].per_pupil"] == before["notes"]["budget.funding[1].per_pupil"]
    title_i = "budget.funding[{}].per_eligible_pupil"
    assert notes[title_i.format(1)] == before["notes"][title_i.format(2)]
    assert title_i.format(2) not in notes
    assert "budget.funding[0].amount" not in notes  # that line is gone
    scenario = build({**after, "notes": notes})
    assert note_for(scenario, "roles.teacher.absence_rate") is not None
    # without a note of its own, a changed figure has none: never the old one
    bare = carried(before["notes"], before, after, {}, moves)
    assert "roles.teacher.salary" not in bare


def test_an_override_drops_the_notes_of_what_it_sets() -> None:
    out = apply_overrides(data("traditional"), {"roles.teacher.schedule.planning": 30})
    assert "roles.teacher.schedule" not in out["notes"]
    assert "roles.teacher.salary" in out["notes"]
    assert note_for(build(out), "roles.teacher.schedule.planning") is None


@pytest.mark.parametrize(
    ("notes", "field", "problem"),
    [
        (
            {"schools[0].enrolment": {"kind": "local", "source": "x"}},
            "notes.schools[0].enrolment",
            "did you mean 'enrollment'",
        ),
        (
            {"budget.funding[7].amount": {"kind": "assumption", "text": "x"}},
            "notes.budget.funding[7].amount",
            "'7' is not an index of budget.funding",
        ),
        ({"roles.teacher.salary": {"kind": "public"}}, "notes.roles.teacher.salary.source", ""),
        ({"roles.teacher.salary": {"kind": "rumour"}}, "notes.roles.teacher.salary.kind", ""),
        (
            {"roles.teacher.salary": {"kind": "local"}, "roles.teacher.salary.": {}},
            "notes.roles.teacher.salary.",
            "is not a field path",
        ),
    ],
)
def test_a_note_on_no_figure_is_an_input_error_naming_the_file_and_key(
    tmp_path: Path, notes: dict, field: str, problem: str
) -> None:
    lines = ["extends: " + str(Path("scenarios/traditional.yaml").resolve()), "notes:"]
    for key, note in notes.items():
        lines.append(f"  '{key}': {note or '{}'}".replace("'kind'", "kind"))
    file = tmp_path / "mine.yaml"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        simulate.load_scenario(file)
    assert err.value.file == str(file) and err.value.line is not None
    assert err.value.field == field and problem in err.value.problem


def test_a_path_typed_two_ways_is_one_note() -> None:
    d = data("traditional")
    d["notes"]["budget.funding.1.per_pupil"] = {"kind": "local", "source": "x"}
    with pytest.raises(InputError, match="same field as the note on 'budget.funding\\[1\\]"):
        build(d)
    del d["notes"]["budget.funding[1].per_pupil"]
    assert "budget.funding[1].per_pupil" in build(d).notes
