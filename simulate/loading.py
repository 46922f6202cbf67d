"""Read scenario files: `extends` (a scenario as overrides on a base), `school:` shorthand,
school files by `include`, then validation with messages that name file, field and line."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import InputError
from .scenario import Scenario
from .yamlsafe import FieldPath, dotted, load_yaml

MAX_EXTENDS = 10


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate one scenario file; raise InputError on any problem."""
    path = Path(path)
    data, lines = _load_tree(path, depth=0)
    return validate(data, str(path), lines)


def load_data(path: str | Path) -> dict[str, Any]:
    """The scenario as plain data after `extends` and `include` are applied (for sweeps)."""
    data, _ = _load_tree(Path(path), depth=0)
    return data


def validate(data: Any, file: str, lines: dict[FieldPath, int] | None = None) -> Scenario:
    """Validate plain data as a Scenario, turning the first pydantic error into an InputError."""
    lines = lines or {}
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise _to_input_error(err, file, lines) from None


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Return a deep copy of data with dotted-path overrides set, e.g. 'roles.mcl.supplement'."""
    out = json.loads(json.dumps(data, default=str))
    for field_path, value in overrides.items():
        node: Any = out
        parts = field_path.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        last = parts[-1]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return out


def _load_tree(path: Path, depth: int) -> tuple[dict[str, Any], dict[FieldPath, int]]:
    data, lines = load_yaml(path)
    if not isinstance(data, dict):
        raise InputError(
            str(path), None, "must be a mapping of fields", "name, roles, schools, ..."
        )
    if "school" in data:
        if "schools" in data:
            raise InputError(str(path), "school", "give either school or schools, not both")
        lines = {
            (("schools", 0, *k[1:]) if k[:1] == ("school",) else k): v for k, v in lines.items()
        }
    base_name = data.pop("extends", None)
    if base_name is not None:
        if depth >= MAX_EXTENDS:
            raise InputError(str(path), "extends", "chain of extends is too deep (a loop?)")
        base_path = _resolve(path, base_name, "extends")
        base, _ = _load_tree(base_path, depth + 1)
        # `school:` over a one-school base overrides that school's fields one by one
        if isinstance(data.get("school"), dict) and len(base.get("schools") or []) == 1:
            data["school"] = _deep_merge(base["schools"][0], data["school"])
        data = _deep_merge(base, data)
    if "school" in data:
        data["schools"] = [data.pop("school")]
    schools = data.get("schools")
    if isinstance(schools, list):
        data["schools"] = [_include(path, s, i) for i, s in enumerate(schools)]
    return data, lines


def _include(path: Path, entry: Any, index: int) -> Any:
    if not (isinstance(entry, dict) and "include" in entry):
        return entry
    rest = {k: v for k, v in entry.items() if k != "include"}
    school_path = _resolve(path, entry["include"], f"schools[{index}].include")
    school, _ = load_yaml(school_path)
    if not isinstance(school, dict):
        raise InputError(str(school_path), None, "must be a mapping of school fields")
    return _deep_merge(school, rest)


def _resolve(path: Path, name: Any, field: str) -> Path:
    """Resolve a referenced file next to the scenario; relative paths may not climb out."""
    if not isinstance(name, str) or not name:
        raise InputError(str(path), field, "must be a file name")
    target = Path(name)
    if target.is_absolute():
        return target
    folder = path.parent.resolve()
    resolved = (folder / target).resolve()
    if not resolved.is_relative_to(folder):
        raise InputError(
            str(path),
            field,
            f"'{name}' points outside the scenario's folder",
            "a path inside the folder, or an absolute path",
        )
    return resolved


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _to_input_error(err: ValidationError, file: str, lines: dict[FieldPath, int]) -> InputError:
    first = err.errors()[0]
    loc: FieldPath = tuple(p for p in first["loc"] if not _is_union_tag(p))
    kind = first["type"]
    field = dotted(loc) if loc else None
    allowed = None
    problem = first["msg"]
    if kind == "extra_forbidden":
        problem = "unknown field"
        known = _known_fields(loc[:-1])
        if known:
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            allowed = ", ".join(sorted(known))
            if close:
                problem = f"unknown field; did you mean '{close[0]}'?"
    elif kind == "missing":
        problem = "required field is missing"
    elif kind == "value_error":
        problem = problem.removeprefix("Value error, ")
    elif "input" in first and kind not in ("model_type", "dict_type"):
        problem = f"{problem} (got {first['input']!r:.60})"
    line = None
    for depth in range(len(loc), -1, -1):
        if loc[:depth] in lines:
            line = lines[loc[:depth]]
            break
    return InputError(file, field, problem, allowed, line)


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and ("[" in part or part in ("function-after",))


def _known_fields(loc: FieldPath) -> list[str]:
    """Field names of the model at loc, for 'did you mean' suggestions."""
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", None)
        if fields is None:
            return []
        if part not in fields:
            # a dict value (e.g. roles.<name>): step into the dict's value type
            model = _value_model(model)
            continue
        model = _inner_model(fields[part].annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _inner_model(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", ())
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in reversed(args):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _value_model(model: Any) -> Any:
    return model
