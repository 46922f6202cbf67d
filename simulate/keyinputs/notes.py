"""The Source/notes cell of a key-inputs row: the notes of its figures as one text a planner
reads and types, and that text read back.

One note is `[kind] source | text` (kind: public, local or assumption). A planner may type
just a source ("district HR, 2026-27 salary schedule"): a note without a kind is local. A
table row holds the notes of its item and of its columns, one a line, a column's prefixed by
its label ("Salary: [public] NEA ... | US average ..."); a line without a label is the
item's. A cell left as it was keeps its notes exactly; a cell that was changed replaces them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from simulate.keyinputs.parts import Applied, Edited, Part
from simulate.schema import paths
from simulate.schema.errors import InputError
from simulate.schema.fields import describe
from simulate.schema.model import Note, Scenario
from simulate.schema.notes import KINDS, carried, note_for

SEPARATOR = " | "
DEFAULT_KIND = "local"


def shown(note: Note) -> str:
    """One note as one line: `[kind] source | text`, with only what it has."""
    source, text = note.source.strip(), " ".join(note.text.split())
    if source and text:
        body = f"{source}{SEPARATOR}{text}"
    elif note.kind == "assumption":  # an assumption's lone text is its text
        body = f"{source}{SEPARATOR.rstrip()}" if source else text
    else:  # a public or local figure's lone text is its source
        body = source or f"{SEPARATOR.lstrip()}{text}"
    return f"[{note.kind}] {body}".rstrip()


def parsed(line: str) -> dict[str, str] | None:
    """A note from one typed line (see shown); None for an empty line."""
    line = line.strip()
    if not line:
        return None
    kind = DEFAULT_KIND
    if line.startswith("["):
        word, _, rest = line[1:].partition("]")
        if word.strip().lower() in KINDS:
            kind, line = word.strip().lower(), rest.strip()
    source, text = "", ""
    if SEPARATOR in line:
        source, _, text = line.partition(SEPARATOR)
    elif line.endswith(SEPARATOR.rstrip()):
        source = line[: -len(SEPARATOR.rstrip())]
    elif line.startswith(SEPARATOR.lstrip()):
        text = line[len(SEPARATOR.lstrip()) :]
    elif kind == "assumption":
        text = line
    else:
        source = line
    return {"kind": kind, "source": source.strip(), "text": text.strip()}


def shown_here(
    notes: Mapping[str, Any], key: str, columns: Mapping[str, str] | None
) -> dict[str, str]:
    """The notes a row shows, by path: a form row (`columns` None) the nearest note of its
    field; a table row the nearest note of its item, and each column's own note."""
    out: dict[str, str] = {}
    item = note_for({"notes": notes}, key)
    if item is not None:
        out[key] = shown(item)
    for field in columns or {}:
        own = notes.get(f"{key}.{field}")
        if own is not None:
            out[f"{key}.{field}"] = shown(own if isinstance(own, Note) else Note(**own))
    return out


def cell_text(notes: Mapping[str, Any], key: str, columns: Mapping[str, str] | None) -> str:
    """The Source/notes cell of a row (see shown_here): one note a line, columns labelled."""
    lines = []
    for path, text in shown_here(notes, key, columns).items():
        field = path[len(key) + 1 :]
        lines.append(f"{columns[field]}: {text}" if columns and field in columns else text)
    return "\n".join(lines)


def read_cell(text: str, key: str, columns: Mapping[str, str] | None) -> dict[str, dict[str, str]]:
    """The notes a typed cell gives, by path below `key` (see cell_text)."""
    by_label = sorted(((label, field) for field, label in (columns or {}).items()), key=_longest)
    item: list[str] = []
    out: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        for label, field in by_label:
            if line.startswith(f"{label}:"):
                note = parsed(line[len(label) + 1 :])
                if note is not None:
                    out[f"{key}.{field}"] = note
                break
        else:
            item.append(line.strip())
    note = parsed(" ".join(x for x in item if x))
    if note is not None:
        out[key] = note
    return out


def _longest(pair: tuple[str, str]) -> int:
    return -len(pair[0])


def settle(
    before: Mapping[str, Any],
    after: dict[str, Any],
    edits: Sequence[tuple[Part, Sequence[Edited]]],
    done: Applied,
    typed_in: str,
    shown_from: Scenario,
) -> dict[str, Any]:
    """The notes of `after`, the data the edits made of `before`.

    A row's notes start as `shown_from` (the scenario the sheet was made from) showed them,
    less those of figures typed differently from what the sheet showed. What the planner
    typed in the cell comes over them: a column's note on that column; a note without a
    column on the figures typed anew in that row, or else on the row's item. A figure typed
    anew without a note of its own gets a local note saying where it was typed, so no
    figure is left without one. Every other note of `before` carries over as long as its
    figures did not change (simulate.schema.notes.carried)."""
    old = dict(before.get("notes") or {})
    sheet = {key: note.model_dump() for key, note in shown_from.notes.items()}
    owned: set[str] = set()
    given: dict[str, Any] = {}
    for part, rows in edits:
        columns = dict(part.columns) if part.table else None
        for row in rows:
            home = row.placed if row.key is None else done.moves.get(row.key, row.key)
            if home is None:
                continue
            if row.key is not None:
                owned |= {p for p in shown_here(old, row.key, columns) if p in old}
            given |= _row_notes(row, home, columns, shown_from, sheet, typed_in)
    kept = {key: note for key, note in old.items() if key not in owned}
    return carried(kept, before, after, given, done.moves)


def _row_notes(
    row: Edited,
    home: str,
    columns: Mapping[str, str] | None,
    shown_from: Scenario,
    sheet: Mapping[str, Any],
    typed_in: str,
) -> dict[str, Any]:
    """The notes of one row, keyed by paths in the edited data (see settle)."""
    shown_key = row.key or row.sheet_key
    typed_note = row.note or ""
    as_typed = shown_key is None or (
        row.note is not None and not _same(typed_note, cell_text(sheet, shown_key, columns))
    )  # else the notes are as the sheet showed them (or no notes were read)
    here: dict[str, Any] = {}
    if shown_key is not None:
        shown = shown_here(sheet, shown_key, columns)
        here = {home + p[len(shown_key) :]: sheet[p] for p in shown if p in sheet}
    anew = []
    for name, value in row.values.items():
        at = f".{name}" if columns is not None else ""
        if shown_key is None or value != _shown_value(shown_from, shown_key + at):
            here.pop(home + at, None)  # its note was written for what the sheet showed
            if _is_figure(home + at):
                anew.append((home + at, row.where.get(name) or typed_in))
    new_item = row.key is None  # a row added: its notes are its item's
    if as_typed:
        typed = read_cell(typed_note, home, columns)
        general = typed.pop(home, None)
        here |= typed
        if general is not None:
            targets = [] if new_item else [p for p, _ in anew if p not in typed]
            here |= {p: general for p in targets or [home]}
    for path, where in anew:
        covered = path in here or (new_item and home in here)
        if not covered:
            here[path] = {"kind": "local", "text": f"The school's own figure, typed in {where}."}
    return here


def _is_figure(path: str) -> bool:
    """A number, or a list of numbers (a rate per period): what a note must cover."""
    return paths.kind_at(path) in paths.NUMERIC or describe(path).kind == "numbers"


def _shown_value(scenario: Scenario, path: str) -> Any:
    """The value a sheet made from `scenario` showed at `path` (None: none shown)."""
    from simulate.keyinputs.parts import current

    try:
        return current(scenario, path, describe(path))
    except InputError:
        return None


def moved(path: str, moves: Mapping[str, str | None]) -> str | None:
    """A field path after the list items of `moves` moved (None: its item is gone)."""
    for item, target in sorted(moves.items(), key=lambda m: -len(m[0])):
        if path == item or _inside(path, item):
            return None if target is None else target + path[len(item) :]
    return path


def _inside(path: str, section: str) -> bool:
    return path.startswith(section) and path[len(section) : len(section) + 1] in (".", "[")


def _same(typed: str, expected: str) -> bool:
    return [x.strip() for x in typed.strip().splitlines()] == [
        x.strip() for x in expected.strip().splitlines()
    ]


def _typed_where(edits: Sequence[tuple[Part, Sequence[Edited]]], path: str) -> str | None:
    """The cell a changed field was typed in, as the workbook names it."""
    for part, rows in edits:
        for row in rows:
            key = row.key if row.key is not None else row.placed
            for name, place in row.where.items():
                if (f"{key}.{name}" if part.table else key) == path:
                    return place
    return None
