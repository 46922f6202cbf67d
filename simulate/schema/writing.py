"""Scenario data written back as YAML: plain values, no aliases, a comment header on top.

Used wherever the package writes a scenario file for a user (`simulate new`, `simulate
import`, the web app's workspace, `simulate budget --apply`), so each such file reads like the
bundled ones and loads through the same safe loader; `edited` changes fields of a user's own
file and keeps its comments where it can.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from simulate.schema import paths
from simulate.schema.errors import InputError
from simulate.schema.loading import apply_overrides, load_scenario, load_tree, validate
from simulate.schema.yamlsafe import FieldPath, dotted


class _PlainDumper(yaml.SafeDumper):
    """Never writes anchors or aliases: a value shared by two fields is written twice."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _mapping(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    """A mapping of a few short plain values on one line, as the bundled files write them;
    one with a long text (a note) a field a line."""
    short = len(data) <= 8 and all(_scalar(v) for v in data.values())
    short = short and all(len(str(v)) <= SHORT_TEXT for v in data.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=short)


SHORT_TEXT = 40  # longest value of a mapping written on one line


def _sequence(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    """A list of plain values on one line; a list of sections one item per line."""
    short = all(_scalar(v) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=short)


_PlainDumper.add_representer(dict, _mapping)
_PlainDumper.add_representer(list, _sequence)


def plain(value: Any) -> Any:
    """Decimal money as an int or float, recursively, so YAML writes plain numbers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def to_yaml(data: dict[str, Any], header: Sequence[str] = ()) -> str:
    """The scenario as YAML, fields in the order given, under `# ` comment lines."""
    body = yaml.dump(
        plain(data),
        Dumper=_PlainDumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    comments = "".join(f"# {line}".rstrip() + "\n" for line in header)
    return comments + body


NOTE = "changed by simulate budget (was {old})"  # on the line of every value `edited` changes
# a value on a line of its own: `  key: value  # comment` (in a list item too: `- key: value`)
_BLOCK = r"^(?P<head>\s*(?:-\s+)?{key}\s*:\s*)(?P<value>[^#\s{{\[][^#\n]*?)(?P<tail>\s*(?:#.*)?)$"
# a value inside a one-line mapping: `members: {{mcl: 1, tutor: 1}}`
_FLOW = r"(?P<head>[{{,]\s*{key}\s*:\s*)(?P<value>[^,}}\s]+)"
_REFERENCE = re.compile(r"^(?P<head>\s*(?:-\s+)?(?:extends|include)\s*:\s*)(?P<value>\S+)")


def edited(source: Path, out: Path, changes: Mapping[str, Any]) -> tuple[str, str]:
    """The scenario file `source` with fields changed, as it should be written at `out`.

    Where every changed field is written in `source` itself, on a line of its own or in a
    one-line mapping, the file's own text is kept with each value replaced (its comment then
    begins by saying so, and what the value was),
    and the files it extends or includes are named from `out`'s folder (by an absolute path
    where they are not inside it: a scenario may not climb out of its folder). Otherwise (a
    field `source` inherits, or text that does not read back the same) the whole scenario is
    written as plain data under a header. Returns (text, why the comments were not kept, or "")."""
    data, origins = load_tree(source)
    notes = _notes_of(data, changes)
    changed = apply_overrides(data, dict(changes))
    changed["notes"] = {**changed.get("notes", {}), **notes}
    wanted = validate(changed, str(source)).model_dump()
    text, why = _in_place(source, out, origins, changes, notes)
    if not why:
        try:
            why = "" if _reads_as(text, out, wanted) else "the edited text read back otherwise"
        except InputError as err:
            why = f"the edited text did not read back ({err.problem})"
    if not why:
        return text, ""
    settings = ", ".join(f"{field} = {plain(value)}" for field, value in changes.items())
    header = textwrap.wrap(
        f"Written by simulate budget --apply from {source.name}, with {settings}. The "
        f"comments of {source.name} (where each figure comes from) are not kept here: {why}. "
        f"See {source.name} for them.",
        96,
    )
    return to_yaml(changed, header), why


def _notes_of(data: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A note for each changed figure: the note written for the old value no longer holds."""
    out = {}
    for field, value in changes.items():
        key = dotted(paths.parse(field))
        if paths.kind_at(field) in paths.NUMERIC:
            old = plain(paths.get(data, field))
            was = "none" if old is None else old
            text = f"Set by simulate budget --apply to {plain(value)} (was {was})."
            out[key] = {"kind": "assumption", "text": text}
    return out


def _in_place(
    source: Path,
    out: Path,
    origins: Mapping[FieldPath, tuple[str, int]],
    changes: Mapping[str, Any],
    notes: Mapping[str, Any],
) -> tuple[str, str]:
    """The file's text with each changed value replaced on its line and each changed figure's
    note replaced (or added to its notes), or why it cannot be."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    for field, value in changes.items():
        where = origins.get(paths.parse(field))
        if where is None or Path(where[0]) != source:
            return (
                "",
                f"{field} is not written in {source.name} (it comes from the file it extends)",
            )
        key = re.escape(str(paths.parse(field)[-1]))
        n = where[1] - 1
        new = str(plain(value))
        line = lines[n].rstrip("\r\n")
        ending = lines[n][len(line) :]
        block = re.match(_BLOCK.format(key=key), line)
        if block is not None:
            old, tail = block["value"].strip(), block["tail"]
            said = tail.strip().removeprefix("#").strip()
            note = f"# {NOTE.format(old=old)}" + (f"; {said}" if said else "")
            gap = len(tail) - len(tail.lstrip()) + len(block["value"]) - len(new)
            tail = " " * max(1, gap if said else 2) + note  # the comment stays in its column
            lines[n] = block["head"] + new + tail + ending
            continue
        flow, count = re.subn(_FLOW.format(key=key), rf"\g<head>{new}", lines[n])
        if count != 1:
            return "", f"{field} is not on a line of its own in {source.name}"
        lines[n] = flow
    lines = _with_notes(lines, source, origins, notes)
    here = out.parent.resolve()
    for n, line in enumerate(lines):  # extends and include, named from out's folder
        reference = _REFERENCE.match(line)
        if reference is not None and here != source.parent.resolve():
            target = (source.parent / reference["value"].strip("'\"")).resolve()
            name = target.relative_to(here) if target.is_relative_to(here) else target
            lines[n] = reference["head"] + str(name) + line[reference.end() :]
    return "".join(lines), ""


def _with_notes(
    lines: list[str],
    source: Path,
    origins: Mapping[FieldPath, tuple[str, int]],
    notes: Mapping[str, Any],
) -> list[str]:
    """The file's lines with each note in place of the one written for its key, or added
    below `notes:` (a notes section at the end where the file has none)."""
    lines = list(lines)
    for key, note in notes.items():
        block = yaml.dump(
            {key: note}, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=96
        )
        entry = ["  " + line + "\n" for line in block.splitlines()]
        where = origins.get(("notes", key))
        if where is not None and Path(where[0]) == source:
            start = where[1] - 1
            depth = len(lines[start]) - len(lines[start].lstrip())
            end = start + 1
            while end < len(lines) and (
                not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > depth
            ):
                end += 1
            lines[start:end] = entry
            continue
        section = next((n for n, line in enumerate(lines) if _NOTES.match(line)), None)
        if section is not None:
            lines[section + 1 : section + 1] = entry
        else:
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            lines += ["\n", "notes:\n", *entry]
    return lines


_NOTES = re.compile(r"^notes\s*:\s*(#.*)?$")  # the top-level notes section


def _reads_as(text: str, out: Path, wanted: dict[str, Any]) -> bool:
    """Whether `text`, written at `out`, loads as the scenario `wanted` (a model_dump)."""
    probe = out.with_name(f".{out.name}.check.yaml")
    try:
        probe.write_text(text, encoding="utf-8")
        return load_scenario(probe).model_dump() == wanted
    finally:
        probe.unlink(missing_ok=True)
