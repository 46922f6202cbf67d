"""`simulate new`: a scenario of the planner's own school in every bundled arrangement."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SCENARIOS

import simulate
from simulate.cli import main
from simulate.schema import bundled
from simulate.schema.errors import InputError
from simulate.schema.new import MySchool, arrangements, new_scenario

ARRANGEMENTS = [
    "traditional",
    "mcl_teams",
    "mcl_residents_tutors",
    "mcl_within_budget",
    "lab_rotation",
    "subject_specialization",
]
GRADE_TEAMS = ["traditional", "lab_rotation"]  # grade-level teams that do not share students
LINCOLN = ["--name", "Lincoln", "--enrollment", "480", "--classrooms", "24"]
TIERS = ["--tier", "core=0.6", "--tier", "strategic=0.3", "--tier", "intensive=0.1"]


def make(tmp_path: Path, arrangement: str, *options: str) -> tuple[Path, simulate.Scenario]:
    out = tmp_path / f"{arrangement}.yaml"
    result = CliRunner().invoke(main, ["new", arrangement, *options, "--out", str(out)])
    assert result.exit_code == 0, result.output + result.stderr
    return out, simulate.load_scenario(out)


def test_bundled_scenarios_ship_inside_the_package() -> None:
    assert bundled.folder().parent == Path(simulate.__file__).parent
    assert sorted(p.name for p in SCENARIOS.glob("*.yaml")) == [
        f"{n}.yaml" for n in bundled.names()
    ]
    assert (bundled.folder() / "schools" / "oak.yaml").is_file()  # district.yaml includes it
    assert sorted(arrangements()) == sorted(ARRANGEMENTS)


@pytest.mark.parametrize("arrangement", ARRANGEMENTS)
def test_every_arrangement_of_my_school_validates_with_my_figures(
    tmp_path: Path, arrangement: str
) -> None:
    args = [*LINCOLN, *TIERS, "--grades", "K,1,2,3", "--teacher-salary", "61000.50"]
    out, spec = make(tmp_path, arrangement, *args, "--benefits-rate", "0.3")
    check = CliRunner().invoke(main, ["validate", str(out)])
    assert check.exit_code == 0 and check.output.startswith("ok:")
    school = spec.schools[0]
    assert (school.name, school.enrollment, school.grades) == ("Lincoln", 480, ["K", "1", "2", "3"])
    assert [(t.name, t.share) for t in school.need_tiers] == [
        ("core", 0.6),
        ("strategic", 0.3),
        ("intensive", 0.1),
    ]
    base = simulate.load_scenario(bundled.path(arrangement))
    assert (
        school.need_tiers[2].dosage_minutes_per_week
        == base.schools[0].need_tiers[2].dosage_minutes_per_week
    )
    teaching = [r for r in spec.roles.values() if r.is_teacher and r.salary > 0]
    assert teaching and all(r.salary == Decimal("61000.50") for r in teaching)
    assert spec.roles["principal"].salary == base.roles["principal"].salary  # not a teacher
    assert spec.budget.benefits_rate == 0.3
    team, base_team = school.teams[0], base.schools[0].teams[0]
    if arrangement in GRADE_TEAMS:  # a team is a grade: four grades of six classrooms
        assert (team.count, team.classrooms, team.members) == (4, 6, {"teacher": 6})
        assert school.classrooms == 24
    else:
        assert (team.classrooms, team.members) == (base_team.classrooms, base_team.members)
        # 24 classrooms today, as in the bundled school: the same teams and homerooms (18 of
        # 24 within the existing budget, whose teams hold eight of today's classes in six
        # larger homerooms)
        assert (school.classrooms, team.count) == (base.schools[0].classrooms, base_team.count)
    text = out.read_text(encoding="utf-8")
    assert text.startswith(f"# Lincoln: {base.name}\n# Made by `simulate new`")
    assert f"bundled arrangement\n# '{arrangement}'" in text
    assert "#   schools[0].enrollment: 480" in text


def test_today_and_in_teams_compare_fairly(tmp_path: Path) -> None:
    today, a = make(tmp_path, "traditional", *LINCOLN, *TIERS)
    teams, b = make(tmp_path, "mcl_teams", *LINCOLN, *TIERS)
    for x, y in zip(a.schools, b.schools, strict=True):
        assert (x.enrollment, x.classrooms, x.need_tiers) == (
            y.enrollment,
            y.classrooms,
            y.need_tiers,
        )
    assert b.schools[0].teams[0].count == 6 and a.schools[0].teams[0].count == 6
    out = tmp_path / "cmp"
    result = CliRunner().invoke(
        main, ["compare", str(today), str(teams), "--out", str(out), "-r", "2", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert (out / "report.html").is_file() and (out / "budget.xlsx").is_file()


def test_team_counts_follow_the_classrooms() -> None:
    school = MySchool(enrollment=300, classrooms=12, name="Elm")
    assert new_scenario(school, "mcl_teams").scenario.schools[0].teams[0].count == 3
    assert new_scenario(school, "subject_specialization").scenario.schools[0].teams[0].count == 6
    bigger = MySchool(enrollment=400, classrooms=16, name="Elm")
    within = new_scenario(bigger, "mcl_within_budget").scenario.schools[0]
    assert (within.teams[0].count, within.classrooms) == (2, 12)  # 8 classes per team, 6 rooms


def test_classrooms_that_do_not_fill_whole_teams_are_refused() -> None:
    result = CliRunner().invoke(
        main, ["new", "mcl_teams", "--enrollment", "450", "--classrooms", "22"]
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output + result.stderr
    assert result.stderr.startswith("error: My school as Multi-classroom leadership teams: ")
    assert "classrooms: is 22" in result.stderr and "<new" not in result.stderr
    assert "multiple of 4" in result.stderr and "(allowed: 20 or 24)" in result.stderr
    assert "one MCL team (1 x Multi-classroom leader, 4 x Team teacher) serves 4 of" in (
        result.stderr
    )


@pytest.mark.parametrize("arrangement", GRADE_TEAMS)
def test_grade_teams_take_any_multiple_of_the_grades(tmp_path: Path, arrangement: str) -> None:
    """Three classes per grade, K-5: six grade teams of three classrooms, one teacher each."""
    _, spec = make(tmp_path, arrangement, "--enrollment", "450", "--classrooms", "18")
    school, team = spec.schools[0], spec.schools[0].teams[0]
    assert (school.classrooms, team.count, team.classrooms) == (18, 6, 3)
    assert team.members == {"teacher": 3} and not team.shares_students
    _, fewer = make(
        tmp_path,
        arrangement,
        "--enrollment",
        "300",
        "--classrooms",
        "12",
        "--grades",
        "K,1,2,3",
        "--force",
    )
    assert (fewer.schools[0].teams[0].count, fewer.schools[0].teams[0].classrooms) == (4, 3)


def test_grade_teams_keep_the_bundled_shape_when_the_grades_do_not_divide() -> None:
    twenty = new_scenario(MySchool(enrollment=500, classrooms=20), "traditional").scenario
    team = twenty.schools[0].teams[0]
    assert (team.count, team.classrooms, team.members) == (5, 4, {"teacher": 4})
    with pytest.raises(InputError) as refused:
        new_scenario(MySchool(enrollment=550, classrooms=22), "traditional")
    text = str(refused.value)
    assert text.startswith("My school as Traditional (one teacher per classroom): classrooms: ")
    assert "6 grades (K, 1, 2, 3, 4, 5) need a multiple of 6" in text
    assert "a multiple of 4 (allowed: 20 or 24)" in text


def test_mcl_teams_say_what_one_team_covers() -> None:
    school = MySchool(enrollment=450, classrooms=18, name="Elm")
    with pytest.raises(InputError) as refused:
        new_scenario(school, "mcl_within_budget")
    text = str(refused.value)
    assert text.startswith("Elm as MCL teams within existing budgets: classrooms: is 18; ")
    assert (
        "one MCL team (1 x Multi-classroom leader, 6 x Team teacher, 1 x Reach associate) "
        "serves 8 of today's classrooms in 6 homerooms (200 students in the bundled school)"
    ) in text
    assert text.endswith("must be a multiple of 8 (allowed: 16 or 24)")
    assert new_scenario(school, "subject_specialization").scenario.schools[0].teams[0].count == 9


def test_the_header_says_which_funding_lines_are_the_bundled_schools(tmp_path: Path) -> None:
    out, spec = make(tmp_path, "mcl_teams", *LINCOLN)
    base = simulate.load_scenario(bundled.path("mcl_teams"))
    assert spec.budget.funding == base.budget.funding  # money is never rescaled
    header = out.read_text(encoding="utf-8").split("\nname: ")[0]
    assert "# Funding is NOT rescaled for this school" in header
    bundled_school = base.schools[0]
    assert f"({bundled_school.enrollment} students in {bundled_school.classrooms} classrooms)" in (
        header
    )
    for k, line in enumerate(base.budget.funding):
        field = "amount" if line.amount else "per_pupil"
        value = f"{float(line.amount or line.per_pupil):g}"
        assert f"#   budget.funding[{k}].{field}: {value} ({line.name}, {line.kind})" in header
    assert "--set 'budget.funding[0].amount=...'" in header
    mine, spec = make(
        tmp_path, "mcl_teams", *LINCOLN, "--set", "budget.funding.0.amount=90000", "--force"
    )
    header = mine.read_text(encoding="utf-8").split("\nname: ")[0]
    assert spec.budget.funding[0].amount == 90000
    assert "#   budget.funding.0.amount: 90000" in header  # set, so listed with the changes
    assert "#   budget.funding[0].amount" not in header
    assert f"#   budget.funding[1].per_pupil: {float(base.budget.funding[1].per_pupil):g}" in header
    assert "--set 'budget.funding[1].per_pupil=...'" in header
    _, none = make(tmp_path, "traditional", *LINCOLN, "--set", "budget.funding=[]", "--force")
    assert none.budget.funding == []
    assert "Funding is NOT rescaled" not in (tmp_path / "traditional.yaml").read_text("utf-8")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            ["--tier", "core=0.5", "--tier", "strategic=0.2"],
            "schools[0].need_tiers: shares add up to 0.7",
        ),
        (["--set", "roles.techer.salary=1"], "roles.techer"),
        (["--set", "budget.benefits_rate=2"], "budget.benefits_rate"),
        (["--tier", "core"], "--tier: 'core' is not NAME=VALUE"),
    ],
)
def test_bad_figures_name_the_field(options: list[str], expected: str) -> None:
    result = CliRunner().invoke(main, ["new", *LINCOLN, *options])
    assert result.exit_code == 2, result.output
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_unknown_arrangement_suggests_the_closest() -> None:
    with pytest.raises(InputError, match="did you mean 'mcl_teams'"):
        new_scenario(MySchool(enrollment=600, classrooms=24), "mcl_teamz")
    with pytest.raises(InputError, match="more than one school"):
        new_scenario(MySchool(enrollment=600, classrooms=24), "district")


def test_set_changes_any_field_and_existing_files_are_kept(tmp_path: Path) -> None:
    out, spec = make(tmp_path, "traditional", *LINCOLN, "--set", "roles.principal.salary=99000")
    assert spec.roles["principal"].salary == 99000
    again = CliRunner().invoke(main, ["new", *LINCOLN, "--out", str(out)])
    assert again.exit_code == 2 and "file exists" in again.stderr
    assert CliRunner().invoke(main, ["new", *LINCOLN, "--out", str(out), "--force"]).exit_code == 0


def test_without_out_the_yaml_goes_to_stdout_and_user_text_stays_text(tmp_path: Path) -> None:
    name = 'O\'Brien: K-5 #1 & "more" {x: [y]}'
    result = CliRunner().invoke(
        main, ["new", "--name", name, "--enrollment", "100", "--classrooms", "4"]
    )
    assert result.exit_code == 0
    file = tmp_path / "x.yaml"
    file.write_text(result.output, encoding="utf-8")
    assert simulate.load_scenario(file).schools[0].name == name
