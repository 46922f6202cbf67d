"""Sweeps: design sizes and values, seeds, executors that agree row for row, sensitivity."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_sweep_helpers import results, write_spec

import simulate
from simulate.outputs import sweep
from simulate.schema.loading import apply_overrides, load_data, validate
from simulate.study.sweep.designs import Axis
from simulate.study.sweep.loop import load_sweep


def test_grid_has_one_row_per_run_with_the_listed_values(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = sweep(write_spec(tmp_path), out, workers=1, progress=False)
    frame = results(out)
    assert len(frame) == 3 * 3 * 2 == result.done
    assert frame["run_id"].tolist() == list(range(18))
    combos = set(zip(frame["roles.teacher.absence_rate"], frame["substitutes.pool"], strict=True))
    assert combos == set(itertools.product([0.02, 0.05, 0.08], [0, 1, 2]))
    assert frame.groupby("point").size().eq(2).all()
    assert sorted(frame["replication"].unique()) == [0, 1]
    assert frame["substitutes.pool"].dtype == np.int64
    metric_columns = [m.column for m in result.sweep.metrics]
    assert metric_columns == [
        "coverage.substitute_fill_rate.value",
        "coverage.absences.count",
        "coverage.substitute_days.count",
        "small_group.minutes_per_student_week[tier=intensive].mean",
    ]
    assert list(frame.columns) == [
        "run_id",
        "point",
        "roles.teacher.absence_rate",
        "substitutes.pool",
        "replication",
        "seed",
        *metric_columns,
    ]
    assert np.isfinite(frame[metric_columns].to_numpy()).all()
    # the figures respond to the parameters as they must: no pool, no substitute days; a
    # substitute works one job a day; a larger pool works more days
    days = frame["coverage.substitute_days.count"]
    assert (days <= frame["substitutes.pool"] * 30).all()
    assert (days[frame["substitutes.pool"] == 0] == 0).all()
    by_pool = days.groupby(frame["substitutes.pool"]).mean()
    assert by_pool.is_monotonic_increasing and by_pool.iloc[-1] > 0
    more = frame.groupby("roles.teacher.absence_rate")["coverage.absences.count"].mean()
    assert more.is_monotonic_increasing


def test_a_sweep_row_is_the_plain_run_of_that_scenario(tmp_path: Path) -> None:
    """With common random numbers, run (point p, replication r) is `simulate.run` with the
    point's overrides and the master seed, replication r: the seed story holds end to end."""
    out = tmp_path / "out"
    result = sweep(write_spec(tmp_path), out, workers=1, progress=False)
    frame = results(out)
    base = load_data(result.sweep.scenario_path)
    for point in (0, 7):
        names = [a.name for a in result.sweep.axes]
        overrides = dict(zip(names, result.sweep.points[point], strict=True))
        plain = simulate.run(
            validate(apply_overrides(base, overrides), "<t>"), seed=11, replications=2
        )
        for metric in result.sweep.metrics:
            name, group, stat = metric.key
            tidy = plain.metrics
            expected = tidy[
                (tidy.metric == name) & (tidy.group == group) & (tidy.statistic == stat)
            ]
            rows = frame[frame.point == point].sort_values("replication")
            assert (
                rows[metric.column].tolist()
                == expected.sort_values("replication")["value"].tolist()
            )


def test_seeds_come_from_the_run_identity(tmp_path: Path) -> None:
    crn = load_sweep(write_spec(tmp_path))
    assert {crn.task(r)[3] for r in range(crn.total)} == {11}
    independent = load_sweep(write_spec(tmp_path, common_random_numbers=False))
    seeds = [independent.task(r)[3] for r in range(independent.total)]
    by_point = [seeds[i : i + 2] for i in range(0, len(seeds), 2)]
    assert all(a == b for a, b in by_point)  # replications of a point share the seed ...
    assert len({a for a, _ in by_point}) == len(by_point)  # ... and points do not
    expected = np.random.SeedSequence(11, spawn_key=(1, 4)).generate_state(1, dtype=np.uint64)[0]
    assert independent.task(8)[3] == int(expected >> np.uint64(1))
    assert all(0 <= s < 2**63 for s in seeds)


@pytest.mark.slow
def test_one_and_two_workers_give_identical_results(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, common_random_numbers=False)
    one = sweep(spec, tmp_path / "one", workers=1, progress=False)
    two = sweep(spec, tmp_path / "two", workers=2, chunk_size=2, progress=False)
    pd.testing.assert_frame_equal(results(tmp_path / "one"), results(tmp_path / "two"))
    pd.testing.assert_frame_equal(one.sensitivity, two.sensitivity)
    assert len(list((tmp_path / "two" / "runs").glob("part-*.parquet"))) == 9  # 18 runs / 2


def test_local_and_dask_give_identical_results(tmp_path: Path) -> None:
    from distributed import LocalCluster

    spec = write_spec(tmp_path)
    sweep(spec, tmp_path / "local", workers=2, chunk_size=3, progress=False)
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        sweep(
            spec,
            tmp_path / "dask",
            backend="dask",
            scheduler=cluster.scheduler_address,
            chunk_size=4,
            progress=False,
        )
    pd.testing.assert_frame_equal(results(tmp_path / "local"), results(tmp_path / "dask"))
    local = pd.read_csv(tmp_path / "local" / "sensitivity.csv")
    pd.testing.assert_frame_equal(local, pd.read_csv(tmp_path / "dask" / "sensitivity.csv"))


@pytest.mark.slow
def test_sobol_index_of_an_ignored_parameter_is_zero(tmp_path: Path) -> None:
    """budget.devices.life_years only enters the budget, never the engine. Tolerance 0.01 on S1
    and ST (with common random numbers the estimators' differences are exactly zero), while
    the substitute pool, which drives the fill rate, must score ST > 0.3."""
    spec = write_spec(
        tmp_path,
        design="sobol",
        samples=16,
        replications=1,
        parameters={
            "roles.teacher.absence_rate": {"low": 0.01, "high": 0.08},
            "substitutes.pool": {"low": 0, "high": 3},
            "budget.devices.life_years": {"low": 1, "high": 10},
        },
    )
    result = sweep(spec, tmp_path / "out", workers=2, progress=False)
    assert result.done == 16 * (3 + 2)
    table = result.sensitivity
    assert table is not None and np.isfinite(table["value"]).all()
    fill = table[table.metric == "coverage.substitute_fill_rate.value"].set_index(
        ["parameter", "index"]
    )
    for index in ("S1", "ST"):
        for metric in table.metric.unique():
            row = table[(table.metric == metric) & (table.parameter == "budget.devices.life_years")]
            assert row[row["index"] == index]["value"].abs().max() <= 0.01
    assert fill.loc[("substitutes.pool", "ST"), "value"] > 0.3
    assert set(table["index"]) == {"S1", "ST"}
    # 16 samples are too few: the table says which indices cannot be trusted, and why
    inside = table["value"].between(0, 1)
    narrow = table["ci"] <= table["value"].abs()
    assert (table["reliable"] == (inside & narrow)).all()
    assert not table["reliable"].all() and (~inside | ~narrow).any()
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Sample too small for some of these indices" in page
    assert "(not reliable: outside [0, 1])" in page


def test_tornado_and_main_effects_are_drawn_on_the_metric_own_scale(tmp_path: Path) -> None:
    """A small effect must look small: the axis spans zero and every value the metric took,
    and the largest effect is also given as a share of the metric's mean."""
    import json
    import re

    import yaml

    spec = write_spec(tmp_path)
    sweep(spec, tmp_path / "out", workers=1, progress=False)
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    frame = results(tmp_path / "out")
    figures = dict(
        re.findall(r'<script type="application/json" data-for="([\w-]+)">(.*?)</script>', page)
    )
    metrics = list(yaml.safe_load(spec.read_text())["metrics"])
    for n, column in enumerate(metrics):
        for fig_id, axis in ((f"tornado-{n}", "xaxis"), (f"effects-{n}", "yaxis")):
            low, high = json.loads(figures[fig_id])["layout"][axis]["range"]
            assert low <= min(0.0, frame[column].min()) and high >= frame[column].max()
            assert low <= 0 < high
    assert page.count("Largest effect:") == len(metrics)
    assert "of the metric&#x27;s mean" in page or "of the metric's mean" in page


def test_morris_and_latin_hypercube_run_and_rank(tmp_path: Path) -> None:
    params = {
        "roles.teacher.absence_rate": {"low": 0.01, "high": 0.08},
        "substitutes.pool": {"low": 0, "high": 3},
        "relationships.contact_threshold_minutes": {"low": 100, "high": 1000},
    }
    morris = sweep(
        write_spec(tmp_path, design="morris", samples=4, replications=1, parameters=params),
        tmp_path / "morris",
        workers=1,
        progress=False,
    )
    assert morris.done == 4 * (3 + 1)
    table = morris.sensitivity
    assert table is not None and set(table["index"]) == {"mu_star", "mu", "sigma"}
    # the contact threshold is read only by the relationships metrics, not these
    threshold = table[
        (table.parameter == "relationships.contact_threshold_minutes")
        & (table["index"] == "mu_star")
    ]
    assert (threshold["value"] == 0).all()
    lhs = sweep(
        write_spec(tmp_path, design="lhs", samples=12, replications=1, parameters=params),
        tmp_path / "lhs",
        workers=1,
        progress=False,
    )
    frame = results(tmp_path / "lhs")
    assert len(frame) == 12
    assert frame["substitutes.pool"].between(0, 3).all()
    assert set(frame["substitutes.pool"]) == {0, 1, 2, 3}  # 12 strata cover every integer
    assert lhs.sensitivity is not None and {"src", "r2"} <= set(lhs.sensitivity["index"])


def test_axis_maps_the_unit_interval_onto_values_and_ranges() -> None:
    listed = Axis("x", "float", values=(1.0, 2.0, 5.0))
    assert [listed.at(u) for u in (0.0, 0.33, 0.34, 0.99, 1.0)] == [1.0, 1.0, 2.0, 5.0, 5.0]
    whole = Axis("n", "int", low=0, high=3, integer=True)
    assert [whole.at(u) for u in (0.0, 0.25, 0.5, 0.999, 1.0)] == [0, 1, 2, 3, 3]
    money = Axis("m", "money", low=100, high=200)
    assert money.at(1 / 3) == 133.33
    levels = Axis("r", "float", low=0.0, high=0.1, levels=3)
    assert levels.grid_values() == (0.0, 0.05, 0.1)


def test_report_is_self_contained_and_escapes_user_text(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, name="<script>alert(1)</script>", description="a & b")
    sweep(spec, tmp_path / "out", workers=1, progress=False)
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "a &amp; b" in page
    # plotly.js once, the loader once, two figures (JSON specs) per metric
    assert page.count("<script") == 2 + 2 * 4
    assert "<script src" not in page and "<link" not in page  # nothing fetched: opens offline
    assert '<section id="design">' in page and "<nav>" in page  # the comparison report's shell
    table = pd.read_csv(tmp_path / "out" / "sensitivity.csv")
    assert list(table.columns) == ["metric", "parameter", "index", "value", "ci", "reliable"]
    assert table["value"].notna().all()


def test_a_sweep_can_keep_the_cost_of_each_run(tmp_path: Path) -> None:
    """Runs and sweeps compute figures in one place, so this year's cost is a sweep metric too:
    a $10,000 raise for every teacher costs positions x raise x (1 + benefits rate) when no
    position stands vacant (a vacant position pays no salary)."""
    spec = write_spec(
        tmp_path,
        replications=1,
        parameters={"roles.teacher.salary": [60000, 70000], "roles.teacher.attrition_rate": [0]},
        metrics=["budget.total.value", "budget.per_pupil.value"],
    )
    out = tmp_path / "out"
    sweep(spec, out, workers=1, progress=False)
    frame = results(out).sort_values("roles.teacher.salary")
    scenario = validate(load_data(tmp_path / "short.yaml"), "<test>")
    teachers = simulate.budget.positions(scenario)["teacher"]
    raise_cost = teachers * 10000 * (1 + scenario.budget.benefits_rate)
    costs = frame["budget.total.value"].to_numpy()
    assert costs[1] - costs[0] == pytest.approx(raise_cost, abs=0.005)
    assert (frame["budget.per_pupil.value"] > 0).all()


@pytest.mark.parametrize(
    ("index", "value", "ci", "ok"),
    [
        ("S1", 1.016, 0.614, False),  # a share of variance above 1, from 16 samples
        ("ST", -0.02, 0.01, False),  # below 0
        ("S1", 0.10, 0.30, False),  # the interval is wider than the index
        ("S1", 0.50, 0.10, True),
        ("S1", 0.0, 0.0, True),  # a parameter with no effect at all
        ("mu_star", 3.2, 1.0, True),  # not a share: only the interval counts
        ("mu", -4.0, None, True),  # no interval from the method
        ("src", -0.8, 0.9, False),
        ("r2", 1.2, 0.1, False),
    ],
)
def test_an_index_is_reliable_inside_its_range_and_wider_than_its_interval(
    index: str, value: float, ci: float | None, ok: bool
) -> None:
    from simulate.study.sweep.sensitivity import reliable

    assert reliable(index, value, ci) is ok


POINT_FIELDS = {
    "schools[0].need_tiers[0].share": [0.55, 0.65, 0.75],  # tier shares must add up to 1
    "schools[0].need_tiers[1].share": [0.15, 0.25, 0.35],
    "schools[0].attendance.chronic_share": [0.0, 0.2, 0.9],  # at least the severe share
    "schools[0].attendance.severe_share": [0.0, 0.059, 0.5],
    "calendar.school_days": [20, 180],  # the testing windows must fit
    "roles.teacher.schedule.small_group": [0, 60, 2000],  # a day holds 1440 minutes
    "substitutes.pool": [0, 4],
}


@pytest.mark.slow
def test_checking_only_what_a_point_changes_gives_the_full_verdict() -> None:
    """Every combination of fields that interact (shares that must add up to 1, a calendar
    its testing windows must fit, a day's minutes): the quick check and a full validation
    agree on each point, and an invalid point gets the full validation's message."""
    from simulate.schema.errors import InputError
    from simulate.study.sweep.spec import PointCheck

    base = load_data(Path(__file__).parent.parent / "scenarios" / "traditional.yaml")
    names = list(POINT_FIELDS)
    check = PointCheck(base, validate(base, "base"), names)
    verdicts = {True: 0, False: 0}
    for values in itertools.product(*POINT_FIELDS.values()):
        point = dict(zip(names, values, strict=True))
        try:
            validate(apply_overrides(base, point), "")
            expected = None
        except InputError as err:
            expected = str(err)
        problem = check.problem(point)
        assert (None if problem is None else str(problem)) == expected, point
        verdicts[problem is None] += 1
    assert verdicts[True] and verdicts[False]  # both kinds were met


def test_the_scenario_checks_across_sections_are_ones_a_point_check_can_run() -> None:
    """PointCheck validates the sections a point changes, then runs the scenario's own checks
    on the scenario with them put in: that holds while those are all "after" checks (they
    receive the scenario, built) and the scenario's checks of single fields of its own are of
    fields no sweep changes (the notes: a sweep changes numbers); the checks it leaves to the
    base's validation are the scenario's."""
    from simulate.schema.model import Scenario
    from simulate.study.sweep.spec import SAME_FOR_EVERY_POINT

    found = Scenario.__pydantic_decorators__
    assert {d.info.mode for d in found.model_validators.values()} == {"after"}
    assert not found.root_validators
    assert {f for d in found.field_validators.values() for f in d.info.fields} == {"notes"}
    assert set(SAME_FOR_EVERY_POINT) <= set(found.model_validators)


def test_a_large_grid_is_checked_without_a_full_validation_per_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 250,000-point grid once spent over a minute validating each point in full before any
    run; now each point validates only what it changes (benchmarks/bench_sweep.py --check
    times it)."""
    import simulate.study.sweep.spec as spec_module

    full = []

    def counted(*args: object, **kwargs: object) -> object:
        full.append(args)
        return validate(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(spec_module, "validate", counted)
    import simulate.schema.notes as notes_module

    notes_checked = []
    check_keys = notes_module.check_keys

    def counted_notes(scenario: object) -> None:
        notes_checked.append(scenario)
        check_keys(scenario)  # type: ignore[arg-type]

    monkeypatch.setattr(notes_module, "check_keys", counted_notes)
    parameters = {
        "roles.teacher.absence_rate": {"low": 0.0, "high": 0.1, "levels": 60},
        "substitutes.pool": {"low": 0, "high": 59, "levels": 60},
    }
    sw = load_sweep(write_spec(tmp_path, parameters=parameters))
    assert len(sw.points) == 3_600
    assert len(full) <= 2  # the base scenario (and its metrics), not the points
    assert len(notes_checked) <= 2  # the notes name fields of the base: each point's are those


@pytest.mark.parametrize(
    ("stem", "runs"), [("absence_and_subs", 32), ("sobol_mcl", 96)]
)  # fmt: skip
def test_the_bundled_sweep_specs_load_with_every_point_valid(stem: str, runs: int) -> None:
    """The README's sweep commands run these files: every field they vary is the model's
    (substitutes.per_day was refused once the substitute market replaced it by a pool), every
    point is a valid scenario, and the run count is the one their comments give."""
    spec = load_sweep(Path(__file__).parent.parent / "sweeps" / f"{stem}.yaml")
    assert spec.total == runs
    assert "substitutes.pool" in spec.parameter_names


def test_an_index_that_rounds_to_zero_is_written_without_a_sign() -> None:
    from simulate.report.sweep import _three

    assert [_three(x) for x in (-0.0004, 0.0, -0.12, 0.5)] == ["0.000", "0.000", "-0.120", "0.500"]
