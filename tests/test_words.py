"""Values in a planner's words (schema.words.written), as the report's assumptions, the
Sources sheet and the app write them: lists too, never raw keys or shares as fractions."""

from __future__ import annotations

from conftest import SCENARIOS

import simulate
from simulate.schema.words import written


def test_lists_are_written_in_words() -> None:
    plan = simulate.load_scenario(SCENARIOS / "mcl_residents_tutors.yaml")
    grant = "budget.funding[3]"
    pays_for = plan.budget.funding[3].pays_for
    assert "mcl" in pays_for  # a role, named by its key in the scenario
    said = written(f"{grant}.pays_for", pays_for, plan)
    assert said.startswith("Multi-classroom leader") and "mcl" not in said and "_" not in said
    assert written(f"{grant}.shares", plan.budget.funding[3].shares, plan) == "100%, 66%, 33%"
    duties = ["instruction", "small_group", "planning"]
    assert written("roles.resident.ramp[0].duties", duties, plan) == (
        "instruction, small group, planning"
    )
    assert written("schools[0].grades", ["K", "1"], plan) == "K, 1"
    assert written("coverage.cascade", ["mcl"], plan) == "Multi-classroom leader"
    assert written(f"{grant}.pays_for", [], plan) == "none"


def test_a_period_schools_courses_are_named_and_a_list_left_out_means_every_one() -> None:
    from simulate.schema.words import label

    middle = simulate.load_scenario(SCENARIOS / "middle_tutoring.yaml")
    courses = middle.schools[0].periods.courses
    k = next(i for i, c in enumerate(courses) if c.name == "Elective B")
    at = f"schools[0].periods.courses[{k}]"
    assert label(f"{at}.class_size_cap", middle).endswith("course “Elective B”: class size cap")
    assert written(f"{at}.tiers", [], middle) == "every tier"  # left out: every tier takes it
    assert written(f"{at}.grades", [], middle) == "every grade"
    assert written("budget.funding[0].pays_for", [], middle) == "none"  # elsewhere, none
    first = label("schools[0].periods.class_absence_rates[0]", middle)
    assert first.endswith("part-day absence in period 1") and "item" not in first
