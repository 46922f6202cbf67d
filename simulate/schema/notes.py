"""Where each figure of a scenario comes from: its notes, kept as data beside the figures.

A scenario's `notes` map a field path (as simulate.schema.paths writes it:
`budget.funding[1].per_pupil`) to a Note: public (with its source), local (the school's own
figure) or an assumption. A note on a section (`roles.teacher.schedule`) describes every figure
in it without a note of its own, so `note_for` looks up the path and then its ancestors.

A note describes the value it was written for. Wherever a scenario is made from another (a
file that `extends` a base, `simulate new`, `simulate import`, the web app), `carried` keeps
the notes whose values did not change and drops the others, so a note never vouches for a
figure someone else typed; the place that changed the figure gives it a note of its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from simulate.schema.errors import FieldError, InputError
from simulate.schema.model import Note, Scenario
from simulate.schema.paths import SYNTAX, locate, parse
from simulate.schema.yamlsafe import FieldPath, dotted

KINDS = ("public", "local", "assumption")
KIND_WORDS = {"public": "Public source", "local": "Own figure", "assumption": "Assumption"}


@dataclass(frozen=True)
class Sourced:
    """One figure of a scenario with where it comes from, in the planner's words."""

    path: str
    figure: str  # the field's label (simulate.schema.words)
    value: str  # the value with its unit
    note: Note | None


def sources(scenario: Scenario) -> list[Sourced]:
    """Every figure the scenario sets, with its note: the lines of a Sources table."""
    from simulate.schema.paths import get
    from simulate.schema.words import label, written

    return [
        Sourced(
            path,
            label(path, scenario),
            written(path, get(scenario, path), scenario),
            note_for(scenario, path),
        )
        for path in figures(scenario)
    ]


def in_words(note: Note | None) -> str:
    """A note as one sentence: 'Public source: NEA ... US average salary, 2023-24.'"""
    if note is None:
        return "No note."
    sentences = [note.source.strip(), " ".join(note.text.split())]
    text = " ".join(x if x.endswith((".", "!", "?")) else x + "." for x in sentences if x)
    return f"{KIND_WORDS[note.kind]}: {text}"


def note_for(scenario: Scenario | Mapping[str, Any], path: str) -> Note | None:
    """The note of the field at `path`, or else of the nearest section holding it; None when
    no note covers it. `scenario` may be a Scenario or its plain data."""
    notes = scenario.notes if isinstance(scenario, Scenario) else scenario.get("notes") or {}
    parts = parse(path)
    for depth in range(len(parts), 0, -1):
        note = notes.get(dotted(parts[:depth]))
        if note is not None:
            return note if isinstance(note, Note) else Note.model_validate(note)
    return None


def figures(scenario: Scenario) -> list[str]:
    """Paths of every figure (number) the scenario sets, in the order of the model: what
    its notes must cover."""
    return _numbers(scenario.model_dump(exclude_unset=True, exclude={"notes"}), ())


def _numbers(node: Any, at: FieldPath) -> list[str]:
    if isinstance(node, dict):
        return [p for key, value in node.items() for p in _numbers(value, (*at, str(key)))]
    if isinstance(node, list):
        return [p for k, value in enumerate(node) for p in _numbers(value, (*at, k))]
    return [dotted(at)] if is_figure(node) else []


def is_figure(value: Any) -> bool:
    """Whether a value is a figure (a number, not a yes/no), which a note must cover."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def canonical(path: str) -> str:
    """A path as simulate.schema.paths writes it; InputError for a path that is not one."""
    return dotted(parse(path))


def canonical_keys(notes: Any) -> Any:
    """Notes keyed by canonical paths; FieldError for a key that is not a path, or two keys
    that are the same path typed two ways. Anything but a mapping is left to the model."""
    if not isinstance(notes, dict):
        return notes
    out: dict[str, Any] = {}
    for key, note in notes.items():
        try:
            path = canonical(str(key))
        except InputError as err:
            raise FieldError((key,), err.problem, SYNTAX) from None
        if path in out:
            raise FieldError((key,), f"is the same field as the note on '{path}'", "one note")
        out[path] = note
    return out


def check_keys(scenario: Scenario) -> None:
    """Every note names a field of this scenario (a list item must exist); FieldError naming
    the note's key otherwise."""
    for key in scenario.notes:
        if parse(key)[0] == "notes":
            raise FieldError(("notes", key), "is a note on a note", "the path of a figure")
        try:
            locate(scenario, key)
        except InputError as err:
            problem = f"names no figure: {err.problem}"
            raise FieldError(("notes", key), problem, err.allowed) from None


def carried(
    notes: Mapping[str, Any],
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    given: Mapping[str, Any] | None = None,
    moves: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """The notes of `before` (plain data) that still describe `after`, with the notes `given`
    for `after` over them.

    A note is kept where the figures it describes are the same in both, and dropped where
    one changed. A note on a section describes the figures in it without a note of their own,
    so a field below it that has its own note is left out of the comparison. `moves` maps the
    path of a list item to its path in `after` (None: removed), for lists whose items moved;
    notes on or below a moved item move with it."""
    out: dict[str, Any] = dict(given or {})
    paths: list[tuple[FieldPath, FieldPath, str, Any]] = []
    for key, note in notes.items():
        try:
            old = parse(key)
        except InputError:
            out.setdefault(key, note)  # not a path: validation names it
            continue
        new = _moved(old, moves or {})
        if new is not None:
            paths.append((old, new, dotted(new), note))
    for old, new, key, note in sorted(paths, key=lambda p: -len(p[1])):  # deepest first
        if key in out:
            continue
        own = [_parts(k)[len(new) :] for k in out if _below(_parts(k), new)]
        if _masked(_value(before, old), own) == _masked(_value(after, new), own):
            out[key] = note
    return in_order(out, after)


def in_order(notes: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """The notes in the order their fields come in the data (a section before its fields);
    notes on no field of the data last."""
    place = {dotted(at): k for k, at in enumerate(_walk(data, ()))}
    return dict(sorted(notes.items(), key=lambda item: place.get(item[0], len(place))))


def _walk(node: Any, at: FieldPath) -> Iterable[FieldPath]:
    if at:
        yield at
    if isinstance(node, dict):
        for key, value in node.items():
            if at or key != "notes":
                yield from _walk(value, (*at, str(key)))
    elif isinstance(node, list):
        for k, value in enumerate(node):
            yield from _walk(value, (*at, k))


def _parts(key: str) -> FieldPath:
    try:
        return parse(key)
    except InputError:
        return ()


def _below(parts: FieldPath, section: FieldPath) -> bool:
    return len(parts) > len(section) and parts[: len(section)] == section


def _masked(value: Any, inner: list[FieldPath]) -> Any:
    """`value` with the fields at the `inner` paths (relative to it) replaced by a marker."""
    if not inner:
        return value
    out = json.loads(json.dumps(value, default=str)) if value is not _ABSENT else value
    for parts in inner:
        node = out
        for part in parts[:-1]:
            node = _step(node, part)
        if isinstance(node, dict) and str(parts[-1]) in node:
            node[str(parts[-1])] = _MASK
        elif isinstance(node, list) and isinstance(parts[-1], int) and parts[-1] < len(node):
            node[parts[-1]] = _MASK
    return out


def _step(node: Any, part: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(str(part))
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


_MASK = "(has a note of its own)"


def without(notes: Mapping[str, Any], changed: Iterable[str]) -> dict[str, Any]:
    """The notes that do not describe any of the `changed` paths: a note on a changed field,
    on a field inside it or on a section holding it is left out. Cheap (string prefixes of
    canonical paths), for overrides applied to every point of a sweep."""
    heads = [canonical(path) for path in changed]

    def touches(key: str) -> bool:
        return any(key == head or _under(key, head) or _under(head, key) for head in heads)

    return {key: note for key, note in notes.items() if not touches(key)}


def _under(path: str, section: str) -> bool:
    return path.startswith(section) and path[len(section) : len(section) + 1] in (".", "[")


_ABSENT = object()


def _value(data: Any, parts: FieldPath) -> Any:
    """The plain value at a path, or _ABSENT; a mapping of numbers reads a left-out entry as
    absent too (the model reads it as 0: the note is dropped either way when it changes)."""
    node = data
    for part in parts:
        if isinstance(node, dict) and str(part) in node:
            node = node[str(part)]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return _ABSENT
    return node


def _moved(parts: FieldPath, moves: Mapping[str, str | None]) -> FieldPath | None:
    """The path after list items moved: the longest moved item it lies in, re-rooted."""
    for depth in range(len(parts), 0, -1):
        head = dotted(parts[:depth])
        if head in moves:
            target = moves[head]
            return None if target is None else (*parse(target), *parts[depth:])
    return parts
