"""A sweep spec: its schema, every check made before a run starts, and what it expands to.

A sweep spec (YAML) names a base scenario, parameters by dotted field path, a design, the
replications, a master seed and the metrics to keep, each as one string
"metric[group].statistic" ("[group]" left out for group "all"); that string is also the
metric's column name. Nothing runs until the whole spec checks out: each parameter must be a
numeric field of the base scenario, each parameter's ends (or listed values) alone and then
every design point must give a valid scenario (all points are checked, not corners only:
validating only what a point changes takes tens of microseconds, so the 250,000 points a sweep
may have are checked in seconds; see PointCheck), and each metric must be one a run of the
base scenario produces.

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

import difflib
import functools
import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, cast

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator
from pydantic.fields import FieldInfo

from simulate.schema import paths
from simulate.schema.errors import InputError
from simulate.schema.limits import MAX_REPLICATIONS, MAX_SWEEP_POINTS, MAX_SWEEP_RUNS, at_most
from simulate.schema.loading import apply_overrides, load_data, validate
from simulate.schema.model import Name, Scenario, Text
from simulate.schema.yamlsafe import FieldPath, dotted, load_yaml, read_text
from simulate.study.sweep import designs
from simulate.study.sweep.designs import Axis, Design

Key = tuple[str, str, str]  # (metric, group, statistic)
RunTask = tuple[int, int, int, int, dict[str, Any]]  # run_id, point, replication, seed, overrides
RUN_KEY = 1  # spawn_key=(RUN_KEY, point) for run seeds without common random numbers
DESIGN_KEY = 0  # spawn_key=(DESIGN_KEY,) for the design's own sampling seed
METRIC = re.compile(r"^(?P<metric>[^\[\]]+?)(?:\[(?P<group>[^\[\]]+)\])?\.(?P<stat>[^.\[\]]+)$")
Number = Annotated[float | int, Field(union_mode="left_to_right")]


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
    """The YAML file as written; load_sweep checks what one field alone cannot."""

    name: Name = "sweep"
    description: Text = ""
    scenario: Annotated[str, Field(min_length=1)]  # base scenario, relative to the spec's folder
    design: Design = "grid"
    samples: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    levels: Annotated[int, Field(ge=2, le=100)] = 4  # Morris grid levels
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = 1
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

    @cached_property
    def digest(self) -> str:
        """Fingerprint of spec, base scenario and version: --resume refuses any change."""
        from simulate import __version__

        payload = {
            "version": __version__,
            "spec": self.spec.model_dump(mode="json"),
            "scenario": self.base,
        }
        text = json.dumps(payload, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def total(self) -> int:
        return len(self.points) * self.spec.replications

    @property
    def parameter_names(self) -> list[str]:
        return [a.name for a in self.axes]

    @property
    def metric_columns(self) -> list[str]:
        return [m.column for m in self.metrics]

    def seed(self, point: int) -> int:
        """The seed of every run of a design point (see Seeds in the module docstring)."""
        if self.spec.common_random_numbers:
            return self.spec.seed
        ss = np.random.SeedSequence(self.spec.seed, spawn_key=(RUN_KEY, point))
        return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))

    def task(self, run_id: int) -> RunTask:
        point, replication = divmod(run_id, self.spec.replications)
        overrides = dict(zip(self.parameter_names, self.points[point], strict=True))
        return (run_id, point, replication, self.seed(point), overrides)


def design_seed(master: int) -> int:
    """Seed of the design's sampling and the analysis' bootstrap, apart from the runs' seeds."""
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
    axes = [_axis(name, p, scenario, file, lines) for name, p in spec.parameters.items()]
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
    sized_by = "parameters" if spec.design == "grid" else "samples"
    if count > MAX_SWEEP_POINTS:
        raise InputError(
            file,
            sized_by,
            f"the {spec.design} design has {count:,} points, too many to check and run",
            at_most(MAX_SWEEP_POINTS, "points"),
            _line(lines, sized_by),
        )
    if count * spec.replications > MAX_SWEEP_RUNS:
        raise InputError(
            file,
            "replications",
            f"{count:,} points x {spec.replications:,} replications = "
            f"{count * spec.replications:,} runs, too many for one sweep",
            at_most(MAX_SWEEP_RUNS, f"runs (points x replications; {sized_by} sets the points)"),
            _line(lines, "replications") or _line(lines, sized_by),
        )
    unit = designs.unit_points(spec.design, axes, spec.samples, spec.levels, design_seed(spec.seed))
    points = designs.values_at(axes, unit, spec.design)
    _check_points(axes, points, base, scenario, file, lines)
    metrics = _check_metrics(spec, scenario, file, lines)
    return Sweep(path, text, spec, scenario_path, base, axes, metrics, unit, points)


def _line(lines: dict[FieldPath, int], *path: str | int) -> int | None:
    """Line of the field, or of the nearest enclosing one the file has (defaults have none)."""
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
    """Checks that need the spec alone, made before the base scenario is read."""

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
    name: str, p: ParameterSpec, scenario: Scenario, file: str, lines: dict[FieldPath, int]
) -> Axis:
    """Check that the field path names a numeric field of the base scenario."""
    where = f"parameters.{name}"
    line = _line(lines, "parameters", name)
    try:
        paths.get(scenario, name)
        field_kind = paths.kind_at(name)
    except InputError as err:
        raise err.at(file, where, line) from None
    if field_kind not in paths.NUMERIC:
        raise InputError(
            file, where, "is not a numeric field; only numbers can be swept", line=line
        )
    kind = cast(designs.Kind, field_kind)
    values = tuple(p.values or ())
    if kind == "int" and any(not float(v).is_integer() for v in values):
        raise InputError(file, where, "is a whole-number field; give whole numbers", line=line)
    values = tuple(int(v) if kind == "int" else float(v) for v in values)
    integer = p.integer or kind == "int"
    return Axis(name, kind, values, float(p.low or 0), float(p.high or 0), integer, p.levels)


def _check_points(
    axes: list[Axis],
    points: list[tuple[Any, ...]],
    base: dict[str, Any],
    scenario: Scenario,
    file: str,
    lines: dict[FieldPath, int],
) -> None:
    """Validate each parameter's ends (or listed values) alone, then every design point."""
    names = [a.name for a in axes]
    check = PointCheck(base, scenario, names)
    for axis in axes:
        ends = axis.values or (axis.cast(axis.low), axis.cast(axis.high))
        for value in ends:
            problem = check.problem({axis.name: value})
            if problem is not None:
                raise InputError(
                    file,
                    f"parameters.{axis.name}",
                    f"value {value} makes the scenario invalid: {problem.field}: {problem.problem}",
                    problem.allowed,
                    _line(lines, "parameters", axis.name),
                ) from None
    checked: set[tuple[Any, ...]] = set()
    for i, values in enumerate(points):
        if values in checked:
            continue
        checked.add(values)
        problem = check.problem(dict(zip(names, values, strict=True)))
        if problem is not None:
            assigned = ", ".join(f"{n}={v}" for n, v in zip(names, values, strict=True))
            raise InputError(
                file,
                "parameters",
                f"design point {i} ({assigned}) makes the scenario invalid: "
                f"{problem.field}: {problem.problem}",
                problem.allowed,
                _line(lines, "parameters"),
            ) from None


# Scenario checks whose verdict is the base's at every point: the notes name fields that exist,
# and a point changes numbers only, never which fields exist (the check takes milliseconds,
# which a 250,000-point grid would pay 250,000 times).
SAME_FOR_EVERY_POINT = ("_notes_name_fields",)


class PointCheck:
    """Validates design points quickly, by validating only what a point changes.

    A point differs from the base scenario only at the swept fields, each inside one section
    of the scenario (`roles`, `schools`, `substitutes`, ...). So a point is checked as a full
    validation would check it, in two steps: each section a swept field is in is validated
    (with the base's validated parts standing in for everything off the way to the field:
    pydantic takes a validated model as it is), and the base scenario with those sections put
    in is put through the scenario's own checks across sections (roles named by teams,
    positions within the limits, ...). Sections recur from point to point (a grid's rows share
    one value of a parameter), so recent ones are kept. A point found invalid is validated
    again in full for its message, the one `simulate validate` would give.
    """

    RECENT = 4_096  # validated sections kept

    def __init__(self, base: dict[str, Any], scenario: Scenario, names: list[str]) -> None:
        self.base, self.scenario = base, scenario
        self.parts = {name: paths.parse(name) for name in names}
        # every swept field written out (with the base's value), so the ways to them exist
        shaped = apply_overrides(base, {name: paths.get(scenario, name) for name in names})
        self.skeleton = _reusing(shaped, scenario, list(self.parts.values()))
        self.sections = {str(parts[0]) for parts in self.parts.values()}
        fields = Scenario.model_fields
        self.adapters = {section: _adapter(fields[section]) for section in self.sections}
        # the scenario's checks across sections: "after" checks only (tests/test_sweep.py),
        # but those the base's validation settles for every point
        found = Scenario.__pydantic_decorators__.model_validators
        self.checks = [d.func for name, d in found.items() if name not in SAME_FOR_EVERY_POINT]
        self.section = functools.lru_cache(maxsize=self.RECENT)(self._section)

    def problem(self, overrides: dict[str, Any]) -> InputError | None:
        """None for a valid point; else the InputError of its full validation."""
        try:
            update = {
                section: self.section(section, tuple(sorted(self._in(section, overrides).items())))
                for section in self.sections
            }
            point = self.scenario.model_copy(update=update)
            for check in self.checks:
                check(point)
            return None
        except ValueError:  # pydantic's ValidationError, or a check's FieldError
            pass
        try:
            validate(apply_overrides(self.base, overrides), "")
        except InputError as err:
            return err
        return None

    def _in(self, section: str, overrides: dict[str, Any]) -> dict[str, Any]:
        return {n: v for n, v in overrides.items() if str(self.parts[n][0]) == section}

    def _section(self, section: str, overrides: tuple[tuple[str, Any], ...]) -> Any:
        """A section with the point's values in it, validated."""
        data = self.skeleton[section]
        for name, value in overrides:
            if len(self.parts[name]) == 1:  # the section is the swept field
                data = value
                continue
            *way, field = self.parts[name][1:]
            data = data.copy()  # the way to the field: copies, never the base
            node = data
            for part in way:
                node[part] = node[part].copy()
                node = node[part]
            node[field] = value
        return self.adapters[section].validate_python(data)


def _adapter(field: FieldInfo) -> TypeAdapter[Any]:
    """Validates a value as the scenario's field would (its type and constraints)."""
    annotated: Any = Annotated[field.annotation, field]
    return TypeAdapter(annotated)


def _reusing(data: Any, validated: Any, ways: list[FieldPath]) -> Any:
    """The plain data along the ways to the swept fields, with the validated value standing in
    for every entry off them."""
    if not all(ways):  # a swept field itself
        return data

    def entry(key: str | int, value: Any) -> Any:
        onward = [way[1:] for way in ways if way[0] == key]
        return _reusing(value, _at(validated, key), onward) if onward else _at(validated, key)

    if isinstance(data, dict):
        return {key: entry(key, value) for key, value in data.items()}
    return [entry(k, value) for k, value in enumerate(data)]


def _at(validated: Any, key: str | int) -> Any:
    """A model's field (by name), or an entry of a validated mapping or list."""
    return getattr(validated, str(key)) if isinstance(validated, BaseModel) else validated[key]


def _check_metrics(
    spec: SweepSpec, scenario: Scenario, file: str, lines: dict[FieldPath, int]
) -> list[Metric]:
    """Check metric names against the measures catalogue, without running anything.

    A group is checked by its kind (role=..., tier=..., by=..., activity=...) against the
    names the scenario defines; figures that depend on who did what (coverage by role, losses
    by reason) may be absent from one run yet appear in another, and a figure a run does not
    produce is 0 in that run's row.
    """
    from simulate.measures import catalogue

    names = catalogue.group_names(scenario)
    figures = list(catalogue.figures(scenario))
    columns = sorted(metric_column(k) for k in figures)
    known_metrics = sorted(catalogue.CATALOGUE)
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
        if not catalogue.is_figure(metric, group, stat, names):
            close = difflib.get_close_matches(text, columns, n=1, cutoff=0.5)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            allowed = (
                ", ".join(sorted(metric_column(k) for k in figures if k[0] == metric))
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
