"""The `simulate` command: a thin layer over the Python API.

Exit codes: 0 done; 2 bad input (one message naming file and field, no traceback); 1 an
internal error, or results that could not be written (one message; the folder keeps its
previous files); 130 interrupted by Ctrl-C or SIGTERM (one line saying what was kept). The
package imports lazily, so this module takes Ctrl-C over within milliseconds of the start.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from simulate.schema.errors import InputError
from simulate.terminal import clean

OutPath = click.Path(path_type=Path, file_okay=True, dir_okay=True)
Replications = click.IntRange(min=1, max=10_000)  # simulate.schema.limits.MAX_REPLICATIONS
NOTHING_WRITTEN = "nothing was written"


def say(text: str, err: bool = False, nl: bool = True) -> None:
    """Print text with any escape sequence (from a file name or a name) removed."""
    click.echo(clean(text), err=err, nl=nl)


def on_interrupt(kept: str) -> None:
    """What an interruption from now on leaves behind, for the one line it prints."""
    click.get_current_context().find_root().meta["kept"] = kept


class Commands(click.Group):
    """The command group: every way a command can end becomes one line and an exit code."""

    def main(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.pop("standalone_mode", None)
        previous = _take_signals()
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Abort as err:  # Ctrl-C while the arguments were read
            interrupted = isinstance(err.__cause__, KeyboardInterrupt)
            say(f"interrupted: {NOTHING_WRITTEN}" if interrupted else "Aborted!", err=True)
            code = 130 if interrupted else 1
        except click.ClickException as err:
            err.show()
            code = err.exit_code
        finally:
            _restore_signals(previous)
        if code == 130:
            _forget_interrupt()
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except InputError as err:
            say(f"error: {err}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            say(f"interrupted: {ctx.meta.get('kept', NOTHING_WRITTEN)}", err=True)
            ctx.exit(130)
        except Exception as err:
            say(_failure(err), err=True)
            ctx.exit(1)


def _failure(err: Exception) -> str:
    """One line for a failure that is not the user's input."""
    from simulate.output import OutputError

    if isinstance(err, OutputError):
        return f"error: {err}"
    if isinstance(err, OSError):
        where = f": {err.filename}" if err.filename else ""
        return f"error: {err.strerror or err}{where}"
    if os.environ.get("SIMULATE_TRACEBACK"):
        raise err
    return (
        f"internal error: {type(err).__name__}: {err} (a bug in simulate; "
        "run again with SIMULATE_TRACEBACK=1 to see where)"
    )


def _forget_interrupt() -> None:
    """Exit with 130, not by SIGINT, under `python -m simulate.cli` too.

    CPython (3.11, 3.12) remembers a KeyboardInterrupt that ended any string exec (dataclasses
    and pydantic build methods that way while they import) even when it was caught, and
    `python -m` then ends the process by SIGINT instead of with our exit code. The flag is
    cleared at the start of every string exec, so one harmless exec clears it.
    """
    exec("None")  # noqa: S102 - a constant string: clears the flag described above


def _stop(signum: int, frame: Any) -> None:
    """SIGTERM stops a command as Ctrl-C does."""
    raise KeyboardInterrupt


def _take_signals() -> dict[int, Any]:
    """Ctrl-C raises KeyboardInterrupt (even where the caller ignored it), and so does SIGTERM."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    wanted = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: _stop}
    return {signum: signal.signal(signum, handler) for signum, handler in wanted.items()}


def _restore_signals(previous: dict[int, Any]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="simulate")
def main() -> None:
    """Simulate school years under different staffing arrangements and compare them."""


@contextmanager
def out_folder(out: Path, force: bool, writes: Collection[str]) -> Iterator[None]:
    """Hold --out for the whole command, checked before any work (simulate.output.claim_out)."""
    from simulate.output import claim_out

    with claim_out(out, force=force, writes=writes) as stale:
        if stale is not None:
            say(
                f"note: {out} was locked by a command that is no longer running "
                f"({stale.describe()}); taken over",
                err=True,
            )
        on_interrupt(f"{NOTHING_WRITTEN}; {out} is as it was")
        yield


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--out", "out", type=OutPath, required=True, help="Folder for the results.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--replications", "-r", type=Replications, default=1, show_default=True)
@click.option("--force", is_flag=True, help="Write into a non-empty --out folder.")
def run(scenario: Path, out: Path, seed: int, replications: int, force: bool) -> None:
    """Run one SCENARIO file; write summary.json, metrics.csv, ledger.csv and budget.csv."""
    from simulate.schema.loading import load_scenario
    from simulate.study.outputs import RUN_FILES, save_run
    from simulate.study.progress import progress_bar
    from simulate.study.run import run as run_scenario

    spec = load_scenario(scenario)
    with out_folder(out, force, RUN_FILES.values()):
        with progress_bar(f"Simulating {replications} years of {spec.name}", replications) as bar:
            result = run_scenario(spec, seed=seed, replications=replications, progress=bar)
        save_run(result, out)
    say(f"{spec.name}: {replications} replication(s), seed {seed} -> {out}")


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
    type=Replications,
    default=20,
    show_default=True,
    help="Simulated school years per scenario.",
)
@click.option(
    "--workers", type=click.IntRange(min=1, max=256), help="Processes [default: automatic]."
)
@click.option("--force", is_flag=True, help="Write into a non-empty --out folder.")
def compare(
    scenarios: tuple[Path, ...],
    out: Path,
    baseline: str | None,
    seed: int,
    replications: int,
    workers: int | None,
    force: bool,
) -> None:
    """Run SCENARIOS on the same seeds; write report.html, summary.csv and budget.xlsx."""
    from simulate.report import text_summary
    from simulate.study.compare import compare as run_compare
    from simulate.study.inputs import load_scenarios
    from simulate.study.outputs import COMPARISON_FILES, save_comparison
    from simulate.study.progress import progress_bar

    specs, baseline = load_scenarios(scenarios, baseline)
    with out_folder(out, force, COMPARISON_FILES.values()):
        label = f"Simulating {replications} years of {len(specs)} scenarios"
        with progress_bar(label, len(specs) * replications) as bar:
            comparison = run_compare(specs, seed, replications, baseline, workers, bar)
        paths = save_comparison(comparison, out)
    say(text_summary(comparison, paths["report"]))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check scenario FILES; print one line per file and exit 2 if any is invalid."""
    from simulate.schema.loading import load_scenario

    bad = 0
    for file in files:
        try:
            spec = load_scenario(file)
        except InputError as err:
            bad += 1
            say(f"error: {err}", err=True)
        else:
            say(f"ok: {file} ({spec.name})")
    if bad:
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
@click.option("--replications", "-r", type=Replications, default=1, show_default=True)
@click.option(
    "--goal-seek",
    "goal_field",
    metavar="FIELD",
    help="Largest value of this numeric field (e.g. roles.mcl.supplement) within the baseline.",
)
@click.option("--out", "out", type=OutPath, help="Folder for CSV, Excel and JSON files.")
@click.option("--force", is_flag=True, help="Write into a non-empty --out folder.")
def budget(
    scenario: Path,
    baseline: Path | None,
    years: int | None,
    seed: int,
    replications: int,
    goal_field: str | None,
    out: Path | None,
    force: bool,
) -> None:
    """Budget of SCENARIO: line items, multi-year projection, verdict, and the baseline."""
    from contextlib import nullcontext

    from simulate.budget.goalseek import field_value
    from simulate.budget.study import budget_study
    from simulate.budget.tables import FILES, render
    from simulate.schema.loading import load_scenario

    spec = load_scenario(scenario)
    base = load_scenario(baseline) if baseline else None
    if goal_field is not None:
        field_value(spec, goal_field, str(scenario))  # a bad field fails before --out is touched
    with nullcontext() if out is None else out_folder(out, force, FILES):
        rep = budget_study(
            spec,
            base,
            years=years,
            seed=seed,
            replications=replications,
            goal_field=goal_field,
            file=str(scenario),
            progress=_evaluations if sys.stderr.isatty() else None,
        )
        if goal_field is not None and sys.stderr.isatty():
            click.echo("", err=True)
        if out is not None:
            rep.write(out)
    if out is None:
        say(render(rep.tables()))
    for line in rep.verdict_lines():
        say(line)
    if out is not None:
        say(f"-> {out}")


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

    resume_hint = f"continue with: simulate sweep {spec} --out {out} --resume"
    on_interrupt(f"the runs saved so far are kept in {out / 'runs'}; {resume_hint}")
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
    for note in result.notes:
        say(f"note: {note}", err=True)
    if result.interrupted:
        say(
            f"interrupted: {result.done} of {total} runs are saved in {out / 'runs'}; "
            f"{resume_hint}",
            err=True,
        )
        click.get_current_context().exit(130)
    say(
        f"{result.sweep.spec.name}: {len(result.sweep.points)} points x "
        f"{result.sweep.spec.replications} replication(s) = {total} runs "
        f"({result.ran} run now) -> {out}"
    )
    for metric, parameter, index, value in top_parameters(result):
        if value == 0:
            say(f"  {metric}: does not vary over this sweep")
        else:
            say(f"  {metric}: most influential {parameter} ({index} {value:.3g})")


if __name__ == "__main__":  # pragma: no cover
    main()
