"""`simulate new` for a middle or high school: sections and teachers follow the school's
enrollment as the bundled school's were derived, every section meets under its cap, and two
arrangements of one school compare."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SCENARIOS

import simulate
from simulate.cli import main
from simulate.engine.timetable import NONE, Member, build
from simulate.schema.plausibility import warnings

SECONDARY = sorted(
    p.stem for p in SCENARIOS.glob("*.yaml") if p.stem.startswith(("middle_", "high_"))
)
MIDDLE = "middle_departmentalized"


def make(tmp_path: Path, arrangement: str, *options: str) -> simulate.Scenario:
    out = tmp_path / f"{arrangement}-{len(list(tmp_path.iterdir()))}.yaml"
    result = CliRunner().invoke(main, ["new", arrangement, *options, "--out", str(out)])
    assert result.exit_code == 0, result.output + result.stderr
    return simulate.load_scenario(out)


def staffing(spec: simulate.Scenario) -> list[tuple[str, int, dict[str, int]]]:
    return [(t.name, t.count, dict(t.members)) for t in spec.schools[0].teams]


def teachers(spec: simulate.Scenario) -> int:
    """Positions that teach sections (teachers, team teachers, block teachers)."""
    return sum(
        t.count * n
        for t in spec.schools[0].teams
        for role, n in t.members.items()
        if spec.roles[role].is_teacher and spec.roles[role].periods.get("instruction")
    )


def timetable(spec: simulate.Scenario, seed: int = 0):  # type: ignore[no-untyped-def]
    """The engine's timetable of the school, for students drawn at random (not as `new`
    spreads them), with every position of the scenario."""
    school = spec.schools[0]
    members, index = [], 0
    for team, template in enumerate(t for t in school.teams for _ in range(t.count)):
        for role, n in template.members.items():
            for _ in range(n):
                r = spec.roles[role]
                members.append(Member(index, team, dict(r.periods), r.is_teacher))
                index += 1
    n = school.enrollment
    shares = np.cumsum([t.share for t in school.need_tiers])
    tier = np.minimum(
        np.searchsorted(shares, np.random.default_rng(seed).random(n), side="right"),
        len(shares) - 1,
    )
    room = (np.arange(n) * school.classrooms) // n
    of_room = np.repeat(
        np.arange(sum(t.count for t in school.teams)),
        [t.classrooms for t in school.teams for _ in range(t.count)],
    )
    of_room = np.r_[of_room, np.full(school.classrooms - of_room.size, NONE)]
    return build(school, members, tier, of_room[room])


@pytest.mark.slow
@pytest.mark.parametrize("arrangement", SECONDARY)
def test_the_bundled_school_own_figures_give_its_own_staffing(
    tmp_path: Path, arrangement: str
) -> None:
    """The limiting case with a known answer: the bundled school's enrollment gives the
    bundled school's cohorts, departments, MCL teams, blocks and tutors."""
    bundled = simulate.load_scenario(SCENARIOS / f"{arrangement}.yaml")
    made = make(tmp_path, arrangement, "--enrollment", str(bundled.schools[0].enrollment))
    assert staffing(made) == staffing(bundled)
    assert made.schools[0].classrooms == bundled.schools[0].classrooms
    assert made.substitutes.pool == bundled.substitutes.pool


@pytest.mark.slow
@pytest.mark.parametrize("arrangement", [MIDDLE, "middle_mcl_teams", "high_departmentalized"])
def test_sections_and_teachers_follow_the_enrollment(tmp_path: Path, arrangement: str) -> None:
    small = make(tmp_path, arrangement, "--enrollment", "900", "--name", "Elm")
    large = make(tmp_path, arrangement, "--enrollment", "1350", "--name", "Elm")
    assert large.schools[0].enrollment == 1350
    sections = [timetable(s).count for s in (small, large)]
    assert sections[1] / sections[0] == pytest.approx(1.5, rel=0.05)
    # every department rounds up once: at most one position each over the exact 1.5
    departments = len({t.name for t in large.schools[0].teams})
    assert 1.5 * teachers(small) - departments <= teachers(large)
    assert teachers(large) <= 1.5 * teachers(small) + departments
    for spec in (small, large):
        table = timetable(spec, seed=3)
        caps = np.array([c.class_size_cap for c in spec.schools[0].periods.courses])
        assert (table.size() <= caps[table.course]).all()
        assert table.unscheduled == 0  # every section has a teacher


def test_the_planner_grades_cap_and_pay_are_the_scenario(tmp_path: Path) -> None:
    spec = make(
        tmp_path,
        "middle_mcl_teams",
        *("--enrollment", "1000", "--grades", "5,6,7,8", "--class-size-cap", "25"),
        *("--teacher-salary", "$61,000", "--benefits-rate", "35%", "--substitute-rate", "$130"),
        *("--set", "schools[0].periods.period_minutes=55", "--name", "Elm Middle"),
    )
    school = spec.schools[0]
    assert school.grades == ["5", "6", "7", "8"] and school.classrooms == 4
    names = [c.name for c in school.periods.courses]
    assert "English 5" in names and "Math 8" in names and "English 9" not in names
    assert {c.class_size_cap for c in school.periods.courses} == {25}
    assert school.periods.period_minutes == 55
    assert spec.roles["mcl"].salary == 61000 and spec.roles["team_teacher"].salary == 61000
    assert spec.budget.benefits_rate == 0.35 and spec.substitutes.daily_rate == 130
    # 250 a grade, 10 sections a grade of each core course, 40 a department: an MCL's 4 and
    # 36 for team teachers at 5 periods
    english = [t for t in school.teams if t.name == "English"]
    assert [(t.count, dict(t.members)) for t in english] == [(1, {"mcl": 1, "team_teacher": 8})]
    table = timetable(spec)
    assert table.unscheduled == 0 and table.size().max() <= 25
    for path in ("schools[0].teams", "schools[0].classrooms", "schools[0].periods.courses"):
        assert spec.notes[path].text.startswith(("Made by simulate new", "One cohort"))
    assert spec.notes["schools[0].enrollment"].kind == "local"
    assert spec.notes["substitutes.pool"].kind == "assumption"


@pytest.mark.parametrize("arrangement", [MIDDLE, "high_mcl_teams"])
def test_the_districts_own_funding_replaces_the_bundled_lines_with_its_source(
    tmp_path: Path, arrangement: str
) -> None:
    """The bundled district's lines and their notes go; the planner's line comes with its
    source (the bundled notes on the lines it replaces once stopped `new` with an error)."""
    spec = make(
        tmp_path,
        arrangement,
        *("--enrollment", "900", "--funding", "State aid=$5,000 per pupil; state budget 2026"),
    )
    assert [(f.name, f.per_pupil) for f in spec.budget.funding] == [("State aid", 5000)]
    assert spec.notes["budget.funding[0]"].source == "state budget 2026"
    assert not [k for k in spec.notes if k.startswith("budget.funding[1]")]


def test_a_large_department_makes_several_mcl_teams_and_more_blocks(tmp_path: Path) -> None:
    mcl = make(tmp_path, "middle_mcl_teams", "--enrollment", "1260")
    english = [dict(t.members) for t in mcl.schools[0].teams if t.name == "English"]
    assert english == [{"mcl": 1, "team_teacher": 6}, {"mcl": 1, "team_teacher": 5}]
    assert timetable(mcl).unscheduled == 0
    # two teams of one name teach their department together: no warning of a short team
    assert [w.message for w in warnings(mcl)] == []
    short = mcl.model_copy(deep=True)
    short.schools[0].teams[1].members["team_teacher"] = 1
    assert any("team 'English' can teach 43 sections" in w.message for w in warnings(short))
    blocks = make(tmp_path, "middle_team_blocks", "--enrollment", "1260")
    block = next(t for t in blocks.schools[0].teams if t.name == "Team block")
    # 420 a grade, a block teacher teaches 5 groups of 22: 4 blocks a grade
    assert block.count == 12 and blocks.schools[0].classrooms == 12
    assert timetable(blocks).unscheduled == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["middle_team_blocks", "--enrollment", "900", "--classrooms", "30"], "--classrooms"),
        (["high_departmentalized", "--enrollment", "900", "--pilot-grades", "9"], "--pilot-grades"),
        (["middle_tutoring", "--enrollment", "900", "--team-size", "4"], "--team-size"),
        (["middle_mcl_teams", "--enrollment", "150"], "--enrollment"),
        (["traditional", "--enrollment", "450"], "--classrooms"),
        (
            ["traditional", "--enrollment", "450", "--classrooms", "18", "--class-size-cap", "20"],
            "--class-size-cap",
        ),
    ],
)
def test_bad_input_is_one_line_naming_the_option(options: list[str], named: str) -> None:
    result = CliRunner().invoke(main, ["new", *options])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0] and "Traceback" not in result.stderr


@pytest.mark.slow
def test_two_arrangements_of_one_middle_school_compare(tmp_path: Path) -> None:
    files = []
    for arrangement in (MIDDLE, "middle_mcl_teams"):
        out = tmp_path / f"{arrangement}.yaml"
        made = CliRunner().invoke(
            main, ["new", arrangement, "--enrollment", "900", "--name", "Elm", "--out", str(out)]
        )
        assert made.exit_code == 0, made.stderr
        files.append(str(out))
    result = CliRunner().invoke(main, ["compare", *files, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output + result.stderr
    assert (tmp_path / "out" / "report.html").is_file()
    elementary = tmp_path / "elementary.yaml"
    CliRunner().invoke(
        main, ["new", "--enrollment", "900", "--classrooms", "36", "--out", str(elementary)]
    )
    refused = CliRunner().invoke(
        main, ["compare", files[0], str(elementary), "--out", str(tmp_path / "no")]
    )
    assert refused.exit_code == 2 and "elementary school" in refused.stderr


MIDDLE_FORM = {
    "name": "Elm Middle",
    "enrollment": "900",
    "classrooms": "",
    "grades": "6, 7, 8",
    "class_size_cap": "24",
    "tier_name_0": "core",
    "tier_share_0": "0.65",
    "tier_name_1": "strategic",
    "tier_share_1": "0.25",
    "tier_name_2": "intensive",
    "tier_share_2": "0.10",
    "arrangement": [MIDDLE, "middle_mcl_teams"],
}


@pytest.mark.slow
def test_the_app_makes_a_middle_school_in_two_arrangements(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from simulate.app.server import create_app
    from simulate.schema import bundled

    c = TestClient(
        create_app(tmp_path / "ws", 8765), base_url="http://127.0.0.1:8765", follow_redirects=False
    )
    page = c.get("/new").text
    assert f'value="middle_mcl_teams" > {bundled.titles()["middle_mcl_teams"]}</label>' in page
    assert 'name="class_size_cap"' in page
    made = c.post("/new", data=MIDDLE_FORM)
    assert made.status_code == 303, made.text
    files = sorted((tmp_path / "ws").rglob("*.yaml"))
    specs = [simulate.load_scenario(f) for f in files if "Elm Middle" in f.read_text("utf-8")]
    assert len(specs) == 2
    for spec in specs:
        assert spec.schools[0].enrollment == 900 and spec.schools[0].grades == ["6", "7", "8"]
        assert {c.class_size_cap for c in spec.schools[0].periods.courses} == {24}
    refused = c.post("/new", data={**MIDDLE_FORM, "classrooms": "24"})
    assert refused.status_code == 400
    assert 'id="msg-classrooms">is for elementary schools' in refused.text
    mixed = c.post("/new", data={**MIDDLE_FORM, "arrangement": [MIDDLE, "traditional"]})
    assert mixed.status_code == 400 and 'id="msg-arrangement">mixes elementary' in mixed.text
    elementary = {**MIDDLE_FORM, "grades": "", "class_size_cap": "", "arrangement": "traditional"}
    missing = c.post("/new", data=elementary)
    assert missing.status_code == 400 and 'id="msg-classrooms">is required' in missing.text


def test_the_teaching_load_sizes_the_departments(tmp_path: Path) -> None:
    """The bundled school's 39 sections a department at 6 of 7 periods: 7 teachers (6.5
    rounded up), electives' 78: 13."""
    load = "roles.teacher.periods={instruction: 6, planning: 1}"
    spec = make(tmp_path, MIDDLE, "--enrollment", "840", "--set", load)
    sizes = {t.name: t.members["teacher"] for t in spec.schools[0].teams}
    assert sizes == {
        "English": 7,
        "Math": 7,
        "Science": 7,
        "Social studies": 7,
        "PE and health": 7,
        "Electives": 13,
    }
    assert spec.notes["roles.teacher.periods"].kind == "local"
    assert timetable(spec).unscheduled == 0
