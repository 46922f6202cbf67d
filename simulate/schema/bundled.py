"""The bundled scenarios, found where the package is installed (a wheel carries copies of
scenarios/; in a checkout simulate/scenarios links to it), so that `simulate new`, `template`
and the web app can start from them without a path."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from simulate.schema.errors import InputError, suggest

# The scenario whose school every other bundled arrangement re-staffs: today's staffing.
TODAY = "traditional"


def folder() -> Path:
    """The folder of the bundled scenario files."""
    return Path(str(resources.files("simulate") / "scenarios"))


def names() -> list[str]:
    """Names (file stems) of the bundled scenarios, sorted."""
    return sorted(p.stem for p in folder().glob("*.yaml"))


@cache
def titles() -> dict[str, str]:
    """Each bundled scenario's title (its `name`) by file stem, for lists people read: from
    its top-level `name:` line (loading all 15 files took 0.4 s of the web app's first page),
    else from the loaded file (one that takes its name from the file it extends)."""
    out = {}
    for stem in names():
        file = path(stem)
        line = next(
            (ln for ln in file.read_text(encoding="utf-8").splitlines() if ln.startswith("name:")),
            None,
        )
        if line is None:
            from simulate.schema.loading import load_data

            out[stem] = str(load_data(file).get("name") or stem)
        else:
            out[stem] = str(yaml.safe_load(line)["name"] or stem)
    return out


def is_district_funding(line: Any) -> bool:
    """Whether a funding line (schema.model.Funding) is one of the bundled district's
    recurring lines, as every bundled scenario has them: then it is not the planner's."""
    return line.kind == "recurring" and _money_of(line) in _district_funding()


@cache
def _district_funding() -> frozenset[tuple[Any, ...]]:
    from simulate.schema.loading import load_scenario

    return frozenset(
        _money_of(line)
        for stem in names()
        for line in load_scenario(path(stem)).budget.funding
        if line.kind == "recurring"
    )


def _money_of(line: Any) -> tuple[Any, ...]:
    return (line.name, line.amount, line.per_pupil, line.per_eligible_pupil, line.eligible_share)


def path(name: str) -> Path:
    """The file of a bundled scenario, by name (`mcl_teams` or `mcl_teams.yaml`)."""
    stem = name.removesuffix(".yaml").removesuffix(".yml")
    known = names()
    if stem not in known:
        raise InputError(
            None,
            "arrangement",
            f"'{name}' is not a bundled scenario" + suggest(stem, known),
            ", ".join(known),
        )
    return folder() / f"{stem}.yaml"


def find(reference: str | Path) -> Path:
    """A scenario file given by path, or else by the name of a bundled scenario."""
    candidate = Path(reference)
    if candidate.exists() or candidate.suffix in (".yaml", ".yml") and candidate.parent != Path():
        return candidate  # a path (a missing one is reported by the loader, with its name)
    return path(str(reference))
