"""Valid but extreme scenarios run to the end with sensible, finite, non-negative figures.

Each extreme is applied to every bundled scenario; where the answer is known in advance
(nobody present, every day closed, no devices) the test checks it exactly.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from conftest import BUNDLED, build, data

import simulate
from simulate.cli import main
from simulate.measures.catalogue import measure

NAMES = [p.stem for p in BUNDLED]
Edit = Callable[[dict[str, Any]], None]


def each_school(d: dict[str, Any], **fields: Any) -> None:
    for school in d["schools"]:
        school.update(fields)


def each_role(d: dict[str, Any], **fields: Any) -> None:
    for role in d["roles"].values():
        role.update(fields)


EXTREMES: dict[str, Edit] = {
    "one student": lambda d: each_school(d, enrollment=1),
    "no students": lambda d: each_school(d, enrollment=0),
    "2000 students": lambda d: each_school(d, enrollment=2000, copies=1),
    "every adult absent, no substitutes": lambda d: (
        each_role(d, absence_rate=1.0),
        d.setdefault("substitutes", {}).update(pool=0),
    ),
    "every adult absent, a large pool": lambda d: (
        each_role(d, absence_rate=1.0),
        d.setdefault("substitutes", {}).update(pool=10_000),
    ),
    "everyone leaves at once": lambda d: (
        each_role(d, attrition_rate=1.0),
        d.setdefault("coverage", {}).update(vacancy_cover="cascade", hiring_delay_days=260),
    ),
    "every day closed": lambda d: d.setdefault("calendar", {}).update(closure_rate=1.0),
    "one school day": lambda d: d.update(calendar={"school_days": 1}),
    "one instructional day in seven": lambda d: d.update(
        calendar={
            "school_days": 7,
            "days_per_week": 7,
            "non_instructional_days": [0, 1, 2, 3, 5, 6],
        }
    ),
    "testing all year": lambda d: d.update(
        calendar={"school_days": 20, "testing_windows": [{"start_day": 0, "days": 20}]}
    ),
    "no devices": lambda d: [s.update(devices=0) for s in d["schools"] if s.get("rotation")],
    "no coverage at all": lambda d: (
        each_role(d, absence_rate=0.5),
        d.update(coverage={"cascade": [], "needs_cover": []}, substitutes={"pool": 0}),
    ),
    "long absence episodes": lambda d: (
        each_role(d, absence_rate=0.3),
        d.update(absences={"mean_extra_days": 30, "max_days": 60}),
    ),
    "huge groups, many sessions, daily regrouping": lambda d: (
        each_role(d, group_size=40),
        d.update(
            small_groups={
                "session_minutes": 240,
                "regroup_every_days": 1,
                "max_sessions_per_student_per_day": 10,
            }
        ),
    ),
}


def run(d: dict[str, Any], replications: int = 1) -> simulate.Result:
    return simulate.run(build(d), seed=11, replications=replications)


def assert_sensible(result: simulate.Result) -> None:
    """No NaN or infinity anywhere, nothing negative but an estimated effect, and the JSON
    summary is strict JSON."""
    values = result.metrics["value"].to_numpy(dtype=float)
    assert np.isfinite(values).all(), result.metrics[~np.isfinite(values)].to_string()
    signed = result.metrics.metric.map(lambda m: measure(m).signed).to_numpy(dtype=bool)
    negative = (values < 0) & ~signed
    assert not negative.any(), result.metrics[negative].to_string()
    stats = result.stats[["value", "ci_low", "ci_high"]].to_numpy(dtype=float)
    assert np.isfinite(stats).all()
    ledger = result.ledger["amount"].to_numpy(dtype=float)
    assert np.isfinite(ledger).all() and (ledger >= 0).all()
    budget = result.budget.select_dtypes("number").to_numpy(dtype=float)
    assert np.isfinite(budget).all() and (budget >= 0).all()
    json.dumps(result.summary(), allow_nan=False)  # raises on NaN or infinity


@pytest.mark.slow
@pytest.mark.parametrize("extreme", list(EXTREMES))
@pytest.mark.parametrize("name", NAMES)
def test_extreme_scenarios_run_to_the_end(name: str, extreme: str) -> None:
    d = copy.deepcopy(data(name))
    EXTREMES[extreme](d)
    assert_sensible(run(d, replications=2))


def delivered_by_adults(result: simulate.Result) -> float:
    ledger = result.ledger
    adults = ledger[(ledger.outcome == "delivered") & (ledger.role != "student")]
    return float(adults.amount.sum())


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_nobody_present_and_no_substitutes_delivers_nothing(name: str) -> None:
    d = copy.deepcopy(data(name))
    each_role(d, absence_rate=1.0, attrition_rate=0.0)
    d.setdefault("substitutes", {})["pool"] = 0
    result = run(d)
    assert delivered_by_adults(result) == 0
    assert result.value("coverage.substitute_fill_rate", "value") == 0  # asked, none came
    assert result.value("small_group.minutes_per_student_week", "mean") == 0
    assert result.value("coaching.observations_per_teacher_week", "realized") == 0
    assert result.usage.substitute_days == 0
    assert all(days == 0 for days in result.usage.days_worked.values())
    assert not [i for i in result.line_items if i.category in ("hourly", "substitutes")]


@pytest.mark.parametrize("name", NAMES)
def test_every_day_closed_loses_every_minute_to_closure(name: str) -> None:
    d = copy.deepcopy(data(name))
    d.setdefault("calendar", {})["closure_rate"] = 1.0
    result = run(d)
    ledger = result.ledger[result.ledger.activity != "observation"]
    assert not ledger.empty
    assert set(ledger.outcome) == {"lost"}
    assert set(ledger.detail) == {"closure"}
    assert result.usage.substitute_days == 0
    assert result.value("coverage.absences", "count") == 0


def test_no_devices_loses_every_online_minute_to_the_shortage() -> None:
    d = copy.deepcopy(data("lab_rotation"))
    d["calendar"]["closure_rate"] = 0.0
    each_school(d, devices=0)
    result = run(d)
    online = result.ledger[result.ledger.activity == "online"]
    assert not online.empty
    assert set(online.outcome) == {"lost"}
    # students in school find no device; absent students were not there to need one
    assert set(online.detail) == {"device_shortage", "student_absent"}


def test_no_students_costs_nothing_per_pupil() -> None:
    d = copy.deepcopy(data("traditional"))
    each_school(d, enrollment=0)
    result = run(d)
    summary = result.summary()
    assert summary["enrollment"] == 0
    assert summary["budget"]["recurring_per_pupil"] == 0
    assert (result.budget["per_pupil"] == 0).all()
    assert summary["budget"]["recurring"] > 0  # the staff are still paid


def test_zero_tutors_means_no_tutor_costs_or_tutor_groups() -> None:
    d = copy.deepcopy(data("mcl_residents_tutors"))
    for school in d["schools"]:
        for team in school["teams"]:
            team["members"]["tutor"] = 0
    result = run(d)
    assert_sensible(result)
    assert not [i for i in result.line_items if i.role == "tutor"]
    assert "role=tutor" not in set(result.metrics.group)
    assert not (result.ledger.role == "tutor").any()


def test_extreme_scenarios_through_the_cli_write_strict_json(tmp_path: Path) -> None:
    for i, extreme in enumerate(
        ("every adult absent, no substitutes", "no students", "every day closed")
    ):
        d = copy.deepcopy(data("mcl_residents_tutors"))
        EXTREMES[extreme](d)
        path = tmp_path / f"s{i}.yaml"
        path.write_text(yaml.safe_dump(d, sort_keys=False))
        out = tmp_path / f"out{i}"
        result = CliRunner().invoke(main, ["run", str(path), "--out", str(out), "-r", "2"])
        assert result.exit_code == 0, result.output

        def no_constants(token: str) -> None:
            raise AssertionError(f"{token} in summary.json")

        json.loads((out / "summary.json").read_text(), parse_constant=no_constants)
        for csv in out.glob("*.csv"):
            numbers = pd.read_csv(csv).select_dtypes("number").to_numpy(dtype=float)
            assert np.isfinite(numbers).all(), csv.name
