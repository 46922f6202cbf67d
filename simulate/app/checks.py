"""What the forms say about a scenario: the CLI's error message next to its field, and
plausibility warnings.

Errors are the InputError the CLI prints, split into the field it names and its words, so the
page and `simulate validate` say the same thing; a page names the field in the planner's words
(simulate.schema.words), never by its path. Values typed into the short form go through the
key inputs' converter and parts.apply, and its Source/notes through keyinputs.notes, as a
workbook's cells do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from simulate.keyinputs.notes import settle
from simulate.keyinputs.parts import Applied, Edited, apply, parts
from simulate.keyinputs.values import ValueProblem, convert
from simulate.schema.errors import InputError, printable
from simulate.schema.loading import problems, validate
from simulate.schema.model import Scenario

NOTE = "note:"  # a short-form field `note:<row key>` holds that row's Source/notes text


@dataclass(frozen=True)
class Message:
    path: str  # the field it is about ('' for the scenario as a whole)
    text: str  # next to the field: what is wrong and what is allowed
    line: str  # the whole line, as the command line prints it
    level: Literal["error", "warning"] = "error"
    label: str = ""  # the field in the planner's words ('' for the scenario as a whole)


def from_error(err: InputError, scenario: Scenario | None = None) -> Message:
    text = err.problem + (f" (allowed: {err.allowed})" if err.allowed else "")
    field = err.field or ""
    return Message(field, text, err.message(), label=in_words(field, scenario))


def in_words(path: str, scenario: Scenario | None = None) -> str:
    """A field path as a page names it; text that is not a path (an option) as it is."""
    from simulate.schema.words import label

    if not path:
        return ""
    try:
        return label(path, scenario)
    except (InputError, AttributeError, IndexError, KeyError):
        return path


def readable(err: InputError, source: str | None = None) -> str:
    """The error's line for a page. A file the planner knows keeps its name; a missing or
    internal one (`<input>`, `<scenario>`) gives way to `source`, what the page calls the
    thing (e.g. "your school"), or to nothing."""
    if err.file and not err.file.startswith("<"):
        return err.message()
    if source:
        return err.at(source).message()
    return printable((f"{err.field}: " if err.field else "") + from_error(err).text)


def check(data: Any, file: str) -> tuple[Scenario | None, list[Message]]:
    """The scenario if `data` is valid, and what to show: all its errors, or its warnings."""
    plain = json.loads(json.dumps(data, default=str))
    found = problems(plain, file)
    if found:
        return None, [from_error(err) for err in found]
    scenario = validate(plain, file)
    return scenario, plausibility(scenario, file)


def plausibility(scenario: Scenario, file: str) -> list[Message]:
    """Warnings for implausible but valid input (a class of 40, a day longer than the school
    day), worded as `simulate validate` prints them, each next to its field."""
    from simulate.schema.plausibility import warnings

    return [
        Message(w.path, w.message, f"warning: {file}: {w}", "warning", in_words(w.path, scenario))
        for w in warnings(scenario)
    ]


def apply_form(
    data: dict[str, Any], before: Scenario, form: Mapping[str, str], file: str
) -> tuple[dict[str, Any], Scenario | None, list[Message]]:
    """The short form's values (field path -> text) over a scenario's data.

    Returns the new data, the scenario if it is valid, and every message: each field whose
    text is not a value of its kind, and the scenario's errors (or its warnings).
    """
    data = json.loads(json.dumps(data))
    original = json.loads(json.dumps(data))
    typed: list[Message] = []  # texts that are not values of their fields' kinds
    done = Applied()
    edits = []
    for part in parts(before):
        rows: list[Edited] = []
        for row in part.rows:
            values: dict[str, Any] = {}
            for item in row.inputs:
                if item.path not in form:
                    continue
                try:
                    value = convert(item.meta, form[item.path])
                except ValueProblem as bad:
                    err = InputError(file, item.path, bad.problem, bad.allowed)
                    typed.append(from_error(err, before))
                    continue
                name = item.path[len(row.key) + 1 :] if part.table else ""
                values[name] = value
            note = form.get(f"{NOTE}{row.key}")
            if values or part.lists or note is not None:
                rows.append(Edited(row.key, values, note=note))
        apply(data, before, part, rows, done)
        edits.append((part, rows))
    data["notes"] = settle(original, data, edits, done, "the form", before)
    scenario, messages = check(data, file)  # the bad fields keep their values before
    if typed:
        paths = {m.path for m in typed}
        return data, None, typed + [m for m in messages if m.path not in paths]
    return data, scenario, messages


# A rule across fields is shown beside each field it involves, besides its own table or
# section: teams that do not fill the classrooms, beside the school's classrooms too.
INVOLVES = {"teams": ("classrooms",)}


def placed(messages: list[Message], parts: list[Any]) -> dict[str, list[str]]:
    """Where each message is shown: an HTML id (see site.field_id) -> the texts shown there.

    A message about one field of the form goes beside it; one about a table or a section
    (tier shares adding to 1.05, teams against classrooms) goes at the top of the part the
    fields under its path belong to, and beside each field INVOLVES names."""
    from simulate.app.site import field_id

    inputs = {i.path for p in parts for r in p.rows for i in r.inputs}
    out: dict[str, list[str]] = {}
    for m in messages:
        if not m.path:
            continue
        if m.path in inputs:
            out.setdefault(field_id(m.path), []).append(m.text)
            continue
        for part in parts:
            under = [i.path for r in part.rows for i in r.inputs]
            if any(p.startswith((m.path + ".", m.path + "[")) for p in under) or any(
                m.path.startswith(r.key + ".") for r in part.rows
            ):
                out.setdefault(f"part-{part.sheet}", []).append(m.text)
                break
        head, _, last = m.path.rpartition(".")
        for other in INVOLVES.get(last, ()):
            path = f"{head}.{other}" if head else other
            if path in inputs:
                out.setdefault(field_id(path), []).append(m.text)
    return out


def anchors(parts: list[Any]) -> list[str]:
    """Every place a message may be shown (placed's keys), so that a check clears them."""
    from simulate.app.site import field_id

    ids = [field_id(i.path) for p in parts for r in p.rows for i in r.inputs]
    return ids + [f"part-{p.sheet}" for p in parts]


def with_notes(data: dict[str, Any], before: Mapping[str, Any]) -> dict[str, Any]:
    """The full form's data with its notes kept true: a note the form left as it was stays
    only while its figures are as they were (simulate.schema.notes.carried); notes typed
    in the form are kept."""
    from simulate.schema.notes import carried

    old = before.get("notes") or {}
    typed = data.get("notes")
    if not isinstance(typed, dict) or not isinstance(old, dict):
        return data
    given = {key: note for key, note in typed.items() if old.get(key) != note}
    return {**data, "notes": carried(old, before, data, given)}
