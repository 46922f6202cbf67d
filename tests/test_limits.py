"""Size limits: refused at validation with a message naming the limit and the field.

Each input below passed `validate` once and then ran for minutes or exhausted memory.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import SCENARIOS, data
from test_sweep_helpers import write_spec

from simulate.cli import main
from simulate.schema import limits

TRADITIONAL = SCENARIOS / "traditional.yaml"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def child(tmp_path: Path, fields: str) -> Path:
    path = tmp_path / "big.yaml"
    name = "" if fields.startswith("name:") else "name: Big\n"
    path.write_text(f"extends: {TRADITIONAL}\n{name}{fields}", encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def nothing_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused input never reaches the engine nor draws a sweep's design points: either
    would fail the command with an internal error instead of the one line asserted."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("work began on an input that should have been refused")

    monkeypatch.setattr("simulate.engine.core.Engine.__init__", forbidden)
    monkeypatch.setattr("simulate.study.sweep.designs.unit_points", forbidden)


def refused(path: Path, field: str, *words: str) -> str:
    """validate and run both exit 2 with one line naming the field; nothing runs."""
    out = path.parent / "out"
    for args in (("validate", path), ("run", path, "--out", out)):
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        line = result.stderr.strip()
        assert "\n" not in line and "Traceback" not in line
        assert f": {field}: " in line, line
        for word in words:
            assert word in line, line
    assert not out.exists()
    return line


def the_school() -> dict:
    return data("traditional")["schools"][0]


def one_school(**fields: object) -> str:
    """A `school:` section: the traditional school with some fields changed."""
    return yaml.safe_dump({"school": the_school() | fields})


def test_a_billion_principals_is_refused_naming_the_staff_entry(tmp_path: Path) -> None:
    path = child(tmp_path, "school:\n  staff: {principal: 1000000000}\n")
    refused(path, "schools[0].staff.principal", "1,000,000,0", "positions in one school")


def test_many_team_members_are_counted_with_the_team_count(tmp_path: Path) -> None:
    school = the_school()
    team = school["teams"][0]
    team["members"] = {"teacher": limits.MAX_POSITIONS_PER_SCHOOL // team["count"] + 1}
    path = child(tmp_path, yaml.safe_dump({"school": school}))
    refused(path, "schools[0].teams[0].members.teacher", "positions in one school")


def test_copies_and_schools_have_ceilings(tmp_path: Path) -> None:
    path = child(tmp_path, f"school:\n  copies: {limits.MAX_COPIES + 1}\n")
    refused(path, "schools[0].copies", str(limits.MAX_COPIES))
    many = yaml.safe_dump({"schools": [the_school()] * (limits.MAX_SCHOOLS + 1)})
    refused(child(tmp_path, many), "schools", str(limits.MAX_SCHOOLS))


def test_a_district_too_large_to_simulate_is_refused_by_its_totals(tmp_path: Path) -> None:
    """Each school is within its limits; all copies together are not."""
    school = the_school()
    per_copy = sum(school["staff"].values()) + sum(
        t["count"] * sum(t["members"].values()) for t in school["teams"]
    )
    copies = min(limits.MAX_COPIES, limits.MAX_ADULTS // per_copy + 1)
    assert copies * per_copy > limits.MAX_ADULTS
    path = child(tmp_path, one_school(copies=copies))
    refused(path, "schools", f"{limits.MAX_ADULTS:,} positions")

    copies = min(limits.MAX_COPIES, limits.MAX_ADULTS // per_copy)
    big = one_school(copies=copies, enrollment=limits.MAX_STUDENTS // copies + 1)
    line = refused(child(tmp_path, big), "schools", f"{limits.MAX_STUDENTS:,} students")
    assert line.startswith(f"error: {tmp_path / 'big.yaml'}:")  # where `school:` is written


def test_control_characters_in_names_titles_and_descriptions_are_refused(tmp_path: Path) -> None:
    cases = {
        'name: "Bad\\0name"\n': ("name", "U+0000"),
        'name: "Red \\e[31m"\n': ("name", "U+001B"),
        'description: "line\\nand \\x07bell"\n': ("description", "U+0007"),
        'roles:\n  teacher:\n    title: "x\\u202Ey"\n': ("roles.teacher.title", "U+202E"),
        'school:\n  name: "tab\\tin name"\n': ("schools[0].name", "U+0009"),
        'school:\n  grades: ["K", "\\x1b[2J"]\n': ("schools[0].grades[1]", "U+001B"),
    }
    for text, (field, code) in cases.items():
        path = child(tmp_path, text)
        line = refused(path, field, code, "control character")
        assert "\x1b" not in line and "\x00" not in line
    ok = child(tmp_path, 'description: "two\\nlines\\tand a tab"\n')
    assert invoke("validate", ok).exit_code == 0


def test_a_role_name_with_a_control_character_is_refused(tmp_path: Path) -> None:
    path = child(tmp_path, 'school:\n  staff: {"coach\\e]0;pwned\\a": 1}\n')
    line = refused(path, r"schools[0].staff.coach\x1b]0;pwned\x07", "control character")
    assert "\x1b" not in line and "\x07" not in line


def test_a_sweep_of_too_many_runs_is_refused_before_any_point_is_made(tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path,
        design="sobol",
        samples=2**16,
        replications=limits.MAX_REPLICATIONS,
        parameters={"roles.teacher.absence_rate": {"low": 0.0, "high": 0.1}},
    )
    result = invoke("sweep", spec, "--out", tmp_path / "out")
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert ": replications: " in line and f"{limits.MAX_SWEEP_RUNS:,} runs" in line, line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["MAX_ADULTS", "MAX_SWEEP_RUNS", "MAX_YAML_VALUES"])
def test_every_limit_states_its_reason_where_it_is_set(name: str) -> None:
    source = Path(limits.__file__).read_text(encoding="utf-8")
    lines = source.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"{name} ="))
    assert "#" in lines[at] or lines[at - 1].lstrip().startswith("#")
