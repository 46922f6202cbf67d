"""Dotted field paths into a scenario: one parser and one walker for every command.

A path names a field as users write it: `roles.mcl.supplement`, with list items as
`budget.funding[1].amount` or `budget.funding.1.amount`. Overrides (`extends`-style data
changes and sweep points), goal-seek and sweep parameters all read paths here, so they accept
the same paths and refuse the others with the same message.

The walk follows the pydantic annotations of the scenario model and the data side by side:
- a model's field must exist in the model (a field the data leaves out takes its default);
- a list item must exist in the data;
- a mapping (roles by name, schedule minutes by activity, team members by role) must hold
  every entry the path passes through, and may gain its last entry when the mapping's key type
  admits it: a role's `schedule.small_group`, or a new role name set as a whole section. A
  mapping of numbers reads a left-out entry as 0, as the model does (no minutes, no positions).
"""

from __future__ import annotations

import json
import re
import types
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from simulate.schema.errors import InputError, suggest
from simulate.schema.model import Scenario
from simulate.schema.yamlsafe import FieldPath, dotted

Kind = Literal["int", "float", "money", "bool", "text", "section"]
NUMERIC: frozenset[Kind] = frozenset({"int", "float", "money"})
SYNTAX = "field names joined by dots, list items as [1] or .1, e.g. budget.funding[0].amount"

_PATH = re.compile(r"[^.\[\]]+(?:\.[^.\[\]]+|\[\d+\])*")
_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class _Missing:
    """The value of an entry the data leaves out."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Location:
    """Where a path leads: the parts as walked, the field's annotation and the value there."""

    parts: FieldPath
    annotation: Any
    value: Any  # MISSING when the data leaves the field out
    cost_only: bool  # some field on the way is marked cost_only: the engine never reads it

    @property
    def kind(self) -> Kind:
        return kind_of(self.annotation)


def parse(path: str) -> FieldPath:
    """The parts of a dotted path; digits (`.1` or `[1]`) are list indices."""
    if not _PATH.fullmatch(path):
        raise InputError(None, path or "(empty)", "is not a field path", SYNTAX)
    return tuple(
        int(index) if index is not None else (int(name) if name.isdigit() else name)
        for name, index in (m.groups() for m in _SEGMENT.finditer(path))
    )


def get(root: Scenario | dict[str, Any], path: str) -> Any:
    """The value at a path: None when it is not set (a left-out optional field or section)."""
    value = locate(root, path).value
    return None if value is MISSING else value


def set_value(data: dict[str, Any], path: str, value: Any) -> None:
    """Set the field at a path in plain scenario data, creating left-out sections on the way."""
    where = locate(data, path, create=True)
    parent: Any = data
    for part in where.parts[:-1]:
        parent = parent[part]
    parent[where.parts[-1]] = value  # a list's index is an int, a mapping's key a str


def kind_at(path: str) -> Kind:
    """The kind of field a path names, from the model alone (no data needed)."""
    return locate(None, path).kind


def is_cost_only(path: str) -> bool:
    """True when the engine never reads the field: changing it changes prices, not the year."""
    return locate(None, path).cost_only


def kind_of(annotation: Any) -> Kind:
    """int, float, money (Decimal), bool, text (str or a choice) or section (anything else)."""
    alternatives = [a for a in alternatives_of(annotation) if a is not type(None)]
    first = alternatives[0] if alternatives else None
    if first is bool:
        return "bool"
    if first is int:
        return "int"
    if first is float:
        return "float"
    if first is Decimal:
        return "money"
    if first is str or get_origin(first) is Literal:
        return "text"
    return "section"


def alternatives_of(annotation: Any) -> list[Any]:
    """The alternatives of a type, with Annotated and Optional/Union taken apart."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return alternatives_of(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [alt for arg in get_args(annotation) for alt in alternatives_of(arg)]
    return [annotation]


def step(annotation: Any, part: str | int) -> Any:
    """The type one step down a path (a model field, a list item, a mapping value), or None."""
    for alt in alternatives_of(annotation):
        if _is_model(alt):
            field = alt.model_fields.get(str(part))
            if field is not None:
                return field.annotation
        elif get_origin(alt) is list and isinstance(part, int):
            return get_args(alt)[0]
        elif get_origin(alt) is dict:
            return get_args(alt)[1]
    return None


def locate(root: Scenario | dict[str, Any] | None, path: str, *, create: bool = False) -> Location:
    """Walk a path through the model and the data; InputError naming the path if it leads
    nowhere. Without data (root None) only the model is consulted. With `create`, left-out
    sections of plain data are added (with their defaults) so that the path can be set."""
    parts = parse(path)
    annotation: Any = Scenario
    node: Any = root
    walked: list[str | int] = []
    cost_only = False
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        here = dotted(tuple(walked)) if walked else "the scenario"
        model, container = model_in(annotation), _container_in(annotation)
        if model is not None:
            field = model.model_fields.get(str(part))
            if field is None:
                raise _no_field(path, here, part, sorted(model.model_fields))
            cost_only = cost_only or _marked_cost_only(field)
            if create and not isinstance(node, dict):
                raise InputError(None, path, f"{here} is not a section in the data")
            child = _child(node, str(part))
            if create and not last and (child is MISSING or child is None):
                child = node[str(part)] = _plain_default(field)
            walked.append(str(part))
            annotation, node = field.annotation, child
        elif container is list:
            items = node if isinstance(node, list) else []
            if not isinstance(part, int) or (root is not None and part >= len(items)):
                size = f", a list of {len(items)}" if root is not None else ""
                allowed = f"0..{len(items) - 1}" if items else "none (the list is empty)"
                raise InputError(
                    None,
                    path,
                    f"'{part}' is not an index of {here}{size}",
                    allowed if root is not None else "0, 1, 2, ...",
                )
            walked.append(part)
            annotation = step(annotation, part)
            node = items[part] if part < len(items) else MISSING
        elif container is dict:
            key = str(part)
            entries = node if isinstance(node, dict) else {}
            choices = _literal_keys(annotation)
            admitted = key in choices if choices else True
            passes_through = root is not None and not last
            if not admitted or (passes_through and key not in entries):
                known = choices or sorted(map(str, entries))
                raise _no_field(path, here, key, known)
            walked.append(key)
            annotation = step(annotation, key)
            node = entries.get(key, _absent_entry(annotation))
        else:
            raise InputError(None, path, f"{here} is a single value, not a section")
    return Location(tuple(walked), annotation, node, cost_only)


def _no_field(path: str, here: str, part: str | int, known: list[str]) -> InputError:
    problem = f"{here} has no field '{part}'" + suggest(part, known)
    return InputError(None, path, problem, ", ".join(known) or None)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The model class an annotation holds (possibly optional), or None."""
    return next((a for a in alternatives_of(annotation) if _is_model(a)), None)


def _container_in(annotation: Any) -> type | None:
    """list or dict when the annotation is one (or an optional one), else None."""
    for alt in alternatives_of(annotation):
        if get_origin(alt) in (list, dict):
            return get_origin(alt)
    return None


def _literal_keys(annotation: Any) -> list[str]:
    """The keys a mapping admits when its key type is a fixed choice; [] when any name goes."""
    for alt in alternatives_of(annotation):
        if get_origin(alt) is dict:
            key_type = get_args(alt)[0]
            return [str(k) for k in get_args(key_type)] if get_origin(key_type) is Literal else []
    return []


def _marked_cost_only(field: FieldInfo) -> bool:
    extra = field.json_schema_extra
    return isinstance(extra, dict) and extra.get("cost_only") is True


def _child(node: Any, name: str) -> Any:
    if isinstance(node, BaseModel):
        return getattr(node, name)
    if isinstance(node, dict):
        return node.get(name, MISSING)
    return MISSING


def _absent_entry(annotation: Any) -> Any:
    """A left-out entry of a mapping: 0 in a mapping of numbers, else missing."""
    kind = kind_of(annotation)
    return 0 if kind in ("int", "float") else Decimal(0) if kind == "money" else MISSING


def _plain_default(field: FieldInfo) -> Any:
    """A left-out section as plain data: its default, or an empty one of the right shape."""
    default = field.get_default(call_default_factory=True)
    if isinstance(default, BaseModel):
        return default.model_dump(mode="json", exclude_unset=True)
    if isinstance(default, list | dict):
        return json.loads(json.dumps(default, default=str))
    return [] if _container_in(field.annotation) is list else {}
