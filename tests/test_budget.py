"""Budget: exact line items, per pupil, multi-year projection, verdict, comparison, goal-seek."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import build, data
from hypothesis import given, settings
from hypothesis import strategies as st

import simulate
from simulate.budget import items as b
from simulate.budget.goalseek import goal_seek
from simulate.budget.projection import project
from simulate.engine.core import Engine
from simulate.schema.errors import InputError
from simulate.schema.loading import apply_overrides
from simulate.schema.paths import is_cost_only
from simulate.study import budget_tables as t
from simulate.study.budget_report import report as budget_report
from simulate.study.budget_study import usage_of
from simulate.study.figures import usage as engine_usage


def with_budget(d: dict[str, Any], **budget: Any) -> dict[str, Any]:
    """The scenario with these budget sections; notes on what they replace go with them."""
    return apply_overrides(d, {f"budget.{name}": value for name, value in budget.items()})


def recurring_cost(d: dict[str, Any], usage: b.Usage | None = None) -> Decimal:
    return b.recurring_total(b.recurring_items(build(d), usage))


# ---- line items ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["traditional", "mcl_residents_tutors", "lab_rotation"])
def test_line_items_add_up_to_the_total_to_the_cent(name: str) -> None:
    # awkward rates and wages so that rounding happens on many lines
    d = apply_overrides(
        data(name),
        {"budget.benefits_rate": 0.3137, "substitutes.daily_rate": "131.17"},
    )
    result = simulate.run(build(d), seed=3)
    items = result.line_items
    assert all(i.amount == b.cents(i.quantity * i.unit_cost) for i in items)
    total = b.total(items)
    assert sum((Decimal(str(a)) for a in result.budget["amount"]), Decimal(0)) == total
    report = budget_report(result.scenario, result.usage)
    table = report.tables()["budget"]
    assert sum((Decimal(str(a)) for a in table["amount"]), Decimal(0)) == total
    assert report.totals()["year1_total"] == total


def test_salaried_lines_have_the_known_answer_without_friction(traditional: dict) -> None:
    """No simulated usage: the budget is positions x (salary + supplement) x (1 + benefits),
    plus the replacement of the holders who leave at the end of the year."""
    s = build(traditional)
    expected = Decimal(0)
    for role, n in b.positions(s).items():
        r = s.roles[role]
        pay = n * (r.salary + r.supplement)
        expected += b.cents(pay) + b.cents(pay * Decimal(str(s.budget.benefits_rate)))
        expected += b.cents(n * Decimal(str(r.turnover_rate)) * r.replacement_cost)
    assert b.recurring_total(b.recurring_items(s)) == expected


def test_per_pupil_is_total_over_enrollment() -> None:
    result = simulate.run(build(data("mcl_within_budget")), seed=1)
    s = result.scenario
    totals = budget_report(s, result.usage).totals()
    assert totals["recurring_per_pupil"] == b.cents(totals["recurring"] / s.enrollment)
    assert totals["year1_per_pupil"] == b.cents(totals["year1_total"] / s.enrollment)
    for item, pp in zip(result.line_items, result.budget["per_pupil"], strict=True):
        assert Decimal(str(pp)) == b.cents(item.amount / s.enrollment)


def test_devices_default_to_one_per_student_like_the_engine() -> None:
    d = data("lab_rotation")
    d["schools"][0].pop("devices")
    s = build(d)
    line = next(i for i in b.line_items(s) if i.category == "devices")
    assert line.quantity == s.enrollment


# ---- teacher-position equivalents ------------------------------------------------------------


def test_average_teacher_is_the_position_weighted_mean_base_salary_with_benefits() -> None:
    """Supplements are left out: the MCL plan's teacher position is today's, $72,030 x 1.40."""
    d = data("mcl_within_budget")
    d["roles"]["mcl"]["salary"] = 80000  # a higher base salary moves the mean, by positions
    s = build(d)
    rate = Decimal(str(s.budget.benefits_rate))
    n = b.positions(s)
    cost = n["mcl"] * Decimal(80000) + n["team_teacher"] * s.roles["team_teacher"].salary
    assert b.teacher_cost(s) == b.cents(cost * (1 + rate) / (n["mcl"] + n["team_teacher"]))
    trad = build(data("traditional"))
    assert b.teacher_cost(trad) == Decimal("100842.00")  # 72,030 x 1.40
    assert b.teacher_cost(build(data("mcl_residents_tutors"))) == Decimal("100842.00")
    # a cost of exactly one average teacher is one position
    assert b.equivalents(b.teacher_cost(trad) or Decimal(0), b.teacher_cost(trad)) == 1.0


# ---- comparison --------------------------------------------------------------------------------


def test_comparison_differences_add_up_and_vanish_against_itself() -> None:
    base = simulate.run(build(data("traditional")), seed=2)
    ours = simulate.run(build(data("mcl_within_budget")), seed=2)
    table = t.compare_budgets(ours.scenario, base.scenario, ours.usage, base.usage)
    diff = sum((Decimal(str(x)) for x in table["difference"]), Decimal(0))
    assert diff == b.total(ours.line_items) - b.total(base.line_items)
    for row in table.itertuples():
        assert Decimal(str(row.difference)) == Decimal(str(row.amount)) - Decimal(
            str(row.baseline_amount)
        )
        enrollment = ours.scenario.enrollment
        assert Decimal(str(row.per_pupil)) == b.cents(Decimal(str(row.amount)) / enrollment)
    by_category = t.compare_categories(ours.scenario, base.scenario, ours.usage, base.usage)
    assert sum((Decimal(str(x)) for x in by_category["difference"]), Decimal(0)) == diff
    same = t.compare_budgets(base.scenario, base.scenario, base.usage, base.usage)
    assert (same["difference"] == 0).all() and (same["per_pupil_difference"] == 0).all()


def test_within_budget_trades_teacher_positions_for_associates_and_supplements() -> None:
    base, ours = build(data("traditional")), build(data("mcl_within_budget"))
    roles = t.role_table(ours, None, base, None).set_index("role")
    teachers = [r for r, spec in ours.roles.items() if spec.is_teacher]
    freed = -int(roles.loc[roles.index.intersection(teachers), "position_difference"].sum())
    teams = ours.schools[0].teams
    assert freed == sum(t.count for t in teams)  # one unfilled teacher position per team
    assert roles.loc["reach_associate", "position_difference"] > 0
    # with the bundled figures the arrangement fits inside today's recurring cost and revenue
    for seed in (0, 1, 2):
        b_use = simulate.run(base, seed=seed).usage
        o_use = simulate.run(ours, seed=seed).usage
        assert b.recurring_total(b.recurring_items(ours, o_use)) <= b.recurring_total(
            b.recurring_items(base, b_use)
        )
        assert project(ours, o_use).verdict.sustainable_from == 1


# ---- multi-year projection and verdict ----------------------------------------------------------


def test_verdict_flips_when_the_grant_covering_a_recurring_gap_ends(traditional: dict) -> None:
    cost = recurring_cost(traditional)
    gap = Decimal("250000.00")
    projection = {"years": 5, "salary_growth": 0, "revenue_growth": 0, "enrollment_change": 0}
    funding = [
        {"name": "general fund", "kind": "recurring", "amount": str(cost - gap)},
        {"name": "grant", "kind": "grant", "amount": str(gap), "start_year": 1, "end_year": 3},
    ]
    d = with_budget(traditional, funding=funding, projection=projection)
    multi = project(build(d))
    table = t.multiyear_frame(multi)
    assert list(table["funded"]) == [True, True, True, False, False]
    assert not table["recurring_covered"].any()
    v = multi.verdict
    assert (v.sustainable_from, v.shortfall, v.cliff_year, v.cliff_gap) == (None, gap, 4, -gap)
    assert "not sustainable" in v.text() and "year 4" in v.text()
    # the same money as a recurring source: sustainable from the first year, no cliff
    recurring = [funding[0], {**funding[1], "kind": "recurring", "end_year": None}]
    v2 = project(build(with_budget(d, funding=recurring))).verdict
    assert (v2.sustainable_from, v2.shortfall, v2.cliff_year) == (1, Decimal(0), None)
    # a projection that stops before the cliff does not pretend to know the gap
    v3 = project(build(d), years=3).verdict
    assert v3.cliff_year == 4 and v3.cliff_gap is None and "--years 4" in v3.text()


def test_sustainable_from_the_first_year_recurring_money_catches_up(traditional: dict) -> None:
    """Revenue growing 10% a year against flat cost: the verdict is the first year it covers."""
    cost = recurring_cost(traditional)
    start = (cost * Decimal("0.8")).quantize(Decimal("0.01"))
    projection = {"years": 6, "salary_growth": 0, "revenue_growth": 0.1, "enrollment_change": 0}
    funding = [{"name": "levy", "kind": "recurring", "amount": str(start)}]
    multi = project(build(with_budget(traditional, funding=funding, projection=projection)))
    first = next(k for k in range(1, 7) if b.cents(start * Decimal("1.1") ** (k - 1)) >= cost)
    assert 1 < first <= 6
    assert multi.verdict.sustainable_from == first
    assert [y.recurring_surplus >= 0 for y in multi.years] == [k >= first for k in range(1, 7)]


def test_growth_enrollment_and_one_offs_follow_their_drivers(traditional: dict) -> None:
    d = with_budget(
        traditional,
        software_per_student=25,
        one_off=[{"name": "training", "amount": 5000, "year": 2}],
        funding=[{"name": "fund", "kind": "recurring", "per_pupil": 4000}],
        projection={
            "years": 3,
            "salary_growth": 0.05,
            "enrollment_change": -0.1,
            "revenue_growth": 0.02,
        },
    )
    s = build(d)
    items = b.recurring_items(s)
    multi = project(s)
    y2 = multi.years[1]
    assert y2.enrollment == 540
    assert y2.one_off_cost == Decimal(5000) and multi.years[0].one_off_cost == 0
    pay = sum((b.cents(i.amount * Decimal("1.05")) for i in items if i.driver == "pay"), Decimal(0))
    assert y2.recurring_cost == pay + Decimal(25) * 540
    assert y2.recurring_revenue == b.cents(Decimal(4000) * 540 * Decimal("1.02"))


@settings(max_examples=30, deadline=None)
@given(
    growth=st.decimals("-0.2", "0.2", places=4),
    change=st.decimals("-0.2", "0.2", places=4),
    years=st.integers(1, 8),
)
def test_each_projected_year_adds_up_to_the_cent(
    growth: Decimal, change: Decimal, years: int
) -> None:
    d = with_budget(
        data("mcl_residents_tutors"),
        software_per_student="17.37",
        projection={"salary_growth": float(growth), "enrollment_change": float(change)},
    )
    s = build(d)
    multi = project(s, b.Usage({"tutor": 1234.5}, 101.0, 7.0), years)
    wide = t.multiyear_items_frame(multi)
    for k, y in enumerate(multi.years, start=1):
        costs = wide[wide.side == "cost"]
        summed = sum((Decimal(str(a)) for a in costs[f"year_{k}"]), Decimal(0))
        assert summed == y.total_cost
        revenue = wide[wide.side == "revenue"]
        assert sum((Decimal(str(a)) for a in revenue[f"year_{k}"]), Decimal(0)) == y.total_revenue
        assert y.surplus == y.total_revenue - y.total_cost


# ---- goal-seek ---------------------------------------------------------------------------------


def test_cost_only_fields_do_not_change_the_simulated_year() -> None:
    """Goal-seek reuses usage for these fields; that is only right if the engine ignores them."""
    d = data("mcl_residents_tutors")
    before = engine_usage(Engine(build(d), 5, 0).run())
    changes = {
        "roles.mcl.supplement": "99999",
        "roles.resident.stipend": "1",
        "roles.tutor.hourly_wage": "99",
        "roles.tutor.hours_per_day": 3.5,
        "roles.team_teacher.salary": "12345.67",
        "roles.team_teacher.benefits_rate": 0.9,
        "substitutes.daily_rate": "999",
        "substitutes.long_term_daily_rate": "999",
        "budget.benefits_rate": 0.01,
    }
    assert all(is_cost_only(path) for path in changes)
    after = engine_usage(Engine(build(apply_overrides(d, changes)), 5, 0).run())
    assert after == before


def test_goal_seek_answer_fits_and_one_cent_more_breaks_it() -> None:
    base = build(data("traditional"))
    base_usage = simulate.run(base, seed=0).usage
    d = data("mcl_within_budget")
    usage = simulate.run(build(d), seed=0).usage
    answer = goal_seek(
        d, "roles.mcl.supplement", baseline=base, baseline_usage=base_usage, usage=usage
    )
    limit = b.recurring_total(b.recurring_items(base, base_usage))
    assert answer.bound == "budget" and answer.unit == Decimal("0.01")
    assert answer.value is not None and answer.value > build(d).roles["mcl"].supplement

    def cost(value: Decimal) -> Decimal:
        return recurring_cost(apply_overrides(d, {"roles.mcl.supplement": str(value)}), usage)

    assert cost(answer.value) <= limit < cost(answer.value + Decimal("0.01"))
    assert (answer.cost, answer.limit) == (cost(answer.value), limit)
    assert answer.direction == "largest" and answer.cost_beyond == cost(answer.value + answer.unit)


def test_goal_seek_on_a_simulated_field_reruns_the_engine() -> None:
    """A head count changes the simulated hours, so every evaluation simulates the year."""
    base = build(data("traditional"))
    base_usage = simulate.run(base, seed=0).usage
    d = data("mcl_within_budget")
    path = "schools.0.teams.0.members.reach_associate"
    answer = goal_seek(d, path, baseline=base, baseline_usage=base_usage, simulate=usage_of(0, 1))
    assert answer.reran_simulation and answer.unit == 1 and answer.value is not None
    limit = b.recurring_total(b.recurring_items(base, base_usage))

    def cost(n: int) -> Decimal:
        s = build(apply_overrides(d, {path: n}))
        return b.recurring_total(b.recurring_items(s, simulate.run(s, seed=0).usage))

    assert cost(int(answer.value)) <= limit < cost(int(answer.value) + 1)


def test_goal_seek_reports_when_nothing_fits_or_nothing_binds() -> None:
    base = build(data("traditional"))
    d = data("mcl_teams")  # six MCLs on top of 24 teachers: over budget even unpaid
    none = goal_seek(d, "roles.mcl.supplement", baseline=base, usage=b.Usage())
    assert none.value is None and none.bound == "infeasible" and none.cost > none.limit
    # the devices' price does not enter a scenario without a rotation: no limit binds
    free = goal_seek(
        data("mcl_within_budget"), "budget.devices.unit_cost", baseline=base, usage=b.Usage()
    )
    assert free.bound == "unbounded" and free.value is None  # no figure from the search
    assert free.answer.startswith("Unit cost does not change what the budget target compares")
    assert free.answer.endswith("so any value meets it.") and free.remedy.startswith("What would")
    # without a baseline the scenario's own recurring revenue is the limit
    own = goal_seek(data("mcl_within_budget"), "roles.mcl.supplement", usage=b.Usage())
    assert own.limit == project(build(data("mcl_within_budget"))).years[0].recurring_revenue


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("roles.mcl.suplement", "supplement"),
        ("roles.nobody.salary", "nobody"),
        ("roles.mcl.title", "numeric"),
        ("schools.7.enrollment", "0..0"),
    ],
)
def test_goal_seek_rejects_a_bad_field_naming_it(path: str, named: str) -> None:
    with pytest.raises(InputError) as err:
        goal_seek(data("mcl_within_budget"), path, file="x.yaml", usage=b.Usage())
    assert err.value.field == path and named in str(err.value)


def test_a_grant_ending_before_it_starts_is_bad_input(traditional: dict) -> None:
    grant = {"name": "g", "kind": "grant", "amount": 5, "start_year": 3, "end_year": 2}
    with pytest.raises(InputError) as err:
        build(with_budget(traditional, funding=[grant]))
    assert err.value.field == "budget.funding[0].end_year"
