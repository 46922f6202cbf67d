"""Compare staffing arrangements on common random numbers: one Result per scenario, tidy tables.

Every scenario runs the same replications from the same master seed, so replication k of each
arrangement sees the same students, absences and closures. Differences against the baseline are
therefore taken replication by replication (paired), which gives much tighter intervals than
comparing two independent means.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

import pandas as pd

from simulate.budget.items import differences, key_figures
from simulate.budget.projection import MultiYear, project
from simulate.measures.catalogue import (
    MEASURES,
    Measure,
    budget_measures,
    budget_rows,
    exact_budget,
)
from simulate.schema.errors import InputError
from simulate.schema.model import Scenario
from simulate.study.assumptions import Difference, assumption_diff
from simulate.study.budget_tables import (
    COMPARISON_COLUMNS,
    compare_budgets,
    federal_frame,
    federal_summary_frame,
    multiyear_frame,
    who_pays_frame,
)
from simulate.study.executor import Executor, Task, chunk_size, chunks
from simulate.study.inputs import resolve_baseline
from simulate.study.kept import KeptYears, model_key
from simulate.study.progress import Progress
from simulate.study.run import REPLICATIONS, Replication, Result, combine, run_replications
from simulate.study.schools import SchoolDifference, check_same_schools
from simulate.study.stats import summarize

KEYS = ["metric", "group", "statistic"]
SUMMARY_COLUMNS = ["scenario", *KEYS, "value", "ci_low", "ci_high"]
DIFF_COLUMNS = ["scenario", "baseline", *KEYS, "value", "ci_low", "ci_high"]
# Below this many scenario-replications, starting worker processes costs more than it saves.
PARALLEL_MIN_RUNS = 30


@dataclass
class Comparison:
    """Results of several scenarios run on the same seeds, and the tables every output reads.

    It only computes; simulate.outputs.save_comparison writes its files."""

    results: list[Result]
    baseline: str
    seed: int
    replications: int
    schools_differ: SchoolDifference | None = None  # set: only per-pupil figures are differenced

    @property
    def same_schools(self) -> bool:
        """True when every scenario describes the same schools (see study.schools)."""
        return self.schools_differ is None

    @property
    def names(self) -> list[str]:
        return [r.scenario.name for r in self.results]

    def result(self, name: str) -> Result:
        return self.results[self.names.index(name)]

    @property
    def base(self) -> Result:
        return self.result(self.baseline)

    @cached_property
    def replication_metrics(self) -> pd.DataFrame:
        """Per-replication figures of every scenario, lost shares and budget totals included."""
        return _stack((r.scenario.name, r.metrics) for r in self.results)

    def years_with(self, name: str, metric: str, group: str, statistic: str) -> int:
        """The simulated years that have a figure: every one (study.stats gives each figure a
        row in every year), but for a figure the catalogue marks `empty`, which a year with
        nothing to measure does not have."""
        return self._years.get((name, metric, group, statistic), self.replications)

    @cached_property
    def _years(self) -> dict[tuple[str, str, str, str], int]:
        counts = self.replication_metrics.groupby(["scenario", *KEYS], sort=False).size()
        return {key: int(n) for key, n in counts.items()}

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Tidy: scenario, metric, group, statistic, value (mean), ci_low, ci_high (95%).

        Budget values are the exact line-item totals (at the mean usage); their interval is
        the spread of the yearly totals, centred on that value.
        """
        per_rep = self.replication_metrics.groupby("scenario", sort=False)
        summary = _stack(
            (name, summarize(frame.drop(columns="scenario"))) for name, frame in per_rep
        )
        return _recentre(summary[SUMMARY_COLUMNS], self._exact_budget(difference=False))

    @cached_property
    def differences(self) -> pd.DataFrame:
        """Each scenario minus the baseline, paired by replication, with a 95% interval.

        Between scenarios of different schools, whole-school totals (catalogue entries marked
        whole_school) are not differenced: only per-pupil, per-student and per-teacher
        figures and shares are."""
        per_rep = self.replication_metrics
        if not self.same_schools:
            totals = [m.name for m in MEASURES if m.whole_school]
            per_rep = per_rep[~per_rep.metric.isin(totals)]
        base = per_rep[per_rep.scenario == self.baseline].drop(columns="scenario")
        frames = []
        for name in self.names:
            if name == self.baseline:
                continue
            other = per_rep[per_rep.scenario == name].drop(columns="scenario")
            paired = other.merge(base, on=["replication", *KEYS], suffixes=("", "_base"))
            paired["value"] = paired["value"] - paired["value_base"]
            stats = summarize(paired[["replication", *KEYS, "value"]])
            frames.append((name, stats.assign(baseline=self.baseline)))
        if not frames:
            return pd.DataFrame(columns=DIFF_COLUMNS)
        differences = _stack(frames).reindex(columns=DIFF_COLUMNS)
        return _recentre(differences, self._exact_budget(difference=True))

    def _exact_budget(self, difference: bool) -> dict[tuple[str, str], float]:
        """(scenario, budget metric) -> exact total, or exact difference from the baseline."""
        return {
            (row["scenario"], metric): float(row[diff if difference else total])
            for row in self.budget_totals.to_dict("records")
            for metric, (total, diff) in exact_budget().items()
            if (diff if difference else total) in row
        }

    def value(
        self, name: str, metric: str, group: str = "all", statistic: str = "value"
    ) -> tuple[float, float, float] | None:
        """(mean, ci_low, ci_high) of one figure of one scenario, or None if it has none."""
        return self._summary_index.get((name, metric, group, statistic))

    def difference(
        self, name: str, metric: str, group: str = "all", statistic: str = "value"
    ) -> tuple[float, float, float] | None:
        """(mean, ci_low, ci_high) of scenario minus baseline, or None."""
        return self._difference_index.get((name, metric, group, statistic))

    @cached_property
    def _summary_index(self) -> dict[tuple[str, ...], tuple[float, float, float]]:
        return _index(self.summary)

    @cached_property
    def _difference_index(self) -> dict[tuple[str, ...], tuple[float, float, float]]:
        return _index(self.differences)

    @cached_property
    def line_items(self) -> pd.DataFrame:
        """Every scenario's budget line items in one table, with a scenario column."""
        return _stack((r.scenario.name, r.budget) for r in self.results)

    @cached_property
    def budget_totals(self) -> pd.DataFrame:
        """Per scenario: the budget's headline figures (budget.items.key_figures) and their
        differences from the baseline (whole-school figures only between scenarios of the
        same schools). Exact Decimal cents, turned into floats only for the table."""
        figures = {r.scenario.name: key_figures(r.scenario, r.usage) for r in self.results}
        base = figures[self.baseline]
        rows = [
            {"scenario": name, "enrollment": r.scenario.enrollment, **values}
            | differences(values, base)
            for (name, values), r in zip(figures.items(), self.results, strict=True)
        ]
        frame = pd.DataFrame(rows)
        numbers = [c for c in frame.columns if c not in ("scenario", "enrollment")]
        frame[numbers] = frame[numbers].map(lambda v: float("nan") if pd.isna(v) else float(v))
        if self.same_schools:
            return frame
        whole = [m.exact[1] for m in budget_measures() if m.whole_school and m.exact]
        return frame.drop(columns=[c for c in whole if c in frame.columns])

    def budget_figures(self) -> pd.DataFrame:
        """The headline figures by label, one column per scenario, then their differences
        from the baseline: the Figures sheet of budget.xlsx. Money is Decimal (written as
        currency), positions are numbers."""
        totals = self.budget_totals.set_index("scenario")
        rows = [
            [label, *(_cell(totals.loc[n, key], entry.kind) for n in self.names)]
            for entry, key, label, _ in self.figure_rows()
        ]
        # a scenario may be named "figure": columns from a list, never from dict keys
        return pd.DataFrame(rows, columns=["figure", *self.names])

    def figure_rows(self) -> list[tuple[Measure, str, str, bool]]:
        """The headline budget figures this comparison has (catalogue.budget_rows): without
        other spending where none is given, and differences only against another scenario
        (and whole-school ones only between the same schools)."""
        columns = set(self.budget_totals.columns)
        single = len(self.names) == 1
        return [row for row in budget_rows() if row[1] in columns and not (row[3] and single)]

    @cached_property
    def budget_by_category(self) -> pd.DataFrame:
        """Annual cost by category (rows) and scenario (columns), zero where absent."""
        table = self.line_items.pivot_table(
            index="category", columns="scenario", values="amount", aggfunc="sum", fill_value=0.0
        )
        return table.reindex(columns=self.names, fill_value=0.0)

    @cached_property
    def budget_vs_baseline(self) -> pd.DataFrame:
        """Line items of each other scenario against the baseline (compare_budgets)."""
        base = self.base
        others = [r for r in self.results if r is not base]
        if not others:
            return pd.DataFrame(columns=["scenario", *COMPARISON_COLUMNS])
        compared = compare_budgets
        table = _stack(
            (r.scenario.name, compared(r.scenario, base.scenario, r.usage, base.usage))
            for r in others
        )
        if self.same_schools:
            return table
        return table.drop(columns=["difference", "difference_teacher_positions"])

    @cached_property
    def projections(self) -> dict[str, MultiYear]:
        """Multi-year projection per scenario over the same number of years (the longest asked).

        Year 1 is the simulated year's cost; funding, grant end years and growth come from
        each scenario's budget section. Teacher-position equivalents are counted in each
        scenario's own average teacher position, as `simulate budget` counts them.
        """
        years = max(r.scenario.budget.projection.years for r in self.results)
        return {r.scenario.name: project(r.scenario, r.usage, years) for r in self.results}

    @property
    def has_funding(self) -> bool:
        return any(r.scenario.budget.funding for r in self.results)

    def budget_sheets(self) -> dict[str, pd.DataFrame]:
        """The tables of budget.xlsx, one sheet each."""
        verdicts = []
        for name, multi in self.projections.items():
            v = multi.verdict
            verdicts.append(
                {
                    "scenario": name,
                    "sustainable_from_year": v.sustainable_from,  # blank: not sustainable
                    "recurring_shortfall": float(v.shortfall),
                    "grant_cliff_year": v.cliff_year,  # blank: no time-limited grant
                    "gap_at_cliff": float(v.cliff_gap) if v.cliff_gap is not None else None,
                    "verdict": "; ".join([v.text(), *multi.notes()]),
                }
            )
        from simulate.budget.sources import SOURCES, source_rows
        from simulate.study.budget_report import FIGURES, READ_ME, read_me
        from simulate.study.learning import READ_ME as LEARNING_READ_ME
        from simulate.study.learning import learning_sheets

        about = read_me([r.scenario for r in self.results])
        table = self.budget_by_category  # a scenario may be named "category": no reset_index
        by_category = pd.concat(
            [table.index.to_frame(index=False), table.reset_index(drop=True)], axis=1
        )
        return {
            READ_ME: pd.concat(
                [about, pd.DataFrame([LEARNING_READ_ME], columns=about.columns)], ignore_index=True
            ),
            FIGURES: self.budget_figures(),
            "Totals": self.budget_totals,
            "Line items": self.line_items,
            "By category": by_category,
            "Vs baseline": self.budget_vs_baseline,
            "Multi-year": _stack(
                (name, multiyear_frame(m)) for name, m in self.projections.items()
            ),
            "Verdict": pd.DataFrame(verdicts),
            **self.federal_sheets(),
            **learning_sheets(self),
            SOURCES: pd.DataFrame(source_rows([r.scenario for r in self.results])),
        }

    def federal_sheets(self) -> dict[str, pd.DataFrame]:
        """Who pays what each year, and the federal budget (SF-424A object classes by fiscal
        year and funding source, with its justification), every scenario's in one sheet."""
        specs = {r.scenario.name: r.scenario for r in self.results}
        multis = self.projections.items()
        sheets = {
            "Who pays": _stack(
                (n, who_pays_frame(m, specs[n])) for n, m in multis if specs[n].budget.funding
            ),
            "Federal budget (SF-424A)": _stack(
                (n, federal_summary_frame(m, specs[n])) for n, m in multis
            ),
            "Federal justification": _stack((n, federal_frame(m, specs[n])) for n, m in multis),
        }
        return {title: frame for title, frame in sheets.items() if not frame.empty}

    @cached_property
    def learning(self) -> pd.DataFrame:
        """The learning estimates with both layers of uncertainty (study.learning)."""
        from simulate.study.learning import estimate_table

        return estimate_table(self)

    @cached_property
    def assumptions(self) -> list[Difference]:
        """Every scenario input that differs between scenarios, with its value and source in
        each."""
        return assumption_diff([r.scenario for r in self.results])


def _cell(value: float, kind: str) -> Decimal | float | None:
    """A figure as the Figures sheet holds it: money as Decimal cents, blank when absent."""
    if pd.isna(value):
        return None
    return Decimal(str(value)).quantize(Decimal("0.01")) if kind == "money" else value


def _recentre(table: pd.DataFrame, exact: dict[tuple[str, str], float]) -> pd.DataFrame:
    """Replace (scenario, metric) means by exact values, moving their intervals along."""
    table = table.copy()
    for i, row in enumerate(table.itertuples(index=False)):
        value = exact.get((row.scenario, row.metric))
        if value is not None:
            shift = value - row.value
            table.iloc[i, table.columns.get_loc("value")] = value
            table.iloc[i, table.columns.get_loc("ci_low")] = row.ci_low + shift
            table.iloc[i, table.columns.get_loc("ci_high")] = row.ci_high + shift
    return table


def compare(
    scenarios: Sequence[Scenario],
    seed: int = 0,
    replications: int = REPLICATIONS,
    baseline: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    allow_different_schools: bool = False,
    executor: Executor | None = None,
    kept: KeptYears | None = None,
) -> Comparison:
    """Run each scenario `replications` times on the same seeds and collect the results.

    `baseline` is a scenario name (default: the first). The scenarios must describe the same
    schools (see study.schools), else InputError names the field that differs; with
    `allow_different_schools` the comparison differences per-pupil figures only. See
    simulate_years for how the years are run. Ctrl-C stops the workers at once and raises
    KeyboardInterrupt. `kept`: years already simulated, reused and added to (the web app's).
    """
    if not scenarios:
        raise InputError(None, "scenarios", "nothing to compare", "one or more scenarios")
    names = [s.name for s in scenarios]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(
            None,
            "name",
            f"two scenarios are named '{duplicates[0]}'",
            "a different name for each scenario in a comparison",
        )
    baseline = resolve_baseline(names, baseline)
    differ = check_same_schools(scenarios, allow_different_schools)
    results = simulate_years(scenarios, seed, replications, workers, progress, executor, kept)
    return Comparison(results, baseline, seed, replications, differ)


def simulate_years(
    scenarios: Sequence[Scenario],
    seed: int = 0,
    replications: int = REPLICATIONS,
    workers: int | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
    kept: KeptYears | None = None,
) -> list[Result]:
    """One Result per scenario, each of `replications` years from the same master seed.

    The years of all scenarios go out in chunks to `workers` processes (default: the CPUs
    this process may use, once there is enough work); the results are identical either way
    because every run is keyed by (seed, replication) alone. `progress(done, total)` counts
    simulated years. Compare and budget both run their years here, so the same scenario and
    seed give the same figures in both. `executor`: one kept warm by the caller (the web app),
    used and left open, instead of a new one. `kept`: years simulated before (study.kept),
    taken from there rather than run again, and the new ones added to it.
    """
    if replications < 1:
        raise InputError(None, "replications", f"is {replications}", "1 or more")
    models = [model_key(spec) for spec in scenarios] if kept is not None else []
    years: dict[tuple[int, int], Replication] = {}
    for i, model in enumerate(models):
        assert kept is not None  # models are only worked out for it
        for rep in range(replications):
            if (year := kept.get(model, seed, rep)) is not None:
                years[i, rep] = year
    missing = [
        [rep for rep in range(replications) if (i, rep) not in years] for i in range(len(scenarios))
    ]
    runs = sum(len(reps) for reps in missing)
    if workers is None and runs < PARALLEL_MIN_RUNS:
        workers = 1

    def keep(task: Task, chunk: list[Replication]) -> None:
        scenario, reps = task.key
        years.update(((scenario, rep), year) for rep, year in zip(reps, chunk, strict=True))
        if kept is not None:
            for year in chunk:
                kept.put(models[scenario], seed, year)

    reused = len(years)

    def simulating(done: int, total: int) -> None:  # the years reused count as done
        assert progress is not None  # passed on only with it
        progress(reused + done, reused + total)

    with nullcontext(executor) if executor is not None else Executor(workers) as executor:
        size = chunk_size(runs, executor.slots)
        tasks = [
            Task(run_replications, (spec, seed, reps), key=(i, tuple(reps)), runs=len(reps))
            for i, spec in enumerate(scenarios)
            for reps in chunks(missing[i], size)
        ]
        if executor.run(tasks, keep, simulating if progress else None, drain=False):
            raise KeyboardInterrupt
    if not runs and progress is not None:  # every year was kept
        progress(reused, reused)
    return [
        combine(spec, seed, [years[i, rep] for rep in range(replications)])
        for i, spec in enumerate(scenarios)
    ]


def _index(frame: pd.DataFrame) -> dict[tuple[str, ...], tuple[float, float, float]]:
    """(scenario, metric, group, statistic) -> (value, ci_low, ci_high), for quick look-ups."""
    return {
        (s, m, g, st): (float(v), float(lo), float(hi))
        for s, m, g, st, v, lo, hi in frame[SUMMARY_COLUMNS].itertuples(index=False)
    }


def _stack(parts: Iterable[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """One table from (scenario name, table) pairs, the scenario as its first column."""
    frames = [frame.assign(scenario=name) for name, frame in parts]
    if not frames:
        return pd.DataFrame(columns=["scenario"])
    stacked = pd.concat(frames, ignore_index=True)
    return stacked[["scenario", *stacked.columns.drop("scenario")]]
