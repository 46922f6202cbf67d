"""The key-inputs workbook: `simulate template` and `simulate import`."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import BUNDLED, SCENARIOS

import simulate
from simulate.cli import main
from simulate.keyinputs.workbook import read, template
from simulate.schema.fields import describe
from simulate.schema.loading import load_data, validate
from simulate.schema.notes import without
from simulate.workbook import ZIP_TIME


def cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def make_template(tmp_path: Path, source: str, name: str = "school.xlsx") -> Path:
    out = tmp_path / name
    result = cli("template", "--from", source, "--out", str(out))
    assert result.exit_code == 0, result.output + result.stderr
    return out


def import_(tmp_path: Path, book: Path, *options: str) -> Any:
    out = tmp_path / "school.yaml"
    return cli("import", str(book), "--out", str(out), "--force", *options), out


def edited(book: Path, edit: Any) -> Path:
    workbook = openpyxl.load_workbook(book)
    edit(workbook)
    workbook.save(book)
    return book


@pytest.mark.slow
@pytest.mark.parametrize("file", BUNDLED, ids=lambda p: p.stem)
def test_round_trip_gives_the_same_scenario(tmp_path: Path, file: Path) -> None:
    book = make_template(tmp_path, str(file))
    result, out = import_(tmp_path, book)
    assert result.exit_code == 0, result.stderr
    assert "0 field(s) changed" in result.output
    assert simulate.load_scenario(out) == simulate.load_scenario(file)
    assert "# The workbook changed no field." in out.read_text(encoding="utf-8")


def test_bundled_names_work_and_the_same_scenario_gives_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = make_template(tmp_path, "mcl_teams", "a.xlsx").read_bytes()
    later = time.time() + 3 * 86400  # another day: zip entries and document dates would differ
    monkeypatch.setattr(time, "time", lambda: later)
    second = make_template(tmp_path, "mcl_teams", "b.xlsx").read_bytes()
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {ZIP_TIME}


def test_the_sheets_hold_plain_values_with_drop_downs_and_checks(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(make_template(tmp_path, "mcl_residents_tutors"))
    assert book.sheetnames[:9] == [
        "About",
        "School",
        "Tiers",
        "Roles",
        "Pay scale",
        "Teams",
        "Funding",
        "One-offs",
        "Budget",
    ]
    assert book["Base"].sheet_state == "veryHidden"
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)
    roles = book["Roles"]
    header = [c.value for c in roles[1]]
    assert header[:3] == ["Key", "Title", "Salary"] and header[-1] == "Source/notes"
    assert roles["A3"].value == "roles.teacher" and roles["C3"].value == 72030
    rules = {str(rule.sqref): rule for rule in roles.data_validations.dataValidation}
    salary = rules[
        f"C3:C{2 + len(simulate.load_scenario(SCENARIOS / 'mcl_residents_tutors.yaml').roles) + 20}"
    ]
    assert (salary.type, salary.operator, salary.formula1) == ("decimal", "greaterThanOrEqual", "0")
    funding = {
        str(r.sqref).split(":")[0]: r for r in book["Funding"].data_validations.dataValidation
    }
    assert funding["C3"].type == "list" and funding["C3"].formula1 == '"recurring,grant"'
    # each of the bundled district's recurring lines says so where the planner types theirs
    lines = book["Funding"]
    said = [c.value for c in lines[1]].index("Source/notes")
    recurring = [r for r in lines.iter_rows(min_row=3, values_only=True) if r[2] == "recurring"]
    assert len(recurring) == 3
    assert all("The bundled district's" in r[said] and "not yours" in r[said] for r in recurring)
    form = book["School"]
    assert [c.value for c in form[1]] == [
        "Key",
        "Field",
        "Value",
        "Unit",
        "Allowed",
        "Help",
        "Source/notes",
    ]
    enrollment = next(r for r in form.iter_rows(min_row=2) if r[0].value == "schools[0].enrollment")
    assert enrollment[2].value == 600
    assert enrollment[4].value == describe("schools[0].enrollment").allowed()
    assert enrollment[5].value == describe("schools[0].enrollment").help


def test_edited_values_become_overrides_and_only_they_change(tmp_path: Path) -> None:
    book = make_template(tmp_path, "mcl_teams")

    def edit(workbook: Any) -> None:
        roles = workbook["Roles"]
        row = next(r for r in roles.iter_rows(min_row=3) if r[0].value == "roles.mcl")
        row[3].value = 15000  # supplement
        workbook["Funding"].append(
            [None, "Local foundation", "grant", 40000, None, None, None, 1, 2]
        )
        workbook["Funding"].delete_rows(4)  # the per-pupil allocation (budget.funding[1])

    result, out = import_(tmp_path, edited(book, edit))
    assert result.exit_code == 0, result.stderr
    got = simulate.load_scenario(out)
    base = simulate.load_scenario(SCENARIOS / "mcl_teams.yaml")
    assert got.roles["mcl"].supplement == 15000
    assert [f.name for f in got.budget.funding] == [
        base.budget.funding[0].name,
        base.budget.funding[2].name,
        base.budget.funding[3].name,
        "Local foundation",
    ]
    assert got.budget.funding[3].end_year == 2 and got.budget.funding[3].amount == 40000
    same = {"roles": base.roles, "budget": base.budget, "notes": base.notes}
    assert got.model_copy(update=same) == base
    # notes follow their figures: the removed line's go with it, the others move with theirs,
    # and what was typed anew is noted as the school's own
    title_i = "budget.funding[{}].per_eligible_pupil"
    assert got.notes[title_i.format(1)] == base.notes[title_i.format(2)]
    assert got.notes["budget.funding[2]"] == base.notes["budget.funding[3]"]
    assert "budget.funding[3]" not in got.notes and "budget.funding[0].amount" in got.notes
    for path in ("roles.mcl.supplement", "budget.funding[3].amount"):
        assert got.notes[path].kind == "local" and "typed in school.xlsx: " in got.notes[path].text
    edited_here = ("budget.funding", "roles.mcl.supplement")
    assert {k: v for k, v in got.notes.items() if not k.startswith(edited_here)} == {
        k: v for k, v in base.notes.items() if not k.startswith(edited_here)
    }
    text = out.read_text(encoding="utf-8")
    assert "#   roles.mcl.supplement\n#   budget.funding\n" in text


def test_sheet_values_win_over_another_base(tmp_path: Path) -> None:
    """Imported over a base whose key inputs differ, the sheet's values are what count."""
    book = make_template(tmp_path, "traditional")
    other = load_data(SCENARIOS / "traditional.yaml")
    other["roles"]["teacher"]["salary"] = 50_000
    other["schools"][0]["enrollment"] = 480
    other["budget"]["projection"]["salary_growth"] = 0.0
    other["budget"]["funding"] = other["budget"]["funding"][:1]  # rows 2-3 come back as new
    other["notes"] = without(other["notes"], ["budget.funding[1]", "budget.funding[2]"])
    base_file = tmp_path / "other.yaml"
    base_file.write_text(json.dumps(other), encoding="utf-8")
    result, out = import_(tmp_path, book, "--base", str(base_file))
    assert result.exit_code == 0, result.stderr
    assert simulate.load_scenario(out) == simulate.load_scenario(SCENARIOS / "traditional.yaml")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda b: b["Roles"].__setitem__("C4", "lots"),
            "school.xlsx: Roles!C4: roles.building_coach.salary: expected a number, got 'lots'",
        ),
        (
            lambda b: b["Roles"].__setitem__("C4", "=C3*2"),
            "school.xlsx: Roles!C4: roles.building_coach.salary: holds a formula",
        ),
        (
            lambda b: b["Roles"].__setitem__("C4", -5),
            "school.xlsx: Roles!C4: roles.building_coach.salary: is -5, below the lowest allowed",
        ),
        (
            lambda b: b["Tiers"].__setitem__("C3", 0.5),
            "school.xlsx: Tiers!C3:C5: schools[0].need_tiers: shares add up to 0.85",
        ),
        (
            lambda b: b["Teams"].__setitem__("C3", 5),
            "school.xlsx: Teams!C3: schools[0].teams: teams hold 20 classrooms",
        ),
        (
            lambda b: b["Roles"].insert_cols(3),
            "school.xlsx: Roles!C1: column header is empty, expected 'Salary'",
        ),
        (
            lambda b: b["Roles"].__setitem__("A4", "roles.coach"),
            "school.xlsx: Roles!A4: roles.coach: is not a key of this sheet",
        ),
        (
            lambda b: b["School"].__setitem__("C6", "many"),
            "school.xlsx: School!C6: schools[0].enrollment: expected a number",
        ),
    ],
)
def test_problems_name_the_sheet_and_cell(tmp_path: Path, edit: Any, expected: str) -> None:
    book = edited(make_template(tmp_path, "traditional"), edit)
    result, out = import_(tmp_path, book)
    assert result.exit_code == 2, result.output
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_not_a_workbook_and_missing_base_are_clear(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_text("name: not excel\n", encoding="utf-8")
    result, _ = import_(tmp_path, junk)
    assert result.exit_code == 2 and "junk.xlsx: is not an Excel workbook" in result.stderr
    bare = tmp_path / "bare.xlsx"
    openpyxl.Workbook().save(bare)
    result, _ = import_(tmp_path, bare)
    assert result.exit_code == 2 and "bare.xlsx: carries no base scenario" in result.stderr


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    data = load_data(SCENARIOS / "traditional.yaml")
    data["name"] = '=HYPERLINK("http://example.invalid","click")'
    data["roles"]["teacher"]["title"] = "@SUM(A1:A9)"
    scenario = validate(json.loads(json.dumps(data)), "<test>")
    content = template(data, scenario, "a test")
    book = openpyxl.load_workbook(io.BytesIO(content))
    cell = next(r[2] for r in book["School"].iter_rows(min_row=2) if r[0].value == "name")
    assert cell.data_type == "s" and cell.value == data["name"]
    assert read(content, "t.xlsx").scenario == scenario


def test_existing_out_files_are_kept(tmp_path: Path) -> None:
    book = make_template(tmp_path, "traditional")
    again = cli("template", "--out", str(book))
    assert again.exit_code == 2 and "file exists" in again.stderr
    assert cli("template", "--out", str(book), "--force").exit_code == 0
    missing = cli("template", "--from", "tradition", "--out", str(tmp_path / "x.xlsx"))
    assert missing.exit_code == 2 and "did you mean 'traditional'" in missing.stderr


def test_a_salary_schedule_typed_in_the_workbook_pays_the_role(tmp_path: Path) -> None:
    """The district's schedule: rows added to Pay scale for the classroom teacher, whose
    salary is set to 0 on Roles; left there, the salary and the schedule clash, said at the
    salary's cell."""
    book = make_template(tmp_path, "traditional")

    def schedule(workbook: Any, blank: bool = True) -> None:
        pay = workbook["Pay scale"]
        for k, (step, lane, amount, staff) in enumerate(
            [(1, "BA", "$46,000", 6), (5, "BA", "$52,000", 10), (10, "MA", "$64,000", 8)]
        ):
            pay.append(
                [
                    f"roles.teacher.salary_schedule[{k}]",
                    step,
                    lane,
                    amount,
                    staff,
                    "district HR, 2026-27 salary schedule",
                ]
            )
        if blank:
            row = next(
                r for r in workbook["Roles"].iter_rows(min_row=3) if r[0].value == "roles.teacher"
            )
            row[2].value = 0

    clash = tmp_path / "clash.xlsx"
    clash.write_bytes(book.read_bytes())
    result, _ = import_(tmp_path, edited(clash, lambda b: schedule(b, blank=False)))
    assert result.exit_code == 2
    assert "clash.xlsx: Roles!C3: roles.teacher.salary: is 72030 and the role has a " in (
        result.stderr
    )
    result, out = import_(tmp_path, edited(book, schedule))
    assert result.exit_code == 0, result.stderr
    spec = simulate.load_scenario(out)
    teacher = spec.roles["teacher"]
    assert teacher.salary == 0 and [s.salary for s in teacher.salary_schedule] == [
        46000,
        52000,
        64000,
    ]
    assert spec.notes["roles.teacher.salary_schedule[0]"].source == (
        "district HR, 2026-27 salary schedule"
    )
    items = simulate.run(spec, seed=0).budget
    line = items[items["item"] == "Classroom teacher salaries"].iloc[0]
    assert line["unit_cost"] == pytest.approx((6 * 46000 + 10 * 52000 + 8 * 64000) / 24, abs=0.01)
