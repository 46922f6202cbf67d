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

from simulate.budget.goalseek import TARGETS
from simulate.schema.errors import InputError
from simulate.schema.model import Scenario
from simulate.study.run import REPLICATIONS

OutPath = click.Path(path_type=Path, file_okay=True, dir_okay=True)

strict_option = click.option(
    "--strict", is_flag=True, help="Treat warnings about implausible input as errors (exit 2)."
)


def _warn(specs: dict[Path, Scenario], strict: bool) -> None:
    """Print every plausibility warning of each scenario on stderr; with `strict`, exit 2 when
    there is any (before any work or output)."""
    from simulate.schema.plausibility import warnings

    count = 0
    for file, spec in specs.items():
        for warning in warnings(spec):
            count += 1
            click.echo(f"warning: {file}: {warning}", err=True)
    if strict and count:
        click.echo(f"error: {count} warning(s) and --strict", err=True)
        sys.exit(2)


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


def stops_on_ctrl_c(command: Callable[..., Any]) -> Callable[..., Any]:
    """Ctrl-C: one line on stderr and exit code 130 (workers are already stopped)."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            click.echo("interrupted: no complete results were written", err=True)
            sys.exit(130)

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
@strict_option
@handles_input_errors
@stops_on_ctrl_c
def run(scenario: Path, out: Path, seed: int, replications: int, force: bool, strict: bool) -> None:
    """Run one SCENARIO file; write summary.json, metrics.csv, ledger.csv and budget.csv."""
    from simulate.output import prepare_out
    from simulate.schema.loading import load_scenario
    from simulate.study.outputs import save_run
    from simulate.study.progress import progress_bar
    from simulate.study.run import run as run_scenario

    spec = load_scenario(scenario)
    _warn({scenario: spec}, strict)
    prepare_out(out, force=force)
    with progress_bar(f"Simulating {replications} years of {spec.name}", replications) as bar:
        result = run_scenario(spec, seed=seed, replications=replications, progress=bar)
    save_run(result, out)
    click.echo(f"{spec.name}: {replications} replication(s), seed {seed} -> {out}")


@main.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out", type=OutPath, required=True, help="Folder for the report.")
@click.option(
    "--baseline", default=None, help="Scenario name or file to compare against [default: first]."
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Master seed."
)
@click.option(
    "--replications",
    "-r",
    type=click.IntRange(min=1, max=10_000),
    default=REPLICATIONS,
    show_default=True,
    help="Simulated school years per scenario (as budget).",
)
@click.option(
    "--workers", type=click.IntRange(min=1, max=256), help="Processes [default: automatic]."
)
@click.option(
    "--allow-different-schools",
    is_flag=True,
    help="Compare scenarios of different schools: per-pupil and per-student figures only.",
)
@click.option("--force", is_flag=True, help="Write into a non-empty --out folder.")
@strict_option
@handles_input_errors
@stops_on_ctrl_c
def compare(
    scenarios: tuple[Path, ...],
    out: Path,
    baseline: str | None,
    seed: int,
    replications: int,
    workers: int | None,
    allow_different_schools: bool,
    force: bool,
    strict: bool,
) -> None:
    """Run SCENARIOS on the same seeds; write report.html, summary.csv and budget.xlsx.

    The scenarios must describe the same schools (enrollment, school count, need tiers);
    otherwise the command stops and names the difference, unless --allow-different-schools."""
    from simulate.output import prepare_out
    from simulate.report import text_summary
    from simulate.study.compare import compare as run_compare
    from simulate.study.inputs import load_scenarios
    from simulate.study.outputs import save_comparison
    from simulate.study.progress import progress_bar
    from simulate.study.schools import check_same_schools

    specs, baseline = load_scenarios(scenarios, baseline)
    _warn(dict(zip(scenarios, specs, strict=True)), strict)
    check_same_schools(specs, allow_different_schools, files=scenarios)  # names the file
    prepare_out(out, force=force)
    label = f"Simulating {replications} years of {len(specs)} scenarios"
    with progress_bar(label, len(specs) * replications) as bar:
        comparison = run_compare(
            specs, seed, replications, baseline, workers, bar, allow_different_schools
        )
    paths = save_comparison(comparison, out)
    click.echo(text_summary(comparison, paths["report"]))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@strict_option
def validate(files: tuple[Path, ...], strict: bool) -> None:
    """Check scenario FILES; print one line per file, warnings about implausible input on
    stderr, and exit 2 if any is invalid (or, with --strict, draws a warning)."""
    from simulate.schema.loading import load_scenario
    from simulate.schema.plausibility import warnings

    bad = warned = 0
    for file in files:
        try:
            spec = load_scenario(file)
        except InputError as err:
            bad += 1
            click.echo(f"error: {err}", err=True)
        else:
            click.echo(f"ok: {file} ({spec.name})")
            for warning in warnings(spec):
                warned += 1
                click.echo(f"warning: {file}: {warning}", err=True)
    if bad or (strict and warned):
        sys.exit(2)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format (for editor completion and checks)."""
    from simulate.schema.model import Scenario

    click.echo(json.dumps(Scenario.model_json_schema(), indent=2))


@main.command()
@click.option(
    "--format",
    "form",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
def metrics(form: str) -> None:
    """List the measures catalogue: every metric's statistics, groups, unit and meaning."""
    from simulate.measures import listing

    text = {"table": listing.as_text, "csv": listing.as_csv, "json": listing.as_json}[form]()
    click.echo(text.rstrip("\n"))


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--baseline", type=click.Path(path_type=Path), help="Scenario to compare against.")
@click.option("--years", type=click.IntRange(min=1, max=30), help="Projection years [default: 5].")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option(
    "--replications",
    "-r",
    type=click.IntRange(min=1, max=10_000),
    default=REPLICATIONS,
    show_default=True,
    help="Simulated school years (as compare).",
)
@click.option(
    "--goal-seek",
    "goal_field",
    metavar="FIELD",
    help="Numeric field to solve for (e.g. roles.mcl.supplement, budget.funding[0].amount, "
    "schools[0].teams[0].members.reach_associate).",
)
@click.option(
    "--target",
    type=click.Choice(list(TARGETS)),
    default="budget",
    show_default=True,
    help="What the goal-seek value must achieve: "
    + "; ".join(f"{k}: {v}" for k, v in TARGETS.items())
    + ".",
)
@click.option(
    "--workers", type=click.IntRange(min=1, max=256), help="Processes [default: automatic]."
)
@click.option("--out", "out", type=OutPath, help="Folder for CSV, Excel and JSON files.")
@click.option("--force", is_flag=True, help="Write into a non-empty --out folder.")
@strict_option
@handles_input_errors
@stops_on_ctrl_c
def budget(
    scenario: Path,
    baseline: Path | None,
    years: int | None,
    seed: int,
    replications: int,
    goal_field: str | None,
    target: str,
    workers: int | None,
    out: Path | None,
    force: bool,
    strict: bool,
) -> None:
    """Budget of SCENARIO: line items, multi-year projection, verdict, and the baseline."""
    from simulate.budget.goalseek import check_goal
    from simulate.budget.study import budget_study
    from simulate.budget.tables import render
    from simulate.output import prepare_out
    from simulate.schema.loading import load_scenario
    from simulate.study.progress import progress_bar

    spec = load_scenario(scenario)
    base = load_scenario(baseline) if baseline else None
    _warn({scenario: spec, **({baseline: base} if baseline and base else {})}, strict)
    if goal_field is not None:  # a bad field fails before --out is touched
        check_goal(spec, goal_field, target, str(scenario), base is not None)  # type: ignore[arg-type]
    if out is not None:
        prepare_out(out, force=force)
    runs = replications * (2 if base else 1)
    with progress_bar(f"Simulating {replications} years", runs) as bar:
        rep = budget_study(
            spec,
            base,
            years=years,
            seed=seed,
            replications=replications,
            goal_field=goal_field,
            target=target,  # type: ignore[arg-type]
            file=str(scenario),
            progress=_evaluations if sys.stderr.isatty() else None,
            workers=workers,
            simulating=bar,
        )
    if goal_field is not None and sys.stderr.isatty():
        click.echo("", err=True)
    if out is not None:
        rep.write(out)
    else:
        click.echo(render(rep.tables()))
    for line in rep.verdict_lines():
        click.echo(line)
    if out is not None:
        click.echo(f"-> {out}")


def _evaluations(n: int) -> None:
    click.echo(f"\rgoal-seek: {n} evaluations", err=True, nl=False)


@main.command()
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("--out", "out", type=OutPath, required=True, help="Folder for the results.")
@click.option(
    "--workers", "-w", type=click.IntRange(min=1), default=None, help="Default: all cores."
)
@click.option("--backend", type=click.Choice(["local", "dask"]), default="local", show_default=True)
@click.option("--scheduler", default=None, help="Dask scheduler address; default: a local one.")
@click.option("--resume", is_flag=True, help="Continue an interrupted sweep in --out.")
@click.option("--force", is_flag=True, help="Start over in a non-empty --out folder.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=None, help="Runs per task.")
@handles_input_errors
def sweep(
    spec: Path,
    out: Path,
    workers: int | None,
    backend: str,
    scheduler: str | None,
    resume: bool,
    force: bool,
    chunk_size: int | None,
) -> None:
    """Run the parameter sweep in SPEC; write results.parquet, sensitivity.csv, report.html."""
    from simulate.study.sweep.loop import sweep as run_sweep
    from simulate.study.sweep.loop import top_parameters

    result = run_sweep(
        spec,
        out,
        workers=workers,
        backend=backend,  # type: ignore[arg-type]
        scheduler=scheduler,
        resume=resume,
        force=force,
        chunk_size=chunk_size,
    )
    total = result.sweep.total
    if result.interrupted:
        click.echo(
            f"interrupted: {result.done} of {total} runs are saved in {out / 'runs'}; "
            f"continue with: simulate sweep {spec} --out {out} --resume",
            err=True,
        )
        sys.exit(130)
    click.echo(
        f"{result.sweep.spec.name}: {len(result.sweep.points)} points x "
        f"{result.sweep.spec.replications} replication(s) = {total} runs "
        f"({result.ran} run now) -> {out}"
    )
    for metric, parameter, index, value, reliable in top_parameters(result):
        if value == 0:
            click.echo(f"  {metric}: does not vary over this sweep")
        else:
            note = "" if reliable else "; not reliable: the sample is too small"
            click.echo(f"  {metric}: most influential {parameter} ({index} {value:.3g}{note})")


if __name__ == "__main__":  # pragma: no cover
    main()
