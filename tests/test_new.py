"""`simulate new`: a scenario of the planner's own school in every bundled arrangement, with
teams in the shapes schools have, the school's own money, and a note on every figure."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import SCENARIOS

import simulate
from simulate.budget.pay import salary
from simulate.budget.projection import project
from simulate.cli import main
from simulate.report.board import pay as board_pay
from simulate.schema import bundled
from simulate.schema.errors import InputError
from simulate.schema.notes import figures, note_for
from simulate.schema.words import written
from simulate.study.new import GIVEN, FundingLine, MySchool, arrangements, new_scenario

ARRANGEMENTS = [
    "traditional",
    "mcl_teams",
    "mcl_residents_tutors",
    "mcl_within_budget",
    "lab_rotation",
    "subject_specialization",
]
LINCOLN = ["--name", "Lincoln", "--enrollment", "480", "--classrooms", "24"]
# A field path (roles.mcl.schedule.coaching, budget.funding[0].amount) or a field's name
# (is_teacher) in text a planner reads.
FIELD_PATH = re.compile(
    r"\b(?:roles|schools|budget|coverage|substitutes|calendar|small_groups|coaching|absences)"
    r"(?:\.[a-z_]+|\[\d+\])+"
)
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
FIELD_NAMES = {
    name
    for model in (simulate.schema.model.Role, simulate.schema.model.Budget)
    for name in model.model_fields
    if "_" in name
}
TIERS = ["--tier", "core=0.6", "--tier", "strategic=0.3", "--tier", "intensive=0.1"]


def make(tmp_path: Path, arrangement: str, *options: str) -> tuple[Path, simulate.Scenario]:
    out = tmp_path / f"{arrangement}.yaml"
    result = CliRunner().invoke(main, ["new", arrangement, *options, "--out", str(out)])
    assert result.exit_code == 0, result.output + result.stderr
    return out, simulate.load_scenario(out)


def refused(arrangement: str, **school: object) -> str:
    with pytest.raises(InputError) as err:
        new_scenario(MySchool(**{"enrollment": 450, "classrooms": 18, **school}), arrangement)
    return str(err.value)


def homerooms(spec: simulate.Scenario) -> list[tuple[str, int]]:
    """Each team of the school: its name and homerooms, team by team."""
    return [(t.name, t.classrooms) for t in spec.schools[0].teams for _ in range(t.count)]


def test_bundled_scenarios_ship_inside_the_package() -> None:
    assert bundled.folder().parent == Path(simulate.__file__).parent
    assert sorted(p.name for p in SCENARIOS.glob("*.yaml")) == [
        f"{n}.yaml" for n in bundled.names()
    ]
    assert (bundled.folder() / "schools" / "oak.yaml").is_file()  # district.yaml includes it
    assert sorted(arrangements(secondary=False)) == sorted(ARRANGEMENTS)
    assert sorted(arrangements()) == sorted(
        ARRANGEMENTS + [n for n in bundled.names() if n.startswith(("middle_", "high_"))]
    )


@pytest.mark.slow
@pytest.mark.parametrize("arrangement", ARRANGEMENTS)
def test_the_bundled_school_made_anew_is_the_bundled_arrangement(arrangement: str) -> None:
    """Maple's own figures give the bundled teams and the same simulated year, and every
    figure keeps its bundled note."""
    made = new_scenario(
        MySchool(enrollment=600, classrooms=24, name="Maple Elementary"), arrangement
    )
    base = simulate.load_scenario(bundled.path(arrangement))
    mine, theirs = made.scenario.schools[0], base.schools[0]
    assert mine.classrooms == theirs.classrooms
    assert [t.members for t in mine.teams for _ in range(t.count)] == [
        t.members for t in theirs.teams for _ in range(t.count)
    ]
    a, b = simulate.run(made.scenario, seed=0), simulate.run(base, seed=0)
    assert a.metrics.equals(b.metrics)
    for path in figures(made.scenario):
        note = note_for(made.scenario, path)
        assert note is not None, path
        if path not in made.changes and not path.startswith("schools[0].teams"):
            assert note == note_for(base, path), path  # the bundled note, kept


@pytest.mark.slow
@pytest.mark.parametrize("arrangement", ARRANGEMENTS)
def test_every_arrangement_of_my_school_takes_my_figures(tmp_path: Path, arrangement: str) -> None:
    args = [*LINCOLN, *TIERS, "--grades", "K,1,2,3", "--teacher-salary", "$61,000.50"]
    out, spec = make(tmp_path, arrangement, *args, "--benefits-rate", "30%")
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
    teaching = [r for r in spec.roles.values() if r.is_teacher and r.salary > 0]
    assert teaching and all(r.salary == Decimal("61000.50") for r in teaching)
    assert spec.roles["principal"].salary == base.roles["principal"].salary  # not a teacher
    assert spec.budget.benefits_rate == 0.3
    # four grades of six of today's classrooms: a team a grade (the budget-neutral MCL teams
    # give up two homerooms each)
    sizes = [size for _, size in homerooms(spec)]
    if arrangement == "mcl_within_budget":  # 8 of today's classrooms in 6 homerooms a team
        assert sizes == [6, 6, 6] and school.classrooms == 18
    elif arrangement == "subject_specialization":  # three pairs a grade
        assert sizes == [2] * 12 and school.classrooms == 24
    else:  # a team a grade
        assert sizes == [6] * 4 and school.classrooms == 24
    text = out.read_text(encoding="utf-8")
    assert text.startswith(f"# Lincoln: {base.name}\n# Made by `simulate new`")
    assert f"bundled arrangement\n# '{arrangement}'" in text
    assert "#   schools[0].enrollment: 480" in text
    assert "# 24 of today's classrooms (K: 6, 1: 6, 2: 6, 3: 6) make " in text
    for path in figures(spec):
        assert note_for(spec, path) is not None, path
    salary_note = note_for(spec, "roles.principal.salary")
    assert salary_note == note_for(base, "roles.principal.salary")  # not changed: bundled note
    assert spec.notes["budget.benefits_rate"].kind == "local"


def test_an_eighteen_classroom_school_has_mcl_teams_and_no_phantom_classrooms(
    tmp_path: Path,
) -> None:
    """450 students in 18 classrooms, K-5: three MCL teams of six (two grades each), and the
    comparison with today's staffing has the same 18 classrooms of 25 on both sides."""
    school = ["--name", "Elm", "--enrollment", "450", "--classrooms", "18"]
    today, a = make(tmp_path, "traditional", *school)
    teams, b = make(tmp_path, "mcl_teams", *school)
    assert homerooms(b) == [
        ("MCL team (grades K-1)", 6),
        ("MCL team (grades 2-3)", 6),
        ("MCL team (grades 4-5)", 6),
    ]
    assert homerooms(a) == [(f"grade-level team (grade {g})", 3) for g in "K12345"]
    assert a.schools[0].classrooms == b.schools[0].classrooms == 18
    out = tmp_path / "cmp"
    result = CliRunner().invoke(
        main, ["compare", str(today), str(teams), "--out", str(out), "-r", "1", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output + result.stderr
    summary = simulate.compare([a, b], replications=1, seed=3).summary
    per_room = summary[(summary.metric == "class_size.students_per_homeroom")]
    per_room = per_room[per_room.statistic == "mean"]
    assert list(per_room.value) == pytest.approx([25.0, 25.0])
    # what the planner reads names fields in words: new's sentences reach the notes
    page = (out / "report.html").read_text(encoding="utf-8")
    shown = re.sub(r"<(script|style)\b.*?</\1>|<[^>]*>", " ", page, flags=re.S)
    book = openpyxl.load_workbook(out / "budget.xlsx")
    cells = [str(c) for s in book if s.sheet_state == "visible" for r in s.values for c in r]
    assert {p for text in (shown, *cells) for p in FIELD_PATH.findall(text)} <= {"budget.xlsx"}
    explained = [str(c) for r in book["Read me"].values for c in r]
    assert not {w for text in (shown, *explained) for w in SNAKE.findall(text)} & FIELD_NAMES


def test_teams_follow_the_classrooms_of_each_grade() -> None:
    uneven = new_scenario(
        MySchool(enrollment=450, classrooms=[3, 3, 4, 3, 3, 2], name="Elm"), "mcl_teams"
    ).scenario
    assert homerooms(uneven) == [
        ("MCL team (grades K-1)", 6),
        ("MCL team (grade 2)", 4),
        ("MCL team (grade 3)", 3),
        ("MCL team (grades 4-5)", 5),
    ]
    big_grade = new_scenario(
        MySchool(enrollment=225, classrooms=[9], grades=["3"]), "mcl_teams"
    ).scenario
    assert homerooms(big_grade) == [("MCL team (grade 3)", 5), ("MCL team (grade 3)", 4)]
    wanted = new_scenario(MySchool(enrollment=600, classrooms=24, team_size=8), "mcl_teams")
    assert homerooms(wanted.scenario) == [  # the size asked for: two grades a team
        ("MCL team (grades K-1)", 8),
        ("MCL team (grades 2-3)", 8),
        ("MCL team (grades 4-5)", 8),
    ]
    pairs = new_scenario(MySchool(enrollment=450, classrooms=18), "subject_specialization")
    assert {size for _, size in homerooms(pairs.scenario)} == {3}  # a grade of 3: a trio


def test_a_school_of_240_classrooms_in_todays_staffing() -> None:
    made = new_scenario(MySchool(enrollment=6000, classrooms=240), "traditional")
    assert made.scenario.schools[0].classrooms == 240
    assert {size for _, size in homerooms(made.scenario)} == {20}  # two teams a grade
    assert "each of grades K-5: 2 teams of 20 homerooms" in made.chose[0]


def test_a_pilot_keeps_todays_staffing_in_the_other_grades() -> None:
    made = new_scenario(
        MySchool(enrollment=450, classrooms=18, pilot_grades=["3", "4", "5"]), "mcl_teams"
    )
    spec = made.scenario
    assert [name for name, _ in homerooms(spec)] == [
        "grade-level team (grade K)",
        "grade-level team (grade 1)",
        "grade-level team (grade 2)",
        "MCL team (grade 3)",
        "MCL team (grades 4-5)",
    ]
    assert spec.schools[0].classrooms == 18
    # today's teachers keep their coaches, cover and substitutes
    coached = {(p.coach, r) for p in spec.coaching for r in p.coachees}
    assert {("building_coach", "teacher"), ("principal", "teacher")} <= coached
    assert "teacher" in spec.coverage.needs_cover and "teacher" in spec.substitutes.fill_priority
    assert made.chose[-1].startswith("Grades K, 1, 2 keep today's staffing")
    result = simulate.run(spec, seed=0)
    reach = result.metrics.query("metric == 'reach.students_on_led_teams_share'")
    assert reach.value.iloc[0] == pytest.approx(9 / 18, abs=0.01)  # half the classrooms
    for path in figures(spec):
        assert note_for(spec, path) is not None, path


def test_the_buildings_of_a_district_each_adopt_their_way(tmp_path: Path) -> None:
    out, spec = make(
        tmp_path,
        "mcl_teams",
        "--name",
        "Maple",
        "--enrollment",
        "600",
        "--classrooms",
        "24",
        "--building",
        "Oak; 400; 16; none",
        "--building",
        "Birch; 500; 4,4,4,4,2,2; 3,4,5",
        "--district",
        "Springfield",
    )
    assert spec.name == "Springfield: Multi-classroom leadership teams"
    maple, oak, birch = spec.schools
    assert {t.members.get("mcl", 0) for t in maple.teams} == {1}  # all in MCL teams
    assert {r for t in oak.teams for r in t.members} == {"teacher"}  # today's staffing
    assert [t.name for t in birch.teams][-2:] == ["MCL team (grade 3)", "MCL team (grades 4-5)"]
    assert (maple.classrooms, oak.classrooms, birch.classrooms) == (24, 16, 20)
    # one pool and one funding formula for the district: both follow its size
    assert spec.substitutes.pool == round(7 * 60 / 24)
    assert spec.budget.funding[0].amount == 3 * 160000
    assert note_for(spec, "substitutes.pool").kind == "assumption"
    for path in figures(spec):
        assert note_for(spec, path) is not None, path
    base = simulate.load_scenario(bundled.path("traditional"))
    assert note_for(spec, "schools[1].need_tiers[1].group_size") == note_for(
        base, "schools[0].need_tiers[1].group_size"
    )  # a building's bundled figures keep their notes
    result = simulate.run(spec, seed=0)
    reach = result.metrics.query("metric == 'reach.students_on_led_teams_share'")
    led = 600 + 500 * 8 / 20  # Maple, and Birch's grades 3-5
    assert reach.value.iloc[0] == pytest.approx(led / 1500, abs=0.01)
    bad = CliRunner().invoke(main, ["new", *LINCOLN, "--building", "Oak; lots; 16"])
    assert bad.exit_code == 2 and "--building: 'Oak; lots; 16': not a count" in bad.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("arrangement", "school", "words"),
    [
        ("mcl_teams", {"classrooms": 1, "grades": ["3"], "enrollment": 25}, "2 classrooms"),
        ("mcl_within_budget", {"classrooms": 6}, "7 classrooms"),
        ("mcl_teams", {"pilot_grades": ["6"]}, "not a grade of the school"),
        ("lab_rotation", {"pilot_grades": ["3"]}, "its rotation runs in every classroom"),
        ("traditional", {"pilot_grades": ["3"]}, "today's staffing in every grade"),
        ("mcl_teams", {"classrooms": 4}, "fewer than the 6 grades"),
        ("mcl_teams", {"classrooms": [3, 3]}, "for 6 grades"),
    ],
)
def test_a_school_is_refused_only_when_no_shape_fits(
    arrangement: str, school: dict[str, object], words: str
) -> None:
    assert words in refused(arrangement, **school)


def test_the_refusal_names_what_a_team_holds_and_the_nearest_counts() -> None:
    text = refused("mcl_within_budget", classrooms=12, name="Elm")
    assert text.startswith("Elm as MCL teams within existing budgets: classrooms: gives ")
    assert "a team holds 5 to 8 homerooms and serves 2 more of today's" in text
    assert text.endswith(
        "(allowed: 10 classrooms or 14 classrooms; or keep some grades in today's staffing "
        "(pilot grades))"
    )


def test_my_districts_funding_replaces_the_bundled_lines(tmp_path: Path) -> None:
    out, spec = make(
        tmp_path,
        "mcl_teams",
        *LINCOLN,
        "--funding",
        "General fund=$4,350 per pupil; district budget office, FY2027 allocation",
        "--funding",
        "Title I=$1,227 per eligible pupil, 62% eligible",
        "--funding",
        "Base allotment=$150,000",
    )
    lines = spec.budget.funding
    assert [(f.name, f.kind) for f in lines] == [
        ("General fund", "recurring"),
        ("Title I", "recurring"),
        ("Base allotment", "recurring"),
        ("Start-up grant (years 1-3)", "grant"),  # the arrangement's grant stays
    ]
    assert (lines[0].per_pupil, lines[1].per_eligible_pupil, lines[1].eligible_share) == (
        4350,
        1227,
        0.62,
    )
    assert lines[2].amount == 150000
    assert spec.notes["budget.funding[0]"].source == "district budget office, FY2027 allocation"
    assert spec.notes["budget.funding[1]"].kind == "local"
    base = simulate.load_scenario(bundled.path("mcl_teams"))
    assert note_for(spec, "budget.funding[3].amount") == note_for(base, "budget.funding[3].amount")
    header = out.read_text(encoding="utf-8").split("\nname: ")[0]
    assert "Funding is the bundled district's" not in header
    assert "# Grants are the bundled arrangement's illustration" in header
    assert "#   budget.funding[3]: Start-up grant (years 1-3): $250,000 a year" in header


def test_the_header_says_which_funding_lines_are_still_the_bundled_districts(
    tmp_path: Path,
) -> None:
    out, spec = make(tmp_path, "traditional", *LINCOLN)
    header = out.read_text(encoding="utf-8").split("\nname: ")[0]
    assert "# Funding is the bundled district's, NOT yours" in header
    assert "(600 students in 24 classrooms)" in header
    assert "#   budget.funding[0]: General fund, school base allotment: $160,000 a year" in header
    assert (
        "#   budget.funding[1]: General fund, per-pupil staffing allocation: $4,200 per" in header
    )
    assert "$409 per eligible pupil, 50% eligible" in header
    for path in ("[0].amount", "[1].per_pupil", "[2].per_eligible_pupil", "[2].eligible_share"):
        note = note_for(spec, f"budget.funding{path}")  # each line's note says so too
        assert note is not None and "bundled district's" in note.text
    mine, spec = make(
        tmp_path, "traditional", *LINCOLN, "--set", "budget.funding.0.amount=90000", "--force"
    )
    header = mine.read_text(encoding="utf-8").split("\nname: ")[0]
    assert spec.budget.funding[0].amount == 90000
    assert "#   budget.funding.0.amount: 90000" in header  # set, so listed with the changes
    assert "#   budget.funding[0]:" not in header and "#   budget.funding[1]:" in header


def test_funding_per_pupil_scales_with_enrollment() -> None:
    lines = [
        FundingLine("General fund", per_pupil=Decimal(4350)),
        FundingLine("Base", amount=Decimal(150000)),
        FundingLine("Title I", per_eligible_pupil=Decimal(1227), eligible_share=0.62),
    ]
    revenue = {}
    for enrollment in (300, 600):
        school = MySchool(enrollment=enrollment, classrooms=12 * enrollment // 300, funding=lines)
        spec = new_scenario(school, "traditional").scenario
        revenue[enrollment] = project(spec).years[0].recurring_revenue
    per_pupil = Decimal(4350) + Decimal(1227) * Decimal("0.62")
    assert revenue[600] - revenue[300] == 300 * per_pupil
    assert revenue[300] == 150000 + 300 * per_pupil


def test_a_role_on_the_teacher_scale_follows_the_teacher_salary(tmp_path: Path) -> None:
    """The bundled instructional coach is paid the average teacher salary: a school's own
    teacher salary pays it too (it kept the national average), unless the planner gives the
    coach's salary; the principal, paid otherwise, keeps the arrangement's."""
    bundled_pay = simulate.load_scenario(SCENARIOS / "traditional.yaml").roles
    assert bundled_pay["building_coach"].salary == bundled_pay["teacher"].salary

    def at_60000(folder: str, *options: str) -> simulate.Scenario:
        """Lincoln today with a $60,000 teacher salary and `options`."""
        (tmp_path / folder).mkdir()
        return make(
            tmp_path / folder, "traditional", *LINCOLN, "--teacher-salary", "$60,000", *options
        )[1]

    spec = at_60000("sourced", "--source", "roles.teacher.salary=district HR, 2026-27")
    assert spec.roles["teacher"].salary == spec.roles["building_coach"].salary == 60000
    assert spec.roles["principal"].salary == bundled_pay["principal"].salary
    # the coach's note says whose figure it is: the teacher salary, with its source
    coach = spec.notes["roles.building_coach.salary"]
    assert coach.kind == "local" and coach.source == "district HR, 2026-27"
    assert coach.text.startswith("The teacher salary given to simulate new")
    named = at_60000("named", "--salary", "building_coach=$81,000")
    assert named.roles["building_coach"].salary == 81000 and named.roles["teacher"].salary == 60000
    assert named.notes["roles.building_coach.salary"].text == GIVEN  # the planner's own figure
    own = at_60000("own", "--source", "roles.building_coach.salary=coach contract, 2026")
    assert own.notes["roles.building_coach.salary"].source == "coach contract, 2026"


def test_pay_as_typed_and_the_districts_salary_schedule(tmp_path: Path) -> None:
    schedule = tmp_path / "schedule.csv"
    schedule.write_text(
        'step,lane,salary,staff\n1,BA,"$46,000",6\n5,BA,"$52,000",10\n10,MA,"$64,000",8\n',
        encoding="utf-8",
    )
    _, spec = make(
        tmp_path,
        "mcl_teams",
        *LINCOLN,
        "--salary-schedule",
        str(schedule),
        "--salary",
        "principal=$105,000",
        "--substitute-rate",
        "$160",
        "--set",
        "roles.building_coach.supplement=$3,500",
        "--source",
        "roles.principal.salary=district HR, 2026-27 salary schedule",
        "--source",
        "roles.teacher.salary_schedule=district HR, 2026-27 salary schedule",
    )
    average = (6 * 46000 + 10 * 52000 + 8 * 64000) / Decimal(24)
    for role in ("mcl", "team_teacher", "teacher"):
        assert spec.roles[role].salary == 0 and len(spec.roles[role].salary_schedule) == 3
        assert salary(spec.roles[role]) == average.quantize(Decimal("0.01"))
    assert spec.roles["principal"].salary == 105000
    # the coach the arrangement pays the teachers' salary is paid the schedule's average
    coach = spec.roles["building_coach"]
    assert coach.salary == average.quantize(Decimal("0.01")) and not coach.salary_schedule
    note = spec.notes["roles.building_coach.salary"]
    assert note.text.startswith("The staff-weighted average of the salary schedule given")
    assert note.source == "district HR, 2026-27 salary schedule"  # the schedule's
    # and the board and the report's tables say what the budget pays, not the salary field's 0
    assert written("roles.team_teacher.salary", 0, spec) == "the salary schedule's average"
    assert board_pay(spec, "team_teacher") == "$54,500 + $1,500"
    assert board_pay(spec, "building_coach") == "$54,500 + $3,500"
    assert spec.substitutes.daily_rate == 160
    assert spec.roles["building_coach"].supplement == 3500
    assert spec.notes["roles.principal.salary"].source == "district HR, 2026-27 salary schedule"
    items = simulate.run(spec, seed=0).budget
    line = items[items["item"] == "Team teacher salaries"].iloc[0]
    assert Decimal(str(line["unit_cost"])) == average.quantize(Decimal("0.01"))


@pytest.mark.slow
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
        (["--teacher-salary", "lots"], "--teacher-salary: 'lots' is not an amount of money"),
        (["--teacher-salary", "58,00"], "--teacher-salary: '58,00' is not an amount of money"),
        (["--salary", "principl=$1"], "salary: names role 'principl'"),
        (["--funding", "General fund"], "--funding: 'General fund' is not a funding line"),
        (["--funding", "Title I=$1 per eligible pupil"], "needs the share eligible"),
        (["--classrooms", "3,x"], "--classrooms: '3,x' is not a count"),
        (["--source", "roles.principal.salry=HR"], "did you mean 'salary'"),
    ],
)
def test_bad_figures_name_the_field(options: list[str], expected: str) -> None:
    result = CliRunner().invoke(main, ["new", *LINCOLN, *options])
    assert result.exit_code == 2, result.output
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and "<input>" not in result.stderr  # no file


def test_unknown_arrangement_suggests_the_closest() -> None:
    with pytest.raises(InputError, match="did you mean 'mcl_teams'"):
        new_scenario(MySchool(enrollment=600, classrooms=24), "mcl_teamz")
    with pytest.raises(InputError, match="more than one school"):
        new_scenario(MySchool(enrollment=600, classrooms=24), "district")


def test_set_changes_any_field_and_existing_files_are_kept(tmp_path: Path) -> None:
    out, spec = make(tmp_path, "traditional", *LINCOLN, "--set", "roles.principal.salary=99000")
    assert spec.roles["principal"].salary == 99000
    assert spec.notes["roles.principal.salary"].kind == "local"
    again = CliRunner().invoke(main, ["new", *LINCOLN, "--out", str(out)])
    assert again.exit_code == 2 and "file exists" in again.stderr
    assert CliRunner().invoke(main, ["new", *LINCOLN, "--out", str(out), "--force"]).exit_code == 0


def test_without_out_the_yaml_goes_to_stdout_and_user_text_stays_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = 'O\'Brien: K-5 #1 & "more" {x: [y]}'
    result = CliRunner().invoke(
        main, ["new", "--name", name, "--enrollment", "150", "--classrooms", "6"]
    )
    assert result.exit_code == 0
    assert result.stderr.startswith("6 of today's classrooms (K: 1, 1: 1, 2: 1")  # what it chose
    file = tmp_path / "x.yaml"
    file.write_text(result.stdout, encoding="utf-8")
    assert simulate.load_scenario(file).schools[0].name == name
    here = tmp_path / "here"  # `--out -` is stdout too: no file named '-' appears
    here.mkdir()
    monkeypatch.chdir(here)
    dash = CliRunner().invoke(
        main, ["new", "--name", name, "--enrollment", "150", "--classrooms", "6", "--out", "-"]
    )
    assert dash.exit_code == 0 and dash.stdout == result.stdout
    assert list(here.iterdir()) == []


# Schools of 150 to 1,500 students in 6 to 60 classrooms, odd counts and uneven grades: every
# bundled arrangement makes a valid scenario of each, and a year of it runs.
FAST = [(150, 6), (450, [3, 3, 4, 3, 3, 2])]
WIDE = [
    (150, 7),
    (275, 11),
    (325, 13),
    (450, 18),
    (500, [4, 4, 3, 3, 3, 3]),
    (550, 22),
    (725, 29),
    (900, [7, 6, 6, 6, 6, 5]),
    (1000, 40),
    (1175, 47),
    (1250, [10, 9, 9, 8, 8, 6]),
    (1500, 60),
]


def _runs(arrangement: str, enrollment: int, classrooms: int | list[int]) -> None:
    school = MySchool(enrollment=enrollment, classrooms=classrooms, name="Grid")
    today = classrooms if isinstance(classrooms, int) else sum(classrooms)
    if arrangement == "mcl_within_budget" and not any(
        7 * k <= today <= 10 * k for k in range(1, today + 1)
    ):  # no sum of teams that serve 7 to 10 of today's classrooms: refused, saying why
        with pytest.raises(InputError, match="no team shape fits: a team holds 5 to 8"):
            new_scenario(school, arrangement)
        return
    made = new_scenario(school, arrangement)
    spec = made.scenario
    assert sum(t.count * t.classrooms for t in spec.schools[0].teams) == spec.schools[0].classrooms
    served = spec.schools[0].classrooms + (
        2 * sum(t.count for t in spec.schools[0].teams) if arrangement == "mcl_within_budget" else 0
    )
    assert served == today
    assert all(note_for(spec, path) is not None for path in figures(spec))
    result = simulate.run(spec, seed=1)
    assert result.summary()["enrollment"] == enrollment


@pytest.mark.slow
@pytest.mark.parametrize("arrangement", ARRANGEMENTS)
@pytest.mark.parametrize(("enrollment", "classrooms"), FAST)
def test_every_arrangement_fits_small_and_uneven_schools(
    arrangement: str, enrollment: int, classrooms: int | list[int]
) -> None:
    _runs(arrangement, enrollment, classrooms)


@pytest.mark.slow
@pytest.mark.parametrize("arrangement", ARRANGEMENTS)
@pytest.mark.parametrize(("enrollment", "classrooms"), WIDE)
def test_every_arrangement_fits_schools_of_150_to_1500_students(
    arrangement: str, enrollment: int, classrooms: int | list[int]
) -> None:
    _runs(arrangement, enrollment, classrooms)


def test_a_schedule_line_without_its_staff_is_refused_not_read_as_a_tiny_salary() -> None:
    """`1, BA, $46,000` (the staff left out) was read as a salary of $46 paid to 0 staff."""
    from simulate.schema.typed import salary_schedule

    assert salary_schedule("1, BA, $46,000, 6", "--salary-schedule") == [
        {"step": 1, "lane": "BA", "salary": 46000, "staff": 6.0}
    ]
    for line in ("1, BA, $46,000", "1, BA, 46,000"):
        with pytest.raises(InputError, match="line 1: has 3 values, not 4"):
            salary_schedule(line, "--salary-schedule")
