"""Read scenario files: `extends` (a scenario as overrides on a base), `school:` shorthand,
school files by `include`, then validation with messages that name file, field and line.

Every value remembers the file and line it came from (its origin), so an error in a field
inherited through `extends` or `include` names the file where that field is written.

Files named by `extends` and `include` must be YAML files (.yaml, .yml); relative paths may
not climb out of the referring file's folder. Input that comes from someone else (an upload)
is loaded with `confined_to=folder`: then absolute paths are refused too and every file must
lie inside that folder, so a scenario cannot make the program read the server's files. A
referenced file that is not a scenario (or school) at all is refused without quoting it.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simulate.schema import paths
from simulate.schema.errors import FieldError, InputError, suggest
from simulate.schema.limits import MAX_EXTENDS
from simulate.schema.model import Scenario, School
from simulate.schema.paths import alternatives_of, model_in, set_value, step
from simulate.schema.yamlsafe import FieldPath, dotted, load_yaml

TOP_LEVEL_EXTRAS = ("extends", "school")  # accepted at the top level besides Scenario fields

Origins = dict[FieldPath, tuple[str, int]]  # field path -> (file, line)


YAML_SUFFIXES = (".yaml", ".yml")


def load_scenario(
    path: str | Path,
    confined_to: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
) -> Scenario:
    """Load and validate one scenario file; raise InputError on any problem.

    `confined_to`: a folder the scenario and every file it extends or includes must lie in,
    named by relative paths only (for input from an upload; see the module docstring).
    `overrides`: field path -> value, set before validation (`--set`); an error in one names
    the field without a line of the file."""
    path = Path(path)
    data, origins = load_tree(path, confined_to)
    if not overrides:
        return validate(data, str(path), origins)
    try:
        return validate(apply_overrides(data, overrides), str(path), origins)
    except InputError as err:
        changed = {dotted(paths.parse(p)) for p in overrides}
        if err.field not in changed:
            raise
        raise InputError(f"{path} (--set)", err.field, err.problem, err.allowed) from None


def load_data_and_scenario(
    path: str | Path, confined_to: str | Path | None = None
) -> tuple[dict[str, Any], Scenario]:
    """One scenario file read once: its plain data after `extends` and `include` (what an
    editor changes and writes back) and the validated Scenario, as load_scenario gives it."""
    path = Path(path)
    data, origins = load_tree(path, confined_to)
    return data, validate(data, str(path), origins)


def load_tree(
    path: str | Path, confined_to: str | Path | None = None
) -> tuple[dict[str, Any], Origins]:
    """The scenario as plain data after `extends` and `include`, and where each field was
    written: (file, line) by field path."""
    path = Path(path)
    return _load_tree(path, (), _confinement(path, confined_to))


def load_data(path: str | Path, confined_to: str | Path | None = None) -> dict[str, Any]:
    """The scenario as plain data after `extends` and `include` are applied (for sweeps)."""
    path = Path(path)
    data, _ = _load_tree(path, (), _confinement(path, confined_to))
    return data


def _confinement(path: Path, folder: str | Path | None) -> Path | None:
    """The resolved confining folder; the scenario itself must lie inside it."""
    if folder is None:
        return None
    root = Path(folder).resolve()
    try:
        inside = path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):
        inside = False
    if not inside:
        raise InputError(str(path), None, "is outside the folder it must be read from")
    return root


def validate(data: Any, file: str, lines: dict[FieldPath, int] | Origins | None = None) -> Scenario:
    """Validate plain data as a Scenario, turning the clearest problem into an InputError.

    `lines` maps field paths to a line number in `file`, or to (file, line) origins.
    """
    origins: Origins = {
        p: (v if isinstance(v, tuple) else (file, v)) for p, v in (lines or {}).items()
    }
    if not isinstance(data, dict):
        raise InputError(file, None, "must be a mapping of fields", "name, roles, schools, ...")
    bad = _bool_for_number(data, Scenario, ())
    if bad is not None:
        where, line = _origin(bad, origins, file)
        raise InputError(where, dotted(bad), "expected a number, got true/false", "a number", line)
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise _to_input_error(err, file, origins, data) from None


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Return a deep copy of data with field-path overrides set, e.g. 'roles.mcl.supplement'.

    Paths follow simulate.schema.paths: a path the scenario format does not allow is an
    InputError naming it, never a new key. A note on a field set here, on a field inside it
    or on a section holding it no longer describes it and is dropped
    (simulate.schema.notes.without).
    """
    from simulate.schema.notes import without

    out = json.loads(json.dumps(data, default=str))
    for field_path, value in overrides.items():
        set_value(out, field_path, value)
    if isinstance(out.get("notes"), dict):
        out["notes"] = without(out["notes"], overrides)
    return out


# ---- reading files ------------------------------------------------------------------------
def _load_tree(
    path: Path, chain: tuple[Path, ...], root: Path | None
) -> tuple[dict[str, Any], Origins]:
    name = str(path)
    data, lines = load_yaml(path)
    origins: Origins = {p: (name, line) for p, line in lines.items()}
    if data is None:
        raise InputError(name, None, "has no fields", "a mapping: name, roles, schools, ...")
    if not isinstance(data, dict):
        raise InputError(
            name,
            None,
            f"must be a mapping of fields, not a {_kind(data)}",
            "name, roles, schools, ...",
            line=lines.get(()),
        )
    if "school" in data:
        if "schools" in data:
            raise InputError(
                name,
                "school",
                "give either school or schools, not both",
                line=lines.get(("school",)),
            )
        data["schools"] = [data.pop("school")]
        origins = {_rename(k, ("school",), ("schools", 0)): v for k, v in origins.items()}
        origins[("schools",)] = origins[("schools", 0)]  # `school:` stands for the list too
        one_school = isinstance(data["schools"][0], dict) and "include" not in data["schools"][0]
    else:
        one_school = False
    base_name = data.pop("extends", None)
    if base_name is not None:
        line = lines.get(("extends",))
        base_path = _resolve(path, base_name, "extends", line, root)
        here = path.resolve()
        if base_path.resolve() in (*chain, here):
            loop = " -> ".join(p.name for p in (*chain, here, base_path.resolve()))
            raise InputError(name, "extends", f"extends loops back ({loop})", line=line)
        if len(chain) >= MAX_EXTENDS:
            raise InputError(
                name,
                "extends",
                "chain of extends is too deep",
                f"at most {MAX_EXTENDS} files",
                line,
            )
        base, base_origins = _load_tree(base_path, (*chain, here), root)
        _looks_like(base, Scenario, base_path, name, "extends", line)
        # `school:` over a one-school base overrides that school's fields one by one
        if one_school and len(base.get("schools") or []) == 1:
            data["schools"] = [_deep_merge(base["schools"][0], data["schools"][0])]
        own_notes = data.pop("notes", None)
        data = _deep_merge(base, data)
        data.pop("notes", None)
        notes = _carried_notes(base, data, own_notes)
        if notes:
            data["notes"] = notes
        origins = _merge_origins(data, base_origins, origins)
    schools = data.get("schools")
    if isinstance(schools, list):
        for i, entry in enumerate(schools):
            if isinstance(entry, dict) and "include" in entry:
                schools[i], origins, notes = _include(path, entry, ("schools", i), origins, root)
                if notes and isinstance(data.get("notes", {}), dict):
                    data["notes"] = {**notes, **data.get("notes", {})}
    return data, origins


def _carried_notes(base: dict[str, Any], merged: dict[str, Any], own: Any) -> Any:
    """The base's notes on figures the file leaves as they were, then the file's own notes
    (simulate.schema.notes.carried): a base's note never vouches for a figure set over it."""
    from simulate.schema.notes import carried

    if own is not None and not isinstance(own, dict):
        return own  # not a mapping: validation names it
    inherited = base.get("notes")
    if not isinstance(inherited, dict):
        return own
    return carried(inherited, base, merged, own)


def _include(
    path: Path, entry: dict[str, Any], at: FieldPath, origins: Origins, root: Path | None
) -> tuple[dict[str, Any], Origins, dict[str, Any]]:
    """Replace {include: file, ...overrides} by the school file's fields plus the overrides;
    the school file's notes (keyed by paths inside the school) come back keyed by paths in
    the scenario, for its `notes`."""
    rest = {k: v for k, v in entry.items() if k != "include"}
    line = origins.get((*at, "include"), ("", None))[1]
    field = f"{dotted(at)}.include"
    school_path = _resolve(path, entry["include"], field, line, root)
    school, lines = load_yaml(school_path)
    if not isinstance(school, dict):
        raise InputError(
            str(school_path),
            None,
            f"must be a mapping of school fields, not a {_kind(school)}",
            "name, enrollment, classrooms, need_tiers, teams, ...",
        )
    _looks_like(school, School, school_path, str(path), field, line)
    notes = school.pop("notes", None) or {}
    if not isinstance(notes, dict):
        raise InputError(
            str(school_path),
            "notes",
            f"must be a mapping of field paths to notes, not a {_kind(notes)}",
            line=lines.get(("notes",)),
        )
    lifted = {f"{dotted(at)}.{key}": note for key, note in notes.items()}
    note_origins = {
        ("notes", f"{dotted(at)}.{p[1]}", *p[2:]): (str(school_path), n)
        for p, n in lines.items()
        if p[:1] == ("notes",) and len(p) > 1
    }
    merged = _deep_merge(school, rest)
    school_origins = {(*at, *p): (str(school_path), n) for p, n in lines.items()}
    here = {p: v for p, v in origins.items() if p[: len(at)] == at}
    others = {p: v for p, v in origins.items() if p[: len(at)] != at}
    merged_origins = _merge_origins(merged, school_origins, here, at)
    return merged, others | merged_origins | note_origins, lifted


def _resolve(
    path: Path, name: Any, field: str, line: int | None = None, root: Path | None = None
) -> Path:
    """Resolve a referenced file next to the scenario; relative paths may not climb out, and
    with a confining `root`, absolute paths are refused and every file must lie inside it."""
    if not isinstance(name, str) or not name.strip():
        raise InputError(str(path), field, f"must be a file name, got {name!r:.60}", line=line)
    target = Path(name)
    if target.suffix.lower() not in YAML_SUFFIXES:
        raise InputError(
            str(path), field, f"'{name}' is not a YAML file", "a .yaml or .yml file", line
        )
    if target.is_absolute() and root is not None:
        raise InputError(
            str(path),
            field,
            f"'{name}' is an absolute path, which is not allowed here",
            "a path relative to this file, inside its folder",
            line,
        )
    if target.is_absolute():
        return _existing(path, target, name, field, line)  # the user asked for this file
    try:
        folder = path.parent.resolve()
        resolved = (folder / target).resolve()
    except (OSError, RuntimeError) as err:  # e.g. a symbolic link loop
        raise InputError(
            str(path), field, f"'{name}' cannot be resolved ({err})", line=line
        ) from None
    if not resolved.is_relative_to(folder) or (root and not resolved.is_relative_to(root)):
        raise InputError(
            str(path),
            field,
            f"'{name}' points outside the scenario's folder",
            "a path inside the folder" + ("" if root else ", or an absolute path"),
            line,
        )
    return _existing(path, resolved, name, field, line)


def _looks_like(
    data: dict[str, Any], model: Any, file: Path, referrer: str, field: str, line: int | None
) -> None:
    """A referenced file with none of the model's fields is not a scenario (or school) at all:
    refuse it without quoting any of it (it may be a file the user should not see)."""
    known = {*model.model_fields, *TOP_LEVEL_EXTRAS}
    if data and not known.intersection(data):
        kind = "scenario" if model is Scenario else "school"
        raise InputError(
            referrer,
            field,
            f"'{file.name}' is not a {kind} file (none of its fields is a {kind} field)",
            f"a {kind} file",
            line,
        )


def _existing(path: Path, target: Path, name: str, field: str, line: int | None) -> Path:
    """Name the referring field when the referenced file is missing or a folder."""
    try:
        if target.is_file():
            return target
        problem = "is a folder" if target.is_dir() else "does not exist"
    except OSError as err:
        problem = f"cannot be read ({err.strerror or err})"
    raise InputError(str(path), field, f"'{name}' {problem}", "a path to a YAML file", line)


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _merge_origins(merged: Any, base: Origins, override: Origins, path: FieldPath = ()) -> Origins:
    """Origin of every path of the merged data: the override file's where it wrote it."""
    out: Origins = {}
    stack: list[tuple[FieldPath, Any]] = [(path, merged)]
    while stack:
        at, value = stack.pop()
        origin = override.get(at) or base.get(at)
        if origin is not None:
            out[at] = origin
        if isinstance(value, dict):
            stack += [((*at, k), v) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [((*at, i), v) for i, v in enumerate(value)]
    return out


def _rename(key: FieldPath, old: FieldPath, new: FieldPath) -> FieldPath:
    return (*new, *key[len(old) :]) if key[: len(old)] == old else key


def _kind(value: Any) -> str:
    if value is None:
        return "empty value"
    return "list" if isinstance(value, list) else type(value).__name__


def _origin(loc: FieldPath, origins: Origins, file: str) -> tuple[str, int | None]:
    """File and line of the deepest part of loc that was written somewhere."""
    for depth in range(len(loc), -1, -1):
        if loc[:depth] in origins:
            return origins[loc[:depth]]
    return file, None


# ---- validation messages ------------------------------------------------------------------
def _to_input_error(err: ValidationError, file: str, origins: Origins, data: Any) -> InputError:
    errors = err.errors()
    # An unknown field explains a "missing" one beside it (membrs vs members): report it first.
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = _field_path(first["loc"], data)
    kind = first["type"]
    allowed = None
    problem = first["msg"]
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, FieldError):
        loc = (*loc, *cause.loc)
        problem, allowed = cause.problem, cause.allowed
    elif kind == "extra_forbidden":
        known = _known_fields(loc[:-1])
        extras = TOP_LEVEL_EXTRAS if len(loc) == 1 else ()
        hint = _other_kind_of_file(data) if len(loc) == 1 else ""
        problem = "unknown field" + (hint or suggest(loc[-1], (*known, *extras)))
        allowed = ", ".join(sorted(known)) or None
    elif kind == "missing":
        problem = "required field is missing"
    elif kind == "value_error":
        problem = problem.removeprefix("Value error, ")
    elif kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(first.get("ctx", {}).get("expected", "")))
        problem = f"{first['input']!r:.60} is not a valid choice" + suggest(first["input"], choices)
        allowed = ", ".join(choices)
    elif kind in PLAIN_WORDS:
        problem = PLAIN_WORDS[kind].format(got=_shown(first.get("input")), **first.get("ctx", {}))
        allowed = _allowed(loc)
    elif "input" in first and kind not in ("model_type", "dict_type"):
        problem = f"{problem} (got {first['input']!r:.60})"
    elif kind in ("model_type", "dict_type"):
        problem = f"expected a mapping of fields, got {_kind(first.get('input'))}"
    where, line = _origin(loc, origins, file)
    if where != file:
        problem += f" (read through {file})"
    return InputError(where, dotted(loc) if loc else None, problem, allowed, line)


# pydantic's error types, said as the rest of the messages say things ({got}: the value given;
# the other names come from the error's context); the allowed range comes from the field
PLAIN_WORDS = {
    "greater_than_equal": "is {got}, below the lowest allowed",
    "greater_than": "is {got}, not above the lowest allowed",
    "less_than_equal": "is {got}, above the highest allowed",
    "less_than": "is {got}, not below the highest allowed",
    "float_parsing": "expected a number, got {got}",
    "float_type": "expected a number, got {got}",
    "int_parsing": "expected a whole number, got {got}",
    "int_type": "expected a whole number, got {got}",
    "int_from_float": "expected a whole number, got {got}",
    "decimal_parsing": "expected an amount of money, got {got}",
    "decimal_type": "expected an amount of money, got {got}",
    "decimal_max_places": "is {got}, with more than {decimal_places} decimal places",
    "decimal_max_digits": "is {got}, more digits than money needs",
    "finite_number": "is {got}, not a finite number",
    "bool_parsing": "expected true or false, got {got}",
    "bool_type": "expected true or false, got {got}",
    "string_type": "expected text, got {got}",
    "string_too_short": "is empty",
    "string_too_long": "is longer than {max_length} characters",
    "too_short": "has {actual_length} items, fewer than {min_length}",
    "too_long": "has more than {max_length} items",
}


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _allowed(loc: FieldPath) -> str | None:
    """The allowed values of the field at loc, in a few words (None if it cannot be said)."""
    from simulate.schema.fields import describe

    try:
        return describe(dotted(loc)).allowed()
    except (InputError, KeyError, TypeError, ValueError):
        return None


def _other_kind_of_file(data: dict[str, Any]) -> str:
    """A hint when the file is a school file or a sweep spec given where a scenario belongs."""
    if {"parameters", "scenario"} <= set(data):
        return "; this looks like a sweep spec: run it with `simulate sweep`"
    if {"enrollment", "classrooms"} <= set(data) and "schools" not in data:
        return (
            "; this looks like a school file: include it from a scenario "
            "(schools: [{include: this-file.yaml}])"
        )
    return ""


def _field_path(loc: tuple[Any, ...], data: Any) -> FieldPath:
    """pydantic's loc without its internal tags ('[key]', 'function-after[...]', ...).

    A part is kept when it is a key or index of the data at that point, so a user's key
    that merely looks like a tag is never dropped.
    """
    out: list[str | int] = []
    node = data
    for part in loc:
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_list or (isinstance(node, dict) and part in node):
            node = node[part]
        elif isinstance(part, str) and _TAG.match(part):
            continue
        else:
            node = None
        out.append(part)
    return tuple(out)


_TAG = re.compile(r"^(\[key\]|[a-z][a-z0-9_-]*\[.*\]|function-(after|before|wrap|plain))$")


def _known_fields(loc: FieldPath) -> list[str]:
    """Field names of the model at loc, for 'did you mean' suggestions."""
    annotation: Any = Scenario
    for part in loc:
        annotation = step(annotation, part)
        if annotation is None:
            return []
    model = model_in(annotation)
    return list(model.model_fields) if model is not None else []


def _bool_for_number(value: Any, annotation: Any, path: FieldPath) -> FieldPath | None:
    """The first path where YAML true/false stands for a number (pydantic would take it as 1/0)."""
    for found in _bool_paths(value, path):
        field = annotation
        for part in found[len(path) :]:
            field = step(field, part) if field is not None else None
        alts = alternatives_of(field) if field is not None else []
        if bool not in alts and any(a in (int, float, Decimal) for a in alts):
            return found
    return None


def _bool_paths(value: Any, path: FieldPath) -> list[FieldPath]:
    """Paths of every true/false in the data (a plain walk: cheap, run for each sweep point)."""
    if isinstance(value, bool):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _bool_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _bool_paths(v, (*path, i))]
    return []
