"""The `simulate` command: a thin layer over the Python API.

Exit codes: 0 done, 2 bad input (one message, no traceback), 1 internal error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from .errors import InputError

OutPath = click.Path(path_type=Path, file_okay=True, dir_okay=True)


def handles_input_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn InputError into one line on stderr and exit code 2."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InputError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(2)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="simulate")
def main() -> None:
    """Simulate school years under different staffing arrangements and compare them."""


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--out", "out", type=OutPath, required=True, help="Folder for the results.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option(
    "--replications", "-r", type=click.IntRange(min=1, max=10_000), default=1, show_default=True
)
@click.option("--force", is_flag=True, help="Write into a non-empty --out folder.")
@handles_input_errors
def run(scenario: Path, out: Path, seed: int, replications: int, force: bool) -> None:
    """Run one SCENARIO file; write summary.json, metrics.csv, ledger.csv and budget.csv."""
    from .api import run as run_scenario
    from .loading import load_scenario
    from .output import prepare_out, write_csv, write_json

    spec = load_scenario(scenario)
    prepare_out(out, force=force)
    result = run_scenario(spec, seed=seed, replications=replications)
    write_csv(out / "metrics.csv", result.metrics)
    write_csv(out / "ledger.csv", result.ledger)
    write_csv(out / "budget.csv", result.budget)
    write_json(out / "summary.json", result.summary())
    click.echo(f"{spec.name}: {replications} replication(s), seed {seed} -> {out}")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check scenario FILES; print one line per file and exit 2 if any is invalid."""
    from .loading import load_scenario

    bad = 0
    for file in files:
        try:
            spec = load_scenario(file)
        except InputError as err:
            bad += 1
            click.echo(f"error: {err}", err=True)
        else:
            click.echo(f"ok: {file} ({spec.name})")
    if bad:
        sys.exit(2)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format (for editor completion and checks)."""
    from .scenario import Scenario

    click.echo(json.dumps(Scenario.model_json_schema(), indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
