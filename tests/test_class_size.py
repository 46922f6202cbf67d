"""Class size in every run, and Result.value refusing names the catalogue does not have."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import build, data

import simulate
from simulate.engine.core import Engine
from simulate.measures.compute import compute
from simulate.report.figures import KEY_ROWS


@pytest.mark.parametrize("name", ["traditional", "mcl_within_budget", "district"])
def test_class_size_is_students_per_homeroom_and_per_teacher(name: str) -> None:
    s = build(data(name))
    engine = Engine(s, 2, 0).run()
    figures = compute(engine)
    rooms = np.concatenate(
        [np.bincount(x.students.classroom, minlength=x.spec.classrooms) for x in engine.schools]
    )
    classrooms = sum(x.classrooms * x.copies for x in s.schools)
    assert rooms.size == classrooms and rooms.sum() == s.enrollment
    per_room = figures[("class_size.students_per_homeroom", "all", "mean")]
    assert per_room == pytest.approx(s.enrollment / classrooms)
    assert figures[("class_size.students_per_homeroom", "all", "max")] == rooms.max()
    teachers = sum(1 for x in engine.schools for a in x.adults if s.roles[a.role_name].is_teacher)
    assert figures[("class_size.students_per_teacher", "all", "value")] == pytest.approx(
        s.enrollment / teachers
    )


def test_the_within_budget_trade_shows_its_larger_classes() -> None:
    trad = simulate.run(build(data("traditional")), seed=1)
    within = simulate.run(build(data("mcl_within_budget")), seed=1)
    metric = "class_size.students_per_homeroom"
    assert trad.value(metric, "mean") == 25
    assert 25 < within.value(metric, "mean") <= 35
    assert within.value("class_size.students_per_teacher", "value") > trad.value(
        "class_size.students_per_teacher", "value"
    )
    assert any(r.metric == metric for r in KEY_ROWS)  # in the report's summary


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ("class_size.students_per_teachr", "value"),
            "did you mean 'class_size.students_per_teacher'",
        ),
        (("small_group.minutes_per_student_week", "p91"), "did you mean 'p90'"),
        (("class_size.students_per_teacher", "mean"), "it has: value"),
        (("small_group.minutes_per_student_week", "mean", "tier=intensve"), "tier=intensive"),
        (("coverage.minutes", "value", "by=tutor"), "by=building_coach"),  # no tutors here
    ],
)
def test_value_raises_for_unknown_names_with_a_suggestion(
    args: tuple[str, ...], words: str
) -> None:
    result = simulate.run(build(data("traditional")), seed=0)
    with pytest.raises(ValueError) as err:
        result.value(*args)
    assert words in str(err.value)


def test_value_of_a_figure_that_never_happened_is_zero() -> None:
    """A valid figure no year produced (no closure this year) is 0, not an error."""
    d = data("traditional")
    d["calendar"]["closure_rate"] = 0.0
    result = simulate.run(build(d), seed=0)
    assert result.value("ledger.lost_share", "lost:closure", "activity=instruction") == 0.0
