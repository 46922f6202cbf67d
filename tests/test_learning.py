"""The learning estimate: limiting cases with a known answer, the two layers of uncertainty,
the evidence table against its schema, and the estimate read from simulated years."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import simulate
from simulate.learning.estimate import (
    ALL,
    FEATURES,
    Delivered,
    Source,
    coefficients,
    exposures,
    group_means,
    percentile_points,
)
from simulate.learning.evidence import WIDEN, Estimate, evidence, standard_error
from simulate.learning.uncertainty import central, estimates
from simulate.schema.loading import load_scenario
from simulate.schema.model import Effects, Learning, Scenario

ROOT = Path(__file__).resolve().parents[1]
NEUTRAL = Effects.model_validate(  # moderators at 1: the meta-analysis's own mix of tutors
    {m: {"reading": 1.0, "math": 1.0} for m in ("tutor_paraprofessional", "small_group")}
)


def school(
    n: int = 100,
    sessions: float = 0.0,
    source: Source | None = None,
    class_size: float = 22.0,
    days_absent: float = 0.0,
    led: float = 0.0,
    observations: float = 0.0,
    teacher_absence: float = 0.0,
    tiers: tuple[str, ...] = ("core",),
) -> Delivered:
    """n students in one class of one teacher, each with the same year."""
    minutes = {source: np.full(n, 30.0 * sessions * 36)} if source and sessions else {}
    return Delivered(
        tier=np.array([tiers[i % len(tiers)] for i in range(n)], dtype=object),
        sessions_per_week=np.full(n, float(sessions)),
        small_group=minutes,
        led_share=np.full(n, led),
        class_size=np.full(n, class_size),
        days_absent=np.full(n, days_absent),
        observations_per_week=np.array([observations]),
        teacher_absence_days=np.array([teacher_absence]),
        links=(np.arange(n), np.zeros(n, dtype=np.int64), np.ones(n)),
    )


def sd(delivered: Delivered, settings: Learning) -> dict[str, float]:
    """The estimate at the centres, all students, by subject."""
    x = group_means(delivered, exposures(delivered, settings))[ALL]
    return dict(zip(("reading", "math"), (central(settings) @ x).tolist(), strict=True))


def years(delivered: Delivered, settings: Learning, n: int = 5) -> np.ndarray:
    x = group_means(delivered, exposures(delivered, settings))[ALL]
    return np.tile(x, (n, 1))


PARA_GROUP = Source("paraprofessional", one_to_one=False, own_team=False)


def test_tutoring_matching_the_meta_analysis_gives_its_pooled_effect() -> None:
    # every student tutored 3 sessions a week in reading, by the meta-analysis's mix of tutors
    settings = Learning(evidence="small_studies", reading_share=1.0, effects=NEUTRAL)
    got = sd(school(sessions=3, source=PARA_GROUP), settings)
    assert got["reading"] == pytest.approx(0.290)  # Nickow, Oreopoulos & Quan 2024, literacy
    assert got["math"] == pytest.approx(0.0)  # no math tutoring, no absences, class of 22
    at_scale = sd(
        school(sessions=3, source=PARA_GROUP), settings.model_copy(update={"evidence": "at_scale"})
    )
    assert at_scale["reading"] == pytest.approx(0.16)  # Kraft, Schueler & Falken: 1,000+


def test_no_delivered_tutoring_gives_no_tutoring_effect() -> None:
    settings = Learning(evidence="small_studies")
    assert sd(school(sessions=0), settings) == pytest.approx({"reading": 0.0, "math": 0.0})
    # below the threshold: no slope in minutes (Wanzek et al. 2016), so nothing either
    below = sd(school(sessions=2.5, source=PARA_GROUP), settings)
    assert below == pytest.approx({"reading": 0.0, "math": 0.0})
    above = sd(school(sessions=2.7, source=PARA_GROUP), settings)
    assert above["reading"] > 0 and above["math"] > 0
    # and more sessions than the threshold add nothing
    assert sd(school(sessions=5, source=PARA_GROUP), settings) == pytest.approx(above)


def test_class_size_cut_from_22_to_15_gives_stars_effect() -> None:
    settings = Learning(evidence="small_studies")
    star = evidence().estimate("class_size", "small_studies")
    got = {
        s: sd(school(class_size=15), settings)[s] - sd(school(class_size=22), settings)[s]
        for s in ("reading", "math")
    }
    assert got == pytest.approx({"reading": star.centre("reading"), "math": star.centre("math")})
    # never extrapolated beyond STAR's range of class sizes (13 to 25)
    assert sd(school(class_size=5), settings) == pytest.approx(sd(school(class_size=13), settings))
    # at scale (Florida's mandate) a cut is worth little if anything: centred on zero
    assert sd(school(class_size=15), Learning())["reading"] == pytest.approx(0.0)


def test_absences_cost_per_day_and_nothing_without_them() -> None:
    settings = Learning()
    ten = sd(school(days_absent=10, teacher_absence=10), settings)
    assert ten["math"] == pytest.approx(10 * (-0.0058) + 10 * (-0.0012))
    assert ten["reading"] == pytest.approx(10 * (-0.0030) + 10 * (-0.0006))


def test_mcl_team_stands_in_for_coaching_and_its_teachers_small_groups() -> None:
    settings = Learning()
    own_teachers = Source("teacher", one_to_one=False, own_team=True)
    tutor = Source("paraprofessional", one_to_one=False, own_team=True)
    led = sd(school(led=1.0, observations=2, sessions=3, source=own_teachers), settings)
    mcl_alone = sd(school(led=1.0), settings)
    assert led == pytest.approx(mcl_alone)  # coaching and team teachers' groups are inside it
    with_tutor = sd(school(led=1.0, observations=2, sessions=3, source=tutor), settings)
    assert with_tutor["math"] > mcl_alone["math"]  # a tutor on the team still counts
    coached = sd(school(observations=2), settings)
    assert coached["reading"] == pytest.approx(
        evidence().estimate("coaching", "at_scale").centre("reading")
    )
    assert sd(school(observations=0.4), settings) == pytest.approx({"reading": 0.0, "math": 0.0})


def test_the_interval_widens_as_the_evidence_weakens() -> None:
    row = evidence().rows["tutoring"]
    estimate = row.small_studies
    assert estimate is not None
    ses = [
        standard_error(row, estimate.model_copy(update={"verification": v}), "reading")
        for v in WIDEN
    ]
    assert ses == sorted(ses) and ses[0] < ses[-1]
    weaker = row.model_copy(update={"strength": "weak"})
    no_se = Estimate(reading=0.2, math=0.2, verification="verified", source="s", checked="c")
    assert standard_error(weaker, no_se, "math") > standard_error(row, no_se, "math")
    # and through to the estimate: the same year, its evidence range wider with a weaker lever
    delivered = school(sessions=3, source=PARA_GROUP)
    x = years(delivered, Learning())
    strong = estimates(x, Learning(), seed=1)["reading"]
    loose = Learning(effects={"tutoring": {"se": 0.2}})
    wide = estimates(x, loose, seed=1)["reading"]
    assert wide.evidence[1] - wide.evidence[0] > 2 * (strong.evidence[1] - strong.evidence[0])


def test_two_layers_kept_apart() -> None:
    settings = Learning()
    same = years(school(sessions=3, source=PARA_GROUP, days_absent=8), settings)
    layers = estimates(same, settings, seed=3)["math"]
    assert layers.years[0] == pytest.approx(layers.years[1])  # identical years: no year spread
    assert layers.evidence[1] - layers.evidence[0] > 0.05
    varied = same.copy()
    varied[:, FEATURES.index("student_absence")] = [0, 5, 10, 15, 20]
    spread = estimates(varied, settings, seed=3)["math"]
    assert spread.years[1] - spread.years[0] > 0.05
    assert spread.both[0] <= min(spread.years[0], spread.evidence[0]) + 1e-12
    assert spread.both[1] >= max(spread.years[1], spread.evidence[1]) - 1e-12
    # against itself the difference is nothing, in every layer
    zero = estimates(varied, settings, seed=3, baseline=(varied, settings))["math"]
    assert zero.centre == 0 and zero.evidence == (0, 0) and zero.both == (0, 0)


def test_same_seed_same_numbers_other_seed_other_draws() -> None:
    settings = Learning()
    x = years(school(sessions=3, source=PARA_GROUP), settings)
    assert estimates(x, settings, seed=7) == estimates(x, settings, seed=7)
    assert estimates(x, settings, seed=7) != estimates(x, settings, seed=8)


def test_percentile_points() -> None:
    assert percentile_points(0.0) == 0.0
    assert float(percentile_points(0.25)) == pytest.approx(9.87, abs=0.01)  # Phi(0.25) = 0.5987
    assert float(percentile_points(-0.25)) == pytest.approx(-9.87, abs=0.01)


def test_coefficients_take_draws_as_arrays() -> None:
    effects = evidence().effects(Learning())
    values = {k: np.full(4, e.centre) for k, e in effects.items()}
    drawn = coefficients(values, 0.5)
    assert drawn.shape == (2, len(FEATURES), 4)
    assert np.allclose(drawn[..., 0], central(Learning()))


def test_evidence_table_is_complete_and_sourced() -> None:
    table = evidence()
    assert set(table.levers) == set(Effects.model_fields)  # every lever can be overridden
    for lever in table.levers:
        row = table.rows[lever]
        for body in ("at_scale", "small_studies"):
            estimate = table.estimate(lever, body)
            assert estimate.source and estimate.checked
            for subject in ("reading", "math"):
                assert standard_error(row, estimate, subject) > 0, (lever, body, subject)


def test_simulated_years_give_the_estimate_and_its_costs() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "mcl_residents_tutors.yaml")
    result = simulate.run(scenario, seed=0, replications=2)
    assert len(result.learning) == 2
    tutored = result.value("learning.tutored_share", "value")
    assert 0.5 < tutored <= 1.0  # a tutor on every team: most students reach three a week
    delivered = result.value("learning.small_group_cost_per_delivered_hour", "value")
    scheduled = result.value("learning.small_group_cost_per_scheduled_hour", "value")
    assert delivered >= scheduled > 0  # friction and unused time: fewer hours held than set
    x = np.array([y.inputs[ALL] for y in result.learning])
    reading = float((x @ central(scenario.learning).T)[:, 0].mean())
    assert result.value("learning.reading_sd", "value") == pytest.approx(reading)
    points = result.value("learning.reading_percentile_points", "value")
    assert np.sign(points) == np.sign(reading)


def test_small_group_cost_follows_a_roles_minutes_or_its_periods() -> None:
    """A role's share of small-group time is its schedule's minutes, or, in a school with a
    period day, its periods: a tutor tutoring six of seven periods costs six sevenths."""
    from simulate.learning.adapter import small_group_cost

    middle = load_scenario(ROOT / "scenarios" / "middle_tutoring.yaml")
    assert middle.roles["tutor"].periods == {"small_group": 6, "planning": 1}
    assert small_group_cost(middle, {"tutor": 7000.0, "teacher": 100_000.0}) == 6000.0
    elementary = load_scenario(ROOT / "scenarios" / "traditional.yaml")
    schedule = elementary.roles["teacher"].schedule
    share = schedule["small_group"] / sum(schedule.values())
    assert small_group_cost(elementary, {"teacher": 1000.0}) == pytest.approx(1000.0 * share)


def test_a_cost_with_nothing_to_divide_by_has_no_figure_not_zero_dollars() -> None:
    """A school without small groups has no cost per small-group hour and nobody at the
    dosage target: no figure (the report shows a dash), where it used to read $0; tutoring as
    a period costs what its tutors' periods cost."""
    none = simulate.run(load_scenario(ROOT / "scenarios" / "middle_departmentalized.yaml"))
    for metric in (
        "learning.small_group_cost_per_scheduled_hour",
        "learning.small_group_cost_per_delivered_hour",
        "learning.cost_per_student_at_target",
    ):
        with pytest.raises(ValueError, match="has no value"):
            none.value(metric, "value")
    tutoring = simulate.run(load_scenario(ROOT / "scenarios" / "middle_tutoring.yaml"))
    pay = 23 * 1.5 * 60 / 50  # a tutor's wage with benefits, per 50-minute period, per hour
    scheduled = tutoring.value("learning.small_group_cost_per_scheduled_hour", "value")
    assert 0.5 * pay < scheduled < 1.5 * pay  # about their pay (it was $0)
    assert tutoring.value("small_group.reaching_target_share", "value") == 0
    with pytest.raises(ValueError, match="fewer than 10 reached it"):
        tutoring.value("learning.cost_per_student_at_target", "value")


def test_a_cost_per_student_at_target_needs_ten_students_at_it() -> None:
    """A per-student cost over one student who reached the target is that student's share of
    the whole small-group budget: no figure below 10 students, the cost over them from 10."""
    from simulate.learning.adapter import Year
    from simulate.learning.figures import FEWEST_AT_TARGET, SmallGroupCost, figures
    from simulate.measures.catalogue import measure

    year = Year({}, {})
    key = ("learning.cost_per_student_at_target", "all", "value")
    for reached, expected in [(0, None), (1, None), (9, None), (10, 30_000.0), (40, 7_500.0)]:
        spent = SmallGroupCost(300_000.0, 1000.0, 800.0, reached)
        assert figures(year, Learning(), spent).get(key) == expected, reached
    # the catalogue says the same number (it does not import the learning package for it)
    entry = measure("learning.cost_per_student_at_target")
    assert f"at least {FEWEST_AT_TARGET} did" in entry.explain
    assert entry.empty == f"fewer than {FEWEST_AT_TARGET} reached it"


def test_effect_sizes_can_be_swept(tmp_path: Path) -> None:
    """A sweep over two levers' effects (sweeps vary numbers; `learning.evidence` is a choice,
    set in the base scenario): the estimate moves with them, the simulated year does not."""
    from test_sweep_helpers import results, short_year, write_spec

    from simulate.cli import main

    spec = write_spec(
        tmp_path,
        scenario=short_year(tmp_path).name,
        replications=1,
        parameters={
            "learning.effects.tutoring.math": [0.1, 0.4],
            "learning.effects.student_absence.math": [-0.0058, -0.05],
        },
        metrics=["learning.math_sd.value", "learning.tutored_share.value"],
    )
    out = tmp_path / "out"
    ran = CliRunner().invoke(main, ["sweep", str(spec), "--out", str(out), "--workers", "1"])
    assert ran.exit_code == 0, ran.output
    table = results(out)
    math = [c for c in table.columns if "math_sd" in c][0]
    tutored = [c for c in table.columns if "tutored_share" in c][0]
    assert table[tutored].nunique() == 1  # the same year in every point
    absence = [c for c in table.columns if "student_absence" in c][0]
    low, high = (table[table[absence] == v][math].mean() for v in (-0.05, -0.0058))
    assert low < high  # a larger loss per day absent, a lower estimate
    tutoring = [c for c in table.columns if "tutoring" in c][0]
    small, large = (table[table[tutoring] == v][math].mean() for v in (0.1, 0.4))
    assert small < large


def test_compare_writes_the_learning_section_and_sheets(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from simulate.cli import main

    out = tmp_path / "out"
    files = [ROOT / "scenarios" / f"{n}.yaml" for n in ("traditional", "mcl_residents_tutors")]
    ran = CliRunner().invoke(
        main, ["compare", *map(str, files), "--out", str(out), "-r", "2", "--workers", "1"]
    )
    assert ran.exit_code == 0, ran.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="learning"' in html
    assert "not a prediction for your school" in html
    assert "Per $1,000 per pupil" in html
    book = load_workbook(out / "budget.xlsx", read_only=True)
    assert {"Learning", "Learning per $1,000", "Learning evidence"} <= set(book.sheetnames)
    rows = list(book["Learning evidence"].iter_rows(values_only=True))
    assert rows[0][:3] == ("scenario", "lever", "subject")
    assert all(r[-1] for r in rows[1:])  # every effect carries its source
    population = rows[0].index("population")  # and the population it was studied in
    assert all(r[population] for r in rows[1:])
    assert "studied in: PreK-12, mostly elementary and reading" in html  # tutoring's
    summary = (out / "summary.csv").read_text(encoding="utf-8")
    assert "learning.reading_sd" in summary and "learning.cost_per_student_at_target" in summary


def test_report_says_when_arrangements_read_the_evidence_differently(tmp_path: Path) -> None:
    from simulate.report.page import render
    from simulate.study.compare import compare

    base = load_scenario(ROOT / "scenarios" / "traditional.yaml")
    other = base.model_copy(
        update={"name": "Small studies", "learning": Learning(evidence="small_studies")}
    )
    html = render(compare([base, other], seed=0, replications=2, workers=1))
    assert "read the evidence differently" in html
    same = render(compare([base], seed=0, replications=2, workers=1))
    assert "read the evidence differently" not in same
    assert "50% of small-group time taken as reading" in same  # one share: said once
    math_only = base.model_copy(
        update={"name": "Math only", "learning": Learning(reading_share=0.0)}
    )
    both = render(compare([base, math_only], seed=0, replications=1, workers=1))
    assert f"taken as reading: {base.name}: 50%; Math only: 0%" in both  # each its own


def test_a_secondary_school_says_plainly_what_the_estimate_leaves_out(tmp_path: Path) -> None:
    """A middle school's students are tied to no teacher and its classrooms are grade cohorts:
    the estimate counts no class size from a cohort of hundreds, and the report and the levers
    page say that coaching, team leadership, teachers' absences and class size are not counted
    (a zero there is not 'no effect'). An elementary school's report says nothing of it."""
    from conftest import short

    from simulate.engine.core import Engine
    from simulate.learning.adapter import NOT_LINKED, delivered_by, not_linked
    from simulate.report.page import render
    from simulate.study.compare import compare

    middle = load_scenario(short(tmp_path, "middle_departmentalized", "Middle", 20))
    delivered = delivered_by(Engine(middle, 0, 0).run())
    assert delivered.observations_per_week.size == 0  # no teacher linked to a student
    x = exposures(delivered, middle.learning)
    assert not x[:, FEATURES.index("class_size")].any()  # not a cohort of 280 held at 25
    assert x[:, FEATURES.index("student_absence")].any()  # students' absences still count
    assert not_linked(middle) == NOT_LINKED
    html = render(compare([middle], seed=0, replications=1, workers=1))
    assert "learning-not-linked" in html and "A zero for them means not estimated" in html
    today = load_scenario(short(tmp_path, "traditional", "Today", 20))
    assert not_linked(today) == ""
    assert "learning-not-linked" not in render(compare([today], seed=0, replications=1, workers=1))


@pytest.mark.parametrize("stem", ["middle_tutoring", "high_tutoring"])
def test_a_math_tutoring_period_counts_for_math_only(stem: str) -> None:
    """Saga's tutoring period is math (Guryan et al. 2023), and it is these schools' only
    small-group time: the estimate gives tutoring no reading effect and its whole effect in
    math, not half in each."""
    from simulate.learning.estimate import TUTORING

    scenario = load_scenario(ROOT / "scenarios" / f"{stem}.yaml")
    per_unit = central(scenario.learning)  # subjects x features
    tutoring = [FEATURES.index(f) for f in TUTORING]
    assert not per_unit[0, tutoring].any()  # reading
    whole = central(scenario.learning.model_copy(update={"reading_share": 0.5}))[1, tutoring]
    assert per_unit[1, tutoring] == pytest.approx(2 * whole)  # math


def test_what_an_arrangements_small_groups_are_is_not_reading_the_evidence_differently() -> None:
    """The Saga schools teach math only and name their tutors as the default would: their
    differences from today's staffing do not mix staffing with evidence. Another body of
    evidence, an override, or counting a role both have as another kind of tutor does."""
    from simulate.study.learning import reads_evidence_differently

    today = load_scenario(ROOT / "scenarios" / "middle_departmentalized.yaml")
    saga = load_scenario(ROOT / "scenarios" / "middle_tutoring.yaml")
    assert saga.learning != today.learning  # reading share 0, tutors named
    assert not reads_evidence_differently(today, saga)

    def reading(**change: object) -> Scenario:
        return saga.model_copy(update={"learning": saga.learning.model_copy(update=change)})

    assert reads_evidence_differently(today, reading(evidence="small_studies"))
    assert reads_evidence_differently(today, reading(tutoring_sessions_per_week=2.0))
    override = Effects.model_validate({"tutoring": {"math": 0.3}})
    assert reads_evidence_differently(today, reading(effects=override))
    teachers = reading(tutors={"teacher": "nonprofessional"})  # a role both schools have
    assert reads_evidence_differently(today, teachers)


def test_the_report_explains_why_a_team_can_show_less_reading_for_a_tier() -> None:
    """Today's intensive tier gets three small-group sessions a week from its own teachers,
    counted with the tutoring evidence; on MCL teams those groups are inside the team's
    effect (math gains, no clear reading effect), so the tier shows less, in reading most.
    The report says why, beside the rule."""
    from simulate.report.page import render
    from simulate.study.compare import compare

    specs = [load_scenario(ROOT / "scenarios" / f"{n}.yaml") for n in ("traditional", "mcl_teams")]
    c = compare(specs, seed=0, replications=2, workers=1)
    reading = c.difference(specs[1].name, "learning.reading_sd", "tier=intensive")
    math = c.difference(specs[1].name, "learning.math_sd", "tier=intensive")
    assert reading is not None and math is not None
    assert reading[0] < math[0] and reading[0] < 0
    assert "can show less on such a team, in reading most" in render(c)
