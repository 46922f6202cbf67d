"""Sources reach what a planner hands on: a note typed in the key-inputs workbook appears in
budget.xlsx (the Sources sheet, line by line) and in report.html, next to its figure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner

import simulate
from simulate.cli import main

HR = "district HR, 2026-27 salary schedule"


def cli(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output + result.stderr
    return result


def roles_row(book: Any, key: str) -> tuple[Any, ...]:
    sheet = book["Roles"]
    return next(r for r in sheet.iter_rows(min_row=3) if r[0].value == key)


def test_a_note_typed_in_the_workbook_reaches_budget_xlsx_and_the_report(tmp_path: Path) -> None:
    book_file = tmp_path / "school.xlsx"
    cli("template", "--from", "traditional", "--out", str(book_file))
    book = openpyxl.load_workbook(book_file)
    row = roles_row(book, "roles.teacher")
    header = [c.value for c in book["Roles"][1]]
    salary, notes = header.index("Salary"), header.index("Source/notes")
    shown = row[notes].value
    assert "Salary: [public] NEA, Rankings of the States 2024" in shown  # the bundled note
    row[salary].value = "$58,000"  # as a planner types it
    row[notes].value = "\n".join(
        f"Salary: {HR}" if line.startswith("Salary:") else line for line in shown.splitlines()
    )
    # a figure changed with its note left as it was: noted as the school's own
    coach = roles_row(book, "roles.building_coach")
    coach[salary].value = 61000
    book.save(book_file)
    scenario_file = tmp_path / "mine.yaml"
    cli("import", str(book_file), "--out", str(scenario_file))
    mine = simulate.load_scenario(scenario_file)
    assert mine.roles["teacher"].salary == 58000
    note = mine.notes["roles.teacher.salary"]
    assert (note.kind, note.source) == ("local", HR)
    coach_note = mine.notes["roles.building_coach.salary"]
    assert coach_note.kind == "local" and "typed in school.xlsx: Roles!C4" in coach_note.text
    bundled = simulate.load_scenario(Path("scenarios/traditional.yaml"))
    assert mine.notes["roles.teacher.absence_rate"] == bundled.notes["roles.teacher.absence_rate"]

    mine_file = tmp_path / "mine-named.yaml"
    mine_file.write_text(
        scenario_file.read_text(encoding="utf-8").replace(f"name: {mine.name}", "name: Our pay"),
        encoding="utf-8",
    )
    out = tmp_path / "cmp"
    cli("compare", "scenarios/traditional.yaml", str(mine_file), "--out", str(out), "-r", "1")
    sheet = openpyxl.load_workbook(out / "budget.xlsx")["Sources"]
    rows = [
        dict(zip([c.value for c in sheet[1]], r, strict=True))
        for r in sheet.iter_rows(min_row=2, values_only=True)
    ]
    ours = {r["figure"]: r for r in rows if r["scenario"] == "Our pay"}
    assert ours["Classroom teacher: salary"]["value"] == "$58,000"
    assert ours["Classroom teacher: salary"]["kind"] == "Own figure"
    assert ours["Classroom teacher: salary"]["source"] == HR
    today = {r["figure"]: r for r in rows if r["scenario"] == bundled.name}
    assert "NEA" in today["Classroom teacher: salary"]["source"]
    assert len(today) == len([r for r in rows if r["scenario"] == "Our pay"]) > 50
    page = (out / "report.html").read_text(encoding="utf-8")
    differing = page[page.index('<section id="assumptions">') : page.index("<h3>Where every")]
    assert "Classroom teacher: salary" in differing and "$58,000" in differing
    assert f"Own figure: {HR}." in differing
    assert "typed in school.xlsx: Roles!C4" in differing  # the coach's salary, noted as typed


def test_simulate_budget_writes_the_sources_sheet(tmp_path: Path) -> None:
    out = tmp_path / "budget"
    cli("budget", "scenarios/mcl_teams.yaml", "--out", str(out), "-r", "1")
    sheet = openpyxl.load_workbook(out / "budget.xlsx")["Sources"]
    figures = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    supplement = figures["Multi-classroom leader: supplement"]
    assert supplement[2] == "$12,040" and "Opportunity Culture dashboard" in supplement[4]
