"""Field paths: one parser and walker that overrides, goal-seek and sweeps share."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from conftest import BUNDLED, build, data

import simulate
from simulate.budget.goalseek import field_value, goal_seek
from simulate.budget.items import Usage
from simulate.schema import paths
from simulate.schema.errors import InputError
from simulate.schema.loading import apply_overrides, load_data
from simulate.study.budget_study import usage_of
from simulate.study.sweep.spec import ParameterSpec, _axis

WITHIN = "mcl_within_budget"
# Paths every walker accepts in mcl_within_budget (numeric fields, so goal-seek and sweeps may
# take them): list items in both spellings, defaults the file leaves out, and mapping entries
# the schema admits but the file leaves out (the principal has no small-group minutes, the team
# has no classroom teachers).
ACCEPTED = [
    "roles.mcl.supplement",
    "budget.funding[1].per_pupil",
    "budget.funding.1.per_pupil",
    "budget.funding[3].end_year",
    "schools[0].teams[0].members.reach_associate",
    "schools.0.teams.0.members.teacher",
    "roles.principal.schedule.small_group",
    "budget.projection.years",
    "calendar.school_days",
    "schools[0].enrollment",
]
# Paths every walker refuses, with what the message must name.
REFUSED = [
    ("roles.teachr.salary", "did you mean 'teacher'"),
    ("roles.mcl.suplement", "did you mean 'supplement'"),
    ("roles.mcl.schedule.smallgroup", "did you mean 'small_group'"),
    ("budget.fundng.0.amount", "did you mean 'funding'"),
    ("schools.7.enrollment", "0..0"),
    ("budget.funding[4].amount", "0..3"),
    ("calendar.non_instructional_days[0]", "the list is empty"),
    ("roles.mcl.ramp.0.from_week", "the list is empty"),
    ("name.first", "single value"),
    ("roles..salary", "field path"),
    ("schools[x].enrollment", "field path"),
    ("schools[0]enrollment", "field path"),
]


def _outcome(call: Any) -> tuple[str, str | None] | None:
    """None when the call accepts the path, else the problem it reports and what is allowed."""
    try:
        call()
    except InputError as err:
        return err.problem, err.allowed
    return None


def _three_walkers(path: str) -> dict[str, tuple[str, str | None] | None]:
    d = data(WITHIN)
    scenario = build(d)
    spec = ParameterSpec(values=[1])
    return {
        "override": _outcome(lambda: apply_overrides(d, {path: 1})),
        "goal-seek": _outcome(lambda: field_value(scenario, path, "s.yaml")),
        "sweep": _outcome(lambda: _axis(path, spec, scenario, "spec.yaml", {})),
    }


@pytest.mark.parametrize("path", ACCEPTED)
def test_overrides_goal_seek_and_sweeps_accept_the_same_paths(path: str) -> None:
    assert _three_walkers(path) == {"override": None, "goal-seek": None, "sweep": None}


@pytest.mark.parametrize(("path", "named"), REFUSED)
def test_overrides_goal_seek_and_sweeps_refuse_the_same_paths_alike(path: str, named: str) -> None:
    problems = _three_walkers(path)
    assert None not in problems.values(), problems
    assert len(set(problems.values())) == 1, problems  # one message, whoever asks
    problem, allowed = problems["override"] or ("", None)
    assert named in f"{problem} (allowed: {allowed})"


def test_both_spellings_of_a_list_item_are_one_path() -> None:
    assert paths.parse("budget.funding[1].amount") == paths.parse("budget.funding.1.amount")
    assert paths.parse("budget.funding[1].amount") == ("budget", "funding", 1, "amount")
    d = data(WITHIN)
    a = apply_overrides(d, {"budget.funding[1].per_pupil": "4100"})
    b = apply_overrides(d, {"budget.funding.1.per_pupil": "4100"})
    assert a == b and a["budget"]["funding"][1]["per_pupil"] == "4100"
    assert build(a).budget.funding[1].per_pupil == Decimal(4100)


def test_an_override_never_creates_a_key_the_schema_does_not_allow() -> None:
    d = data(WITHIN)
    before = json.dumps(d, sort_keys=True, default=str)
    for path in ("roles.teachr.salary", "budget.fundng", "calendar.school_day"):
        with pytest.raises(InputError) as err:
            apply_overrides(d, {path: 1})
        assert err.value.field == path and "did you mean" in err.value.problem
        assert err.value.allowed  # what is allowed there
    assert json.dumps(d, sort_keys=True, default=str) == before  # the input is left alone


def test_an_override_may_add_what_the_schema_admits() -> None:
    d = data(WITHIN)
    assert "budget" in d and "small_group" not in d["roles"]["principal"]["schedule"]
    out = apply_overrides(
        d,
        {
            "roles.principal.schedule.small_group": 30,  # an activity the schedule left out
            "roles.principal.group_size": 3,
            "roles.reading_coach": {"title": "Reading coach", "salary": 60000},  # a new role
            "absences.max_days": 5,  # a section the file leaves to its defaults
        },
    )
    scenario = build(out)
    assert scenario.roles["principal"].schedule["small_group"] == 30
    assert scenario.roles["reading_coach"].salary == 60000
    assert scenario.absences.max_days == 5
    # a section the data leaves out is created with its defaults, so the rest stays valid
    bare = {k: v for k, v in d.items() if k not in ("budget", "notes")}  # notes on the budget too
    years = apply_overrides(bare, {"budget.projection.years": 3})
    assert years["budget"] == {"projection": {"years": 3}}
    assert build(years).budget.projection.years == 3


def test_get_reads_left_out_entries_as_the_model_does() -> None:
    scenario = build(data(WITHIN))
    # a mapping of numbers reads a left-out entry as 0 (no minutes, no positions)
    assert paths.get(scenario, "roles.principal.schedule.small_group") == 0
    assert paths.get(scenario, "schools.0.teams.0.members.teacher") == 0
    # an optional field that is not set, and a role not yet written
    assert paths.get(scenario, "roles.teacher.hourly_wage") is None
    assert paths.get(scenario, "roles.reading_coach") is None
    assert paths.get(scenario, "budget.funding[3].end_year") == 3


def test_goal_seek_refuses_a_field_that_is_not_a_number_or_not_set() -> None:
    scenario = build(data(WITHIN))
    for path, got in [("roles.mcl.title", "not a number"), ("roles.mcl.hourly_wage", "not set")]:
        with pytest.raises(InputError) as err:
            field_value(scenario, path, "s.yaml")
        assert err.value.file == "s.yaml" and err.value.field == path
        assert got in err.value.problem


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("calendar.school_days", "int"),
        ("schools[0].devices", "int"),  # optional
        ("budget.funding.0.end_year", "int"),  # optional, inside a list item
        ("roles.teacher.schedule.small_group", "int"),  # a mapping's value
        ("roles.teacher.absence_rate", "float"),
        ("roles.teacher.salary", "money"),
        ("roles.teacher.hourly_wage", "money"),  # optional money
        ("roles.teacher.homeroom", "bool"),
        ("roles.teacher.title", "text"),
        ("coverage.vacancy_cover", "text"),  # a choice
        ("roles.teacher", "section"),
        ("schools.0.teams", "section"),
    ],
)
def test_kind_at_reads_the_model(path: str, kind: str) -> None:
    assert paths.kind_at(path) == kind


def test_kind_at_needs_no_data_but_checks_names() -> None:
    assert paths.kind_at("schools[12].teams[3].members.anyone") == "int"
    with pytest.raises(InputError, match="did you mean 'enrollment'"):
        paths.kind_at("schools[0].enrolment")


# The regex goal-seek used before the model marked cost-only fields.
OLD_COST_ONLY = re.compile(
    r"^(budget\..+"
    r"|roles\.[^.]+\.(title|salary|supplement|stipend|hourly_wage|hours_per_day|benefits_rate"
    r"|turnover_rate|replacement_cost)"
    r"|calendar\.day_minutes"
    r"|substitutes\.(daily_rate|long_term_daily_rate))$"
)


def _leaf_paths(node: Any, prefix: str = "") -> list[str]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaf_paths(v, f"{prefix}{k}.")]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaf_paths(v, f"{prefix}{i}.")]
    return [prefix[:-1]]


@pytest.mark.parametrize("file", BUNDLED, ids=lambda p: p.stem)
def test_cost_only_metadata_matches_the_old_rule_on_every_numeric_path(file: Any) -> None:
    scenario = build(load_data(file))
    dumped = scenario.model_dump(exclude={"notes"})  # notes are keyed by paths, not fields
    numeric = [p for p in _leaf_paths(dumped) if paths.kind_at(p) in paths.NUMERIC]
    assert len(numeric) > 50 and any(OLD_COST_ONLY.match(p) for p in numeric)
    for path in numeric:
        assert paths.is_cost_only(path) == bool(OLD_COST_ONLY.match(path)), path


def test_goal_seek_starts_a_left_out_entry_from_zero() -> None:
    """How many classroom teachers could MCL teams add within today's budget? None here."""
    base = build(data("traditional"))
    base_usage = simulate.run(base, seed=0).usage
    path = "schools.0.teams.0.members.teacher"
    answer = goal_seek(
        data(WITHIN), path, baseline=base, baseline_usage=base_usage, simulate=usage_of(0, 1)
    )
    assert answer.original == 0 and answer.value == 0 and answer.bound == "budget"
    assert answer.cost is not None and answer.cost_beyond is not None and answer.limit is not None
    assert answer.cost <= answer.limit < answer.cost_beyond
    # an entry that names no role is refused before any search, with the model's message
    with pytest.raises(InputError) as err:
        goal_seek(data(WITHIN), "schools.0.staff.principl", file="w.yaml", usage=Usage())
    assert err.value.field == "schools[0].staff.principl"
    assert "did you mean 'principal'" in err.value.problem
