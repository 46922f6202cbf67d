"""Warnings for valid but implausible input: each fires on its input, none on the bundled
scenarios, all are printed by the commands, and --strict makes them fatal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import BUNDLED, build, data

from simulate.cli import main
from simulate.schema.loading import apply_overrides, load_data
from simulate.schema.plausibility import Warning, warnings


def paths_warned(d: dict[str, Any]) -> list[str]:
    return [w.path for w in warnings(build(d))]


@pytest.mark.parametrize("file", BUNDLED, ids=lambda p: p.stem)
def test_no_warning_on_the_bundled_scenarios(file: Path) -> None:
    assert warnings(build(load_data(file))) == []


def without(d: dict[str, Any], *path: str | int) -> dict[str, Any]:
    """The scenario data with one field left out (it then takes its default)."""
    node: Any = d
    for part in path[:-1]:
        node = node[part]
    node.pop(path[-1])
    return d


# (what is wrong, the data, the field path the warning names, a word its message holds)
CASES = [
    (
        "4,500 students in 18 classrooms",
        lambda: apply_overrides(data("traditional"), {"schools[0].enrollment": 4500}),
        "schools[0].classrooms",
        "187.5 students per homeroom",
    ),
    (
        "5 students a class",
        lambda: apply_overrides(data("traditional"), {"schools[0].enrollment": 120}),
        "schools[0].classrooms",
        "5.0 students per homeroom",
    ),
    (
        "a 1,190-minute day",
        lambda: apply_overrides(data("traditional"), {"roles.teacher.schedule.supervision": 800}),
        "roles.teacher.schedule",
        "1190 minutes",
    ),
    (
        "a ramp step in week 40 of a 36-week year",
        lambda: apply_overrides(
            data("mcl_residents_tutors"), {"roles.resident.ramp[2].from_week": 40}
        ),
        "roles.resident.ramp[2].from_week",
        "36 instructional weeks",
    ),
    (
        "a testing window on non-instructional days",
        lambda: apply_overrides(
            data("traditional"), {"calendar.non_instructional_days": list(range(160, 170))}
        ),
        "calendar.testing_windows[0]",
        "cancels nothing",
    ),
    (
        "free long-term substitutes",
        lambda: without(data("traditional"), "substitutes", "long_term_daily_rate"),
        "substitutes.long_term_daily_rate",
        "cost nothing",
    ),
    (
        "free substitutes",
        lambda: without(data("traditional"), "substitutes", "daily_rate"),
        "substitutes.daily_rate",
        "cost nothing",
    ),
    (
        "one-day absences",
        lambda: without(data("traditional"), "absences"),
        "absences",
        "one day",
    ),
    (
        "no salary growth",
        lambda: without(data("traditional"), "budget", "projection", "salary_growth"),
        "budget.projection.salary_growth",
        "flat",
    ),
    (
        "no benefits",
        lambda: without(data("traditional"), "budget", "benefits_rate"),
        "budget.benefits_rate",
        "no benefits",
    ),
    (
        "leavers cost nothing",
        lambda: without(data("traditional"), "roles", "teacher", "replacement_cost"),
        "roles.teacher.replacement_cost",
        "nothing to replace",
    ),
    (
        "students never absent",
        lambda: without(data("traditional"), "schools", 0, "attendance"),
        "schools[0].attendance",
        "never absent",
    ),
]


@pytest.mark.parametrize(("what", "make", "path", "word"), CASES, ids=[c[0] for c in CASES])
def test_each_warning_fires_on_its_input_naming_the_field(
    what: str, make: Any, path: str, word: str
) -> None:
    found = [w for w in warnings(build(make())) if w.path == path]
    assert len(found) == 1, (what, paths_warned(make()))
    assert word in found[0].message
    assert "\n" not in found[0].message
    assert str(found[0]) == f"{path}: {found[0].message}"


def test_a_default_written_out_is_not_a_default_left_out() -> None:
    """Writing the default value on purpose (no absence beyond the first day) is a choice."""
    d = without(data("traditional"), "absences")
    assert "absences" in paths_warned(d)
    d["absences"] = {"mean_extra_days": 0}
    assert "absences" not in paths_warned(d)


def test_warnings_are_plain_data_for_other_callers() -> None:
    d = apply_overrides(data("traditional"), {"schools[0].enrollment": 4500})
    (found,) = warnings(build(d))
    assert isinstance(found, Warning)
    assert (found.path, type(found.message)) == ("schools[0].classrooms", str)


# ---- the commands ----------------------------------------------------------------------------


def write(tmp_path: Path, d: dict[str, Any], name: str = "odd.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(d, sort_keys=False), encoding="utf-8")
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def crowded(tmp_path: Path) -> Path:
    """A valid scenario with 40 students to a homeroom."""
    return write(tmp_path, apply_overrides(data("traditional"), {"schools[0].enrollment": 960}))


def test_validate_prints_warnings_and_strict_makes_them_fatal(crowded: Path) -> None:
    code, stdout, stderr = invoke("validate", str(crowded))
    assert code == 0 and stdout.startswith("ok:")
    assert f"warning: {crowded}: schools[0].classrooms: 40.0 students per homeroom" in stderr
    code, _, stderr = invoke("validate", "--strict", str(crowded))
    assert code == 2 and "40.0 students per homeroom" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("command", ["run", "budget", "compare"])
def test_every_command_prints_warnings_and_strict_stops_before_any_output(
    command: str, crowded: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = {
        "run": ["run", str(crowded), "--out", str(out)],
        "budget": ["budget", str(crowded), "-r", "1", "--out", str(out)],
        "compare": ["compare", str(crowded), "-r", "1", "--out", str(out)],
    }[command]
    code, _, stderr = invoke(*args, "--strict")
    assert code == 2 and "40.0 students per homeroom" in stderr
    assert not out.exists()
    code, _, stderr = invoke(*args)
    assert code == 0, stderr
    assert f"warning: {crowded}: schools[0].classrooms" in stderr and out.is_dir()
