"""Excel workbooks a grant writer can paste from: one sheet per table, numbers stay numbers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from simulate.output import write_atomic

CURRENCY = '"$"#,##0.00'
MONEY_WORDS = (
    "amount",
    "cost",
    "total",
    "per_pupil",
    "revenue",
    "gap",
    "surplus",
    "salary",
    "supplement",
    "stipend",
    "difference",
    "grant",
    "funding",
    "rate_usd",
)


def is_money(column: str) -> bool:
    return any(word in column.lower() for word in MONEY_WORDS)


def write_workbook(
    path: Path, sheets: Mapping[str, pd.DataFrame], money: Iterable[str] | None = None
) -> Path:
    """Write each DataFrame to its own sheet; money columns get a currency format."""
    money_set = set(money) if money is not None else None

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
            for j, column in enumerate(frame.columns, start=1):
                letter = get_column_letter(j)
                wanted = column in money_set if money_set is not None else is_money(str(column))
                if wanted and pd.api.types.is_numeric_dtype(frame[column]):
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
