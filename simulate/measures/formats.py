"""How figures are written, and which table columns hold money: one registry for every output.

The report, the terminal summary, the budget tables and both Excel workbooks read it, so a
column is money (currency format, $ in text) in every file or in none.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

import pandas as pd

Kind = Literal["money", "pct", "num0", "num1", "num2"]  # how a figure is written (see fmt)
DIGITS: dict[str, int] = {"money": 2, "pct": 1, "num0": 0, "num1": 1, "num2": 2}  # as shown

# Columns that hold money in any table we write; everything else is a count, share or label.
# Money columns of the multi-year table, each a field of budget.projection.Year of that name.
MULTIYEAR_MONEY = [
    "recurring_cost",
    "one_off_cost",
    "total_cost",
    "recurring_revenue",
    "grant_revenue",
    "total_revenue",
    "surplus",
    "recurring_surplus",
]
MONEY_COLUMNS = frozenset(
    {
        # line items, totals, and the comparison with a baseline
        "unit_cost",
        "amount",
        "amount_ci_low",
        "amount_ci_high",
        "total",
        "recurring",
        "one_off",
        "per_pupil",
        "baseline_amount",
        "difference",
        "baseline_per_pupil",
        "per_pupil_difference",
        "recurring_per_pupil",
        "recurring_difference",
        "recurring_per_pupil_difference",
        "other_per_pupil",
        "whole_per_pupil",
        "year1_total",
        "year1_per_pupil",
        "year1_total_difference",
        "year1_per_pupil_difference",
        "one_off_difference",
        "other_per_pupil_difference",
        "whole_per_pupil_difference",
        "average_teacher_position",
        "average_teacher_position_difference",
        # positions
        "baseline_cost",
        "cost",
        "cost_difference",
        "cost_per_position",
        # multi-year, and multi-year by line (projections run at most 30 years)
        *MULTIYEAR_MONEY,
        *(f"year_{k}" for k in range(1, 31)),
        # sustainability verdicts
        "recurring_shortfall",
        "gap_at_cliff",
        # goal seek
        "limit_cost",
        "cost_one_unit_beyond",
        "limit_one_unit_beyond",
    }
)


# Year columns of wide multi-year tables when years carry fiscal-year names (FY2027-28).
FISCAL_YEAR = re.compile(r"FY\d{4}-\d{2}")


def is_money_column(column: str) -> bool:
    return column in MONEY_COLUMNS or bool(FISCAL_YEAR.fullmatch(str(column)))


def money_columns(frame: pd.DataFrame, extra: Iterable[str] = ()) -> list[str]:
    """The columns of `frame` to write as money: registered (or `extra`) and numeric.

    True/false columns (e.g. a line item's `recurring` flag) are never money."""
    return [column for column, values in frame.items() if is_money(column, values, extra)]


def is_money(column: object, values: pd.Series, extra: Iterable[str] = ()) -> bool:
    """Whether one column holds money: a money name (or one of `extra`), numeric, not flags."""
    return (
        (is_money_column(str(column)) or column in set(extra))
        and pd.api.types.is_numeric_dtype(values)
        and not pd.api.types.is_bool_dtype(values)
    )


def money(amount: Decimal) -> str:
    """Exact money for budget tables and verdicts: -$1,234.56."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def fmt(value: float | None, kind: str) -> str:
    """A figure as a planner reads it: $ with thousands, percent, or rounded number."""
    if value is None or math.isnan(value):
        return "—"
    if kind == "money":  # to the cent, as the budget's exact figures
        return ("−" if value < -0.005 else "") + f"${abs(value):,.2f}"
    text = unsigned_zero(f"{value * 100:.1f}%" if kind == "pct" else f"{value:,.{DIGITS[kind]}f}")
    return text if kind == "pct" else text.replace("-", "−")


def unsigned_zero(text: str) -> str:
    """A formatted number without its sign where it rounds to zero: -0.001 to two places is
    '0.00', not '-0.00'."""
    return text.lstrip("-") if not text.strip("-0.,%") else text


def fmt_diff(value: float, kind: str) -> str:
    """A difference with its sign (none when it rounds to zero); shares in percentage points."""
    digits = DIGITS[kind]
    size = abs(value) * (100 if kind == "pct" else 1)
    sign = "" if round(size, digits) == 0 else ("+" if value > 0 else "−")
    text = f"{sign}${size:,.2f}" if kind == "money" else f"{sign}{size:,.{digits}f}"
    return text + (" pts" if kind == "pct" else "")
