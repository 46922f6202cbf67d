"""The `simulate` command: a thin layer over the Python API.

Exit codes: 0 done; 2 bad input (one message naming file and field, no traceback); 1 an
internal error, or results that could not be written (one message; the folder keeps its
previous files); 3 `budget --goal-seek` found no value that answers the question; 130
interrupted by Ctrl-C or SIGTERM (one line saying what was kept). The
entry point (simulate.__main__) holds both signals from its first instruction; Commands.main
takes them over and releases them, so a signal at any moment of the start-up ends cleanly.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from simulate.schema.errors import InputError
from simulate.schema.limits import MAX_PROJECTION_YEARS, MAX_REPLICATIONS
from simulate.terminal import clean

OutPath = click.Path(path_type=Path, file_okay=True, dir_okay=True)
Replications = click.IntRange(min=1, max=MAX_REPLICATIONS)
REPLICATIONS = 20  # simulate.study.run.REPLICATIONS: years budget and compare simulate alike
GOAL_TARGETS = ["budget", "sustainable", "funded"]  # simulate.budget.goalseek.TARGETS
NOTHING_WRITTEN = "nothing was written"
SIGNALS = (signal.SIGINT, signal.SIGTERM)
AGAIN = 0.01  # seconds before a dropped Ctrl-C is sent again (see _again)
strict_option = click.option(
    "--strict", is_flag=True, help="Treat warnings about implausible input as errors (exit 2)."
)


def say(text: str, err: bool = False, nl: bool = True) -> None:
    """Print text with any escape sequence (from a file name or a name) removed."""
    click.echo(clean(text), err=err, nl=nl)


def warn(specs: dict[Path, Any], strict: bool) -> None:
    """Print every plausibility warning of each scenario on stderr; with `strict`, stop with
    exit 2 when there is any (before any work or output)."""
    from simulate.schema.plausibility import warnings

    count = 0
    for file, spec in specs.items():
        for warning in warnings(spec):
            count += 1
            say(f"warning: {file}: {warning}", err=True)
    if strict and count:
        raise InputError(None, "--strict", f"{count} warning(s) about implausible input")


def on_interrupt(kept: str) -> None:
    """What an interruption from now on leaves behind, for the one line it prints."""
    click.get_current_context().find_root().meta["kept"] = kept


class Commands(click.Group):
    """The command group: every way a command can end becomes one line and an exit code."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,  # always ends the process, whatever the caller asks
        last: bool = False,  # the process ends with this command (simulate.__main__)
        **extra: Any,
    ) -> NoReturn:
        """Run the command; exit with its code. With `last`, Ctrl-C and SIGTERM are ignored
        once it is over: the process still tears down (a fraction of a second), and a signal
        then would end it by the signal, with no line, after the command said it was done."""
        hook = sys.unraisablehook
        previous = _take_signals()
        after = dict.fromkeys(previous, signal.SIG_IGN) if last else previous
        held = signal.pthread_sigmask(signal.SIG_BLOCK, [])  # as the caller had them
        try:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)  # one held comes now
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except KeyboardInterrupt:  # a signal held since the start (see simulate.__main__)
            say(f"interrupted: {NOTHING_WRITTEN}", err=True)
            code = 130
        except click.exceptions.Abort as err:  # Ctrl-C while the arguments were read
            interrupted = isinstance(err.__cause__, KeyboardInterrupt)
            say(f"interrupted: {NOTHING_WRITTEN}" if interrupted else "Aborted!", err=True)
            code = 130 if interrupted else 1
        except click.UsageError as err:  # one line, as for every other bad input
            where = err.ctx.command_path if err.ctx is not None else "simulate"
            say(f"error: {err.format_message()} (see: {where} --help)", err=True)
            code = err.exit_code
        except click.ClickException as err:
            err.show()
            code = err.exit_code
        finally:
            _restore_signals(after)
            sys.unraisablehook = hook
            signal.pthread_sigmask(signal.SIG_SETMASK, held)  # held again: the command is over
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
        except KeyboardInterrupt as err:
            kept = getattr(err, "kept", None) or ctx.meta.get("kept", NOTHING_WRITTEN)
            say(f"interrupted: {kept}", err=True)
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
    """Ctrl-C raises KeyboardInterrupt (even where the caller ignored it), and so does SIGTERM;
    one that Python dropped is sent again (`_again`)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    wanted = dict(zip(SIGNALS, (signal.default_int_handler, _stop), strict=True))
    sys.unraisablehook = _again  # the caller puts its own back with the signals'
    return {signum: signal.signal(signum, handler) for signum, handler in wanted.items()}


def _again(unraisable: Any) -> None:
    """A KeyboardInterrupt raised where Python cannot raise it (a weakref callback while a
    module imports, a __del__) is dropped with an 'Exception ignored' traceback, and the
    command went on as if never stopped (seen with Ctrl-C during start-up, as the engine's
    imports ran). Send the signal again instead, from another thread a moment later, so it
    lands once this hook has returned: it stops the command at the next instruction there
    (or comes back here, if that is another such place)."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        threading.Timer(AGAIN, os.kill, (os.getpid(), signal.SIGINT)).start()
    else:
        sys.__unraisablehook__(unraisable)


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
    from simulate.output import Interrupted, claim_out, sets_committed

    complete = f"the new files are complete in {out}"
    with claim_out(out, force=force, writes=writes) as stale:
        if stale is not None:
            say(
                f"note: {out} was locked by a command that is no longer running "
                f"({stale.describe()}); taken over",
                err=True,
            )
        on_interrupt(f"{NOTHING_WRITTEN}; {out} is as it was")
        before = sets_committed()
        try:
            yield
            on_interrupt(complete)
        except KeyboardInterrupt as stop:  # after the commit, the new set is what is kept
            if isinstance(stop, Interrupted) or sets_committed() == before:
                raise
            raise Interrupted(complete) from None


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--out", "out", type=OutPath, required=True, help="Folder for the results.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--replications", "-r", type=Replications, default=1, show_default=True)
@click.option("--force", is_flag=True, help="Write into a non-empty --out folder.")
@strict_option
def run(scenario: Path, out: Path, seed: int, replications: int, force: bool, strict: bool) -> None:
    """Run one SCENARIO file; write summary.json, metrics.csv, ledger.csv and budget.csv."""
    from simulate.outputs import RUN_FILES, save_run
    from simulate.schema.loading import load_scenario
    from simulate.study.progress import progress_bar
    from simulate.study.run import run as run_scenario

    spec = load_scenario(scenario)
    warn({scenario: spec}, strict)
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
    from simulate.outputs import COMPARISON_FILES, save_comparison
    from simulate.report import text_summary
    from simulate.study.compare import compare as run_compare
    from simulate.study.inputs import load_scenarios
    from simulate.study.progress import progress_bar
    from simulate.study.schools import check_same_schools

    specs, baseline = load_scenarios(scenarios, baseline)
    warn(dict(zip(scenarios, specs, strict=True)), strict)
    check_same_schools(specs, allow_different_schools, files=scenarios)  # names the file
    with out_folder(out, force, COMPARISON_FILES.values()):
        label = f"Simulating {replications} years of {len(specs)} scenarios"
        with progress_bar(label, len(specs) * replications) as bar:
            comparison = run_compare(
                specs, seed, replications, baseline, workers, bar, allow_different_schools
            )
        paths = save_comparison(comparison, out)
    say(text_summary(comparison, paths["report"]))


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
            say(f"error: {err}", err=True)
        else:
            say(f"ok: {file} ({spec.name})")
            for warning in warnings(spec):
                warned += 1
                say(f"warning: {file}: {warning}", err=True)
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
@click.option(
    "--years",
    type=click.IntRange(min=1, max=MAX_PROJECTION_YEARS),
    help="Projection years [default: 5].",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option(
    "--replications",
    "-r",
    type=Replications,
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
    type=click.Choice(GOAL_TARGETS),
    default="budget",
    show_default=True,
    help="What the goal-seek value must achieve: budget (the largest value within the "
    "baseline), sustainable or funded (the smallest value that makes the plan so).",
)
@click.option(
    "--apply",
    "apply_to",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="With --goal-seek: write SCENARIO with the value found (and any --set) to FILE, and "
    "show the budget with it.",
)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Change a field of SCENARIO first (repeatable), e.g. 'roles.mcl.supplement=$15,000'.",
)
@click.option(
    "--workers", type=click.IntRange(min=1, max=256), help="Processes [default: automatic]."
)
@click.option("--out", "out", type=OutPath, help="Folder for CSV, Excel and JSON files.")
@click.option(
    "--force", is_flag=True, help="Write into a non-empty --out folder, or over --apply's FILE."
)
@strict_option
def budget(
    scenario: Path,
    baseline: Path | None,
    years: int | None,
    seed: int,
    replications: int,
    goal_field: str | None,
    target: str,
    apply_to: Path | None,
    settings: tuple[str, ...],
    workers: int | None,
    out: Path | None,
    force: bool,
    strict: bool,
) -> None:
    """Budget of SCENARIO: line items, multi-year projection, verdict, and the baseline.

    With --goal-seek, exit 3 when no value answers it: none meets the target, or the field does
    not change what the target compares (the answer says what would)."""
    from contextlib import nullcontext

    from simulate.budget.goalseek import check_goal
    from simulate.outputs import budget_files, save_budget
    from simulate.schema.loading import load_scenario
    from simulate.study.budget_report import render
    from simulate.study.budget_study import budget_study
    from simulate.study.progress import progress_bar

    changes = {k: _yaml_value(v, "--set") for k, v in _pairs(settings, "--set").items()}
    spec = load_scenario(scenario, overrides=changes)
    base = load_scenario(baseline) if baseline else None
    warn({scenario: spec, **({baseline: base} if baseline and base else {})}, strict)
    if goal_field is not None:  # a bad field fails before --out is touched
        check_goal(spec, goal_field, target, str(scenario), base is not None)  # type: ignore[arg-type]
    if apply_to is not None:
        if goal_field is None:
            raise InputError(None, "--apply", "needs --goal-seek: it writes the value found")
        _check_new_file(apply_to, force, "--apply")
    runs = replications * (2 if base else 1)
    with nullcontext() if out is None else out_folder(out, force, budget_files()):
        with progress_bar(f"Simulating {replications} years", runs) as bar:
            rep = budget_study(
                spec,
                base,
                years=years,
                seed=seed,
                replications=replications,
                goal_field=goal_field,
                target=target,  # type: ignore[arg-type]
                apply=apply_to is not None,
                file=str(scenario),
                progress=_evaluations if sys.stderr.isatty() else None,
                workers=workers,
                simulating=bar,
            )
        if goal_field is not None and sys.stderr.isatty():
            click.echo("", err=True)
        if out is not None:
            save_budget(rep, out)
    if out is None:
        say(render(rep.tables()))
    for line in rep.lines():
        say(line)
    if out is not None:
        say(f"-> {out}")
    if rep.goal is not None and not rep.goal.found:
        click.get_current_context().exit(3)  # no value answers the question
    if apply_to is not None and rep.goal is not None:
        from simulate.schema.writing import edited

        setting = {**changes, rep.goal.field: rep.goal.setting()}
        text, why = edited(scenario, apply_to, setting)
        _write_new_file(apply_to, text, force, "--apply")
        kept = f"; the comments of {scenario.name} are not kept ({why})" if why else ""
        say(f"{rep.goal.field} = {rep.goal.setting()} -> {apply_to}{kept}")


def _evaluations(n: int) -> None:
    click.echo(f"\rgoal-seek: {n} evaluations", err=True, nl=False)


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    """NAME=VALUE options as a mapping; InputError naming the option for anything else."""
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError(None, option, f"'{item}' is not NAME=VALUE", f"{option} NAME=VALUE")
        out[name.strip()] = value.strip()
    return out


def _number(text: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(None, option, f"'{text}' is not a number") from None


MONEY_TEXT = re.compile(r"\$?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")  # $58,000 / 58,000.50 / $72030


def _yaml_value(text: str, option: str) -> Any:
    """A --set value as YAML reads it (600, 0.25, true, K, [tutor, mcl]); money as people
    write it ($58,000, 58,000.50) is the number, exactly (a Decimal)."""
    from decimal import Decimal

    import yaml

    if MONEY_TEXT.fullmatch(text) and ("$" in text or "," in text):
        return Decimal(text.replace("$", "").replace(",", ""))
    try:
        return yaml.safe_load(text) if len(text) < 10_000 else text
    except yaml.YAMLError:
        raise InputError(None, option, f"'{text}' is not a plain value") from None


def _check_new_file(out: Path, force: bool, option: str = "--out") -> None:
    """A scenario file may be written at `out`: not a folder, and new unless --force."""
    if out.is_dir():
        raise InputError(str(out), option, "is a folder", "a .yaml file path")
    if out.exists() and not force:
        raise InputError(str(out), option, "file exists", "a new file, or pass --force")


def _write_new_file(out: Path, text: str, force: bool, option: str = "--out") -> None:
    """Write a scenario file; an existing one only with --force."""
    from simulate.output import write_text

    _check_new_file(out, force, option)
    try:
        write_text(out, text)
    except OSError as err:
        raise InputError(str(out), "--out", f"cannot write ({err.strerror or err})") from None


@main.command()
@click.argument("arrangement", default="traditional")
@click.option("--enrollment", type=click.IntRange(min=1, max=100_000), required=True)
@click.option(
    "--classrooms",
    metavar="N|N,N,...",
    help="Elementary (required there): classrooms today (one teacher each), the total, spread "
    "evenly over the grades, or one count per grade (e.g. 3,3,4,3,3,2). Teams are made from "
    "them grade by grade. Refused for a middle or high school, staffed from its sections.",
)
@click.option(
    "--class-size-cap",
    type=click.IntRange(min=1, max=60),
    help="Middle and high school: most students in a section, in place of the arrangement's "
    "usual cap (reach extension's larger sections in proportion, tutoring's pairs kept). "
    "Sections and teachers follow it.",
)
@click.option("--name", default="My school", show_default=True, help="Name of the school.")
@click.option("--grades", help="Grades served, comma-separated (e.g. K,1,2,3,4,5).")
@click.option(
    "--pilot-grades",
    metavar="G,G,...",
    help="Elementary: grades that take the arrangement (e.g. 3,4,5); the others keep today's "
    "staffing.",
)
@click.option(
    "--building",
    "buildings",
    multiple=True,
    metavar="'NAME; N; N[; GRADES]'",
    help="Elementary: another building of the district, with its enrollment and classrooms, "
    "and the grades that take the arrangement: all (the default), none, or a list (3,4,5). "
    "The buildings share the pay, the funding and the substitute pool (repeatable).",
)
@click.option("--district", help="Name of the district, for a scenario of several buildings.")
@click.option(
    "--team-size",
    type=click.IntRange(min=1, max=20),
    help="Elementary: homerooms a team should hold; teams come as near it as the grades allow.",
)
@click.option(
    "--tier",
    "tiers",
    multiple=True,
    metavar="NAME=SHARE",
    help="Share of students in a need tier (repeat for each tier; shares add up to 1).",
)
@click.option(
    "--teacher-salary",
    metavar="$",
    help="Base salary of every teaching role, and of the roles the arrangement pays as teachers "
    "(its instructional coach) unless --salary names them.",
)
@click.option(
    "--salary",
    "salaries",
    multiple=True,
    metavar="ROLE=$",
    help="Base salary of one role, e.g. principal=$105,000 (repeatable).",
)
@click.option(
    "--salary-schedule",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The district's salary schedule for every teaching role: a CSV of step, lane, "
    "salary, staff (how many of today's teachers are paid at that step and lane).",
)
@click.option("--benefits-rate", metavar="SHARE", help="Benefits as a share of pay (0.35 or 35%).")
@click.option("--substitute-rate", metavar="$", help="Daily rate of a day-to-day substitute.")
@click.option(
    "--funding",
    "funding",
    multiple=True,
    metavar="LINE",
    help="One of the district's recurring funding lines, in place of the bundled district's: "
    "'NAME=AMOUNT', 'NAME=AMOUNT per pupil' or 'NAME=AMOUNT per eligible pupil, SHARE "
    "eligible', then '; SOURCE' (repeat for each line).",
)
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="FIELD=SOURCE",
    help="Where one of your figures comes from, e.g. 'roles.principal.salary=district HR, "
    "2026-27 salary schedule' (repeatable).",
)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Any other field by path, e.g. roles.principal.schedule.coaching=45 (repeatable).",
)
@click.option(
    "--out", "out", type=click.Path(path_type=Path), help="YAML file, or - [default: stdout]."
)
@click.option("--force", is_flag=True, help="Overwrite an existing --out file.")
def new(
    arrangement: str,
    enrollment: int,
    classrooms: str | None,
    class_size_cap: int | None,
    name: str,
    grades: str | None,
    pilot_grades: str | None,
    buildings: tuple[str, ...],
    district: str | None,
    team_size: int | None,
    tiers: tuple[str, ...],
    teacher_salary: str | None,
    salaries: tuple[str, ...],
    salary_schedule: Path | None,
    benefits_rate: str | None,
    substitute_rate: str | None,
    funding: tuple[str, ...],
    sources: tuple[str, ...],
    settings: tuple[str, ...],
    out: Path | None,
    force: bool,
) -> None:
    """A scenario of your school in a bundled ARRANGEMENT (default: traditional).

    Elementary: traditional, mcl_teams, mcl_residents_tutors, mcl_within_budget,
    lab_rotation, subject_specialization (--classrooms required). Middle and high schools:
    middle_departmentalized, middle_mcl_teams, middle_team_blocks, middle_tutoring and the
    high_ ones: sections and teachers follow --enrollment, --grades and --class-size-cap (and
    periods and loads given with --set, e.g. 'roles.teacher.periods={instruction: 6,
    planning: 1}' for 6 of 7 periods); --classrooms, --pilot-grades, --team-size and
    --building are refused. Two calls with the same school figures give scenarios that
    compare fairly: same students, classrooms or courses, and need tiers. What it chose for
    the teams is printed on stderr and written in the file's header.
    """
    from simulate.schema.typed import building, funding_line, typed_money, typed_share
    from simulate.schema.typed import salary_schedule as read_schedule
    from simulate.study.new import MySchool, new_scenario

    school = MySchool(
        enrollment=enrollment,
        classrooms=_counts(classrooms, "--classrooms") if classrooms is not None else None,
        class_size_cap=class_size_cap,
        name=name,
        grades=_words(grades),
        pilot_grades=_words(pilot_grades),
        buildings=[building(text, "--building", _words(grades)) for text in buildings],
        district=district,
        team_size=team_size,
        tiers=(
            {k: _number(v, "--tier") for k, v in _pairs(tiers, "--tier").items()} if tiers else None
        ),
        teacher_salary=typed_money(teacher_salary, "--teacher-salary"),
        salaries=_salaries(salaries),
        salary_schedule=(
            read_schedule(_read_text(salary_schedule), str(salary_schedule))
            if salary_schedule is not None
            else None
        ),
        benefits_rate=typed_share(benefits_rate, "--benefits-rate"),
        substitute_daily_rate=typed_money(substitute_rate, "--substitute-rate"),
        funding=[funding_line(line) for line in funding] if funding else None,
        sources=_pairs(sources, "--source"),
        settings={k: _yaml_value(v, "--set") for k, v in _pairs(settings, "--set").items()},
    )
    made = new_scenario(school, arrangement)
    for line in made.chose:
        say(line, err=True)
    if out is None or str(out) == "-":  # `--out -`: standard output, as the default
        click.echo(made.yaml(), nl=False)
        return
    _write_new_file(out, made.yaml(), force)
    click.echo(f"{made.scenario.name} -> {out}")


def _words(text: str | None) -> list[str] | None:
    return [w.strip() for w in text.split(",") if w.strip()] if text else None


def _counts(text: str, option: str) -> int | list[int]:
    """A total, or one count per grade separated by commas."""
    parts = [p.strip() for p in text.split(",")]
    try:
        counts = [int(p) for p in parts]
    except ValueError:
        raise InputError(
            None, option, f"'{text}' is not a count", "a whole number, or one per grade: 3,3,4"
        ) from None
    if min(counts) < 1 or sum(counts) > 2_000:
        raise InputError(None, option, f"'{text}' is out of range", "1 to 2,000 classrooms")
    return counts[0] if len(counts) == 1 else counts


def _salaries(items: tuple[str, ...]) -> dict[str, Any]:
    """--salary ROLE=$ options: each role's amount, which may not be left blank."""
    from simulate.schema.typed import typed_money

    out = {}
    for role, text in _pairs(items, "--salary").items():
        amount = typed_money(text, "--salary")
        if amount is None:
            raise InputError(None, "--salary", f"'{role}=' gives no amount", "ROLE=$58,000")
        out[role] = amount
    return out


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(str(path), None, f"cannot be read ({err})") from None


def _scenario_data(reference: str) -> tuple[dict[str, Any], Any, str]:
    """A scenario by file path or bundled name: plain data, validated, and what it is."""
    from simulate.schema import bundled
    from simulate.schema.loading import load_data, load_scenario

    path = bundled.find(reference)
    scenario = load_scenario(path)  # errors with file and line
    bundled_name = path.parent == bundled.folder() and str(reference) == path.stem
    label = f"the bundled scenario '{path.stem}'" if bundled_name else str(reference)
    return load_data(path), scenario, label


@main.command()
@click.option(
    "--from",
    "source",
    default="traditional",
    show_default=True,
    help="Scenario file, or the name of a bundled scenario, to fill the workbook from.",
)
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help=".xlsx file.")
@click.option("--force", is_flag=True, help="Overwrite an existing --out file.")
def template(source: str, out: Path, force: bool) -> None:
    """Write a key-inputs Excel workbook of a scenario (read it back with `simulate import`)."""
    from simulate.keyinputs.workbook import template as make_template
    from simulate.output import write_bytes

    data, scenario, label = _scenario_data(source)
    if out.exists() and not force:
        raise InputError(str(out), "--out", "file exists", "a new file, or pass --force")
    if out.is_dir():
        raise InputError(str(out), "--out", "is a folder", "an .xlsx file path")
    write_bytes(out, make_template(data, scenario, label))
    click.echo(f"{scenario.name}: key inputs -> {out}")


@main.command("import")
@click.argument("workbook", type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="YAML file.")
@click.option(
    "--base",
    help="Scenario file or bundled name the workbook's values go over [default: the copy of "
    "the base the workbook carries].",
)
@click.option("--force", is_flag=True, help="Overwrite an existing --out file.")
def import_(workbook: Path, out: Path, base: str | None, force: bool) -> None:
    """Read a key-inputs WORKBOOK back into a scenario file."""
    from simulate.keyinputs.workbook import read_file
    from simulate.schema.writing import to_yaml

    over = None
    if base is not None:
        data, _, label = _scenario_data(base)
        over = (data, label)
    made = read_file(workbook, over)
    header = [
        made.scenario.name,
        f"Imported by `simulate import` from {workbook.name} over {made.base}.",
        "Fields the workbook changed:" if made.changed else "The workbook changed no field.",
        *(f"  {path}" for path in made.changed),
        "",
    ]
    _write_new_file(out, to_yaml(made.data, header), force)
    click.echo(f"{made.scenario.name}: {len(made.changed)} field(s) changed -> {out}")


@main.command()
@click.option(
    "--workspace",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("simulate-workspace"),
    show_default=True,
    help="Folder that keeps your scenarios and runs.",
)
@click.option(
    "--port", type=click.IntRange(min=0, max=65535), default=0, help="Default: a free one."
)
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
def serve(workspace: Path, port: int, no_browser: bool) -> None:
    """The planner's workbench: a local web app on 127.0.0.1 (Ctrl-C stops it)."""
    from simulate.app.server import serve as run_server

    try:
        workspace.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(str(workspace), "--workspace", f"cannot use it ({err.strerror})") from None
    run_server(workspace, port, open_browser=not no_browser, echo=lambda line: click.echo(line))


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
    from simulate.outputs import sweep as run_sweep
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
    for note in result.notes:
        say(f"note: {note}", err=True)
    if result.interrupted:
        say(f"interrupted: {result.kept}", err=True)
        click.get_current_context().exit(130)
    say(
        f"{result.sweep.spec.name}: {len(result.sweep.points)} points x "
        f"{result.sweep.spec.replications} replication(s) = {total} runs "
        f"({result.ran} run now) -> {out}"
    )
    for metric, parameter, index, value, reliable in top_parameters(result):
        if value == 0:
            say(f"  {metric}: does not vary over this sweep")
        else:
            note = "" if reliable else "; not reliable: the sample is too small"
            say(f"  {metric}: most influential {parameter} ({index} {value:.3g}{note})")


if __name__ == "__main__":  # pragma: no cover
    main()
