"""The public Python API: run a scenario for R replications and get one Result."""

from __future__ import annotations

import pickle
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from simulate.budget import items as budget_mod
from simulate.engine.core import Engine
from simulate.learning import adapter as learning_adapter
from simulate.measures.catalogue import STAFFING_PER_PUPIL, check_figure, measure
from simulate.measures.compute import Key
from simulate.schema.model import Scenario
from simulate.study.budget_tables import line_items_frame
from simulate.study.figures import figures, usage
from simulate.study.intervals import intervals
from simulate.study.progress import Progress
from simulate.study.stats import figures_table, summarize

# Simulated years per scenario in a comparison and a budget, unless told otherwise: both
# commands default to it, so the same scenario and seed give the same figures in both.
REPLICATIONS = 20
LEDGER_COLUMNS = ("replication", "activity", "role", "outcome", "detail", "amount")


@dataclass
class Result:
    """What one scenario produced over its replications."""

    scenario: Scenario
    seed: int
    replications: int
    metrics: pd.DataFrame  # tidy, one row per replication x metric x group x statistic
    # each replication's ledger: (replication, activity, role, outcome, detail, amount)
    ledger_rows: list[tuple[int, str, str, str, str, float]]
    usage: budget_mod.Usage  # mean over replications
    usages: list[budget_mod.Usage] = field(default_factory=list)  # each replication's
    learning: list[learning_adapter.Year] = field(default_factory=list)  # each replication's

    @cached_property
    def ledger(self) -> pd.DataFrame:
        """The ledger rows as a tidy table, built on first use: only `simulate run` writes it,
        and at one replication a table is much of what a run costs beyond its years."""
        return pd.DataFrame(self.ledger_rows, columns=list(LEDGER_COLUMNS))

    @cached_property
    def line_items(self) -> list[budget_mod.LineItem]:
        return budget_mod.line_items(self.scenario, self.usage)

    @property
    def budget(self) -> pd.DataFrame:
        """The year's line items at the mean usage, each with its 95% interval over the years."""
        spread = intervals(self.scenario, self.usage, self.usages)
        return line_items_frame(self.line_items, self.scenario.enrollment, intervals=spread)

    @cached_property
    def stats(self) -> pd.DataFrame:
        """Mean and 95% interval across replications for every metric."""
        return summarize(self.metrics)

    def value(self, metric: str, statistic: str = "mean", group: str = "all") -> float:
        """The mean over replications of one figure, e.g. value('reach...', 'value').

        ValueError, with the closest valid name, for a metric, statistic or group the measures
        catalogue does not have for this scenario; a valid figure the years never produced
        (a loss reason that never happened) is 0, but a share with nothing to measure in any
        year (a fill rate without absences) has no value: ValueError says so."""
        check_figure(self.scenario, metric, group, statistic)
        rows = self.stats[
            (self.stats.metric == metric)
            & (self.stats.group == group)
            & (self.stats.statistic == statistic)
        ]
        if len(rows):
            return float(rows["value"].iloc[0])
        empty = measure(metric).empty
        if empty:
            raise ValueError(f"{metric} ({group}, {statistic}) has no value: {empty} in any year")
        return 0.0

    def summary(self) -> dict[str, Any]:
        metrics: dict[str, Any] = {}
        for row in self.stats.itertuples(index=False):
            entry = metrics.setdefault(row.metric, {}).setdefault(row.group, {})
            entry[row.statistic] = {
                "mean": _round(row.value),
                "ci_low": _round(row.ci_low),
                "ci_high": _round(row.ci_high),
            }
        # the headline figures by key, as every output names them (budget.items.key_figures)
        figures = budget_mod.key_figures(self.scenario, self.usage)
        budget: dict[str, Any] = {
            "counts": STAFFING_PER_PUPIL,
            **{key: float(value) for key, value in figures.items()},
        }
        budget["line_items"] = [
            {"category": i.category, "item": i.item, "amount": float(i.amount)}
            for i in self.line_items
        ]
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "replications": self.replications,
            "enrollment": self.scenario.enrollment,
            "schools": sum(s.copies for s in self.scenario.schools),
            "budget": budget,
            "metrics": metrics,
        }


@dataclass
class Replication:
    """One simulated year of a scenario: its figures, its ledger and what it used, as plain
    data (cheap to send back from a worker; tables are built once, in `combine`)."""

    replication: int
    metrics: dict[Key, float]
    ledger: dict[tuple[str, str, str, str], float]
    usage: budget_mod.Usage
    learning: learning_adapter.Year | None = None  # what the learning estimate read


def run_replication(scenario: Scenario, seed: int, replication: int) -> Replication:
    """Simulate year `replication` of one scenario; it depends on (seed, replication) alone."""
    engine = Engine(scenario, seed, replication).run()
    ledger = engine.ledger()
    learned = learning_adapter.year(engine)
    used = usage(engine)
    return Replication(
        replication, figures(engine, ledger, learned, used), dict(ledger.amounts), used, learned
    )


def run_replications(scenario: Scenario, seed: int, replications: range) -> list[Replication]:
    """A chunk of years of one scenario: the task a comparison hands to a worker."""
    scenario = _seen(scenario)
    return [run_replication(scenario, seed, rep) for rep in replications]


_SEEN: OrderedDict[bytes, Scenario] = OrderedDict()  # the last scenarios simulated here
SEEN_MOST = 16


def _seen(scenario: Scenario) -> Scenario:
    """The scenario object this process simulated before with the same content, if any. Each
    task brings its own copy of its scenario, and what the engine builds once per scenario
    (engine.module.cached: weekly plans, coaching agendas) goes with the object: a worker
    given a comparison's chunks in turn builds it once per scenario, not once per chunk."""
    content = pickle.dumps(scenario)  # all of it, as the task brought it
    kept = _SEEN.setdefault(content, scenario)
    _SEEN.move_to_end(content)
    while len(_SEEN) > SEEN_MOST:
        _SEEN.popitem(last=False)
    return kept


def combine(scenario: Scenario, seed: int, years: list[Replication]) -> Result:
    """One Result from years 0, 1, ... of a scenario, in that order (wherever they ran)."""
    metrics = figures_table([y.metrics for y in years])
    ledger = [
        (y.replication, *key, amount) for y in years for key, amount in sorted(y.ledger.items())
    ]
    return Result(
        scenario,
        seed,
        len(years),
        metrics,
        ledger,
        _mean_usage([y.usage for y in years]),
        [y.usage for y in years],
        [y.learning for y in years if y.learning is not None],
    )


def run(
    scenario: Scenario,
    seed: int = 0,
    replications: int = 1,
    progress: Progress | None = None,
) -> Result:
    """Run `replications` independent years of one scenario from one master seed.

    `progress(done, replications)` is called after each replication (for a progress bar)."""
    if replications < 1:
        raise ValueError("replications must be at least 1")
    years = []
    for rep in range(replications):
        years.append(run_replication(scenario, seed, rep))
        if progress is not None:
            progress(rep + 1, replications)
    return combine(scenario, seed, years)


def _mean_usage(usages: list[budget_mod.Usage]) -> budget_mod.Usage:
    n = len(usages)

    def mean(per_role: Callable[[budget_mod.Usage], dict[str, float]]) -> dict[str, float]:
        roles = sorted({r for u in usages for r in per_role(u)})
        return {r: sum(per_role(u).get(r, 0.0) for u in usages) / n for r in roles}

    return budget_mod.Usage(
        days_worked=mean(lambda u: u.days_worked),
        substitute_days=sum(u.substitute_days for u in usages) / n,
        long_term_substitute_days=sum(u.long_term_substitute_days for u in usages) / n,
        vacancy_days=mean(lambda u: u.vacancy_days),
        leavers=mean(lambda u: u.leavers),
        covered_periods=sum(u.covered_periods for u in usages) / n,
    )


def _round(x: float) -> float:
    return float(round(x, 6))


__all__ = [
    "REPLICATIONS",
    "Replication",
    "Result",
    "combine",
    "run",
    "run_replication",
    "run_replications",
]
