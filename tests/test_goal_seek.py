"""Goal-seek for a grant writer: the grant that closes the cliff, the recurring money that makes
a plan sustainable, the positions that fit, on any numeric path (list items included)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import build, data

import simulate
from simulate.budget.goalseek import goal_seek
from simulate.schema.errors import InputError
from simulate.schema.loading import apply_overrides

CENT = Decimal("0.01")
SEED, YEARS = 3, 2  # simulated years per evaluation: enough to vary, quick to run


def with_longer_grant(name: str) -> dict[str, Any]:
    """A bundled plan whose start-up grant (funding[3]) runs through the projection's five
    years instead of three: how large must it be to close the cliff?"""
    d = data(name)
    assert d["budget"]["funding"][3]["kind"] == "grant"
    d["budget"]["funding"][3]["end_year"] = 5
    return d


def rerun(d: dict[str, Any], path: str, value: Decimal) -> simulate.budget.tables.BudgetReport:
    """The budget of the plan re-run from scratch with the field at `value`."""
    spec = build(apply_overrides(d, {path: str(value)}))
    return simulate.budget_study(spec, seed=SEED, replications=YEARS)


def test_goal_seek_finds_the_grant_that_closes_the_cliff_to_the_cent() -> None:
    d = with_longer_grant("mcl_teams")
    path = "budget.funding[3].amount"
    before = rerun(d, path, Decimal(d["budget"]["funding"][3]["amount"])).multiyear
    assert any(y.surplus < 0 for y in before.years)  # today's award leaves gaps
    study = simulate.budget_study(
        build(d), seed=SEED, replications=YEARS, goal_field=path, target="funded"
    )
    goal = study.goal
    assert goal is not None and goal.value is not None and goal.bound == "budget"
    assert goal.direction == "smallest" and goal.unit == CENT
    # re-run the budget at that amount: every year is funded, the cliff is closed ...
    at = rerun(d, path, goal.value).multiyear
    assert all(y.surplus >= 0 for y in at.years)
    assert min(y.surplus for y in at.years) < CENT  # ... by the least grant that does it
    # ... and one cent less leaves a gap
    less = rerun(d, path, goal.value - CENT).multiyear
    assert any(y.surplus < 0 for y in less.years)
    assert "goal-seek budget.funding[3].amount (funded" in goal.text()


def test_goal_seek_finds_the_recurring_money_that_makes_a_plan_sustainable() -> None:
    d = data("mcl_teams")
    path = "budget.funding[0].amount"  # the general fund's base allotment
    assert not rerun(d, path, Decimal(160000)).multiyear.verdict.sustainable
    study = simulate.budget_study(
        build(d), seed=SEED, replications=YEARS, goal_field=path, target="sustainable"
    )
    goal = study.goal
    assert goal is not None and goal.value is not None and goal.value > Decimal(160000)
    assert rerun(d, path, goal.value).multiyear.verdict.sustainable
    assert not rerun(d, path, goal.value - CENT).multiyear.verdict.sustainable


def test_goal_seek_finds_the_positions_of_a_role_that_fit_the_baseline() -> None:
    """How many reach associates can a team have within today's budget?"""
    base, d = build(data("traditional")), data("mcl_within_budget")
    path = "schools[0].teams[0].members.reach_associate"
    study = simulate.budget_study(
        build(d), base, seed=SEED, replications=YEARS, goal_field=path, workers=1
    )
    goal = study.goal
    assert goal is not None and goal.value is not None and goal.reran_simulation
    assert goal.unit == 1 and goal.direction == "largest" and goal.value >= 1
    assert goal.cost is not None and goal.limit is not None and goal.cost_beyond is not None
    assert goal.cost <= goal.limit < goal.cost_beyond


def test_a_grant_that_ends_before_the_cliff_cannot_close_it() -> None:
    d = data("mcl_teams")  # the start-up grant pays years 1-3; the gap is in years 4-5
    goal = goal_seek(d, "budget.funding[3].amount", target="funded", usage=simulate.budget.Usage())
    assert goal.value is None and goal.bound == "infeasible"
    assert "no value meets it" in goal.text() and "FY2030-31 (the tightest year)" in goal.text()


def test_targets_other_than_the_budget_need_funding_sources() -> None:
    d = apply_overrides(data("mcl_teams"), {"budget.funding": []})  # their notes go too
    with pytest.raises(InputError) as err:
        simulate.budget_study(build(d), goal_field="roles.mcl.supplement", target="sustainable")
    assert err.value.field == "budget.funding"


def test_a_grant_a_funded_plan_does_not_need_is_found_to_be_zero() -> None:
    """With a million dollars more of recurring money, every year of the MCL plan is funded
    without its start-up grant: the least grant that funds every year is none (not the largest
    amount that still 'fits')."""
    d = data("mcl_teams")
    d["budget"]["funding"][0]["amount"] = float(d["budget"]["funding"][0]["amount"]) + 1e6
    path = "budget.funding[3].amount"
    assert all(y.surplus >= 0 for y in rerun(d, path, Decimal(0)).multiyear.years)
    study = simulate.budget_study(
        build(d), seed=SEED, replications=YEARS, goal_field=path, target="funded"
    )
    goal = study.goal
    assert goal is not None and goal.direction == "smallest"
    assert goal.value == 0 and goal.bound == "range"
    assert "met even at the lowest value" in goal.text()
