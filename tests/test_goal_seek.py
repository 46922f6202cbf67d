"""Goal-seek for a grant writer: the grant that closes the cliff, the recurring money that makes
a plan sustainable, the positions that fit, on any numeric path (list items included)."""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from conftest import build, data

import simulate
from simulate.budget.goalseek import goal_seek
from simulate.budget.projection import project
from simulate.measures.formats import money
from simulate.schema.errors import InputError
from simulate.schema.loading import apply_overrides
from simulate.study.budget_report import BudgetReport

CENT = Decimal("0.01")
ABSURD = re.compile(r"\$\d{1,3}(,\d{3}){3,}")  # a billion dollars or more
SEED, YEARS = 3, 2  # simulated years per evaluation: enough to vary, quick to run


def with_longer_grant(name: str) -> dict[str, Any]:
    """A bundled plan whose start-up grant (funding[3]) runs through the projection's five
    years instead of three: how large must it be to close the cliff?"""
    d = data(name)
    assert d["budget"]["funding"][3]["kind"] == "grant"
    d["budget"]["funding"][3]["end_year"] = 5
    for field in ("shares", "pays_for"):  # the same award every year, toward the whole plan
        d["budget"]["funding"][3].pop(field)
    return d


def rerun(d: dict[str, Any], path: str, value: Decimal) -> BudgetReport:
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
    n = int(goal.value)
    assert goal.answer.startswith(
        f"At most {n} Reach associate position{'s' if n > 1 else ''} on each of the 3 teams "
        f"'MCL team' of Maple Elementary {'fits' if n == 1 else 'fit'} within Traditional (one "
        f"teacher per classroom)'s recurring staffing cost ({money(goal.limit)}): the "
        f"recurring staffing cost is then {money(goal.cost)}; {n + 1} would make it "
        f"{money(goal.cost_beyond)}"
    )


def test_the_grant_per_year_that_covers_the_years_it_runs_to_the_cent() -> None:
    """The start-up grant runs years 1-3 and pays the MCLs and start-up costs, stepping down
    and paying 5% of indirect charges from its award: the least award that funds those three
    years, and not the cliff years it does not run in."""
    d = data("mcl_teams")
    usage = simulate.budget.Usage()
    goal = goal_seek(d, "budget.funding[3].amount", target="funded", usage=usage)
    assert goal.value is not None and goal.direction == "smallest" and goal.bound == "budget"

    def years(value: Decimal) -> list[Decimal]:
        spec = build(apply_overrides(d, {"budget.funding[3].amount": str(value)}))
        return [y.surplus for y in project(spec, usage).years]

    assert min(years(goal.value)[:3]) >= 0 > min(years(goal.value - CENT)[:3])
    assert min(years(goal.value)[3:]) < 0  # the cliff is the sustainability question
    assert goal.answer.startswith(
        f"Start-up grant (years 1-3) covers every year it runs at {money(goal.value)} in its "
        "first year (then 66%, 33% of it); the tightest of them is FY"
    )


def test_the_recurring_money_needed_from_the_cliff_on_against_a_hand_computation() -> None:
    """The base allotment that sustains the MCL plan once its grant ends (years 4 and 5):
    in each counted year k it must bring what recurring cost needs beyond the other recurring
    sources, cents(A x 1.03^(k-1)) >= need_k; the least such A, found by hand."""
    d = data("mcl_teams")
    usage = simulate.budget.Usage()
    path = "budget.funding[0].amount"
    goal = goal_seek(d, path, target="sustainable", usage=usage)
    multi = project(build(d), usage)
    base = multi.lines[-4].amounts  # the base allotment's revenue line, first of four sources
    assert multi.lines[-4].item == "General fund, school base allotment"
    needed = []
    for year in multi.years[3:]:  # FY2029-30 and FY2030-31: the grant cliff on
        k = year.year - 1
        need = year.recurring_cost - (year.recurring_revenue - base[k])
        growth = Decimal("1.03") ** k
        amount = (need / growth).quantize(CENT, rounding=ROUND_FLOOR) - CENT
        while (amount * growth).quantize(CENT, rounding=ROUND_HALF_UP) < need:
            amount += CENT  # the least amount whose grown revenue, to the cent, covers it
        needed.append(amount)
    assert goal.value == max(needed)
    assert goal.answer.startswith(
        "Recurring money covers the plan from the grant cliff on when General fund, school "
        f"base allotment is {money(goal.value)} a year; the tightest year is FY"
    )


def test_a_grant_cannot_sustain_a_plan_and_the_answer_says_what_would() -> None:
    d = data("mcl_teams")
    goal = goal_seek(
        d, "budget.funding[3].amount", target="sustainable", usage=simulate.budget.Usage()
    )
    assert goal.value is None and goal.bound == "infeasible" and goal.evaluations == 1
    assert goal.answer.startswith(
        "No amount of Start-up grant (years 1-3) sustains the plan: a grant is not recurring "
        "money, and sustainability counts recurring money only (FY2030-31 is short $"
    )
    assert "--goal-seek budget.funding[0].amount --target sustainable" in goal.remedy
    assert "--target funded" in goal.remedy
    assert not ABSURD.search(goal.text())


def test_the_last_year_a_grant_must_run() -> None:
    """A $1,000,000 grant toward the whole plan, years 1-3: how long must it run for every
    projected year to be funded? Through year 5; one year less leaves year 5 short."""
    d = data("mcl_teams")
    d["budget"]["funding"][3] = {"name": "Big grant", "kind": "grant", "amount": 1000000,
                                 "end_year": 3}  # fmt: skip
    usage = simulate.budget.Usage()
    goal = goal_seek(d, "budget.funding[3].end_year", target="funded", usage=usage)
    assert goal.value == 5 and goal.unit == 1
    assert goal.answer.startswith(
        "Big grant must run through FY2030-31 (year 5) for every projected year to be funded"
    )
    short = build(apply_overrides(d, {"budget.funding[3].end_year": 4}))
    assert project(short, usage).years[4].surplus < 0
    # a grant too small to fund the plan in any year cannot be saved by running longer
    d["budget"]["funding"][3]["amount"] = 1000
    none = goal_seek(d, "budget.funding[3].end_year", target="funded", usage=usage)
    assert none.value is None and none.answer.startswith(
        "No end year of Big grant funds every projected year: even running through the "
        "projection, FY"
    )
    assert "--goal-seek budget.funding[3].amount --target funded" in none.remedy
    # a grant whose shares set its years says so
    shares = goal_seek(
        data("mcl_teams"), "budget.funding[3].end_year", target="funded", usage=usage
    )
    assert shares.value is None and "shares set its years" in shares.answer


def test_when_nothing_fits_the_budget_it_says_so_without_a_figure_from_the_search() -> None:
    base = build(data("traditional"))
    d = data("mcl_teams")  # six MCLs on top of 24 teachers: over budget even unpaid
    goal = goal_seek(d, "roles.mcl.supplement", baseline=base, usage=simulate.budget.Usage())
    assert goal.value is None and goal.answer.startswith(
        "Nothing fits: even at $0.00 the recurring staffing cost is $"
    )
    assert "Traditional (one teacher per classroom)'s recurring staffing cost" in goal.answer
    assert goal.remedy.startswith("What would:") and not ABSURD.search(goal.text())


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
    assert "Start-up grant (years 1-3) is not needed for this: the target is met even at $0.00" in (
        goal.answer
    )


def test_the_search_stops_at_the_lowest_value_the_field_allows() -> None:
    """A period day cannot have fewer periods than its roles teach (7): the search for the
    fewest periods that fit stops there, and since the money does not depend on the periods,
    the answer says any value meets it, not 'nothing fits even at 0'."""
    d = data("middle_departmentalized")
    d["schools"][0]["periods"].pop("class_absence_rates")  # else the periods cannot move
    usage = simulate.budget.Usage()  # what the year used does not move with the periods
    goal = goal_seek(
        d, "schools[0].periods.periods_per_day", usage=usage, simulate=lambda spec: usage
    )
    assert goal.value is None and not goal.answer.startswith("Nothing fits")
    assert goal.answer.startswith("Periods per day does not change what the budget target")
    assert goal.answer.endswith("so any value meets it.")
    below = apply_overrides(d, {"schools[0].periods.periods_per_day": 6})
    with pytest.raises(InputError):
        build(below)  # 6 periods cannot hold the roles' 7: the lowest allowed value is 7


def test_a_field_that_cannot_change_on_its_own_is_refused_before_any_simulation() -> None:
    """With one absence rate for each of its 7 periods, a period day's periods change only
    with the rates: seeking them is refused in words, naming the field, before a year runs."""
    d = data("middle_departmentalized")
    usage = simulate.budget.Usage()
    ran: list[object] = []
    with pytest.raises(InputError) as err:
        goal_seek(
            d,
            "schools[0].periods.periods_per_day",
            usage=usage,
            simulate=lambda spec: ran.append(spec) or usage,
        )
    assert err.value.field == "schools[0].periods.periods_per_day" and ran == []
    assert "cannot change on its own" in err.value.problem
    assert "one rate for each period" in err.value.problem


def test_money_in_does_not_answer_the_budget_target_and_gives_no_figure() -> None:
    """The budget target compares the recurring staffing cost with the baseline's; no amount
    of money in changes either. Within the baseline, any amount meets it: no figure from the
    search (it stopped at billions), which --apply or the app would have written. Over it,
    no amount does, for that reason, not because the grant falls short in its years."""
    base = build(data("traditional"))
    usage = simulate.budget.Usage()
    within = goal_seek(
        data("mcl_within_budget"), "budget.funding[0].amount", baseline=base, usage=usage
    )
    assert within.value is None and not within.found and within.bound == "unbounded"
    assert within.answer.startswith(
        "General fund, school base allotment does not change what the budget target compares "
        "(recurring staffing cost $"
    )
    assert within.answer.endswith("so any value meets it.") and not ABSURD.search(within.text())
    assert "--target sustainable" in within.remedy and "--target funded" in within.remedy
    over = goal_seek(data("mcl_teams"), "budget.funding[3].amount", baseline=base, usage=usage)
    assert over.value is None and over.bound == "infeasible"
    assert over.answer.startswith(
        "Start-up grant (years 1-3) does not change what the budget target compares"
    )
    assert over.answer.endswith("so no value meets it.") and "funds every year" not in over.answer


def test_positions_that_sustain_the_plan_name_the_year_they_are_costed_in() -> None:
    """The most positions a plan's recurring money sustains from the grant cliff on: the cost
    in the sentence is that of the tightest year, named as such, not the year-1 'recurring
    staffing cost' the headline gives under that label."""
    path = "schools[0].teams[0].members.reach_associate"
    usage = simulate.budget.Usage()  # no vacancy or leaver: the cost follows the head count
    goal = goal_seek(
        data("mcl_within_budget"), path, target="sustainable", simulate=lambda _: usage
    )
    assert goal.value is not None and goal.at is not None and goal.beyond is not None
    n, at, past = int(goal.value), goal.at, goal.beyond
    assert at.met and not past.met
    assert goal.answer == (
        f"At most {n} Reach associate positions on each of the 3 teams 'MCL team' of Maple "
        f"Elementary fit: recurring cost in {at.year} {money(at.cost)} against recurring money "
        f"that year {money(at.limit)}; with {n + 1}, recurring cost in {past.year} "
        f"{money(past.cost)} against recurring money that year {money(past.limit)} (now 1)."
    )
    assert "recurring staffing cost" not in goal.answer
