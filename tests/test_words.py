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
