"""The key-inputs workbook: `simulate template` writes it, `simulate import` reads it back.

One sheet per part of the key inputs (simulate.keyinputs.parts), an About sheet first, and
the whole base scenario as JSON in a hidden sheet, so the workbook alone makes a scenario
again. Cells hold plain values, never formulas: text is written as text (a name that starts
with `=` stays a name), and a formula typed into a cell is refused on import. Drop-downs and
min/max checks come from the schema. The same scenario always gives the same bytes: the
document dates and the zip entries' times are fixed.

Import applies what the sheets say over the base scenario (the hidden copy, or `--base`):
only values that differ from the base are written, so an unchanged workbook gives back the
same scenario. A problem names the sheet and cell: `school.xlsx: Roles!C4: roles.principal
.salary: expected a number, got 'lots'`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulate import __version__
from simulate.keyinputs import bounds
from simulate.keyinputs.notes import cell_text, settle
from simulate.keyinputs.parts import Applied, Edited, Input, Part, apply, parts
from simulate.keyinputs.values import ValueProblem, convert
from simulate.schema.errors import InputError
from simulate.schema.fields import FieldMeta
from simulate.schema.loading import validate
from simulate.schema.model import Scenario
from simulate.schema.writing import plain
from simulate.workbook import set_text, workbook_bytes

BASE_SHEET = "Base"
CHUNK = 30_000  # characters of the base's JSON per cell (Excel holds 32,767)
MAX_ROWS = 5_000
EXTRA_ROWS = 20  # rows below a table that keep its drop-downs and checks, for added items

CURRENCY = '"$"#,##0.00'
NOTES = "Source/notes"
FORM_HEADER = ("Key", "Field", "Value", "Unit", "Allowed", "Help", NOTES)
VALUE_COLUMN = 3  # C: where a form's values are
NOTES_COLUMN = 7  # G: where a form's notes are (a table's are in its last column)


@dataclass(frozen=True)
class Imported:
    data: dict[str, Any]  # the scenario as plain data
    scenario: Scenario
    changed: list[str]  # field paths whose values the workbook changed
    base: str  # what the base scenario was


# ---- writing ------------------------------------------------------------------------------
def template(data: dict[str, Any], scenario: Scenario, source: str) -> bytes:
    """The key-inputs workbook of a scenario (`data` as plain data, `scenario` validated)."""
    from openpyxl import Workbook

    book = Workbook()
    about = book.active
    about.title = "About"
    _about(about, scenario, source)
    notes = {key: note for key, note in scenario.notes.items()}
    for part in parts(scenario):
        sheet = book.create_sheet(part.sheet)
        (_table if part.table else _form)(sheet, part, notes)
    base = book.create_sheet(BASE_SHEET)
    base.sheet_state = "veryHidden"
    text = json.dumps({"source": source, "scenario": plain(data)}, ensure_ascii=False)
    for k in range(0, len(text), CHUNK):
        _text_cell(base.cell(row=k // CHUNK + 1, column=1), text[k : k + CHUNK])
    book.properties.creator = f"simulate {__version__}"
    return workbook_bytes(book)


def _about(sheet: Any, scenario: Scenario, source: str) -> None:
    from openpyxl.styles import Font

    shown = parts(scenario)
    courses = any(part.sheet == "Courses" for part in shown)
    growing = "Tiers, Courses, Funding or One-offs" if courses else "Tiers, Funding or One-offs"
    lines = [
        f"Key inputs: {scenario.name}",
        "",
        f"Made by simulate {__version__} from: {source}",
        "Edit the values on the sheets below; keep the Key column as it is (it says where each "
        "value goes). Blank means 'none' where a field allows it.",
        f"Add a row at the bottom of {growing} (leave its Key blank) for "
        "another item; delete a row there to drop its item.",
        f"{NOTES}: where each figure comes from, one note a line: [public], [local] or "
        "[assumption], then the source, then ' | ' and what the figure is. Type your own "
        "source over it (e.g. 'district HR, 2026-27 salary schedule': a note without a kind "
        "is local); in a table, 'Column: ...' notes one column, a line without a column "
        "name the whole row. A figure you change keeps no old note: give it yours, or it is "
        "noted as your own figure typed in this workbook. Notes reach the report and the "
        "Sources sheet of budget.xlsx.",
        "Everything else of the scenario rides along unchanged in this workbook.",
        "Read it back: simulate import THIS-FILE.xlsx --out school.yaml "
        "(or upload it in `simulate serve`).",
        "",
        "Sheets:",
        *(f"{part.sheet}: {part.note}" for part in shown),
    ]
    for k, line in enumerate(lines, start=1):
        _text_cell(sheet.cell(row=k, column=1), line)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 110


def _form(sheet: Any, part: Part, notes: dict[str, Any]) -> None:
    from openpyxl.styles import Font

    _header(sheet, FORM_HEADER)
    for r, row in enumerate(part.rows, start=2):
        item = row.inputs[0]
        _text_cell(sheet.cell(row=r, column=1), row.key).font = Font(color="808080")
        _text_cell(sheet.cell(row=r, column=2), row.label)
        cell = sheet.cell(row=r, column=VALUE_COLUMN)
        _value_cell(cell, item)
        for c, text in enumerate((item.meta.unit, item.meta.allowed(), item.meta.help), start=4):
            _text_cell(sheet.cell(row=r, column=c), text)
        _note_cell(sheet.cell(row=r, column=NOTES_COLUMN), cell_text(notes, row.key, None))
        _check(sheet, item.meta, cell.coordinate, row.label)
    for letter, width in zip("ABCDEFG", (34, 40, 28, 16, 30, 70, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "C2"


def _table(sheet: Any, part: Part, notes: dict[str, Any]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    metas = part.metas
    _header(sheet, ("Key", *(label for _, label in part.columns), "Source/notes"))
    units = ["unit; allowed"] + [
        "; ".join(x for x in (m.unit, m.allowed()) if x) if m else "" for m in metas
    ]
    for c, text in enumerate(units, start=1):
        _text_cell(sheet.cell(row=2, column=c), text).font = Font(italic=True, color="808080")
    for c, meta in enumerate(metas, start=2):
        if meta is not None and meta.help:
            sheet.cell(row=1, column=c).comment = Comment(meta.help, f"simulate {__version__}")
    columns = dict(part.columns)
    for r, row in enumerate(part.rows, start=3):
        _text_cell(sheet.cell(row=r, column=1), row.key).font = Font(color="808080")
        for c, item in enumerate(row.inputs, start=2):
            _value_cell(sheet.cell(row=r, column=c), item)
        note = cell_text(notes, row.key, columns)
        _note_cell(sheet.cell(row=r, column=len(part.columns) + 2), note)
    last = 2 + len(part.rows) + EXTRA_ROWS
    for c, meta in enumerate(metas, start=2):
        letter = get_column_letter(c)
        if meta is not None:
            _check(sheet, meta, f"{letter}3:{letter}{last}", part.columns[c - 2][1])
            if meta.kind == "money":
                for r in range(3, last + 1):
                    sheet.cell(row=r, column=c).number_format = CURRENCY
        sheet.column_dimensions[letter].width = min(max(12, len(part.columns[c - 2][1]) + 2), 40)
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions[get_column_letter(len(metas) + 2)].width = 60
    sheet.freeze_panes = "B3"


def _header(sheet: Any, titles: Sequence[str]) -> None:
    from openpyxl.styles import Font, PatternFill

    fill = PatternFill("solid", start_color="DDEBF7")
    for c, title in enumerate(titles, start=1):
        cell = _text_cell(sheet.cell(row=1, column=c), title)
        cell.font = Font(bold=True)
        cell.fill = fill


def _text_cell(cell: Any, text: str) -> Any:
    """A text cell that stays text: '=1+1' typed as a name is never a formula."""
    if text != "":
        set_text(cell, text)
    return cell


def _note_cell(cell: Any, text: str) -> None:
    from openpyxl.styles import Alignment

    _text_cell(cell, text)
    cell.alignment = Alignment(wrap_text=True, vertical="top")


def _value_cell(cell: Any, item: Input) -> None:
    value, meta = item.value, item.meta
    if value is None:
        return
    if meta.kind in ("list", "numbers"):
        _text_cell(cell, ", ".join(str(v) for v in value))
    elif meta.kind == "text":
        _text_cell(cell, str(value))
    elif meta.kind == "bool":
        cell.value = bool(value)
    else:
        cell.value = plain(value)
        if meta.kind == "money":
            cell.number_format = CURRENCY


def _check(sheet: Any, meta: FieldMeta, cells: str, label: str) -> None:
    """A drop-down or a min/max check on the cells, from the field's description."""
    from openpyxl.worksheet.datavalidation import DataValidation

    if meta.kind == "bool" or meta.choices:
        choices = ("TRUE", "FALSE") if meta.kind == "bool" else meta.choices
        rule = DataValidation(type="list", formula1='"' + ",".join(choices) + '"')
    elif meta.kind in ("int", "float", "money") and (meta.minimum, meta.maximum) != (None, None):
        kind = "whole" if meta.kind == "int" else "decimal"
        low, high = meta.minimum, meta.maximum
        if low is not None and high is not None:
            rule = DataValidation(
                type=kind, operator="between", formula1=_num(low), formula2=_num(high)
            )
        elif low is not None:
            rule = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=_num(low))
        else:
            rule = DataValidation(type=kind, operator="lessThanOrEqual", formula1=_num(high))
    else:
        return
    rule.allow_blank = meta.optional
    rule.showErrorMessage = True
    rule.errorTitle = "Not allowed"
    rule.error = f"{label}: {meta.allowed()}"[:255]
    if meta.help:
        rule.showInputMessage = True
        rule.promptTitle = label[:32]
        rule.prompt = meta.help[:255]
    rule.add(cells)
    sheet.add_data_validation(rule)


def _num(value: float | None) -> str:
    assert value is not None
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# ---- reading ------------------------------------------------------------------------------
def read(content: bytes, name: str, base: tuple[dict[str, Any], str] | None = None) -> Imported:
    """The scenario a key-inputs workbook describes, over `base` (plain data and what it is)
    or else over the copy of the base the workbook carries."""
    book = _open(content, name)
    carried = _carried_base(book, name) if base is None or BASE_SHEET in book.sheetnames else None
    base = base or carried
    assert base is not None
    data, label = json.loads(json.dumps(base[0])), base[1]
    original = json.loads(json.dumps(data))
    before = validate(json.loads(json.dumps(data)), label)
    shown_from = before if carried is None or carried is base else validate(carried[0], carried[1])
    where: dict[str, str] = {}
    changed: list[str] = []
    done = Applied()
    edits = []
    for part in parts(before):
        if part.sheet not in book.sheetnames:
            raise InputError(name, None, f"has no sheet '{part.sheet}'", ", ".join(book.sheetnames))
        sheet = book[part.sheet]
        reader = _table_rows if part.table else _form_rows
        rows = reader(sheet, part, name, label)
        changed += apply(data, before, part, rows, done)
        edits.append((part, rows))
        where |= _final_places(part, rows)
    data["notes"] = settle(original, data, edits, done, name, shown_from)
    if not data["notes"]:
        del data["notes"]
    try:
        scenario = validate(json.loads(json.dumps(data)), name)
    except InputError as err:
        raise _at_cell(err, where, name) from None
    return Imported(data, scenario, changed, label)


def _open(content: bytes, name: str) -> Any:
    from openpyxl import load_workbook

    bounds.check(content, name)  # sizes, parts, elements and entities, before parsing
    try:
        return load_workbook(io.BytesIO(content), data_only=False)
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise InputError(
            name, None, f"is not an Excel workbook ({type(err).__name__})", "an .xlsx file"
        ) from None


def _carried_base(book: Any, name: str) -> tuple[dict[str, Any], str]:
    if BASE_SHEET not in book.sheetnames:
        raise InputError(
            name,
            None,
            f"carries no base scenario (no '{BASE_SHEET}' sheet)",
            "a workbook made by `simulate template`, or give --base SCENARIO",
        )
    cells = [row[0].value for row in book[BASE_SHEET].iter_rows(max_col=1)]
    try:
        carried = json.loads("".join(str(c) for c in cells if c is not None))
        data, source = carried["scenario"], str(carried["source"])
        if not isinstance(data, dict):
            raise ValueError
    except (ValueError, KeyError, TypeError, RecursionError):
        raise InputError(
            name, BASE_SHEET, "the hidden copy of the base scenario is damaged", "--base SCENARIO"
        ) from None
    return data, f"{source} (as carried in {name})"


def _cell_value(cell: Any, place: str, path: str) -> Any:
    if cell.data_type == "f" or type(cell.value).__name__ in ("ArrayFormula", "DataTableFormula"):
        raise InputError(place, path, "holds a formula; type the value itself", "a plain value")
    return cell.value


def _typed(meta: FieldMeta, raw: Any, place: str, path: str) -> Any:
    try:
        return convert(meta, raw)
    except ValueProblem as problem:
        raise InputError(place, path, problem.problem, problem.allowed) from None


def _unknown_key(place: str, key: str, base: str) -> InputError:
    return InputError(
        place,
        key,
        f"is not a key of this sheet over the base {base}",
        "keep the Key column; import over the scenario the workbook was made from",
    )


def _form_rows(sheet: Any, part: Part, name: str, base: str) -> list[Edited]:
    _check_header(sheet, FORM_HEADER[:3], name)
    metas = {row.key: row.inputs[0].meta for row in part.rows}
    rows = []
    for r in range(2, min(sheet.max_row, MAX_ROWS) + 1):
        key = _key(sheet.cell(row=r, column=1).value)
        value_cell = sheet.cell(row=r, column=VALUE_COLUMN)
        place = f"{name}: {part.sheet}!{value_cell.coordinate}"
        raw = _cell_value(value_cell, place, key or part.title)
        if key is None:
            if raw not in (None, ""):
                raise InputError(place, part.title, "a value without a key", "keep the Key column")
            continue
        if key not in metas:
            raise _unknown_key(f"{name}: {part.sheet}!A{r}", key, base)
        note = _note(sheet, r, NOTES_COLUMN)
        rows.append(Edited(key, {"": _typed(metas[key], raw, place, key)}, {"": place}, note=note))
    return rows


def _note(sheet: Any, r: int, column: int) -> str | None:
    """The Source/notes text of a row; None when the sheet has no such column."""
    if str(sheet.cell(row=1, column=column).value or "").strip() != NOTES:
        return None
    value = sheet.cell(row=r, column=column).value
    return "" if value is None else str(value)


def _table_rows(sheet: Any, part: Part, name: str, base: str) -> list[Edited]:
    labels = ("Key", *(label for _, label in part.columns))
    _check_header(sheet, labels, name)
    known = {row.key for row in part.rows}
    rows = []
    for r in range(3, min(sheet.max_row, MAX_ROWS) + 1):
        key = sheet_key = _key(sheet.cell(row=r, column=1).value)
        into = None
        if key is not None and key not in known:
            into = key.rsplit("[", 1)[0]
            if into not in part.lists:  # an item of a list the base has fewer items in is new
                raise _unknown_key(f"{name}: {part.sheet}!A{r}", key, base)
            key = None
        values, where = {}, {}
        for c, ((field, _), meta) in enumerate(zip(part.columns, part.metas, strict=True), 2):
            cell = sheet.cell(row=r, column=c)
            place = f"{name}: {part.sheet}!{cell.coordinate}"
            path = f"{key or (into or part.adds_to or part.title) + '[new]'}.{field}"
            raw = _cell_value(cell, place, path)
            if key is None and raw in (None, ""):
                continue
            values[field], where[field] = _typed(meta, raw, place, path), place
        note = _note(sheet, r, len(part.columns) + 2)
        if key is None and not values:
            continue
        rows.append(Edited(key, values, where, into, note, sheet_key=sheet_key))
    return rows


def _check_header(sheet: Any, labels: Sequence[str], name: str) -> None:
    """Columns are read by position: refuse a sheet whose columns were moved or inserted."""
    for c, label in enumerate(labels, start=1):
        cell = sheet.cell(row=1, column=c)
        found = str(cell.value or "").strip()
        if found != label:
            shown = f"'{found:.60}'" if found else "empty"
            raise InputError(
                f"{name}: {sheet.title}!{cell.coordinate}",
                None,
                f"column header is {shown}, expected '{label}'; columns are read by position, "
                "so keep them as the template wrote them",
            )


def _key(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _final_places(part: Part, rows: list[Edited]) -> dict[str, str]:
    """Field path -> where it was typed, with list rows at their places after the edit."""
    out: dict[str, str] = {}
    position: dict[str, int] = {}
    for row in rows:
        if part.table:
            at = (row.key.rsplit("[", 1)[0] if row.key else part.adds_to) or ""
            if part.lists:
                key = f"{at}[{position.setdefault(at, 0)}]"
                position[at] += 1
            else:
                key = row.key or ""
            out |= {f"{key}.{field}": place for field, place in row.where.items()}
        else:
            out[row.key or ""] = row.where[""]
    return out


def _at_cell(err: InputError, where: dict[str, str], name: str) -> InputError:
    """A validation error told from the cell that holds the field (or the cells below it)."""
    field = err.field or ""
    if field in where:
        return err.at(where[field], field)
    below = {
        path: place for path, place in where.items() if path.startswith((field + ".", field + "["))
    }
    if below:
        named = [place for path, place in below.items() if _last_name(path) in err.problem]
        return err.at(_span(named or list(below.values())), field)
    above = [path for path in where if field.startswith((path + ".", path + "["))]
    if above:
        return err.at(where[max(above, key=len)], field)
    return err.at(f"{name} (a field not on its sheets)", field)


def _last_name(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def _span(places: list[str]) -> str:
    """`book: Tiers!C3` .. `book: Tiers!C5` as `book: Tiers!C3:C5` (cells of one column)."""
    first = places[0]
    head, _, cell = first.rpartition("!")
    column = cell.rstrip("0123456789")
    rows = []
    for place in places:
        h, _, c = place.rpartition("!")
        if h != head or c.rstrip("0123456789") != column:
            return first
        rows.append(int(c[len(column) :]))
    low, high = min(rows), max(rows)
    return first if low == high else f"{head}!{column}{low}:{column}{high}"


def read_file(path: Path, base: tuple[dict[str, Any], str] | None = None) -> Imported:
    """Read a workbook file (InputError for a missing or unreadable file)."""
    try:
        content = path.read_bytes()
    except OSError as err:
        raise InputError(str(path), None, f"cannot be read ({err.strerror or err})") from None
    return read(content, path.name, base)
