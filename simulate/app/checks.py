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
from simulate.schema.loading import validate
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
    """The scenario if `data` is valid, and what to show: its error, or its warnings."""
    try:
        scenario = validate(json.loads(json.dumps(data, default=str)), file)
    except InputError as err:
        return None, [from_error(err)]
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
    text is not a value of its kind, else the scenario's error or warnings.
    """
    data = json.loads(json.dumps(data))
    original = json.loads(json.dumps(data))
    problems: list[Message] = []
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
                    problems.append(from_error(err, before))
                    continue
                name = item.path[len(row.key) + 1 :] if part.table else ""
                values[name] = value
            note = form.get(f"{NOTE}{row.key}")
            if values or part.lists or note is not None:
                rows.append(Edited(row.key, values, note=note))
        apply(data, before, part, rows, done)
        edits.append((part, rows))
    if problems:
        return data, None, problems
    data["notes"] = settle(original, data, edits, done, "the form", before)
    scenario, messages = check(data, file)
    return data, scenario, messages


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
