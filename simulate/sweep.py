"""Parameter sweeps: a spec of swept fields and a design, run in parallel, streamed to Parquet.

A sweep spec (YAML) names a base scenario, parameters by dotted field path, a design, the
replications, a master seed and the metrics to keep, each as one string
"metric[group].statistic" ("[group]" left out for group "all"); that string is also the
metric's column name. Nothing runs until the whole spec checks out: each parameter must be a
numeric field of the base scenario, each parameter's ends (or listed values) alone and then
every design point must give a valid scenario (validation is ~0.1 ms a point, so all points
are checked rather than corners only), and each metric must be one a run of the base
scenario produces. Runs go out in chunks to local processes or a Dask cluster; each finished
chunk is written at once to DIR/runs/part-NNNNN.parquet (atomically), so a crash loses at
most the chunks in flight and `--resume` carries on where it stopped (DIR/manifest.json holds
a hash of the spec and the base scenario, so a changed spec cannot be resumed into). At the
end the parts are consolidated into DIR/results.parquet in run-id order and analysed
(simulate.sensitivity). Scripts that call sweep() with workers > 1 need the usual
`if __name__ == "__main__":` guard: workers start from a fork server.

Seeds. A run is identified by (design point, replication); run_id = point * R + replication.
The engine keys every random stream as SeedSequence(seed, spawn_key=(replication, source, ...)).
- With common_random_numbers (the default) every design point runs with seed = the master
  seed, so replication r of every point sees the same students, absences, closures and
  attrition draws, and a sweep run is exactly `simulate run --seed MASTER` replication r of
  that point's scenario. Sobol, Morris and regression estimates all rest on *differences*
  between design points; sharing the noise across points cancels it from those differences
  (a parameter the model ignores gets an index of exactly zero), which cuts the variance of
  the indices far more cheaply than extra replications would.
- Without it, point p runs with seed = SeedSequence(master, spawn_key=(1, p)) (63 bits), so
  points are statistically independent.
Either way the seed is a function of the run's identity only, never of worker count, backend,
chunking, order or resumption, and it is stored in every row.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import math
import os
import queue
import re
import shutil
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import designs
from .designs import Axis, Design
from .errors import InputError
from .loading import apply_overrides, load_data, validate
from .scenario import ACTIVITIES, Scenario
from .yamlsafe import FieldPath, dotted, load_yaml, read_text

Key = tuple[str, str, str]  # (metric, group, statistic)
RunTask = tuple[int, int, int, int, dict[str, Any]]  # run_id, point, replication, seed, overrides
RUN_KEY = 1  # spawn_key=(RUN_KEY, point) for run seeds without common random numbers
DESIGN_KEY = 0  # spawn_key=(DESIGN_KEY,) for the design's own sampling seed
METRIC = re.compile(r"^(?P<metric>[^\[\]]+?)(?:\[(?P<group>[^\[\]]+)\])?\.(?P<stat>[^.\[\]]+)$")
MAX_POINTS = 1_000_000
OUR_FILES = (
    "manifest.json",
    "spec.yaml",
    "base_scenario.json",
    "results.parquet",
    "sensitivity.csv",
    "report.html",
)
Number = Annotated[float | int, Field(union_mode="left_to_right")]


# ---- the spec --------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParameterSpec(_Strict):
    """Either `values: [...]` or `low:`/`high:` (a range; `integer: true` for whole numbers;
    `levels: k` spreads k evenly spaced values across the range for a grid)."""

    values: list[Number] | None = Field(default=None, min_length=1, max_length=10_000)
    low: Number | None = None
    high: Number | None = None
    integer: bool = False
    levels: Annotated[int, Field(ge=2, le=10_000)] | None = None

    @field_validator("values", "low", "high", mode="before")
    @classmethod
    def _no_booleans(cls, value: Any) -> Any:
        items = value if isinstance(value, list) else [value]
        if any(isinstance(x, bool) for x in items):
            raise ValueError("must be numbers, not true/false")
        return value


class SweepSpec(_Strict):
    name: str = "sweep"
    description: str = ""
    scenario: Annotated[str, Field(min_length=1)]  # base scenario, relative to the spec's folder
    design: Design = "grid"
    samples: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    levels: Annotated[int, Field(ge=2, le=100)] = 4  # Morris grid levels
    replications: Annotated[int, Field(ge=1, le=10_000)] = 1
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 0
    common_random_numbers: bool = True
    parameters: dict[str, ParameterSpec] = Field(min_length=1, max_length=100)
    metrics: list[str] = Field(min_length=1, max_length=500)

    @field_validator("parameters", mode="before")
    @classmethod
    def _list_means_values(cls, value: Any) -> Any:
        """`path: [a, b, c]` is short for `path: {values: [a, b, c]}`."""
        if isinstance(value, dict):
            return {k: {"values": v} if isinstance(v, list) else v for k, v in value.items()}
        return value


@dataclass(frozen=True)
class Metric:
    key: Key
    column: str  # "metric[group].statistic", with [group] left out when it is "all"


def metric_column(key: Key) -> str:
    metric, group, stat = key
    return f"{metric}{'' if group == 'all' else f'[{group}]'}.{stat}"


def parse_metric(text: str) -> Key | None:
    match = METRIC.match(text.strip())
    if match is None:
        return None
    return (match["metric"], match["group"] or "all", match["stat"])


@dataclass
class Sweep:
    """A validated spec with everything derived from it: axes, design points, metric keys."""

    path: Path
    text: str
    spec: SweepSpec
    scenario_path: Path
    base: dict[str, Any]
    axes: list[Axis]
    metrics: list[Metric]
    unit: np.ndarray  # design points in unit coordinates (rows in sampler order)
    points: list[tuple[Any, ...]]  # parameter values per design point
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        from . import __version__

        payload = {"version": __version__, "spec": self.spec.model_dump(mode="json")}
        payload["scenario"] = self.base
        text = json.dumps(payload, sort_keys=True, default=str)
        self.digest = hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def total(self) -> int:
        return len(self.points) * self.spec.replications

    def seed(self, point: int) -> int:
        if self.spec.common_random_numbers:
            return self.spec.seed
        ss = np.random.SeedSequence(self.spec.seed, spawn_key=(RUN_KEY, point))
        return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))

    def task(self, run_id: int) -> RunTask:
        point, replication = divmod(run_id, self.spec.replications)
        overrides = dict(zip([a.name for a in self.axes], self.points[point], strict=True))
        return (run_id, point, replication, self.seed(point), overrides)


def design_seed(master: int) -> int:
    return int(np.random.SeedSequence(master, spawn_key=(DESIGN_KEY,)).generate_state(1)[0])


def load_sweep(path: str | Path) -> Sweep:
    """Read, validate and expand a sweep spec; raise InputError naming file, field and line."""
    path = Path(path)
    text = read_text(path)
    raw, lines = load_yaml(path)
    file = str(path)
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as err:
        raise _spec_error(err, file, lines) from None
    _check_design(spec, file, lines)
    scenario_path = (path.parent / spec.scenario).resolve()
    if not scenario_path.is_file():
        raise InputError(
            file, "scenario", f"'{spec.scenario}' is not a file", line=lines.get(("scenario",))
        )
    base = load_data(scenario_path)
    scenario = validate(base, str(scenario_path))
    dump = scenario.model_dump()
    axes = [_axis(name, p, dump, file, lines) for name, p in spec.parameters.items()]
    if spec.design == "grid":
        for axis in axes:
            if not axis.values and axis.levels is None:
                raise InputError(
                    file,
                    f"parameters.{axis.name}",
                    "a range in a grid needs levels",
                    "values: [...], or low/high with levels: k",
                    _line(lines, "parameters", axis.name),
                )
    count = designs.point_count(spec.design, axes, spec.samples)
    if count > MAX_POINTS:
        raise InputError(
            file,
            "parameters" if spec.design == "grid" else "samples",
            f"the {spec.design} design has {count:,} points, too many to check and run",
            f"at most {MAX_POINTS:,} points",
            _line(lines, "parameters" if spec.design == "grid" else "samples"),
        )
    unit = designs.unit_points(spec.design, axes, spec.samples, spec.levels, design_seed(spec.seed))
    points = designs.values_at(axes, unit, spec.design)
    _check_points(axes, points, base, scenario_path, file, lines)
    metrics = _check_metrics(spec, scenario, file, lines)
    return Sweep(path, text, spec, scenario_path, base, axes, metrics, unit, points)


def _line(lines: dict[FieldPath, int], *path: str | int) -> int | None:
    for depth in range(len(path), -1, -1):
        if path[:depth] in lines:
            return lines[path[:depth]]
    return None


def _spec_error(err: ValidationError, file: str, lines: dict[FieldPath, int]) -> InputError:
    first = err.errors()[0]
    loc: FieldPath = tuple(p for p in first["loc"] if not (isinstance(p, str) and "[" in p))
    problem = first["msg"].removeprefix("Value error, ")
    allowed = None
    if first["type"] == "extra_forbidden":
        model: type[BaseModel] = ParameterSpec if loc[:1] == ("parameters",) else SweepSpec
        known = list(model.model_fields)
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        problem = "unknown field" + (f"; did you mean '{close[0]}'?" if close else "")
        allowed = ", ".join(known)
    elif first["type"] == "missing":
        problem = "required field is missing"
    elif "input" in first and first["type"] not in ("model_type", "dict_type"):
        problem = f"{problem} (got {first['input']!r:.60})"
    return InputError(file, dotted(loc) if loc else None, problem, allowed, _line(lines, *loc))


def _check_design(spec: SweepSpec, file: str, lines: dict[FieldPath, int]) -> None:
    def fail(field_name: str, problem: str, allowed: str | None = None) -> None:
        line = _line(lines, field_name) if (field_name,) in lines else _line(lines, "design")
        raise InputError(file, field_name, problem, allowed, line)

    if spec.design == "grid" and spec.samples is not None:
        fail("samples", "a grid takes every combination of levels; samples is not used")
    if spec.design != "grid" and spec.samples is None:
        fail("samples", f"the {spec.design} design needs samples", "a whole number >= 1")
    if spec.design == "sobol" and spec.samples is not None:
        n = spec.samples
        if n < 2 or n & (n - 1):
            lower = 1 << max(n.bit_length() - 1, 1)
            fail(
                "samples",
                f"must be a power of two for the sobol design (got {n}); "
                f"Sobol' sequences lose their balance otherwise",
                f"e.g. {lower} or {lower * 2}",
            )
    if spec.design == "morris" and spec.levels % 2:
        fail("levels", f"Morris needs an even number of levels (got {spec.levels})", "e.g. 4")
    for name, p in spec.parameters.items():
        where = f"parameters.{name}"
        line = _line(lines, "parameters", name)
        has_range = p.low is not None or p.high is not None
        if (p.values is None) == (not has_range):
            raise InputError(file, where, "give either values or low and high", line=line)
        if has_range and (p.low is None or p.high is None):
            raise InputError(file, where, "a range needs both low and high", line=line)
        if has_range and not p.low < p.high:  # type: ignore[operator]
            raise InputError(file, where, f"low ({p.low}) must be below high ({p.high})", line=line)
        if p.values is not None and (p.levels is not None or p.integer):
            raise InputError(file, where, "levels and integer apply to ranges only", line=line)
        if p.levels is not None and spec.design != "grid":
            raise InputError(file, where, "levels applies to grid designs only", line=line)


def _axis(
    name: str, p: ParameterSpec, dump: dict[str, Any], file: str, lines: dict[FieldPath, int]
) -> Axis:
    """Check that the dotted path names a numeric field of the base scenario."""
    where = f"parameters.{name}"
    line = _line(lines, "parameters", name)
    annotation: Any = Scenario
    node: Any = dump
    done: list[str] = []
    for part in name.split("."):
        annotation = _unwrap(annotation)
        here = ".".join(done) or "the top level"
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise InputError(
                    file,
                    where,
                    f"{here} is a list of {len(node)}; '{part}' is not an index",
                    f"0..{len(node) - 1}",
                    line,
                )
            node, annotation = node[int(part)], get_args(annotation)[0]
        elif isinstance(node, dict):
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                known, value_type = list(annotation.model_fields), None
            else:
                known, value_type = [str(k) for k in node], get_args(annotation)[1]
            key_type = get_args(annotation)[0] if value_type is not None else None
            literal_keys = get_args(key_type) if get_origin(key_type) is Literal else ()
            if part not in node and part not in literal_keys:
                close = difflib.get_close_matches(part, known, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise InputError(
                    file,
                    where,
                    f"{here} has no field '{part}'{hint}",
                    ", ".join(sorted(known)[:30]),
                    line,
                )
            if value_type is None:
                annotation = annotation.model_fields[part].annotation
            else:
                annotation = value_type
            node = node.get(part)
        else:
            raise InputError(file, where, f"{here} is a single value, not a section", line=line)
        done.append(part)
    kind = _kind(_unwrap(annotation))
    if kind is None:
        raise InputError(
            file, where, "is not a numeric field; only numbers can be swept", line=line
        )
    values = tuple(p.values or ())
    if kind == "int" and any(not float(v).is_integer() for v in values):
        raise InputError(file, where, "is a whole-number field; give whole numbers", line=line)
    values = tuple(int(v) if kind == "int" else float(v) for v in values)
    integer = p.integer or kind == "int"
    return Axis(name, kind, values, float(p.low or 0), float(p.high or 0), integer, p.levels)


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and `X | None` down to the underlying type."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, getattr(__import__("types"), "UnionType", Union)):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _kind(annotation: Any) -> designs.Kind | None:
    if annotation is bool:
        return None
    if annotation is int:
        return "int"
    if annotation is float:
        return "float"
    if annotation is Decimal:
        return "money"
    return None


def _check_points(
    axes: list[Axis],
    points: list[tuple[Any, ...]],
    base: dict[str, Any],
    scenario_path: Path,
    file: str,
    lines: dict[FieldPath, int],
) -> None:
    """Validate each parameter's ends (or listed values) alone, then every design point."""
    names = [a.name for a in axes]
    for axis in axes:
        ends = axis.values or (axis.cast(axis.low), axis.cast(axis.high))
        for value in ends:
            try:
                validate(apply_overrides(base, {axis.name: value}), str(scenario_path))
            except InputError as err:
                raise InputError(
                    file,
                    f"parameters.{axis.name}",
                    f"value {value} makes the scenario invalid: {err.field}: {err.problem}",
                    err.allowed,
                    _line(lines, "parameters", axis.name),
                ) from None
    checked: set[tuple[Any, ...]] = set()
    for i, values in enumerate(points):
        if values in checked:
            continue
        checked.add(values)
        try:
            validate(apply_overrides(base, dict(zip(names, values, strict=True))), "")
        except InputError as err:
            assigned = ", ".join(f"{n}={v}" for n, v in zip(names, values, strict=True))
            raise InputError(
                file,
                "parameters",
                f"design point {i} ({assigned}) makes the scenario invalid: "
                f"{err.field}: {err.problem}",
                err.allowed,
                _line(lines, "parameters"),
            ) from None


def _check_metrics(
    spec: SweepSpec, scenario: Scenario, file: str, lines: dict[FieldPath, int]
) -> list[Metric]:
    """Check metric names against what a run of the base scenario produces.

    Groups that depend on who did what (coverage by role, ledger losses by reason) may be
    absent from one run yet appear in another, so a group is also accepted when it has the
    form of the metric's groups (role=..., by=..., tier=..., activity=...) with a name the
    scenario defines; a figure a run does not produce is 0 in that run's row.
    """
    from . import metrics as metrics_mod
    from .engine import LONG_TERM_SUBSTITUTE, SUBSTITUTE, Engine

    probe = metrics_mod.compute(Engine(scenario, spec.seed, 0).run())
    names = (
        set(scenario.roles) | set(ACTIVITIES) | {"observation", SUBSTITUTE, LONG_TERM_SUBSTITUTE}
    )
    names |= {t.name for s in scenario.schools for t in s.need_tiers}
    columns = sorted(metric_column(k) for k in probe)
    known_metrics = sorted({m for m, _, _ in probe})
    out: list[Metric] = []
    for i, text in enumerate(spec.metrics):
        where, line = f"metrics[{i}]", _line(lines, "metrics", i)
        key = parse_metric(text)
        if key is None:
            raise InputError(
                file,
                where,
                f"'{text}' is not of the form metric[group].statistic",
                "e.g. coverage.substitute_fill_rate.value or "
                "small_group.minutes_per_student_week[tier=intensive].mean",
                line,
            )
        metric, group, stat = key
        groups = {g for m, g, _ in probe if m == metric}
        stats = {s for m, _, s in probe if m == metric}
        prefixes = {g.split("=", 1)[0] for g in groups if "=" in g}
        groups |= {f"{p}={n}" for p in prefixes for n in names}
        if metric not in known_metrics or group not in groups or stat not in stats:
            close = difflib.get_close_matches(text, columns, n=1, cutoff=0.5)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            allowed = (
                ", ".join(sorted(c for c in columns if c.startswith(metric)))
                if metric in known_metrics
                else ", ".join(known_metrics)
            )
            raise InputError(
                file, where, f"'{text}' is not a figure a run produces{hint}", allowed, line
            )
        column = metric_column(key)
        if column in {m.column for m in out}:
            raise InputError(file, where, f"'{text}' is listed twice", line=line)
        out.append(Metric(key, column))
    return out


# ---- running one chunk (in a worker) ------------------------------------------------------
def run_chunk(base: dict[str, Any], keys: list[Key], tasks: list[RunTask]) -> list[list[float]]:
    """Run a chunk of runs; return one list of metric values per task, in task order."""
    from . import metrics as metrics_mod
    from .engine import Engine

    out: list[list[float]] = []
    cached: tuple[int, Scenario] | None = None
    for _run_id, point, replication, seed, overrides in tasks:
        if cached is None or cached[0] != point:
            cached = (point, validate(apply_overrides(base, overrides), "<sweep point>"))
        values = metrics_mod.compute(Engine(cached[1], seed, replication).run())
        out.append([float(values.get(key, 0.0)) for key in keys])
    return out


# ---- executors -----------------------------------------------------------------------------
class _Deferred:
    """A future for the in-process executor: it runs when the main loop asks for it."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.fn, self.args, self.value, self.finished = fn, args, None, False

    def run(self) -> None:
        self.value, self.finished = self.fn(*self.args), True

    def done(self) -> bool:
        return self.finished

    def result(self) -> Any:
        return self.value

    def cancelled(self) -> bool:
        return False


class _Serial:
    """One worker: run chunks in this process (no start-up cost, same results)."""

    slots = 1

    def __init__(self) -> None:
        self.queue: deque[_Deferred] = deque()

    def submit(self, fn: Callable[..., Any], *args: Any) -> _Deferred:
        self.queue.append(_Deferred(fn, args))
        return self.queue[-1]

    def wait(self, timeout: float) -> list[Any]:
        chunk = self.queue.popleft()
        chunk.run()
        return [chunk]

    def cancel(self, pending: list[Any]) -> list[Any]:
        self.queue.clear()
        return []

    def close(self, abort: bool = False) -> None:
        pass


class _Completions:
    """Finished futures arrive on a queue through done-callbacks (O(1) per completion, for
    concurrent.futures and Dask alike), so waiting never scans thousands of pending chunks."""

    def __init__(self) -> None:
        self.finished: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def track(self, future: Any) -> Any:
        future.add_done_callback(self.finished.put)
        return future

    def wait(self, timeout: float) -> list[Any]:
        try:
            out = [self.finished.get(timeout=timeout)]
        except queue.Empty:
            return []
        while True:
            try:
                out.append(self.finished.get_nowait())
            except queue.Empty:
                return out


def _worker_init(parent: int) -> None:
    """Workers leave Ctrl-C to the main process, which stops cleanly, and exit when the
    main process is gone (killed outright, it cannot shut its pool down)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            try:
                os.kill(parent, 0)
            except (ProcessLookupError, PermissionError):  # gone (or its pid reused)
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


class _Processes(_Completions):
    def __init__(self, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        super().__init__()
        # forkserver: safe with the progress bar's thread, and preloading makes forks cheap
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["simulate.sweep"])
        self.slots = workers
        self.pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_worker_init, initargs=(os.getpid(),)
        )

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.track(self.pool.submit(fn, *args))

    def cancel(self, pending: list[Any]) -> list[Any]:
        """Cancel queued chunks; return those already running (they finish and are saved)."""
        return [f for f in pending if not f.cancel()]

    def close(self, abort: bool = False) -> None:
        if abort:
            for process in list(getattr(self.pool, "_processes", {}).values()):
                process.terminate()
        self.pool.shutdown(wait=not abort, cancel_futures=True)


class _Dask(_Completions):
    def __init__(self, workers: int, scheduler: str | None, scratch: Path) -> None:
        import logging

        from distributed import Client, LocalCluster

        super().__init__()
        self.cluster = None
        self.scratch = scratch  # a local cluster's spill files stay inside --out
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as err:
                raise InputError(
                    None,
                    "--scheduler",
                    f"cannot connect to {scheduler} ({err})",
                    "tcp://HOST:8786 of a running dask scheduler",
                ) from None
        else:
            import dask

            dask.config.set({"temporary-directory": str(scratch)})
            self.cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                dashboard_address=None,
                silence_logs=logging.ERROR,
                local_directory=str(scratch),
            )
            self.client = Client(self.cluster)
        self.scattered: dict[int, Any] = {}
        info = self.client.scheduler_info()["workers"].values()
        self.slots = max(1, sum(int(w.get("nthreads", 1)) for w in info))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        base = args[0]
        if id(base) not in self.scattered:  # send the base scenario once, not per chunk
            self.scattered[id(base)] = self.client.scatter(base, broadcast=True, hash=False)
        return self.track(self.client.submit(fn, self.scattered[id(base)], *args[1:], pure=False))

    def cancel(self, pending: list[Any]) -> list[Any]:
        self.client.cancel(pending)
        return []

    def close(self, abort: bool = False) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
            shutil.rmtree(self.scratch, ignore_errors=True)


def _backend(backend: str, workers: int, scheduler: str | None, out: Path) -> Any:
    if backend == "dask":
        return _Dask(workers, scheduler, out / ".dask-scratch")
    return _Serial() if workers == 1 else _Processes(workers)


class _Stop:
    """First Ctrl-C: stop handing out chunks and save what finishes. Second: stop at once."""

    def __init__(self) -> None:
        self.requested = False
        self.previous: Any = None

    def __enter__(self) -> _Stop:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


# ---- storage -------------------------------------------------------------------------------
def _schema(sweep: Sweep) -> Any:
    import pyarrow as pa

    fields = [pa.field("run_id", pa.int64()), pa.field("point", pa.int64())]
    fields += [pa.field(a.name, pa.int64() if a.integer else pa.float64()) for a in sweep.axes]
    fields += [pa.field("replication", pa.int64()), pa.field("seed", pa.int64())]
    fields += [pa.field(m.column, pa.float64()) for m in sweep.metrics]
    return pa.schema(fields)


def _rows(sweep: Sweep, tasks: list[RunTask], values: list[list[float]]) -> pd.DataFrame:
    records = []
    for (run_id, point, replication, seed, overrides), metric_values in zip(
        tasks, values, strict=True
    ):
        row: dict[str, Any] = {"run_id": run_id, "point": point, **overrides}
        row.update(replication=replication, seed=seed)
        row.update(zip([m.column for m in sweep.metrics], metric_values, strict=True))
        records.append(row)
    return pd.DataFrame.from_records(records, columns=_schema(sweep).names)


def _write_parquet(path: Path, frame: pd.DataFrame, schema: Any) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .output import write_atomic

    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    write_atomic(path, lambda tmp: pq.write_table(table, tmp))


def _parts(out: Path) -> list[Path]:
    return sorted((out / "runs").glob("part-*.parquet"))


def _finished(out: Path) -> set[int]:
    """Run ids already on disk; a run saved twice would mean a bug, so it is an error."""
    import pyarrow.parquet as pq

    seen: set[int] = set()
    for part in _parts(out):
        ids = pq.read_table(part, columns=["run_id"]).column("run_id").to_pylist()
        if seen.intersection(ids) or len(set(ids)) != len(ids):
            raise RuntimeError(f"{part}: run ids saved twice")
        seen.update(ids)
    return seen


def _open_out(sweep: Sweep, out: Path, resume: bool, force: bool) -> bool:
    """Check the folder and the options; create the folder. True when resuming in it."""
    from .output import PARTIAL, prepare_out

    if resume and force:
        raise InputError(None, "--resume", "give --resume or --force, not both")
    manifest = out / "manifest.json"
    resuming = resume and out.is_dir() and any(out.iterdir())
    if resuming:
        if not manifest.is_file():
            raise InputError(str(out), "--resume", "is not a sweep folder (no manifest.json)")
        old = json.loads(manifest.read_text(encoding="utf-8"))
        if old.get("digest") != sweep.digest:
            raise InputError(
                str(out),
                "--resume",
                "holds a different sweep (the spec, its base scenario or the simulate version "
                "changed)",
                "the same spec, or a new --out",
            )
    prepare_out(out, force=force, resume=resume)
    if resuming:
        for tmp in (out / "runs").glob(f".*{PARTIAL}*"):  # a write cut short by a crash
            tmp.unlink()
    return bool(resuming)


def _start_fresh(sweep: Sweep, out: Path) -> None:
    """Remove our own files from an earlier sweep (--force), then record this one."""
    from .output import PARTIAL, write_json, write_text

    for name in OUR_FILES:
        (out / name).unlink(missing_ok=True)
    for part in [*_parts(out), *(out / "runs").glob(f".*{PARTIAL}*")]:
        part.unlink()
    write_text(out / "spec.yaml", sweep.text)
    write_json(out / "base_scenario.json", json.loads(json.dumps(sweep.base, default=str)))
    write_json(
        out / "manifest.json",
        {
            "digest": sweep.digest,
            "name": sweep.spec.name,
            "spec": str(sweep.path.resolve()),
            "scenario": str(sweep.scenario_path),
            "design": sweep.spec.design,
            "points": len(sweep.points),
            "replications": sweep.spec.replications,
            "runs": sweep.total,
            "seed": sweep.spec.seed,
            "common_random_numbers": sweep.spec.common_random_numbers,
            "parameters": [a.name for a in sweep.axes],
            "metrics": [m.column for m in sweep.metrics],
        },
    )


def consolidate(sweep: Sweep, out: Path) -> pd.DataFrame:
    """Gather the parts into results.parquet, one row per run in run-id order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _schema(sweep)
    tables = [pq.read_table(p, schema=schema) for p in _parts(out)]
    frame = pa.concat_tables(tables).to_pandas() if tables else schema.empty_table().to_pandas()
    frame = frame.sort_values("run_id", kind="stable").reset_index(drop=True)
    ids = frame["run_id"].to_numpy()
    if len(ids) != sweep.total or not np.array_equal(ids, np.arange(sweep.total)):
        raise RuntimeError(f"{out}: expected runs 0..{sweep.total - 1}, found {len(ids)} rows")
    _write_parquet(out / "results.parquet", frame, schema)
    return frame


# ---- progress ------------------------------------------------------------------------------
@contextlib.contextmanager
def _progress(show: bool, total: int, done: int, label: str) -> Iterator[Callable[[int], None]]:
    if not show:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs"),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(label, total=total, completed=done, rate="")

        def advance(n: int) -> None:
            bar.advance(task, n)
            speed = bar.tasks[0].speed
            bar.update(task, rate=f"{speed:.1f}/s" if speed else "")

        yield advance


# ---- the sweep -----------------------------------------------------------------------------
@dataclass
class SweepResult:
    out: Path
    sweep: Sweep
    done: int  # runs on disk
    ran: int  # runs executed by this call
    interrupted: bool
    results: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def sweep(
    spec: str | Path | Sweep,
    out: str | Path,
    *,
    workers: int | None = None,
    backend: Literal["local", "dask"] = "local",
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    chunk_size: int | None = None,
    progress: bool | None = None,
) -> SweepResult:
    """Run a sweep into `out`; see the module docstring. Ctrl-C stops cleanly (interrupted)."""
    from . import sensitivity

    sw = spec if isinstance(spec, Sweep) else load_sweep(spec)
    out = Path(out)
    workers = workers or default_workers()
    if workers < 1:
        raise InputError(None, "--workers", f"must be at least 1 (got {workers})")
    if scheduler and backend != "dask":
        raise InputError(None, "--scheduler", "only applies with --backend dask")
    resuming = _open_out(sw, out, resume, force)
    finished = _finished(out) if resuming else set()
    todo = [r for r in range(sw.total) if r not in finished]
    runner = _backend(backend, workers, scheduler, out) if todo else None
    # ~16 chunks per worker slot keeps the idle tail short; 20 runs at most bounds a crash loss
    slots = runner.slots if runner is not None else 1
    size = chunk_size or max(1, min(20, math.ceil(len(todo) / (slots * 16))))
    chunks = [[sw.task(r) for r in todo[i : i + size]] for i in range(0, len(todo), size)]
    if not resuming:
        try:
            _start_fresh(sw, out)
        except BaseException:
            if runner is not None:
                runner.close(abort=True)
            raise
    ran, interrupted = 0, False
    if runner is not None:
        show = progress if progress is not None else _stderr_is_terminal()
        label = f"sweep ({backend}, {workers} worker{'s' if workers > 1 else ''})"
        with _progress(show, sw.total, len(finished), label) as advance:
            ran, interrupted = _execute(sw, out, runner, chunks, advance)
    done = len(finished) + ran
    if interrupted:
        return SweepResult(out, sw, done, ran, True)
    results = consolidate(sw, out)
    table, effects = sensitivity.analyze(sw, results)
    from .output import write_csv, write_text

    write_csv(out / "sensitivity.csv", table)
    write_text(out / "report.html", sensitivity.report_html(sw, results, table, effects))
    return SweepResult(out, sw, done, ran, False, results, table)


def _execute(
    sw: Sweep, out: Path, runner: Any, chunks: list[list[RunTask]], advance: Callable[[int], None]
) -> tuple[int, bool]:
    """Hand out the chunks, save each as it finishes; returns (runs saved, interrupted).

    On Ctrl-C, queued chunks are cancelled and those already running are saved when they
    finish (a second Ctrl-C abandons them); the runs of a chunk are saved together or not.
    """
    schema = _schema(sw)
    keys = [m.key for m in sw.metrics]
    numbers = [int(p.stem.split("-")[1]) for p in _parts(out)]
    counter = iter(range(max(numbers, default=-1) + 1, 10**9))
    ran, interrupted, abort = 0, False, True

    def save(tasks: list[RunTask], values: list[list[float]]) -> None:
        nonlocal ran
        part = out / "runs" / f"part-{next(counter):05d}.parquet"
        _write_parquet(part, _rows(sw, tasks, values), schema)
        ran += len(tasks)
        advance(len(tasks))

    try:
        with _Stop() as stop:
            pending = {runner.submit(run_chunk, sw.base, keys, c): c for c in chunks}
            while pending and not stop.requested:
                for fut in runner.wait(0.2):
                    save(pending.pop(fut), fut.result())
            if pending:
                interrupted = True
                running = set(runner.cancel(list(pending)))
                while running:
                    for fut in runner.wait(0.2):
                        if fut in running:
                            running.discard(fut)
                            save(pending[fut], fut.result())
        abort = False
    except KeyboardInterrupt:
        interrupted = True
    finally:
        runner.close(abort=abort)
    return ran, interrupted


def _stderr_is_terminal() -> bool:
    import sys

    return sys.stderr.isatty()


def top_parameters(result: SweepResult) -> list[tuple[str, str, str, float]]:
    """Per metric, the parameter with the largest index (ST, mu* or |SRC|)."""
    from .sensitivity import RANKED_BY

    if result.sensitivity is None:
        return []
    index = RANKED_BY[result.sweep.spec.design]
    table = result.sensitivity[result.sensitivity["index"] == index]
    out = []
    for metric in [m.column for m in result.sweep.metrics]:
        rows = table[table.metric == metric]
        if len(rows):
            best = rows.loc[rows["value"].abs().idxmax()]
            out.append((metric, str(best.parameter), index, float(best.value)))
    return out
