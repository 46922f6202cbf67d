"""A budget study: what `simulate budget` does, as one call of the Python API.

Simulate the scenario (and the baseline) on the same seeds, build the budget report (line
items, multi-year projection, verdict, comparison) and, if asked, goal-seek one field.
"""

from __future__ import annotations

from collections.abc import Callable

from simulate.budget.goalseek import field_value, goal_seek
from simulate.budget.tables import BudgetReport, report
from simulate.schema.model import Scenario


def budget_study(
    scenario: Scenario,
    baseline: Scenario | None = None,
    *,
    years: int | None = None,
    seed: int = 0,
    replications: int = 1,
    goal_field: str | None = None,
    file: str = "<scenario>",
    progress: Callable[[int], None] | None = None,
) -> BudgetReport:
    """The budget report of `scenario`, against `baseline` if given.

    `years` overrides the projection's length; `goal_field` (a field path such as
    roles.mcl.supplement) adds the largest value of that field the budget affords, calling
    `progress(n)` after its n-th evaluation. `file` names the scenario in error messages.
    """
    from simulate.study.run import run  # late: run imports budget items

    if goal_field is not None:
        field_value(scenario, goal_field, file)  # a bad field fails before any simulation
    usage = run(scenario, seed=seed, replications=replications).usage
    base_usage = run(baseline, seed=seed, replications=replications).usage if baseline else None
    study = report(scenario, usage, baseline, base_usage, years)
    if goal_field is not None:
        study.goal = goal_seek(
            scenario.model_dump(mode="json"),
            goal_field,
            file=file,
            baseline=baseline,
            baseline_usage=base_usage,
            usage=usage,
            seed=seed,
            replications=replications,
            progress=progress,
        )
    return study
