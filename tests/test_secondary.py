"""Middle and high schools: the period day (engine.timetable), friction by period
(engine.modules.period_coverage, engine.sections) and the secondary measures, checked against
counts made independently, limiting cases with known answers, and the command line."""

from __future__ import annotations

import copy
import html
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from conftest import BUNDLED, SCENARIOS, build, data, frictionless, short
from plotly.offline import get_plotlyjs

import simulate
from simulate.cli import main
from simulate.engine.core import Engine
from simulate.engine.modules.availability import PRESENT, Availability
from simulate.engine.modules.coverage import BY_PERIODS, UNCOVERED, Coverage
from simulate.engine.modules.instruction import Instruction
from simulate.engine.modules.period_coverage import PeriodCoverage
from simulate.engine.modules.small_groups import SmallGroups
from simulate.engine.roster import Roster
from simulate.engine.timesheet import ACTIVITY
from simulate.engine.timetable import NONE, Member, check
from simulate.measures.catalogue import Measure
from simulate.measures.compute import compute
from simulate.output import prepare_out
from simulate.outputs import save_comparison
from simulate.report.sections import periods
from simulate.schema.loading import load_scenario
from simulate.study.compare import compare

SECONDARY = [p for p in BUNDLED if p.stem.startswith(("middle_", "high_"))]
MIDDLE = "middle_departmentalized"


def members(school: Roster) -> tuple[list[Member], list[str]]:
    people = [
        Member(a.index, a.team, dict(a.role.periods), a.role.is_teacher) for a in school.adults
    ]
    names = [t.name for t in school.spec.teams for _ in range(t.count)]
    return people, names


def block_4x4(d: dict[str, Any]) -> dict[str, Any]:
    """The high school on a 4x4 block: four 90-minute periods, each course for one term,
    teachers teaching 3 of 4 (a term's load of 6 of 8 over the year)."""
    d = copy.deepcopy(d)
    d["roles"]["teacher"]["periods"] = {"instruction": 3, "planning": 1}
    day = d["schools"][0]["periods"]
    day.update(periods_per_day=4, period_minutes=90, terms=2)
    day.pop("class_absence_rates", None)
    return d


def test_the_bundled_secondary_schools_are_all_there() -> None:
    names = {p.stem for p in SECONDARY}
    for level in ("middle", "high"):
        for arrangement in ("departmentalized", "mcl_teams", "team_blocks", "tutoring"):
            assert f"{level}_{arrangement}" in names


# ---- the timetable ----------------------------------------------------------------------------
@pytest.mark.parametrize("path", SECONDARY, ids=lambda p: p.stem)
def test_every_bundled_timetable_keeps_its_guarantees(path: Path) -> None:
    for seed in (0, 5):
        school = Engine(load_scenario(path), seed).schools[0]
        table = school.timetable
        assert table is not None
        assert check(table, *members(school)) == []
        # every request found a class: the bundled teams are sized to their sections
        assert table.unscheduled == 0 and table.requests == int((table.seat != NONE).sum())
        assert (
            table.size() <= np.array([table.day.courses[k].class_size_cap for k in table.course])
        ).all()


def test_each_student_takes_every_course_of_its_grade_and_tier_once() -> None:
    school = Engine(load_scenario(SCENARIOS / "middle_tutoring.yaml"), 3).schools[0]
    table = school.timetable
    assert table is not None
    spec = school.spec
    per_grade = spec.classrooms // len(spec.grades)
    tiers = [t.name for t in spec.need_tiers]
    for student in range(0, school.students.count, 37):
        grade = spec.grades[int(school.students.classroom[student]) // per_grade]
        tier = tiers[school.students.tier[student]]
        wanted = sorted(
            c.name
            for c in table.day.courses
            if (not c.grades or grade in c.grades) and (not c.tiers or tier in c.tiers)
        )
        row = table.seat[student]
        got = sorted(table.day.courses[table.course[s]].name for s in row[row != NONE])
        assert got == wanted


def test_the_check_finds_what_a_broken_timetable_breaks() -> None:
    school = Engine(load_scenario(SCENARIOS / f"{MIDDLE}.yaml"), 0).schools[0]
    table = school.timetable
    assert table is not None
    people, names = members(school)
    broken = copy.deepcopy(table)
    broken.students[0] = np.r_[broken.students[0], broken.students[1]]  # over its cap, twice seated
    found = check(broken, people, names)
    assert any("cap" in p for p in found) and any("seated elsewhere" in p for p in found)
    broken = copy.deepcopy(table)
    s = int(np.flatnonzero(broken.slot != broken.slot[0])[0])
    broken.adult[s] = broken.adult[0]  # a teacher in two places
    assert check(broken, people, names)
    broken = copy.deepcopy(table)
    broken.unscheduled += 1
    assert any("requests" in p for p in check(broken, people, names))


def test_team_blocks_keep_a_cohort_with_its_own_teachers() -> None:
    """Each block's four teachers teach its cohort and no one else's, and between them every
    student of it (Next Education Workforce's profiles: 85 to 150 students a team)."""
    school = Engine(load_scenario(SCENARIOS / "middle_team_blocks.yaml"), 0).schools[0]
    table = school.timetable
    assert table is not None
    blocks = [a for a in school.adults if a.role_name == "block_teacher"]
    taught: dict[int, set[int]] = {}
    for adult in blocks:
        mine = table.taught_by(adult.index)
        students = {int(s) for k in mine.tolist() for s in table.students[k]}
        cohort = {int(school.students.team[s]) for s in students}
        assert cohort == {adult.team}  # a block teacher teaches its team's cohort only
        taught.setdefault(adult.team, set()).update(students)
    assert len(taught) == 9
    for block, students in taught.items():
        assert students == set(np.flatnonzero(school.students.team == block).tolist())
        assert 90 <= len(students) <= 95  # 840 students in nine blocks


def test_a_4x4_block_runs_each_course_for_one_term() -> None:
    scenario = build(block_4x4(data("high_departmentalized")))
    engine = Engine(scenario, 1).run()
    school = engine.schools[0]
    table = school.timetable
    assert table is not None and table.slots == 8
    assert check(table, *members(school)) == []
    assert table.unscheduled == 0
    # a student's seven courses over eight slots: each in one term, none twice
    assert ((table.seat != NONE).sum(axis=1) == 7).all()
    # a teacher plans 3 x 90 minutes of classes a day in each term
    sheet = engine.timesheets[0]
    teachers = [a.index for a in school.adults if a.role_name == "teacher"]
    taught = sheet.plan[:, teachers, ACTIVITY["instruction"]]
    assert set(np.unique(taught).tolist()) <= {0.0, 90.0, 180.0, 270.0}
    assert (taught == 270.0).mean() > 0.9


# ---- the ledger, period by period ------------------------------------------------------------
@pytest.mark.parametrize("name", ["middle_departmentalized", "middle_mcl_teams", "high_tutoring"])
def test_planned_is_delivered_plus_lost_period_by_period(name: str) -> None:
    engine = Engine(load_scenario(SCENARIOS / f"{name}.yaml"), 4).run()
    school = engine.schools[0]
    table = school.timetable
    assert table is not None
    days = engine.days
    weeks = int(days.week.max()) + 1
    term = table.terms_of(days.week, weeks)
    per = table.day.periods_per_day
    met = engine.module(Instruction).results().sections[0]
    assert met is not None
    planned, delivered, covered, uncovered, unused, friction = met.by_period.T
    assert np.allclose(planned, delivered + covered + uncovered + unused + friction)
    # planned, counted independently: each class section (and each supported one) meets in its
    # period on every school day of its term for the period's length (no ramps here)
    expect = np.zeros(per)
    classes = ~table.tutoring() & (table.adult != NONE)
    for s in np.flatnonzero(classes).tolist():
        n = int((days.instructional & (term == table.slot[s] // per)).sum())
        helpers = 1 + (table.support[s] != NONE)
        expect[table.slot[s] % per] += n * table.day.period_minutes * helpers
    assert np.allclose(planned, expect)
    # and the periods add up to the ledger's instruction, by outcome
    ledger = engine.ledger()
    assert np.isclose(planned.sum(), ledger.total("instruction"))
    assert np.isclose(uncovered.sum(), ledger.total("instruction", "lost", detail="uncovered"))
    assert np.isclose((delivered + covered).sum(), ledger.total("instruction", "delivered"))


def test_every_class_of_an_absent_teacher_is_taken_by_someone_or_lost() -> None:
    engine = Engine(load_scenario(SCENARIOS / f"{MIDDLE}.yaml"), 2).run()
    school = engine.schools[0]
    table = school.timetable
    by = engine.module(PeriodCoverage).results().by[0]
    cover = engine.module(Coverage).cover[0]
    status = engine.module(Availability).status[0]
    assert table is not None and by is not None
    open_ = np.flatnonzero(engine.days.instructional & ~engine.days.closed)
    weeks = int(engine.days.week.max()) + 1
    term = table.terms_of(engine.days.week[open_], weeks)
    per = table.day.periods_per_day
    for s in np.flatnonzero(table.adult != NONE).tolist():
        a = int(table.adult[s])
        on = open_[term == table.slot[s] // per]
        away = on[status[on, a] != PRESENT]
        periods = away[cover[away, a] == BY_PERIODS]
        # handed over period by period: a colleague free then, or nobody
        for day in periods.tolist():
            who = int(by[day, s])
            assert who == UNCOVERED or (
                who != a
                and status[day, who] == PRESENT
                and (
                    not school.adults[who].role.periods
                    or table.duty[who, table.slot[s]] == ACTIVITY["planning"]
                )
            )
        # and nobody covers a class whose teacher is in
        assert (by[on[status[on, a] == PRESENT], s] < 0).all()


# ---- limiting cases --------------------------------------------------------------------------
def test_no_absences_means_no_covered_periods_and_no_lost_class() -> None:
    scenario = build(frictionless(data(MIDDLE)))
    engine = Engine(scenario, 0).run()
    out = compute(engine)
    periods = engine.module(PeriodCoverage).results()
    assert periods.asked == 0 and all(c.sum() == 0 for c in periods.covered)
    assert out[("secondary.teacher_away_periods", "all", "count")] == 0
    assert out[("secondary.covered_periods_per_teacher", "all", "max")] == 0
    assert out[("secondary.class_minutes_lost_share", "all", "value")] == 0
    assert out[("secondary.class_absence_share", "all", "value")] == 0
    assert engine.ledger().total("instruction", "lost") == 0
    assert engine.ledger().total("planning", "lost") == 0


def test_with_no_cover_periods_colleagues_never_cover() -> None:
    """A cap of 0 covered periods a week: every period no substitute took goes to the roles
    without periods (the coach, the principal) or is lost; with them gone from the cascade,
    every such period is lost, minute for minute."""
    d = data(MIDDLE)
    d["schools"][0]["periods"]["cover_periods_per_week"] = 0
    d["calendar"]["drills"] = {"days": 0}
    engine = Engine(build(d), 3).run()
    periods = engine.module(PeriodCoverage).results()
    teachers = [a.index for a in engine.schools[0].adults if a.role.periods]
    assert periods.covered[0][teachers].sum() == 0
    by = periods.by[0]
    assert by is not None
    taken = by[by >= 0]
    assert periods.asked == taken.size + int((by == UNCOVERED).sum()) > 0
    d["coverage"]["cascade"] = ["teacher"]
    engine = Engine(build(d), 3).run()
    periods = engine.module(PeriodCoverage).results()
    assert periods.uncovered == periods.asked > 0
    minutes = engine.schools[0].spec.periods.period_minutes  # type: ignore[union-attr]
    lost = engine.ledger().total("instruction", "lost", detail="uncovered")
    closed_share = 0.0  # a class lost to a closure is never asked for
    assert lost == pytest.approx(periods.asked * minutes * (1 - closed_share))


def test_no_substitutes_sends_every_absence_period_by_period() -> None:
    d = data(MIDDLE)
    d["substitutes"]["pool"] = 0
    d["coverage"]["vacancy_cover"] = "cascade"
    engine = Engine(build(d), 1).run()
    cover = engine.module(Coverage).results()
    assert cover.substitute_days == 0 and cover.long_term_substitute_days == 0
    out = compute(engine)
    away = out[("secondary.teacher_away_periods", "all", "count")]
    assert engine.module(PeriodCoverage).results().asked == away > 0


def test_the_weekly_cap_holds_and_the_load_is_spread_evenly() -> None:
    d = data(MIDDLE)
    engine = Engine(build(d), 6).run()
    school = engine.schools[0]
    by = engine.module(PeriodCoverage).results().by[0]
    assert by is not None
    cap = d["schools"][0]["periods"]["cover_periods_per_week"]
    week = engine.days.week
    for w in np.unique(week):
        covers = by[week == w]
        counts = np.bincount(covers[covers >= 0], minlength=len(school.adults))
        assert counts.max() <= cap
    covered = engine.module(PeriodCoverage).results().covered[0]
    # every teacher, even one away for weeks, within two periods of the others: whoever has
    # covered least goes first (drawn at random, about 14 each would spread over +-4 or more)
    teachers = [a.index for a in school.adults if a.role_name == "teacher"]
    assert len(teachers) > 10 and covered[teachers].min() > 0
    assert covered[teachers].max() - covered[teachers].min() <= 2


def test_a_covered_period_costs_the_colleague_its_planning_period() -> None:
    engine = Engine(load_scenario(SCENARIOS / f"{MIDDLE}.yaml"), 2).run()
    periods = engine.module(PeriodCoverage).results()
    school = engine.schools[0]
    by_colleagues = sum(int(periods.covered[0][a.index]) for a in school.adults if a.role.periods)
    taken = engine.timesheets[0].taken["coverage"][:, ACTIVITY["planning"]].sum()
    assert by_colleagues > 0
    assert taken == by_colleagues * 50
    out = compute(engine)
    away = out[("secondary.teacher_away_periods", "all", "count")]
    assert out[("secondary.away_period_cost", "all", "planning")] == pytest.approx(taken / away)


def test_tutoring_as_a_period_gives_five_sessions_a_week_without_friction() -> None:
    d = frictionless(data("high_tutoring"))
    engine = Engine(build(d), 0).run()
    out = compute(engine)
    assert out[("secondary.tutoring_sessions_per_student_week", "all", "mean")] == 5
    assert out[("secondary.tutoring_sessions_per_student_week", "all", "p10")] == 5
    grouped = engine.module(SmallGroups).results()
    table = engine.schools[0].timetable
    assert table is not None
    tutored = np.unique(
        np.concatenate([table.students[s] for s in np.flatnonzero(table.tutoring()).tolist()])
    )
    weeks = engine.days.weeks
    assert np.allclose(grouped.minutes[0][tutored] / weeks, 250)  # Saga: 50 minutes x 5
    by_size = grouped.by_leader[0].sum(axis=1)  # students x sizes
    assert (by_size[tutored][:, 1] > 0).mean() > 0.8  # mostly in pairs
    # every tutoring minute is credited to the adult who led it, by the session's size
    assert np.allclose(by_size[tutored].sum(axis=1), grouped.minutes[0][tutored])
    # the tutoring period is small-group time: planned = delivered + lost to the minute
    ledger = engine.ledger()
    assert ledger.total("small_group") == ledger.total("small_group", "delivered") + ledger.total(
        "small_group", "lost"
    )


def test_part_day_absence_misses_each_period_at_its_rate() -> None:
    d = frictionless(data("high_departmentalized"))
    rates = [0.07, 0.05, 0.04, 0.04, 0.05, 0.06, 0.07]
    d["schools"][0]["periods"]["class_absence_rates"] = rates
    out = compute(Engine(build(d), 8).run())
    for p, rate in enumerate(rates):
        got = out[("secondary.class_absence_share", f"period={p + 1}", "value")]
        assert abs(got - rate) < 0.004  # 1,200 students x 180 days a period
    # on top of full-day absence, the two add (independently)
    d["schools"][0]["attendance"] = {"chronic_share": 0.28, "severe_share": 0.082}
    engine = Engine(build(d), 8).run()
    days = engine.days.instructional & ~engine.days.closed
    away = float(engine.schools[0].students.absent[days].mean())  # whole days missed
    assert away > 0.05
    first = compute(engine)[("secondary.class_absence_share", "period=1", "value")]
    assert abs(first - (away + 0.07 - away * 0.07)) < 0.01


# ---- determinism and common random numbers ----------------------------------------------------
def test_same_seed_same_year_and_the_arrangements_share_their_students() -> None:
    scenario = load_scenario(SCENARIOS / "middle_tutoring.yaml")
    a = json.dumps(simulate.run(scenario, seed=7, replications=2).summary(), sort_keys=True)
    b = json.dumps(simulate.run(scenario, seed=7, replications=2).summary(), sort_keys=True)
    assert a == b
    ones = [Engine(load_scenario(p), 9) for p in SECONDARY if p.stem.startswith("middle_")]
    for other in ones[1:]:
        np.testing.assert_array_equal(
            ones[0].schools[0].students.tier, other.schools[0].students.tier
        )
        np.testing.assert_array_equal(
            ones[0].schools[0].students.absent, other.schools[0].students.absent
        )


# ---- measures --------------------------------------------------------------------------------
def test_class_size_and_students_per_teacher_follow_the_sections() -> None:
    engine = Engine(load_scenario(SCENARIOS / f"{MIDDLE}.yaml"), 0).run()
    out = compute(engine)
    table = engine.schools[0].timetable
    assert table is not None
    # 280 a grade in sections of at most 22: 13 sections of 21-22
    assert out[("secondary.class_size", "course=Math 7", "mean")] == pytest.approx(280 / 13)
    assert out[("secondary.class_size", "level=middle", "max")] == 22
    taught = out[("secondary.sections_per_teacher", "all", "mean")]
    assert taught == pytest.approx(273 / 56)
    per_day = out[("secondary.students_per_teacher_day", "all", "mean")]
    # distinct students: 840 in 7 classes over 56 teachers, less those a teacher meets twice
    # (an elective teacher may teach a student both electives)
    distinct = [
        len({int(s) for k in table.taught_by(a.index).tolist() for s in table.students[k]})
        for a in engine.schools[0].adults
        if a.role.is_teacher
    ]
    assert len(distinct) == 56 and per_day == pytest.approx(np.mean(distinct))
    assert 100 < per_day <= 840 * 7 / 56
    assert out[("class_size.students_per_teacher", "all", "value")] == 15
    assert ("class_size.students_per_homeroom", "all", "mean") not in out  # no homerooms


def test_an_understaffed_team_leaves_requests_unscheduled_and_says_so() -> None:
    d = data(MIDDLE)
    d["schools"][0]["teams"][1]["members"] = {"teacher": 7}  # Math: 35 periods for 39 sections
    scenario = build(d)
    from simulate.schema.plausibility import warnings

    assert any("Math" in w.message and "39" in w.message for w in warnings(scenario))
    out = compute(Engine(scenario, 0).run())
    share = out[("secondary.unscheduled_share", "all", "value")]
    assert share == pytest.approx(4 * 21.54 / 5880, rel=0.1)  # four sections' students


# ---- the command line ------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("level", ["middle", "high"])
def test_run_and_compare_a_bundled_secondary_school_end_to_end(tmp_path: Path, level: str) -> None:
    runner = CliRunner()
    today = short(tmp_path, f"{level}_departmentalized", "Today", 30)
    tutoring = short(tmp_path, f"{level}_tutoring", "Tutoring", 30)
    out = tmp_path / "run"
    result = runner.invoke(main, ["run", str(today), "--out", str(out), "--seed", "2"])
    assert result.exit_code == 0, result.output
    metrics = (out / "metrics.csv").read_text(encoding="utf-8")
    assert "secondary.class_size" in metrics and "secondary.covered_periods_per_teacher" in metrics
    compared = tmp_path / "compare"
    result = runner.invoke(
        main,
        ["compare", str(today), str(tutoring), "--out", str(compared), "--replications", "2"],
    )
    assert result.exit_code == 0, result.output
    report = (compared / "report.html").read_text(encoding="utf-8")
    assert "Students per class (period day)" in report
    assert "Tutoring sessions per tutored student per week" in report
    summary = (compared / "summary.csv").read_text(encoding="utf-8")
    assert "secondary.tutoring_sessions_per_student_week" in summary


def test_compare_refuses_an_elementary_school_against_a_secondary_one(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "compare",
            str(SCENARIOS / "traditional.yaml"),
            str(SCENARIOS / f"{MIDDLE}.yaml"),
            "--out",
            str(tmp_path / "x"),
        ],
    )
    assert result.exit_code == 2
    assert "schools[0].periods" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists()
    # nor a middle school against a high school of the same size
    d = data("high_departmentalized")
    d["schools"][0]["periods"]["level"] = "middle"
    d["name"] = "Other"
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(d), encoding="utf-8")
    result = runner.invoke(
        main,
        [
            "compare",
            str(SCENARIOS / "high_departmentalized.yaml"),
            str(other),
            "--out",
            str(tmp_path / "y"),
        ],
    )
    assert result.exit_code == 2 and "schools[0].periods.level" in result.output


def test_the_report_shows_a_period_day_in_words_with_units_and_escapes_names(
    tmp_path: Path,
) -> None:
    """The section appears for a secondary comparison (in the table of contents too), every
    row says what it counts and in what unit, course names come from the scenario and are
    escaped like the scenario's name, and the figures are summary.csv's."""
    evil = "<img src=x onerror=alert(1)>"
    d = data("middle_tutoring")
    d["calendar"] = {**d["calendar"], "school_days": 30, "testing_windows": []}
    today = copy.deepcopy(d) | {"name": "Today"}
    d["name"] = f"Tutoring {evil}"
    (elective,) = (c for c in d["schools"][0]["periods"]["courses"] if c["name"] == "Elective B")
    elective["name"] = f"Elective {evil}"
    comparison = compare([build(today), build(d)], seed=1, replications=1)
    out = prepare_out(tmp_path / "out")
    save_comparison(comparison, out)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<a href="#periods">' in page and '<section id="periods">' in page
    section = page[page.index('<section id="periods">') :]
    section = section[: section.index("</section>")]
    assert "<img" not in page.replace(get_plotlyjs(), "")
    assert f"Students per class (period day): Elective {html.escape(evil)}" in section
    labels = re.findall(r'<th scope="row">([^<]*)', section)
    units = {html.escape(e.unit) for e in vars(periods).values() if isinstance(e, Measure)}
    assert labels and all(label.endswith(tuple(f"({u})" for u in units)) for label in labels)
    for wanted in (
        "Students a teacher teaches each day, mean (students per teacher per day)",
        "Periods a teacher covered for colleagues, largest (class periods per teacher a year)",
        "Class periods whose teacher was away (class periods a year)",
        "Classes students missed: Period 3 (share of students&#x27; class periods)",
    ):
        assert wanted in labels
    summary = pd.read_csv(out / "summary.csv")
    cell = re.search(
        r'data-scenario="Today" data-metric="secondary.class_size" data-group="all" '
        r'data-statistic="mean" data-value="([^"]+)"',
        section,
    )
    assert cell is not None
    csv = summary[
        (summary.scenario == "Today")
        & (summary.metric == "secondary.class_size")
        & (summary.group == "all")
        & (summary.statistic == "mean")
    ]
    assert float(cell.group(1)) == pytest.approx(float(csv["value"].iloc[0]))


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (
            lambda d: d["schools"][0]["periods"]["courses"][0].update(team="Maths"),
            "courses[0].team",
            "Math",
        ),
        (
            lambda d: d["coverage"]["cascade"].append("split"),
            "coverage.cascade",
            "period by period",
        ),
        (
            lambda d: d["roles"]["teacher"]["periods"].update(planning=3),
            "roles.teacher.periods",
            "8 periods",
        ),
        (lambda d: d["schools"][0].update(classrooms=4), "schools[0].classrooms", "grades"),
        (
            lambda d: d["schools"][0]["periods"]["courses"].append(
                {"name": "Extra", "team": "Math", "class_size_cap": 22}
            ),
            "periods.courses",
            "8 courses",
        ),
    ],
)
def test_bad_secondary_input_is_refused_naming_the_field(
    tmp_path: Path, change: Any, path: str, words: str
) -> None:
    d = data(MIDDLE)
    change(d)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(d), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2
    assert path in result.output and words in result.output
    assert "Traceback" not in result.output


# the README's figures for middle schools, as written there: (scenario, metric, statistic, text)
README_FIGURES = [
    (
        "Middle school, departmentalized",
        "secondary.class_size",
        "mean",
        "{:.1f} students per class",
    ),
    (
        "Middle school, departmentalized",
        "secondary.students_per_teacher_day",
        "mean",
        "{:.0f} students a teacher",
    ),
    (
        "Middle school, team blocks",
        "secondary.students_per_teacher_day",
        "mean",
        "({:.0f} in team blocks)",
    ),
    (
        "Middle school, departmentalized",
        "secondary.covered_periods_per_teacher",
        "mean",
        "about {:.0f} class periods",
    ),
    (
        "Middle school, team blocks",
        "secondary.covered_periods_per_teacher",
        "mean",
        "({:.0f}\nin team blocks",
    ),
    (
        "Middle school, team blocks",
        "secondary.covered_periods_per_teacher",
        "max",
        "covers {:.0f})",
    ),
    (
        "Middle school, departmentalized",
        "coaching.observations_per_teacher_week",
        "realized",
        "{:.2f} observations",
    ),
    (
        "Middle school, MCL teams with MCL sections",
        "coaching.observations_per_teacher_week",
        "realized",
        "({:.2f} in MCL teams)",
    ),
    (
        "Middle school, tutoring as a period",
        "secondary.tutoring_sessions_per_student_week",
        "mean",
        "{:.1f} tutoring sessions",
    ),
]


@pytest.mark.slow
def test_the_readme_figures_for_middle_schools_come_from_its_command(tmp_path: Path) -> None:
    text = (SCENARIOS.parent / "README.md").read_text(encoding="utf-8")
    part = text[text.index("### Middle and high schools") :]
    part = part[: part.index("\n### ", 1)]
    block = part[part.index("```\n") + 4 :]
    command = block[: block.index("```")].replace("\\\n", " ")
    args = command.split()
    assert args[0] == ".venv/bin/simulate" and args[1] == "compare"  # as a new user copies it
    args[args.index("--out") + 1] = str(tmp_path / "out")
    args = [str(SCENARIOS.parent / a) if a.endswith(".yaml") else a for a in args[1:]]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    for scenario, metric, statistic, words in README_FIGURES:
        found = summary[
            (summary.scenario == scenario)
            & (summary.metric == metric)
            & (summary.group == "all")
            & (summary.statistic == statistic)
        ]
        assert len(found) == 1, (scenario, metric)
        written = words.format(float(found["value"].iloc[0]))
        assert " ".join(written.split()) in " ".join(part.split()), written


@pytest.mark.slow
def test_a_sweep_runs_over_a_middle_schools_weekly_cover_cap(tmp_path: Path) -> None:
    """Sweeps take period-day fields like any other: with no period a week given up to cover,
    no colleague covers (the cascade falls to the coach, whose observations fall with it);
    with three, colleagues do."""
    spec = tmp_path / "cap.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "name": "Cover cap",
                "scenario": str(SCENARIOS / "middle_departmentalized.yaml"),
                "design": "grid",
                "replications": 1,
                "seed": 1,
                "parameters": {"schools[0].periods.cover_periods_per_week": [0, 3]},
                "metrics": [
                    "secondary.covered_periods_per_teacher.mean",
                    "coaching.observations_per_teacher_week.realized",
                ],
            }
        ),
        encoding="utf-8",
    )
    done = CliRunner().invoke(main, ["sweep", str(spec), "--out", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    found = pd.read_parquet(tmp_path / "out" / "results.parquet").set_index(
        "schools[0].periods.cover_periods_per_week"
    )
    covered = found["secondary.covered_periods_per_teacher.mean"]
    observed = found["coaching.observations_per_teacher_week.realized"]
    assert covered[0] == 0 < covered[3]
    assert observed[0] < observed[3]
