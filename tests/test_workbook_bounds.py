"""Hostile workbooks are refused before they are parsed, with one line naming file and limit.

Each file here is built from a real template and once made `simulate import` (and an upload
to `simulate serve`) take seconds to minutes and up to gigabytes: an XML entity referenced
millions of times, 600,000 rows of notes. Imports run in a process whose address space is
capped, so a regression fails the test instead of exhausting the machine.
"""

from __future__ import annotations

import io
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, data

from simulate.keyinputs.workbook import read, template
from simulate.schema.errors import InputError
from simulate.schema.limits import (
    MAX_WORKBOOK_ELEMENTS,
    MAX_WORKBOOK_PARTS,
    MAX_WORKBOOK_UNPACKED,
)
from simulate.schema.loading import validate

SHEET = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
ROLES = "xl/worksheets/sheet4.xml"  # the Roles sheet of a template
MEMORY = 3 << 30  # bytes of address space an import may map (it needs a few hundred MB)


@pytest.fixture(scope="module")
def book() -> bytes:
    scenario = data("traditional")
    return template(scenario, validate(scenario, "traditional"), "traditional")


def rewritten(book: bytes, part: str, text: str | bytes, extra: int = 0) -> bytes:
    """The workbook with one part replaced (and `extra` empty parts added)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(book)) as old,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new,
    ):
        for info in old.infolist():
            new.writestr(info.filename, text if info.filename == part else old.read(info))
        for k in range(extra):
            new.writestr(f"customXml/item{k}.xml", "<a/>")
    return out.getvalue()


def with_rows(book: bytes, rows: str) -> bytes:
    """The Roles sheet with `rows` added at the end of its data."""
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        sheet = archive.read(ROLES).decode()
    return rewritten(book, ROLES, sheet.replace("</sheetData>", rows + "</sheetData>"))


def stored_as(book: bytes, part: str, name: str, text: str) -> bytes:
    """The workbook with `part` replaced by `text` stored as `name`, the workbook's
    relationships and content types pointing there (openpyxl finds a sheet through them)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(book)) as old,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new,
    ):
        for info in old.infolist():
            data = old.read(info)
            if info.filename in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                data = data.replace(f"/{part}".encode(), f"/{name}".encode())
            if info.filename != part:
                new.writestr(info.filename, data)
        new.writestr(name, text)
    return out.getvalue()


def refused(content: bytes, name: str = "hostile.xlsx") -> str:
    """The one-line message reading the workbook in this process gives (for files that
    cannot hurt the test run if they were accepted)."""
    with pytest.raises(InputError) as refusal:
        read(content, name)
    line = str(refusal.value)
    assert line.startswith(f"{name}: ") and "\n" not in line, line
    return line


def imported(tmp_path: Path, content: bytes, name: str = "hostile.xlsx") -> str:
    """`simulate import` of the workbook in a process with capped memory: exit 2 and one
    line; returns the line."""
    path = tmp_path / name
    path.write_bytes(content)

    def capped() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    done = subprocess.run(
        [sys.executable, "-m", "simulate", "import", str(path), "--out", str(tmp_path / "s.yaml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        preexec_fn=capped,
    )
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    line = done.stderr.strip()
    assert "\n" not in line and "Traceback" not in line, line
    assert line.startswith(f"error: {name}: "), line
    assert not (tmp_path / "s.yaml").exists()
    return line


def test_an_entity_referenced_millions_of_times_is_refused(tmp_path: Path, book: bytes) -> None:
    """A few kilobytes added to a template that expanded to 400 MB of text (a gigabyte of
    memory, seconds of work) under expat's own amplification limit, and were accepted."""
    bomb = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE worksheet [<!ENTITY e "{"x" * 200}">]>'
        f'<worksheet {SHEET}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        + "&e;" * 2_000_000
        + "</t></is></c></row></sheetData></worksheet>"
    )
    content = rewritten(book, "xl/worksheets/sheet1.xml", bomb)
    assert len(content) < len(book) + 10_000  # the file stays small
    line = imported(tmp_path, content)
    assert "xl/worksheets/sheet1.xml declares a document type or entities" in line


def test_an_entity_hidden_in_utf16_is_refused(tmp_path: Path, book: bytes) -> None:
    """Declarations are found by the XML parser, not by searching bytes."""
    text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'
    line = imported(tmp_path, rewritten(book, "docProps/app.xml", text.encode("utf-16")))
    assert "docProps/app.xml declares a document type" in line


def test_600000_rows_of_notes_are_refused_by_the_element_count(tmp_path: Path, book: bytes) -> None:
    """A 3 MB workbook that took 22-29 s to open."""
    rows = "".join(
        f'<row r="{r}"><c r="G{r}" t="inlineStr"><is><t>note</t></is></c></row>'
        for r in range(100, 600_100)
    )
    content = with_rows(book, rows)
    assert len(content) < 5_000_000
    line = refused(content)
    assert f"holds more than {MAX_WORKBOOK_ELEMENTS:,} XML elements" in line
    assert f"at most {MAX_WORKBOOK_ELEMENTS:,} XML elements in all" in line


@pytest.mark.slow
@pytest.mark.parametrize("name", ["xl/worksheets/sheet4.bin", "xl/worksheets/sheet4"])
def test_a_sheet_stored_under_a_name_not_ending_xml_is_checked_all_the_same(
    tmp_path: Path, book: bytes, name: str
) -> None:
    """Only parts named .xml, .rels or .vml were once read before parsing: the same entity,
    or 65,000 rows, in a sheet stored as sheet4.bin reached openpyxl (a 43 KB workbook took
    seven seconds and 700 MB; 250,000 rows took 26 s), which finds sheets by relationship."""
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        sheet = archive.read(ROLES).decode()
    cell = (
        '<row r="100"><c r="G100" t="inlineStr"><is><t>' + "&e;" * 200_000 + "</t></is></c></row>"
    )
    declared = f'<!DOCTYPE worksheet [<!ENTITY e "{"x" * 200}">]>'
    bomb = declared + sheet.replace("</sheetData>", cell + "</sheetData>")
    line = imported(tmp_path, stored_as(book, ROLES, name, bomb))
    assert f"{name} declares a document type or entities" in line
    rows = "".join(
        f'<row r="{r}"><c r="G{r}" t="inlineStr"><is><t>note</t></is></c></row>'
        for r in range(100, 65_100)
    )
    many = sheet.replace("</sheetData>", rows + "</sheetData>")
    line = refused(stored_as(book, ROLES, name, many))
    assert f"holds more than {MAX_WORKBOOK_ELEMENTS:,} XML elements" in line


def test_a_part_that_is_not_xml_is_counted_not_parsed(book: bytes) -> None:
    """A workbook saved by Excel may hold an image or printer settings: still read."""
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    content = io.BytesIO(book)
    with zipfile.ZipFile(content, "a") as archive:
        archive.writestr("xl/media/image1.png", png)
        archive.writestr("xl/printerSettings/printerSettings1.bin", b"\xff\xfe<\x00" + png)
    read_back = read(content.getvalue(), "with an image.xlsx")
    assert read_back.scenario == read(book, "plain.xlsx").scenario


def test_a_part_that_inflates_beyond_the_limit_is_refused(tmp_path: Path, book: bytes) -> None:
    """One cell of 25 MB: a few tens of kilobytes zipped."""
    cell = f'<row r="100"><c r="G100" t="inlineStr"><is><t>{"x" * 25_000_000}</t></is></c></row>'
    content = with_rows(book, cell)
    assert len(content) < 100_000
    line = refused(content)
    assert f"unpacks to more than {MAX_WORKBOOK_UNPACKED:,} bytes" in line
    assert f"at most {MAX_WORKBOOK_UNPACKED:,} bytes unpacked" in line


def test_too_many_parts_are_refused(tmp_path: Path, book: bytes) -> None:
    line = refused(rewritten(book, "", "", extra=MAX_WORKBOOK_PARTS))
    assert f"at most {MAX_WORKBOOK_PARTS:,} parts" in line


@pytest.mark.parametrize(
    "part", ["xl/worksheets/sheet2.xml", "xl/styles.xml", "[Content_Types].xml"]
)
def test_a_part_that_is_not_well_formed_is_not_a_workbook(
    tmp_path: Path, book: bytes, part: str
) -> None:
    line = refused(rewritten(book, part, "<worksheet><unclosed></worksheet>"))
    assert line.endswith("is not an Excel workbook (allowed: an .xlsx file)")


@pytest.mark.slow
def test_the_largest_real_workbooks_are_within_the_limits(book: bytes) -> None:
    """A district of 500 schools written out (the most the limits allow) stays well inside."""
    from simulate.keyinputs import bounds
    from simulate.schema.limits import MAX_SCHOOLS

    scenario = data("district")
    scenario["schools"] = [
        {**scenario["schools"][1], "name": f"School {k}", "copies": 1} for k in range(MAX_SCHOOLS)
    ]
    for school in scenario["schools"]:
        school["enrollment"] = min(school["enrollment"], 400)
    big = template(scenario, validate(scenario, "district"), "district")
    bounds.check(big, "district.xlsx")
    bounds.check(book, "traditional.xlsx")
