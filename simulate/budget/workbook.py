"""Excel workbooks a grant writer can paste from: one sheet per table, numbers stay numbers."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from simulate.measures.formats import money_columns
from simulate.output import write_atomic

CURRENCY = '"$"#,##0.00'


def write_workbook(
    path: Path,
    sheets: Mapping[str, pd.DataFrame],
    extra_money: Mapping[str, Collection[str]] | None = None,
) -> Path:
    """Write each DataFrame to its own sheet; money columns get a currency format.

    Money columns are those of the one registry (measures.formats), plus, per sheet title,
    any `extra_money` (e.g. a table with one column per scenario)."""
    extra = extra_money or {}

    def write(tmp: Path) -> None:
        book = Workbook()
        book.remove(book.active)
        for title, frame in sheets.items():
            sheet = book.create_sheet(title[:31])
            sheet.append([str(c) for c in frame.columns])
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            for row in frame.itertuples(index=False):
                sheet.append([_cell(v) for v in row])
            money = set(money_columns(frame, extra.get(title, ())))
            for j, column in enumerate(frame.columns, start=1):
                letter = get_column_letter(j)
                if column in money:
                    for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                        cell.number_format = CURRENCY
                width = max([len(str(column))] + [len(str(v)) for v in frame[column]][:500])
                sheet.column_dimensions[letter].width = min(max(10, width + 2), 60)
            sheet.freeze_panes = "A2"
        book.save(tmp)

    return write_atomic(path, write)


def _cell(value: object) -> object:
    if hasattr(value, "item"):  # numpy scalar -> Python number
        return value.item()  # type: ignore[union-attr]
    return value
