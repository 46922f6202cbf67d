"""Every figure of one simulated year: the measures' (from the ledger) and the budget's.

The budget's figures are priced here, in the study, from what the year used (`usage`): the
measures know nothing of money, and the money model nothing of engines.
"""

from __future__ import annotations

from collections import defaultdict

from simulate.budget import items as budget
from simulate.budget.items import Usage
from simulate.engine.core import Engine
from simulate.engine.ledger import Ledger
from simulate.engine.modules.attrition import Attrition
from simulate.engine.modules.availability import Availability
from simulate.engine.modules.coverage import Coverage
from simulate.engine.modules.period_coverage import PeriodCoverage
from simulate.learning import adapter as learning_adapter
from simulate.measures.catalogue import budget_measures
from simulate.measures.compute import ALL, Key, compute
from simulate.schema.model import Scenario


def figures(
    engine: Engine,
    ledger: Ledger | None = None,
    learned: learning_adapter.Year | None = None,
    used: Usage | None = None,
) -> dict[Key, float]:
    """Every figure of one run (pass the run's merged ledger, its learning inputs and its usage,
    if you already have them): the measures', with small-group time priced, and the budget's."""
    used = used if used is not None else usage(engine)
    costs: defaultdict[str, float] = defaultdict(float)
    for item in budget.recurring_items(engine.scenario, used):
        if item.role:
            costs[item.role] += float(item.amount)
    measured = compute(engine, ledger, learned, dict(costs))
    return measured | budget_figures(engine.scenario, used)


def usage(engine: Engine) -> Usage:
    """What the year used that the budget prices: days on site, substitute days, class periods
    colleagues covered, and per role the position-days vacant (no salary is paid) and the
    holders who left (each is replaced), from the results the engine's modules declare."""
    cover = engine.module(Coverage).results()
    periods = engine.module(PeriodCoverage).results()
    vacancies = engine.module(Attrition).results()
    return Usage(
        days_worked=engine.module(Availability).results().days_worked,
        substitute_days=float(cover.substitute_days),
        long_term_substitute_days=float(cover.long_term_substitute_days),
        vacancy_days=vacancies.vacancy_days,
        leavers=vacancies.leavers,
        covered_periods=float(sum(c.sum() for c in periods.covered)),
    )


def budget_figures(scenario: Scenario, used: Usage) -> dict[Key, float]:
    """The budget's headline figures of this year (the catalogue's budget entries): they vary
    between years with vacancies, leavers, substitute days and hours worked."""
    values = budget.key_figures(scenario, used)
    return {
        (m.name, ALL, "value"): float(values[m.exact[0]])
        for m in budget_measures()
        if m.exact is not None and m.exact[0] in values
    }
