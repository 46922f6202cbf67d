"""Every role costed as districts cost it: benefited paraprofessionals, residents' benefits,
no salary for vacant positions, and a replacement cost for every leaver."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from conftest import build, data

from simulate.budget import items as b
from simulate.engine.core import Engine
from simulate.schema.loading import apply_overrides
from simulate.study import budget_tables as t
from simulate.study.figures import usage as engine_usage

HOURLY = [  # (scenario, role): every bundled hourly role
    ("mcl_within_budget", "reach_associate"),
    ("mcl_residents_tutors", "tutor"),
    ("lab_rotation", "paraprofessional"),
]


def role_lines(items: list[b.LineItem], role: str) -> dict[str, Decimal]:
    """A role's line items by category (each category at most once per role)."""
    out: dict[str, Decimal] = {}
    for i in items:
        if i.role == role:
            assert i.category not in out
            out[i.category] = i.amount
    return out


@pytest.mark.parametrize(("name", "role"), HOURLY)
def test_paraprofessional_costs_match_hand_computation_with_benefits(name: str, role: str) -> None:
    s = build(data(name))
    r = s.roles[role]
    assert r.hourly_wage is not None and r.benefits_rate is not None
    assert r.benefits_rate >= 0.45  # benefited staff, not "FICA and little else"
    n = b.positions(s)[role]
    days = 171.5 * n  # days on site, as a simulated year would give them
    usage = b.Usage(days_worked={role: days})
    lines = role_lines(b.recurring_items(s, usage), role)
    wages = b.cents(Decimal(str(days)) * Decimal(str(r.hours_per_day)) * r.hourly_wage)
    supplements = b.cents(n * r.supplement)
    benefits = b.cents((wages + supplements) * Decimal(str(r.benefits_rate)))
    replacements = b.cents(n * Decimal(str(r.turnover_rate)) * r.replacement_cost)
    assert lines.get("hourly") == wages
    assert lines.get("personnel", Decimal(0)) == supplements
    assert lines.get("benefits") == benefits
    assert lines.get("turnover", Decimal(0)) == replacements
    assert set(lines) <= {"hourly", "personnel", "benefits", "turnover"}


def test_a_position_costs_its_pay_with_benefits_for_a_full_year() -> None:
    s = build(data("mcl_within_budget"))
    ra = s.roles["reach_associate"]
    assert ra.hourly_wage is not None
    days = s.calendar.school_days - len(s.calendar.non_instructional_days)
    pay = ra.hourly_wage * days * Decimal(str(ra.hours_per_day)) + ra.supplement
    rate = Decimal(str(ra.benefits_rate))
    assert b.position_cost(s, "reach_associate") == b.cents(pay * (1 + rate))
    team_teacher = s.roles["team_teacher"]
    assert b.position_cost(s, "team_teacher") == b.cents(
        (team_teacher.salary + team_teacher.supplement) * (1 + Decimal(str(s.budget.benefits_rate)))
    )


def test_residents_carry_benefits_on_their_stipend_where_the_programme_pays_them() -> None:
    d = data("mcl_residents_tutors")
    s = build(d)
    resident = s.roles["resident"]
    assert resident.stipend_benefits and resident.stipend > 0
    n = b.positions(s)["resident"]
    rate = Decimal(str(resident.benefits_rate))
    lines = role_lines(b.recurring_items(s), "resident")
    assert lines["residency"] == n * resident.stipend
    assert lines["benefits"] == b.cents(n * resident.stipend * rate)
    # a programme that pays the stipend alone: no benefits line for the role
    bare = build(apply_overrides(d, {"roles.resident.stipend_benefits": False}))
    assert "benefits" not in role_lines(b.recurring_items(bare), "resident")


def leaving(name: str, attrition: float, delay: int, turnover: float = 0.0) -> dict:
    """A bundled scenario whose teachers leave mid-year with this chance and hiring delay."""
    return apply_overrides(
        data(name),
        {
            "roles.teacher.attrition_rate": attrition,
            "roles.teacher.turnover_rate": turnover,
            "coverage.hiring_delay_days": delay,
        },
    )


def test_vacancy_months_pay_no_salary_and_the_long_term_substitute_is_paid_instead() -> None:
    s = build(leaving("traditional", attrition=1.0, delay=40))
    engine = Engine(s, 3, 0).run()
    usage = engine_usage(engine)
    # every teacher leaves once; the vacancy runs 40 school days or to the end of the year
    teachers = [a for school in engine.schools for a in school.adults if a.role_name == "teacher"]
    vacant = sum(int(a.vacant.sum()) for a in teachers)
    assert usage.vacancy_days["teacher"] == vacant > 0
    assert usage.leavers["teacher"] == len(teachers)
    teacher = s.roles["teacher"]
    filled = Decimal(len(teachers)) - Decimal(vacant) / s.calendar.school_days
    filled = filled.quantize(b.QUANTITY)  # position-years, to a millionth
    lines = role_lines(b.recurring_items(s, usage), "teacher")
    assert lines["personnel"] == b.cents(filled * teacher.salary)
    assert lines["benefits"] == b.cents(lines["personnel"] * Decimal(str(s.budget.benefits_rate)))
    # each vacant day the school is open is a long-term substitute's day, paid instead
    open_days = engine.days.instructional & ~engine.days.closed
    covered = sum(int((a.vacant & open_days).sum()) for a in teachers)
    subs = [i for i in b.recurring_items(s, usage) if i.item == "long-term substitute days"]
    assert subs[0].quantity == covered > 0
    assert subs[0].amount == b.cents(covered * s.substitutes.long_term_daily_rate)
    # no one leaves: the full salary, and no vacancy line
    stay = build(leaving("traditional", attrition=0.0, delay=40))
    stay_usage = engine_usage(Engine(stay, 3, 0).run())
    still = role_lines(b.recurring_items(stay, stay_usage), "teacher")
    assert still["personnel"] == len(teachers) * teacher.salary


def test_replacement_costs_follow_leavers_mid_year_and_at_the_end_of_the_year() -> None:
    cost = Decimal(str(data("traditional")["roles"]["teacher"]["replacement_cost"]))
    assert cost > 0
    for seed in range(3):
        s = build(leaving("traditional", attrition=0.3, delay=20, turnover=0.1))
        engine = Engine(s, seed, 0).run()
        left = sum(
            1 for school in engine.schools for a in school.adults if a.vacant.any()
        )  # the mid-year leavers of this year
        usage = engine_usage(engine)
        n = b.positions(s)["teacher"]
        expected = b.cents((Decimal(left) + n * Decimal("0.1")) * cost)
        assert role_lines(b.recurring_items(s, usage), "teacher")["turnover"] == expected
    # more leavers, more cost: the line follows the simulated leavers
    usage = b.Usage(leavers={"teacher": 5.0})
    more = b.Usage(leavers={"teacher": 6.0})
    one = role_lines(b.recurring_items(s, more), "teacher")["turnover"]
    assert one - role_lines(b.recurring_items(s, usage), "teacher")["turnover"] == cost


def test_leavers_and_vacancy_days_average_over_replications() -> None:
    import simulate

    s = build(leaving("traditional", attrition=0.5, delay=30))
    result = simulate.run(s, seed=4, replications=3)
    years = [engine_usage(Engine(s, 4, rep).run()) for rep in range(3)]
    assert result.usage.leavers["teacher"] == pytest.approx(
        np.mean([u.leavers["teacher"] for u in years])
    )
    assert result.usage.vacancy_days["teacher"] == pytest.approx(
        np.mean([u.vacancy_days["teacher"] for u in years])
    )


def test_the_positions_table_prices_one_position_of_each_role_in_teacher_units() -> None:
    base, ours = build(data("traditional")), build(data("mcl_within_budget"))
    unit = b.teacher_cost(base)
    table = t.role_table(ours, None, base, None).set_index("role")
    ra = b.position_cost(ours, "reach_associate")
    assert table.loc["reach_associate", "cost_per_position"] == float(ra)
    assert table.loc["reach_associate", "position_units"] == b.equivalents(ra, unit)
    assert table.loc["teacher", "position_units"] == 1.0  # the baseline's own average teacher
