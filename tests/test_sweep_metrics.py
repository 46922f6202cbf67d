"""The sweep spec's metric check reads the measures catalogue: it accepts every figure a run
produces and refuses the rest, without running a simulation."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_sweep_helpers import write_spec

from simulate.engine.core import Engine
from simulate.schema.errors import InputError
from simulate.schema.loading import load_scenario
from simulate.study.figures import figures as year_figures
from simulate.study.sweep.spec import load_sweep, metric_column


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Engine, *args: object, **kwargs: object) -> None:
        raise AssertionError("the spec check ran a simulation")

    monkeypatch.setattr(Engine, "__init__", refuse)


def check(folder: Path, metrics: list[str]) -> list[str]:
    return [m.column for m in load_sweep(write_spec(folder, metrics=metrics)).metrics]


def test_every_figure_a_run_produces_is_accepted_without_running_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = load_scenario(write_spec(tmp_path).parent / "short.yaml")
    produced = sorted(metric_column(k) for k in year_figures(Engine(scenario, 11, 0).run()))
    assert any("ledger.lost_share" in c for c in produced)
    monkeypatch.setattr(Engine, "run", lambda self: pytest.fail("the spec check ran a run"))
    assert check(tmp_path, produced) == produced


@pytest.mark.usefixtures("no_simulation")
def test_groups_are_checked_by_kind_with_the_scenarios_names(tmp_path: Path) -> None:
    accepted = [
        "coaching.observations_per_teacher_week[role=teacher].planned",
        "coaching.observations_per_teacher_week[role=principal].realized",  # defined, any count
        "small_group.minutes_per_student_week[tier=intensive].p10",
        "small_group.reaching_target_share[tier=strategic].value",
        "coverage.minutes[by=substitute].value",
        "coverage.minutes[by=split].value",
        "ledger[activity=online].lost:device_shortage",  # a loss this school never has is 0
        "ledger.lost_share[activity=instruction].lost:closure",
        "budget.per_pupil.value",
    ]
    assert check(tmp_path, accepted) == accepted


@pytest.mark.usefixtures("no_simulation")
@pytest.mark.parametrize(
    ("metric", "words"),
    [
        ("coverage.substitute_fil_rate.value", ["did you mean 'coverage.substitute_fill_rate"]),
        ("coverage.absences[tier=nope].count", ["not a figure a run produces"]),
        ("coverage.absences.mean", ["not a figure", "coverage.absences.count"]),
        ("budget.total[role=teacher].value", ["not a figure", "budget.total.value"]),
        ("coverage.minutes.value", ["not a figure", "coverage.minutes[by=teacher].value"]),
        ("coaching.observations_per_teacher_week[tier=intensive].planned", ["not a figure"]),
        ("ledger[activity=instruction].lost:boredom", ["not a figure"]),
        ("no.such.value", ["not a figure", "budget.per_pupil, budget.teacher_positions"]),
        ("fill rate", ["not of the form metric[group].statistic"]),
    ],
)
def test_other_metrics_are_refused_naming_the_entry_and_what_is_allowed(
    tmp_path: Path, metric: str, words: list[str]
) -> None:
    with pytest.raises(InputError) as err:
        check(tmp_path, ["coverage.absences.count", metric])
    assert err.value.field == "metrics[1]"
    message = str(err.value)
    assert all(w in message for w in words), message
