"""Excel workbooks a grant writer can paste from: one sheet per table, numbers stay numbers.

Two rules hold for every workbook the program writes (tables here, templates elsewhere), so
the helpers are public:
- user text is text: `set_text` stores a string cell, never a formula, whatever it starts
  with (a scenario named `=HYPERLINK(...)` stays those characters), and marks text that looks
  like a formula with Excel's quote prefix so that editing the cell keeps it text;
- same inputs, same bytes: `workbook_bytes` gives the document properties and every zip entry
  one fixed date instead of the time of writing (and `write_workbook` writes atomically).
"""

from __future__ import annotations

import io
from collections.abc import Collection, Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from simulate.measures.formats import MONEY_COLUMNS, is_money
from simulate.output import FORMULA_STARTS, write_bytes

CURRENCY = '"$"#,##0.00'
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold
DOCUMENT_TIME = datetime(1980, 1, 1)  # "created" and "modified" of every workbook


def write_workbook(
    path: Path,
    sheets: Mapping[str, pd.DataFrame],
    extra_money: Mapping[str, Collection[str]] | None = None,
) -> Path:
    """Write each DataFrame to its own sheet (see `workbook_data`), atomically."""
    return write_bytes(path, workbook_data(sheets, extra_money))


def workbook_data(
    sheets: Mapping[str, pd.DataFrame],
    extra_money: Mapping[str, Collection[str]] | None = None,
) -> bytes:
    """The .xlsx file of each DataFrame on its own sheet; money columns get a currency format.

    Money columns are those of the one registry (measures.formats), plus, per sheet title,
    any `extra_money` (e.g. a table with one column per scenario)."""
    extra = extra_money or {}
    book = Workbook()
    book.remove(book.active)
    for title, frame in sheets.items():
        sheet = book.create_sheet(title[:31])
        for j, column in enumerate(frame.columns, start=1):
            cell = sheet.cell(row=1, column=j)
            set_text(cell, str(column))
            cell.font = Font(bold=True)
        for i, row in enumerate(frame.itertuples(index=False), start=2):
            for j, value in enumerate(row, start=1):
                set_value(sheet.cell(row=i, column=j), value)
        wanted = MONEY_COLUMNS | set(extra.get(title, ()))
        for j, (column, values) in enumerate(frame.items(), start=1):  # names may repeat
            letter = get_column_letter(j)
            if is_money(column, values, wanted):
                for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = CURRENCY
            width = max([len(str(column))] + [len(str(v)) for v in values][:500])
            sheet.column_dimensions[letter].width = min(max(10, width + 2), 60)
        sheet.freeze_panes = "A2"
    return workbook_bytes(book)


def set_value(cell: Cell, value: Any) -> None:
    """A number as a number, text as text (set_text), numpy scalars as Python ones; a Decimal
    is money (exact cents) wherever it stands, so it gets the currency format."""
    if hasattr(value, "item"):  # numpy scalar -> Python number
        value = value.item()
    if isinstance(value, str):
        set_text(cell, value)
    elif isinstance(value, Decimal):
        cell.value = float(value)
        cell.number_format = CURRENCY
    else:
        cell.value = value


def set_text(cell: Cell, text: str) -> None:
    """Store text as a string cell, never as a formula or an error code."""
    cell.value = ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", text)
    cell.data_type = "s"
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True  # Excel keeps it text even when the cell is edited


def workbook_bytes(book: Workbook) -> bytes:
    """The .xlsx file of a workbook, with no clock in it: fixed document dates and zip times."""
    book.properties.created = DOCUMENT_TIME
    book.properties.modified = DOCUMENT_TIME
    buffer = io.BytesIO()
    with _FixedTimeZip(buffer, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(book, archive).save()
    return buffer.getvalue()


class _FixedTimeZip(ZipFile):
    """A zip file whose entries all carry ZIP_TIME instead of the time of writing."""

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = ZipInfo(zinfo_or_arcname, date_time=ZIP_TIME)
            zinfo_or_arcname.compress_type = self.compression
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        """A file from disk (openpyxl writes large sheets there first), without its mtime."""
        self.writestr(str(arcname or filename), Path(filename).read_bytes())
