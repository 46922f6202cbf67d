"""The key-inputs workbook of a middle or high school: the period day, its courses and the
periods of each role are on their own sheets, read back with the same checks as every row."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import BUNDLED, data
from test_app import client
from test_keyinputs import cli, edited, import_, make_template

import simulate
from simulate.engine.core import Engine
from simulate.keyinputs.values import convert
from simulate.keyinputs.workbook import read
from simulate.schema.fields import describe
from simulate.schema.loading import validate

SECONDARY = [p for p in BUNDLED if p.stem.startswith(("middle_", "high_"))]
ELEMENTARY_SHEETS = [
    "About",
    "School",
    "Tiers",
    "Roles",
    "Pay scale",
    "Teams",
    "Funding",
    "One-offs",
    "Budget",
    "Base",
]
MATH_6 = "schools[0].periods.courses[3]"  # Math 6, the fourth course of the middle school


def rows(sheet: Any) -> dict[str, tuple[Any, ...]]:
    """A sheet's rows by their key (column A)."""
    return {r[0].value: r for r in sheet.iter_rows() if r[0].value}


def set_cell(book: Any, sheet: str, key: str, column: int, value: Any) -> None:
    rows(book[sheet])[key][column].value = value


def test_a_middle_school_template_shows_its_period_day_with_the_bundled_values(
    tmp_path: Path,
) -> None:
    book = openpyxl.load_workbook(make_template(tmp_path, "middle_mcl_teams"))
    assert book.sheetnames[:5] == ["About", "School", "Period day", "Courses", "Role periods"]

    day = rows(book["Period day"])
    shown = {key: (r[2].value, r[3].value) for key, r in day.items() if key != "Key"}
    at = "schools[0].periods."
    assert shown == {
        at + "periods_per_day": (7, "periods per day"),
        at + "period_minutes": (50, "minutes"),
        at + "cover_periods_per_week": (2, "periods per week"),
        at + "class_absence_rates": (
            "0.045, 0.03, 0.025, 0.025, 0.03, 0.035, 0.045",
            "share (0-1)",
        ),
        "coverage.period_rate": (45.38, "$"),
    }
    cover = day[at + "cover_periods_per_week"]
    assert (
        cover[4].value
        == describe(at + "cover_periods_per_week").allowed()
        == ("0 to 40; whole number")
    )
    assert cover[5].value.startswith("Most periods a week a teacher covers")
    assert cover[6].value.startswith("[assumption] UFT (New York City)")
    assert day["coverage.period_rate"][6].value.startswith("[public] New York City's")
    checks = {str(r.sqref): r for r in book["Period day"].data_validations.dataValidation}
    assert (checks["C4"].type, checks["C4"].formula1, checks["C4"].formula2) == ("whole", "0", "40")

    courses = book["Courses"]
    assert [c.value for c in courses[1]][:7] == [
        "Key",
        "Course",
        "Taught by team",
        "Grades (blank: all)",
        "Need tiers (blank: all)",
        "Class-size cap (students a section)",
        "Tutoring period",
    ]
    listed = {k: r for k, r in rows(courses).items() if k.startswith("schools[0]")}
    assert len(listed) == 15
    assert [listed[MATH_6][c].value for c in range(1, 7)] == [
        "Math 6",
        "Math",
        "6",
        None,
        22,
        False,
    ]
    assert {r[5].value for r in listed.values()} == {22}
    assert listed[MATH_6][7].value.startswith("[public] Florida Constitution")
    cap = next(r for r in courses.data_validations.dataValidation if str(r.sqref).startswith("F3:"))
    assert (cap.type, cap.formula1, cap.formula2) == ("whole", "1", "60")

    periods = rows(book["Role periods"])
    assert [c.value for c in book["Role periods"][1]][1:7] == [
        "Instruction periods",
        "Small-group periods",
        "Coaching periods",
        "Planning periods",
        "Collaboration periods",
        "Supervision periods",
    ]
    by_role = {k: [c.value for c in r[1:7]] for k, r in periods.items() if k.startswith("roles.")}
    assert by_role == {  # the roles that work in periods; the coach and principal in minutes
        "roles.teacher.periods": [5, None, None, 2, None, None],
        "roles.mcl.periods": [4, None, 2, 1, None, None],
        "roles.team_teacher.periods": [5, None, None, 2, None, None],
    }
    assert book["Role periods"]["B2"].value.startswith("periods per day; 0 to 12")

    school = rows(book["School"])
    assert school["schools[0].classrooms"][1].value.startswith("Cohorts")
    assert not any(r[1].value == "Classrooms (homerooms)" for r in school.values())
    assert book["Teams"]["D1"].value.startswith("Cohorts per team")


def test_edited_period_figures_become_exactly_those_changes(tmp_path: Path) -> None:
    def edit(book: Any) -> None:
        set_cell(book, "Period day", "schools[0].periods.cover_periods_per_week", 2, 3)
        set_cell(book, "Courses", MATH_6, 5, 25)
        set_cell(book, "Role periods", "roles.teacher.periods", 1, 6)  # instruction
        set_cell(book, "Role periods", "roles.teacher.periods", 4, 1)  # planning

    book = edited(make_template(tmp_path, "middle_mcl_teams"), edit)
    result, out = import_(tmp_path, book)
    assert result.exit_code == 0, result.stderr
    assert "4 field(s) changed" in result.output
    got = simulate.load_scenario(out)
    want = data("middle_mcl_teams")
    want["schools"][0]["periods"]["cover_periods_per_week"] = 3
    want["schools"][0]["periods"]["courses"][3]["class_size_cap"] = 25
    want["roles"]["teacher"]["periods"] = {"instruction": 6, "planning": 1}
    expected = validate(want, "<expected>")
    assert got.model_copy(update={"notes": {}}) == expected.model_copy(update={"notes": {}})
    # the figures typed anew are noted as the school's own, where they were typed
    for path, cell in (
        ("schools[0].periods.cover_periods_per_week", "Period day!C4"),
        (f"{MATH_6}.class_size_cap", "Courses!F6"),
        ("roles.teacher.periods.instruction", "Role periods!B3"),
    ):
        assert got.notes[path].kind == "local" and got.notes[path].text.endswith(f"{cell}.")

    # the engine plans with them: subject teachers keep one planning period, and Math 6's
    # sections may now hold 25 (they stay at the cohort's groups of 21-22: the grade's other
    # courses still cap at 22)
    school = Engine(got, 0).schools[0]
    table = school.timetable
    assert table is not None
    for adult in school.adults:
        if adult.role.title == "Subject teacher":
            assert table.periods(adult.index, 0).get("planning") == 1
    math = [s for s, k in enumerate(table.course) if table.day.courses[k].name == "Math 6"]
    assert table.day.courses[3].class_size_cap == 25 and max(table.size()[math]) <= 25


def test_more_periods_a_day_need_a_class_absence_rate_for_each(tmp_path: Path) -> None:
    """Eight periods and the seven rates of the old day: refused at the rates' cell, saying
    what to type; with eight rates typed (percentages too), the day has eight periods."""
    book = make_template(tmp_path, "middle_departmentalized")
    edited(book, lambda b: set_cell(b, "Period day", "schools[0].periods.periods_per_day", 2, 8))
    result, out = import_(tmp_path, book)
    assert result.exit_code == 2 and not out.exists()
    assert result.stderr.strip() == (
        "error: school.xlsx: Period day!C5: schools[0].periods.class_absence_rates: gives 7 "
        "rates for the 8 periods of the day (periods_per_day): give one rate for each period "
        "when the periods change (allowed: 8 rates, one per period, or none)"
    )
    rates = "0.045, 0.03, 0.025, 0.025, 0.03, 0.035, 4%, 4.5%"
    at = "schools[0].periods.class_absence_rates"
    result, out = import_(tmp_path, edited(book, lambda b: set_cell(b, "Period day", at, 2, rates)))
    assert result.exit_code == 0, result.stderr
    day = simulate.load_scenario(out).schools[0].periods
    assert day is not None and day.periods_per_day == 8
    assert day.class_absence_rates == pytest.approx(
        [0.045, 0.03, 0.025, 0.025, 0.03, 0.035, 0.04, 0.045]
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sheet", "key", "column", "value", "expected"),
    [
        (
            "Courses",
            MATH_6,
            5,
            "lots",
            f"Courses!F6: {MATH_6}.class_size_cap: expected a number, got 'lots'",
        ),
        ("Courses", MATH_6, 5, 0, f"Courses!F6: {MATH_6}.class_size_cap: is 0, below the lowest"),
        ("Courses", MATH_6, 2, "Maths", f"Courses!C6: {MATH_6}.team: names team 'Maths'"),
        (
            "Role periods",
            "roles.teacher.periods",
            1,
            "five",
            "Role periods!B3: roles.teacher.periods.instruction: expected a number, got 'five'",
        ),
        (
            "Role periods",
            "roles.teacher.periods",
            1,
            6,  # with 2 planning periods: 8 of 7
            "Role periods!B3: roles.teacher.periods: add up to 8 periods, more than the 7",
        ),
        (
            "Period day",
            "schools[0].periods.cover_periods_per_week",
            2,
            50,
            "Period day!C4: schools[0].periods.cover_periods_per_week: is 50, above the highest",
        ),
        (
            "Period day",
            "schools[0].periods.class_absence_rates",
            2,
            "0.04, lots",
            "Period day!C5: schools[0].periods.class_absence_rates: number 2: expected a number",
        ),
        (
            "Period day",
            "coverage.period_rate",
            2,
            -1,
            "Period day!C6: coverage.period_rate: is -1, below the lowest allowed",
        ),
        (
            "School",
            "schools[0].classrooms",
            2,
            4,
            "School!C7: schools[0].classrooms: is 4, which does not split the school's 3 grades",
        ),
    ],
)
def test_a_bad_period_figure_is_one_line_naming_its_cell(
    tmp_path: Path, sheet: str, key: str, column: int, value: Any, expected: str
) -> None:
    book = make_template(tmp_path, "middle_departmentalized")
    result, out = import_(tmp_path, edited(book, lambda b: set_cell(b, sheet, key, column, value)))
    assert result.exit_code == 2 and not out.exists()
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: school.xlsx: {expected}"), lines


@pytest.mark.slow
@pytest.mark.parametrize("file", SECONDARY, ids=lambda p: p.stem)
def test_every_bundled_secondary_school_shows_its_periods_and_comes_back_the_same(
    file: Path,
) -> None:
    from simulate.keyinputs.workbook import template

    spec = simulate.load_scenario(file)
    content = template(data(file.stem), spec, file.stem)
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert {"Period day", "Courses", "Role periods"} <= set(book.sheetnames)
    shown = {k for k in rows(book["Role periods"]) if k.startswith("roles.")}
    assert shown == {f"roles.{name}.periods" for name, role in spec.roles.items() if role.periods}
    day = spec.schools[0].periods
    assert day is not None
    assert len([k for k in rows(book["Courses"]) if k.startswith("schools[")]) == len(day.courses)
    back = read(content, f"{file.stem}.xlsx")
    assert back.changed == [] and back.scenario == spec


@pytest.mark.parametrize("name", ["traditional", "mcl_teams", "district"])
def test_elementary_workbooks_have_no_period_day(tmp_path: Path, name: str) -> None:
    book = openpyxl.load_workbook(make_template(tmp_path, name))
    assert book.sheetnames == ELEMENTARY_SHEETS
    school = rows(book["School"])
    assert school["schools[0].classrooms"][1].value.endswith("Classrooms (homerooms)")
    assert not any("periods" in key or key == "coverage.period_rate" for key in school)
    assert book["Teams"]["D1"].value == "Classrooms per team"


def test_a_list_of_rates_is_read_from_one_cell() -> None:
    meta = describe("schools[0].periods.class_absence_rates")
    assert meta.kind == "numbers" and meta.unit == "share (0-1)"
    assert convert(meta, "0.05; 4.5%, 0.03") == pytest.approx([0.05, 0.045, 0.03])
    assert convert(meta, 0.05) == [0.05]  # a lone rate Excel stored as a number
    assert convert(meta, "  ") == []  # none


def test_the_app_reads_an_uploaded_secondary_workbook_as_the_command_line_does(
    tmp_path: Path,
) -> None:
    c = client(tmp_path / "ws")
    made = make_template(tmp_path, "middle_mcl_teams")

    def upload(book: Path, name: str) -> Any:
        return c.post("/upload", files={"file": (name, book.read_bytes(), "application/x")})

    good = edited(made, lambda b: set_cell(b, "Courses", MATH_6, 5, 25))
    response = upload(good, "mine.xlsx")
    assert response.status_code == 303, response.text
    slug = response.headers["location"].split("/scenarios/")[1].split("?")[0]
    kept = c.app.state.site.ws.load(slug)[1]  # type: ignore[attr-defined]
    assert kept.schools[0].periods.courses[3].class_size_cap == 25
    page = c.get(f"/scenarios/{slug}").text
    assert 'id="part-Period day"' in page and 'id="part-Role periods"' in page
    # the key-inputs form of the page saves a period figure as the workbook does
    saved = c.post(
        f"/scenarios/{slug}/save", data={"schools[0].periods.class_absence_rates": "4%, 3%"}
    )
    assert saved.status_code == 400 and "gives 2 rates for the 7 periods" in saved.text
    saved = c.post(f"/scenarios/{slug}/save", data={"roles.teacher.periods.planning": "1"})
    assert saved.status_code == 303
    kept = c.app.state.site.ws.load(slug)[1]  # type: ignore[attr-defined]
    assert kept.roles["teacher"].periods == {"instruction": 5, "planning": 1}

    bad = edited(made, lambda b: set_cell(b, "Courses", MATH_6, 5, "lots"))
    refused = upload(bad, "bad.xlsx")
    assert refused.status_code == 400
    assert f"bad.xlsx: Courses!F6: {MATH_6}.class_size_cap: expected a number" in refused.text


def test_the_command_line_template_of_a_high_school_block_day(tmp_path: Path) -> None:
    """A 4x4 block (four 90-minute periods, courses a term each) shows four periods a day."""
    d = data("high_departmentalized")
    d["roles"]["teacher"]["periods"] = {"instruction": 3, "planning": 1}
    d["schools"][0]["periods"].update(periods_per_day=4, period_minutes=90, terms=2)
    d["schools"][0]["periods"].pop("class_absence_rates")
    d["notes"] = {k: v for k, v in d["notes"].items() if "class_absence" not in k}
    source = tmp_path / "block.yaml"
    source.write_text(json.dumps(d), encoding="utf-8")
    book = make_template(tmp_path, str(source))
    day = rows(openpyxl.load_workbook(book)["Period day"])
    assert day["schools[0].periods.periods_per_day"][2].value == 4
    assert day["schools[0].periods.class_absence_rates"][2].value is None  # none: blank
    result, out = import_(tmp_path, book)
    assert result.exit_code == 0 and simulate.load_scenario(out) == simulate.load_scenario(source)
    assert cli("validate", str(out)).exit_code == 0


def test_a_course_row_deleted_and_one_added_make_up_the_courses(tmp_path: Path) -> None:
    """Elective B dropped (its row deleted) and a study-skills course added (a row without a
    key) at the bottom of Courses, as the About sheet says."""
    book = make_template(tmp_path, "middle_departmentalized")
    about = [c.value for c in openpyxl.load_workbook(book)["About"]["A"]]
    assert any("Tiers, Courses, Funding or One-offs" in str(line) for line in about)

    def edit(workbook: Any) -> None:
        courses = workbook["Courses"]
        elective_b = next(r for r in courses.iter_rows() if r[1].value == "Elective B")
        courses.delete_rows(elective_b[0].row)
        courses.append([None, "Study skills", "Electives", None, None, 25, False])

    result, out = import_(tmp_path, edited(book, edit))
    assert result.exit_code == 0, result.stderr
    day = simulate.load_scenario(out).schools[0].periods
    assert day is not None
    names = [c.name for c in day.courses]
    assert "Elective B" not in names and names[-1] == "Study skills" and len(names) == 15
    added = day.courses[-1]
    assert (added.team, added.grades, added.class_size_cap, added.tutoring) == (
        "Electives",
        [],
        25,
        False,
    )
