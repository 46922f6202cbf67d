"""Scenario management: rename, duplicate, delete into the workspace's trash and restore, with
every scenario's name kept unique (a comparison tells scenarios apart by name).

A deleted scenario is moved, not removed: `trash/<slug>.<stamp>.yaml` keeps it until the
planner restores it (under a free file name and, if its name was taken since, a new name).
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

from simulate.app.workspace import SLUG, Workspace
from simulate.schema.errors import InputError

TRASHED = re.compile(r"([a-z0-9][a-z0-9_-]{0,63})\.(\d{8}-\d{6}(?:-\d{1,3})?)\.yaml")
NAME_LIMIT = 200


def names_in_use(ws: Workspace, but: str | None = None) -> set[str]:
    """The names of the workspace's scenarios (those that load), except scenario `but`'s."""
    return {e.name for e in ws.entries() if e.name is not None and e.slug != but}


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name (2)`, `name (3)`, ... : the first that no scenario has."""
    base = re.sub(r" \(\d+\)$", "", name)
    if name not in taken:
        return name
    k = 2
    while f"{base} ({k})" in taken:
        k += 1
    return f"{base} ({k})"


def add(ws: Workspace, text: str, name: str) -> str:
    """A new scenario file of a scenario called `name` (checked text), kept as written
    unless the name is taken: then it is renamed "name (2)", ...; its slug."""
    free = unique_name(name, names_in_use(ws))
    slug = ws.add_scenario(free, text)  # a free file name, claimed in one step
    if free != name:
        data, _ = ws.load(slug)
        ws.save_data(slug, {**data, "name": free}, f"renamed: '{name}' was taken")
    return slug


def rename(ws: Workspace, slug: str, name: str) -> str:
    """Give a scenario a new name (and a file named after it); its new slug."""
    name = " ".join(name.split())
    if not name:
        raise InputError(None, "name", "is empty", "a name for the scenario")
    if len(name) > NAME_LIMIT:
        raise InputError(None, "name", f"is longer than {NAME_LIMIT} characters")
    data, scenario = ws.load(slug)
    if name == scenario.name:
        return slug
    if name in names_in_use(ws, but=slug):
        raise InputError(
            None, "name", f"'{name}' is the name of another scenario", "a name no scenario has"
        )
    return _move(ws, slug, {**data, "name": name}, f"renamed from '{scenario.name}'")


def duplicate(ws: Workspace, slug: str) -> str:
    """A copy of a scenario under a new name ("... (copy)"); the copy's slug."""
    data, scenario = ws.load(slug)
    name = unique_name(f"{scenario.name} (copy)", names_in_use(ws))
    new = ws.add_scenario(name, ws.scenario_file(slug).read_text(encoding="utf-8"))
    ws.save_data(new, {**data, "name": name}, f"a copy of '{scenario.name}'")
    return new


def delete(ws: Workspace, slug: str) -> str:
    """Move a scenario to the trash; the name it is kept under there."""
    path = ws.scenario_file(slug)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    trash, k = ws.root / "trash", 1
    trash.mkdir(exist_ok=True)
    kept = trash / f"{slug}.{stamp}.yaml"
    while kept.exists():
        k += 1
        kept = trash / f"{slug}.{stamp}-{k}.yaml"
    path.rename(kept)
    return kept.name


def trashed(ws: Workspace) -> list[tuple[str, str, str]]:
    """What the trash holds, newest first: (file name, scenario slug, when deleted)."""
    trash = ws.root / "trash"
    if not trash.is_dir():
        return []
    found = [TRASHED.fullmatch(p.name) for p in trash.iterdir()]
    rows = [(m.group(0), m.group(1), _when(m.group(2))) for m in found if m is not None]
    return sorted(rows, key=lambda row: row[0].split(".")[1], reverse=True)


def restore(ws: Workspace, kept: str) -> str:
    """Put a scenario back from the trash; its slug (a free one, and a free name if the
    old one is taken)."""
    match = TRASHED.fullmatch(kept)
    path = ws.root / "trash" / kept
    if match is None or not path.is_file():
        raise InputError(None, "scenario", f"'{kept:.80}' is not in the trash")
    named = match.group(1) if SLUG.fullmatch(match.group(1)) else "scenario"
    slug = ws.add_scenario(named, path.read_text(encoding="utf-8"))
    path.unlink()
    try:
        data, scenario = ws.load(slug)
    except InputError:
        return slug  # restored as it was; its page says why it does not load
    name = unique_name(scenario.name, names_in_use(ws, but=slug))
    if name != scenario.name:
        ws.save_data(slug, {**data, "name": name}, f"restored; '{scenario.name}' was taken")
    return slug


def _move(ws: Workspace, slug: str, data: dict[str, Any], why: str) -> str:
    """Write data under a slug made from its name (a new one claimed in one step, as
    Workspace.add_scenario does), removing the old file."""
    old: Path = ws.scenario_file(slug)
    new = slug
    if ws.free_slug(str(data["name"]), keep=slug) != slug:
        new = ws.add_scenario(str(data["name"]), old.read_text(encoding="utf-8"))
    ws.save_data(new, data, why)
    if new != slug:
        old.unlink()
    return new


def _when(stamp: str) -> str:
    day, time = stamp[:8], stamp[9:15]
    return f"{day[:4]}-{day[4:6]}-{day[6:]} {time[:2]}:{time[2:4]}"
