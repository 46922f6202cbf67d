"""What a field is, for people filling it in: label, unit, allowed range, choices and help,
all read from the scenario model (its types, constraints and descriptions).

The Excel key-inputs workbook (drop-downs, min/max checks, the Unit and Help columns) and the
web app's forms both read it, so a field is described the same way everywhere, and a new
field of the model is described without further work.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Literal, get_args, get_origin

import annotated_types
from pydantic.fields import FieldInfo

from simulate.schema import paths
from simulate.schema.paths import alternatives_of, model_in, parse, step

Kind = Literal["int", "float", "money", "bool", "text", "list", "numbers", "section"]


@dataclass(frozen=True)
class FieldMeta:
    path: str
    name: str  # the last part of the path
    label: str
    help: str
    kind: Kind  # list: a list of text (e.g. grades); numbers: a list of numbers (a rate per
    # period); both written comma-separated in one cell
    unit: str
    minimum: float | None
    maximum: float | None
    choices: tuple[str, ...]  # a fixed set of texts (a drop-down), or () for any
    optional: bool  # may be left out (blank): None for a field, no entry in a mapping
    entry: bool  # an entry of a mapping (positions by role, minutes by activity)

    def allowed(self) -> str:
        """The allowed values in a few words: `0 to 1`, `at least 0`, `recurring, grant`."""
        if self.kind == "bool":
            parts = ["TRUE or FALSE"]
        elif self.choices:
            parts = [", ".join(self.choices)]
        elif self.kind == "list":
            parts = ["texts separated by commas"]
        elif self.kind == "numbers":
            each = _range(self.minimum, self.maximum)
            parts = ["numbers separated by commas" + (f", each {each}" if each else "")]
        elif self.minimum is not None or self.maximum is not None:
            parts = [_range(self.minimum, self.maximum)]
        else:
            parts = ["text" if self.kind == "text" else "a number"]
        if self.kind == "int":
            parts.append("whole number")
        if self.kind == "money":
            parts.append("cents at most")
        if self.optional or self.kind == "numbers":
            parts.append("blank: none")
        return "; ".join(parts)


def _range(low: float | None, high: float | None) -> str:
    """`0 to 1`, `at least 0`, `at most 12`; empty without bounds."""
    if low is not None and high is not None:
        return f"{_num(low)} to {_num(high)}"
    if low is not None:
        return f"at least {_num(low)}"
    if high is not None:
        return f"at most {_num(high)}"
    return ""


@lru_cache(maxsize=4096)  # a report and a workbook describe the same few hundred fields again
def describe(path: str) -> FieldMeta:
    """The description of the field a path names (InputError naming the path if none)."""
    paths.locate(None, path)  # refuses paths the model does not have, with a suggestion
    parts = parse(path)
    parent: Any = paths.Scenario
    for part in parts[:-1]:
        parent = step(parent, part)
    last = parts[-1]
    model = model_in(parent)
    info: FieldInfo | None = model.model_fields.get(str(last)) if model is not None else None
    annotation = info.annotation if info is not None else step(parent, last)
    constraints = list(info.metadata) if info is not None else []
    for alt in _annotated(annotation):
        constraints += [m for arg in get_args(alt)[1:] for m in _metadata(arg)]
    alternatives = alternatives_of(annotation)
    kind = value_kind(annotation)
    if kind == "section" and _numbers(annotation):
        kind = "numbers"
    name = str(last)
    description = (info.description or "") if info is not None else ""
    entry = info is None and isinstance(last, str)
    return FieldMeta(
        path=path,
        name=name,
        label=(info.title if info is not None and info.title else _label(name)),
        help=description,
        kind=kind,
        unit=_unit(kind, name, description, constraints),
        minimum=_bound(constraints, ("ge", "gt")),
        maximum=_bound(constraints, ("le", "lt")),
        choices=_choices(annotation),
        optional=type(None) in alternatives or entry,
        entry=entry,
    )


def _annotated(annotation: Any) -> list[Any]:
    """Every Annotated[...] inside a type (Optional and Union taken apart)."""
    if get_origin(annotation) is Annotated:
        return [annotation, *_annotated(get_args(annotation)[0])]
    return [a for arg in get_args(annotation) for a in _annotated(arg)]


def _metadata(arg: Any) -> list[Any]:
    return list(arg.metadata) if isinstance(arg, FieldInfo) else [arg]


def value_kind(annotation: Any) -> Kind:
    """paths.kind_of, with a list of texts told apart as `list` (one comma-separated cell)."""
    for alt in alternatives_of(annotation):
        if get_origin(alt) is list and paths.kind_of(get_args(alt)[0]) == "text":
            return "list"
    return paths.kind_of(annotation)


def _numbers(annotation: Any) -> bool:
    """A list of numbers (shown in one cell, comma-separated, where a sheet shows it)."""
    return any(
        get_origin(alt) is list and paths.kind_of(get_args(alt)[0]) in paths.NUMERIC
        for alt in alternatives_of(annotation)
    )


def _choices(annotation: Any) -> tuple[str, ...]:
    for alt in alternatives_of(annotation):
        if get_origin(alt) is list:
            alt = get_args(alt)[0]
        if get_origin(alt) is Literal:
            return tuple(str(c) for c in get_args(alt))
    return ()


def _bound(constraints: list[Any], names: tuple[str, ...]) -> float | None:
    for item in constraints:
        for name in names:
            value = getattr(item, name, None)
            if isinstance(item, annotated_types.BaseMetadata) and value is not None:
                return float(value) if not isinstance(value, Decimal) else float(value)
    return None


UNIT_WORDS = {"minutes", "days", "hours", "weeks", "years", "year", "week", "day", "periods"}


def _unit(kind: Kind, name: str, description: str, constraints: list[Any]) -> str:
    """The unit from the field's name (hours_per_day: hours per day) and kind ($, share)."""
    if kind in ("text", "bool", "list", "section"):
        return ""
    tokens = name.split("_")
    per = ""
    if "per" in tokens:
        at = tokens.index("per")
        per = " ".join(tokens[at + 1 :])
        tokens = tokens[:at]
    if kind == "money":
        return "$" + (f" per {per}" if per else "")
    low, high = _bound(constraints, ("ge",)), _bound(constraints, ("le",))
    is_share = (low == 0 and high == 1) or tokens[-1:] == ["rate"] or "as a share" in description
    if kind in ("float", "numbers") and is_share:
        return "share (0-1)" if (low, high) == (0, 1) else "share"
    word = tokens[-1] if tokens and tokens[-1] in UNIT_WORDS else ""
    if word and per:
        return f"{word} per {per}"
    return word or (f"per {per}" if per else "")


def _label(name: str) -> str:
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else name


def _num(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"
