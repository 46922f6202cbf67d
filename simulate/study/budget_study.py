"""A budget study: what `simulate budget` does, as one call of the Python API.

Simulate the scenario (and the baseline) on the same seeds and as many years as a comparison
(they share simulate_years, so the same scenario and seed give the same figures in both),
build the budget report (line items with their intervals, multi-year projection, verdict,
comparison) and, if asked, goal-seek one field.
"""

from __future__ import annotations

from collections.abc import Callable

from simulate.budget.goalseek import Target, check_goal, goal_seek
from simulate.budget.items import Usage
from simulate.schema.loading import apply_overrides, validate
from simulate.schema.model import Scenario
from simulate.study.budget_report import BudgetReport, report
from simulate.study.compare import simulate_years
from simulate.study.progress import Progress
from simulate.study.run import REPLICATIONS


def budget_study(
    scenario: Scenario,
    baseline: Scenario | None = None,
    *,
    years: int | None = None,
    seed: int = 0,
    replications: int = REPLICATIONS,
    goal_field: str | None = None,
    target: Target = "budget",
    apply: bool = False,
    file: str = "<scenario>",
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    simulating: Progress | None = None,
) -> BudgetReport:
    """The budget report of `scenario`, against `baseline` if given.

    `years` overrides the projection's length; `goal_field` (a field path such as
    roles.mcl.supplement or budget.funding[0].amount) adds the value of that field that meets
    `target` (see simulate.budget.goalseek), calling `progress(n)` after its n-th evaluation;
    with `apply`, the report is that of the scenario with the value found (when one is).
    `simulating(done, total)` counts simulated years. `file` names the scenario in errors.
    """
    if goal_field is not None:  # a bad field or target fails before any simulation
        check_goal(scenario, goal_field, target, file, baseline is not None)
    specs = [scenario] + ([baseline] if baseline is not None else [])
    results = simulate_years(specs, seed, replications, workers, simulating)
    usage = results[0].usage
    base_usage = results[1].usage if baseline is not None else None
    study = report(scenario, usage, baseline, base_usage, years, results[0].usages)
    if goal_field is not None:
        goal = goal_seek(
            scenario.model_dump(mode="json"),
            goal_field,
            target=target,
            file=file,
            baseline=baseline,
            baseline_usage=base_usage,
            usage=usage,
            simulate=usage_of(seed, replications, workers),
            years=years,
            progress=progress,
        )
        if apply and goal.found:
            data = apply_overrides(scenario.model_dump(mode="json"), {goal_field: goal.setting()})
            applied = validate(data, file)
            if goal.reran_simulation:  # the engine reads the field: simulate the years again
                usage, usages = _usages(applied, seed, replications, workers)
            else:
                usages = results[0].usages
            study = report(applied, usage, baseline, base_usage, years, usages)
        study.goal = goal
    return study


def _usages(
    scenario: Scenario, seed: int, replications: int, workers: int | None
) -> tuple[Usage, list[Usage]]:
    """The mean usage of a scenario's simulated years, and each year's."""
    result = simulate_years([scenario], seed, replications, workers)[0]
    return result.usage, result.usages


def usage_of(
    seed: int, replications: int, workers: int | None = None
) -> Callable[[Scenario], Usage]:
    """What goal-seek calls to simulate a scenario: its mean usage over the same years (seed
    and replications) as the study's, so a value found prices the same simulated years."""

    def simulate(scenario: Scenario) -> Usage:
        return _usages(scenario, seed, replications, workers)[0]

    return simulate
