"""Grants as they are written: step-downs, the costs a grant pays for, matching and indirect
charges, each against a hand computation from the scenario's inputs; and who pays what."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from conftest import build, data

from simulate.budget import items as b
from simulate.budget.federal import in_base, object_class
from simulate.budget.funding import spread
from simulate.budget.projection import project
from simulate.schema.errors import InputError
from simulate.study.budget_tables import federal_frame

CENT = Decimal("0.01")
GROWTH = Decimal("1.03")  # traditional.yaml: salary_growth and revenue_growth 0.03


def c(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def today_with(*grants: dict[str, Any]) -> Any:
    """Today's staffing (no simulated usage) with these grants after its recurring money."""
    d = data("traditional")
    d["budget"]["funding"] = [*d["budget"]["funding"], *grants]
    return build(d)


def principal_lines(year: int) -> tuple[Decimal, Decimal]:
    """The principal's salary and benefits in projection year `year`, by hand: $110,000 and
    40% of it, each grown by 3% a year and rounded to the cent."""
    salary = Decimal(110000)
    benefits = c(Decimal("0.40") * salary)
    return c(salary * GROWTH ** (year - 1)), c(benefits * GROWTH ** (year - 1))


def grant_paid(multi: Any, j: int) -> list[Decimal]:
    return [year.sources[j].total for year in multi.funding]


def test_a_step_down_grant_pays_its_share_of_the_costs_it_pays_for() -> None:
    grant = {
        "name": "Principal coaching grant",
        "kind": "grant",
        "pays_for": ["principal"],
        "shares": [1.0, 0.66, 0.33],
    }
    multi = project(today_with(grant))
    expected = []
    for year, share in ((1, "1"), (2, "0.66"), (3, "0.33")):
        salary, benefits = principal_lines(year)
        expected.append(c(Decimal(share) * salary) + c(Decimal(share) * benefits))
    expected += [Decimal(0), Decimal(0)]  # the grant ends after its last share
    # year 2: 66% of $113,300.00 + 66% of $45,320.00 = $74,778.00 + $29,911.20
    assert expected[1] == Decimal("104689.20")
    assert grant_paid(multi, 3) == expected
    assert [y.grant_revenue for y in multi.years] == expected
    assert multi.verdict.cliff_year == 4  # the cliff follows the last share
    # the federal justification names the grant's part of the salary and its share
    detail = federal_frame(multi, today_with(grant))
    row = detail[(detail.funding_source == grant["name"]) & (detail.fiscal_year == "FY2027-28")]
    assert list(row.basis)[0] == (
        "1 position-years filled x $110,000.00 x 1.03^1 (salary growth) = $113,300.00; "
        "Principal coaching grant pays $74,778.00 of it (66%)"
    )


def test_indirect_charges_are_the_rate_on_the_direct_costs_it_pays() -> None:
    grant = {
        "name": "g",
        "kind": "grant",
        "pays_for": ["principal"],
        "end_year": 1,
        "indirect_rate": 0.1,
    }
    paid = project(today_with(grant)).funding[0].sources[3]
    salary, benefits = principal_lines(1)
    assert paid.total == salary + benefits == Decimal("154000.00")
    assert paid.indirect == Decimal("15400.00")  # 10% of $154,000.00
    assert paid.available == Decimal("169400.00")  # the grant pays both


def test_a_fixed_award_pays_its_indirect_charges_from_the_award() -> None:
    """$100,000 at 5%: direct = 100,000 / 1.05 = $95,238.10; 5% of it is $4,761.905, but the
    award has $4,761.90 left, so that is the charge; nothing is unspent."""
    grant = {
        "name": "g",
        "kind": "grant",
        "amount": 100000,
        "pays_for": ["principal"],
        "end_year": 1,
        "indirect_rate": 0.05,
    }
    paid = project(today_with(grant)).funding[0].sources[3]
    assert paid.total == Decimal("95238.10")
    assert paid.indirect == Decimal("4761.90")
    assert paid.unspent == 0 and paid.available == Decimal(100000)
    # spread over the principal's salary and benefits in proportion, 110,000 : 44,000:
    # 9,523,810 cents x 110/154 = 6,802,721.43 and x 44/154 = 2,721,088.57; both rounded
    # down leave one cent, which goes to the larger remainder (the benefits)
    assert sorted(a for a in paid.direct if a) == [Decimal("27210.89"), Decimal("68027.21")]


def test_an_award_larger_than_its_costs_leaves_the_rest_unspent() -> None:
    grant = {"name": "g", "kind": "grant", "amount": 200000, "pays_for": ["principal"]}
    multi = project(today_with({**grant, "end_year": 1}))
    paid = multi.funding[0].sources[3]
    assert paid.total == Decimal("154000.00") and paid.unspent == Decimal("46000.00")
    assert any("$46,000.00 of its award in FY2026-27" in note for note in multi.notes())


def test_a_match_is_district_money_per_grant_dollar_against_the_costs_it_pays_for() -> None:
    """A 50% step-down share of the principal with a match of $0.80 per grant dollar:
    year 1 the grant pays $77,000.00, the district the other $77,000.00; the match asks
    $61,600.00, which the district's part carries. At 100% the district pays nothing of
    those costs, so the whole match must come from elsewhere."""
    half = {"name": "g", "kind": "grant", "pays_for": ["principal"], "shares": [0.5], "match": 0.8}
    paid = project(today_with(half)).funding[0].sources[3]
    assert (paid.total, paid.match, paid.match_short) == (
        Decimal("77000.00"),
        Decimal("61600.00"),
        Decimal(0),
    )
    whole = project(today_with({**half, "shares": [1.0]}))
    paid = whole.funding[0].sources[3]
    assert (paid.match, paid.match_short) == (Decimal("123200.00"), Decimal("123200.00"))
    assert any("$123,200.00 must come from other project costs" in n for n in whole.notes())


def test_recurring_money_pays_the_rest_in_proportion_exact_to_the_cent() -> None:
    scenario = today_with()
    multi = project(scenario)
    costs = [line for line in multi.lines if line.base is not None]
    for k, year in enumerate(multi.funding):
        for i, line in enumerate(costs):  # each cost is paid whole, or what is not is the gap
            paid = sum((p.direct[i] for p in year.sources), Decimal(0))
            assert paid + year.unfunded[i] == line.amounts[k]
        for source, paid in zip(scenario.budget.funding, year.sources, strict=True):
            money_in = c(source.revenue(600) * GROWTH**k)
            assert paid.available == money_in and 0 <= paid.total <= money_in
    # today's staffing is covered with a margin: nothing unpaid, the rest is unspent
    assert all(not any(y.unfunded) for y in multi.funding)


def test_spread_splits_exactly_by_largest_remainders() -> None:
    assert spread(Decimal("1.00"), [Decimal(1)] * 3) == [Decimal("0.34"), *[Decimal("0.33")] * 2]
    assert spread(Decimal("10.00"), [Decimal(0), Decimal(5)]) == [Decimal(0), Decimal("10.00")]
    assert sum(spread(Decimal("999.99"), [Decimal("0.7"), Decimal("3.1")])) == Decimal("999.99")


def test_participant_support_and_equipment_stay_out_of_the_indirect_base() -> None:
    d = data("mcl_residents_tutors")
    d["roles"]["resident"]["stipend_benefits"] = False  # a trainee, not an employee
    d["budget"]["devices"] = {"unit_cost": 12000, "life_years": 4}
    d["schools"][0]["rotation"] = data("lab_rotation")["schools"][0]["rotation"]
    scenario = build(d)
    items = {i.item: i for i in b.line_items(scenario)}
    stipend = items["Teacher resident stipends"]
    assert object_class(stipend, scenario) == "other" and not in_base(stipend, scenario)
    device = next(i for i in items.values() if i.category == "devices")
    assert object_class(device, scenario) == "equipment" and not in_base(device, scenario)
    salary = items["Team teacher salaries"]
    assert object_class(salary, scenario) == "personnel" and in_base(salary, scenario)


@pytest.mark.parametrize(
    ("grant", "field", "problem"),
    [
        ({"kind": "recurring", "match": 0.5}, "match", "describes a grant"),
        ({"pays_for": ["residents"]}, "pays_for[0]", "did you mean 'resident'"),
        ({"shares": [1, 0.5], "end_year": 4}, "end_year", "end in year 2"),
    ],
)
def test_grant_fields_are_checked(grant: dict[str, Any], field: str, problem: str) -> None:
    d = data("mcl_residents_tutors")
    d["budget"]["funding"].append({"name": "g", "kind": "grant", **grant})
    with pytest.raises(InputError) as err:
        build(d)
    assert err.value.field == f"budget.funding[5].{field}" and problem in err.value.problem
