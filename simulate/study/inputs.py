"""The scenarios of a comparison: files loaded, names checked, the baseline found."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from simulate.schema.errors import InputError
from simulate.schema.loading import load_scenario
from simulate.schema.model import Scenario


def load_scenarios(
    files: Sequence[Path], baseline: str | None = None, confined_to: Path | None = None
) -> tuple[list[Scenario], str]:
    """Load scenario files for a comparison; names must differ; --baseline may name a file.

    Returns the scenarios and the baseline's scenario name; checked before any output.
    `confined_to`: the folder the files must lie in (schema.loading.load_scenario).
    """
    specs: list[Scenario] = []
    seen: dict[str, Path] = {}
    for file in files:
        spec = load_scenario(file, confined_to)
        if spec.name in seen:
            raise InputError(
                str(file),
                "name",
                f"'{spec.name}' is also the name of {seen[spec.name]}",
                "a different name for each scenario in a comparison",
            )
        seen[spec.name] = file
        specs.append(spec)
    if baseline is not None and baseline not in seen:
        for spec, file in zip(specs, files, strict=True):
            if baseline in (str(file), file.name, file.stem):
                return specs, spec.name
    return specs, resolve_baseline(list(seen), baseline)


def resolve_baseline(names: list[str], baseline: str | None) -> str:
    """The baseline's exact name; accepts a case-insensitive match; default the first."""
    if baseline is None:
        return names[0]
    if baseline in names:
        return baseline
    folded = [n for n in names if n.casefold() == baseline.casefold()]
    if len(folded) == 1:
        return folded[0]
    raise InputError(
        None,
        "--baseline",
        f"no scenario is named '{baseline}'",
        ", ".join(f"'{n}'" for n in names),
    )
