"""The inputs that differ between scenarios, for the report's assumptions table: each in the
planner's words (simulate.schema.words) with its value and its source in every scenario."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from simulate.schema.model import Note, Scenario
from simulate.schema.notes import in_words, is_figure, note_for
from simulate.schema.words import label, written
from simulate.schema.yamlsafe import FieldPath, dotted


@dataclass(frozen=True)
class Difference:
    """One input that is not the same in all scenarios."""

    path: str  # its field path in the first scenario that has it
    label: str  # as a planner reads it
    values: tuple[str, ...]  # in each scenario, with its unit ("—": the scenario has none)
    notes: tuple[Note | None, ...]  # where each scenario's value comes from
    said: tuple[str, ...]  # the same in words, or why there is no note ("": none to say)


def assumption_diff(scenarios: Sequence[Scenario]) -> list[Difference]:
    """Inputs whose values differ between scenarios (name, description and notes left out).

    List items that carry a name (schools, teams, tiers) or a coach are matched by it, so a
    reordered list does not show as a difference. An input missing from some scenarios is
    shown only where some scenario sets it to something other than the schema default.
    """
    flat = [_flatten(s.model_dump(exclude={"notes"})) for s in scenarios]
    explicit = [
        set(_flatten(s.model_dump(mode="json", exclude_defaults=True, exclude={"notes"})))
        for s in scenarios
    ]
    in_order = dict.fromkeys(k for f in flat for k in f if k not in ("name", "description"))
    keys = sorted(in_order, key=_section_order)  # the model's order within a section
    out = []
    for key in keys:
        found = [f.get(key) for f in flat]
        values = [v[1] if v is not None else _MISSING for v in found]
        if all(v == values[0] for v in values):
            continue
        if _MISSING in values and not any(
            key in e for e, v in zip(explicit, values, strict=True) if v is not _MISSING
        ):
            continue
        first = next(i for i, v in enumerate(found) if v is not None)
        path = dotted(found[first][0])  # type: ignore[index]
        out.append(
            Difference(
                path,
                label(path, scenarios[first]),
                tuple(
                    written(dotted(f[0]), f[1], s) if f is not None else "—"
                    for f, s in zip(found, scenarios, strict=True)
                ),
                notes := tuple(
                    note_for(s, dotted(f[0])) if f is not None else None
                    for f, s in zip(found, scenarios, strict=True)
                ),
                tuple(
                    _said(note, _roles_note(sc, f[0]), key in e, f[1]) if f is not None else ""
                    for note, sc, e, f in zip(notes, scenarios, explicit, found, strict=True)
                ),
            )
        )
    return out


def _said(note: Note | None, roles_note: bool, explicit: bool, value: Any) -> str:
    """Where a value comes from, in words: its note, or why it has none (a default the
    scenario does not set; a name or a choice, which has no source to cite). A figure takes
    the note of the section holding it; a name or a choice not the whole role's (a role's
    note on its pay and absences says nothing of its title)."""
    figure = is_figure(value)
    if note is not None and (figure or not roles_note):
        return in_words(note)
    if not explicit:
        return "The model's default: the scenario does not set it."
    if not figure:
        return "A name or a choice of the arrangement, not a figure: nothing to cite."
    return in_words(None)


def _roles_note(scenario: Scenario, at: FieldPath) -> bool:
    """Whether the note covering a field inside a role is the whole role's (roles.NAME)."""
    if len(at) <= 2 or at[0] != "roles":
        return False
    return not any(dotted(at[:depth]) in scenario.notes for depth in range(len(at), 2, -1))


_MISSING = object()


def _flatten(node: Any, key: str = "", at: FieldPath = ()) -> dict[str, tuple[FieldPath, Any]]:
    """Leaf values by a key that names list items by their name (or coach), each with its
    real field path."""
    if isinstance(node, dict):
        out: dict[str, tuple[FieldPath, Any]] = {}
        for name, value in node.items():
            out.update(_flatten(value, f"{key}.{name}" if key else str(name), (*at, name)))
        return out
    if isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
        labels = [x.get("name", x.get("coach")) for x in node]
        if any(x is None for x in labels) or len(set(labels)) < len(labels):
            labels = [str(i) for i in range(len(node))]
        out = {}
        for i, (name, item) in enumerate(zip(labels, node, strict=True)):
            out.update(_flatten(item, f"{key}[{name}]", (*at, i)))
        return out
    return {key: (at, node)}


def _section_order(key: str) -> int:
    top = key.split(".")[0].split("[")[0]
    order = ["calendar", "roles", "schools", "coaching", "small_groups", "relationships"]
    return order.index(top) if top in order else len(order)
