"""Typed values from what a person typed: a spreadsheet cell or a form field.

One converter for the workbook and the web form, so `72,030`, `$72,030` and 72030 mean the
same everywhere. Range and cross-field checks are left to the scenario model, whose messages
the CLI prints too.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from simulate.schema.fields import FieldMeta

TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0"}


class ValueProblem(ValueError):
    """What is wrong with a typed value, and what is allowed."""

    def __init__(self, problem: str, allowed: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.allowed = allowed


def convert(meta: FieldMeta, raw: Any) -> Any:
    """The value `raw` stands for in the field `meta` describes; None means left out."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if meta.optional:
            return None
        if meta.kind == "text":
            return ""
        if meta.kind in ("list", "numbers"):
            return []
        raise ValueProblem("is empty", meta.allowed())
    if isinstance(raw, datetime.date | datetime.time | datetime.timedelta):
        raise ValueProblem(f"is a date or time ({raw}), not a value of this field", meta.allowed())
    if meta.kind == "bool":
        return _bool(meta, raw)
    if meta.kind == "text":
        return _text(raw)  # as typed: surrounding spaces and line breaks are the user's
    if meta.kind == "list":
        items = raw.split(",") if isinstance(raw, str) else [raw]
        return [_text(item).strip() for item in items if _text(item).strip()]
    if meta.kind in ("int", "float", "money"):
        return _number(meta, raw)
    if meta.kind == "numbers":
        return _numbers(meta, raw)
    raise ValueProblem("cannot be typed in one cell", "edit it in the scenario file")


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    return str(raw)


def _numbers(meta: FieldMeta, raw: Any) -> list[float]:
    """`0.045, 0.03, 4.5%` (commas or semicolons between them) as a list of numbers, each read
    as a lone number of the field would be (`4.5%` is 0.045 where the numbers are shares)."""
    one = dataclasses.replace(meta, kind="float")
    items = [x.strip() for x in re.split(r"[,;]", raw)] if isinstance(raw, str) else [raw]
    numbers = []
    for n, item in enumerate((x for x in items if x != ""), start=1):
        try:
            numbers.append(float(_number(one, item)))
        except ValueProblem as problem:
            raise ValueProblem(f"number {n}: {problem.problem}", meta.allowed()) from None
    return numbers


def _bool(meta: FieldMeta, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    word = _text(raw).strip().lower()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise ValueProblem(f"'{_text(raw):.40}' is not TRUE or FALSE", meta.allowed())


def _number(meta: FieldMeta, raw: Any) -> int | float | Decimal:
    if isinstance(raw, bool):
        raise ValueProblem("expected a number, got TRUE/FALSE", meta.allowed())
    if isinstance(raw, str):
        text = raw.replace(",", "").replace("$", "").replace(" ", "")
        scale = Decimal(1)
        if text.endswith("%") and meta.unit.startswith("share"):
            text, scale = text[:-1], Decimal("0.01")
        try:
            number = Decimal(text) * scale
        except InvalidOperation:
            raise ValueProblem(f"expected a number, got '{raw:.40}'", meta.allowed()) from None
    elif isinstance(raw, int | float):
        number = Decimal(str(raw))
    else:
        raise ValueProblem(f"expected a number, got {type(raw).__name__}", meta.allowed())
    if not number.is_finite():
        raise ValueProblem(f"expected a number, got '{raw}'", meta.allowed())
    if meta.kind == "money":
        return number
    if meta.kind == "int":
        if number != number.to_integral_value():
            raise ValueProblem(f"is {raw}, expected a whole number", meta.allowed())
        return int(number)
    return float(number)
