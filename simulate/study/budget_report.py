"""The budget a grant writer files: every table of `simulate budget`, a verdict, and the files.

One BudgetReport holds the year-1 line items, the multi-year projection, the comparison with a
baseline and an optional goal-seek answer; CSV, Excel, JSON (simulate.outputs.save_budget) and
the terminal all read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

import pandas as pd

from simulate.budget import items as b
from simulate.budget.goalseek import GoalSeek
from simulate.budget.projection import MultiYear, project
from simulate.budget.sources import SOURCES, source_rows
from simulate.measures.catalogue import (
    OTHER_PER_PUPIL,
    RECURRING_TOTAL,
    STAFFING_PER_PUPIL,
    budget_measures,
    budget_rows,
)
from simulate.measures.formats import money, money_columns
from simulate.schema.model import Scenario
from simulate.study import budget_tables as t
from simulate.study.intervals import RECURRING, intervals

# file stem -> Excel sheet title
SHEETS = {
    "budget": "Line items",
    "multiyear": "Multi-year",
    "multiyear_items": "Multi-year by line",
    "comparison": "Comparison",
    "comparison_by_category": "By category",
    "positions": "Positions",
    "who_pays": "Who pays",
    "federal_summary": "Federal budget (SF-424A)",
    "federal_budget": "Federal justification",
    "goal_seek": "Goal seek",
}
LONG = ("federal_budget",)  # tables too long for a terminal: in the files only
WIDE = ("goal_seek",)  # one row of 18 columns: the terminal gives its answer in words instead


READ_ME = "Read me"  # the first sheet of every budget workbook: what the figures count
FIGURES = "Figures"  # the headline figures by label, the same in every output


def read_me(scenarios: list[Scenario]) -> pd.DataFrame:
    """What the budget figures count, in words, for the first sheet of a workbook."""
    others = {s.name: s.budget.other_per_pupil for s in scenarios}
    given = [f"{name}: {money(v)}" for name, v in others.items() if v is not None]
    rows = [(m.label, m.explain) for m in budget_measures()]
    rows += [
        ("Where given", "; ".join(given) if given else f"{OTHER_PER_PUPIL}: not given."),
        (
            "Difference from baseline",
            "A figure of the scenario minus the same figure of the baseline.",
        ),
        (
            "Salaries, supplements, stipends",
            "Paid for the days a position is filled: the quantity is position-years filled; "
            "while a position is vacant its long-term substitute is paid instead.",
        ),
        (
            "Replacements (leavers)",
            "Each holder who leaves (mid-year, as simulated, and at the end of the year, at "
            "the role's end-of-year turnover rate) costs the role's replacement cost.",
        ),
    ]
    return pd.DataFrame(rows, columns=["figure", "what it counts"])


class Figure(NamedTuple):
    """One headline figure: its label (the catalogue's), exact value and how it is written."""

    label: str
    value: Decimal
    kind: str  # money | num2 (positions)
    difference: bool = False

    def text(self) -> str:
        """As the terminal, the web app and summary.json write it: money to the cent,
        positions to two decimals, a difference with its sign."""
        sign = "+" if self.difference and self.value > 0 else ""
        if self.kind == "money":
            return sign + money(self.value)
        return f"{sign}{self.value:,.2f}"

    def line(self) -> str:
        return f"{self.label}: {self.text()}"

    def cell(self) -> Decimal | float:
        """As a workbook cell: money as Decimal (currency), other figures as numbers."""
        return self.value if self.kind == "money" else float(self.value)


@dataclass
class BudgetReport:
    scenario: Scenario
    usage: b.Usage | None  # mean over the simulated years
    baseline: Scenario | None
    baseline_usage: b.Usage | None
    multiyear: MultiYear
    unit: Decimal | None  # the scenario's average teacher position (budget.teacher_cost)
    goal: GoalSeek | None = None
    usages: list[b.Usage] = field(default_factory=list)  # each simulated year's

    @property
    def items(self) -> list[b.LineItem]:
        return b.line_items(self.scenario, self.usage)

    def intervals(self) -> dict[b.Key, tuple[float, float]]:
        """95% interval of each year-1 line item (and of the recurring cost, under RECURRING)
        over the simulated years; see study.intervals."""
        return intervals(self.scenario, self.usage, self.usages)

    def totals(self) -> dict[str, Decimal]:
        """The headline figures by key (budget.items.key_figures), and their differences
        from the baseline's when there is one."""
        out = b.key_figures(self.scenario, self.usage)
        if self.baseline is not None:
            out |= b.differences(out, b.key_figures(self.baseline, self.baseline_usage))
        return out

    def figures(self) -> list[Figure]:
        """Every headline figure, in the catalogue's order, each followed by its difference
        from the baseline."""
        values = self.totals()
        return [
            Figure(label, values[key], entry.kind, difference)
            for entry, key, label, difference in budget_rows()
            if key in values
        ]

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by file stem (see SHEETS); money columns are measures.formats'."""
        s, u = self.scenario, self.usage
        out = {
            "budget": t.line_items_frame(self.items, s.enrollment, self.unit, self.intervals()),
            "multiyear": t.multiyear_frame(self.multiyear),
            "multiyear_items": t.multiyear_items_frame(self.multiyear),
        }
        if self.baseline is not None:
            args = (s, self.baseline, u, self.baseline_usage)
            out["comparison"] = t.compare_budgets(*args)
            out["comparison_by_category"] = t.compare_categories(*args)
        out["positions"] = t.role_table(s, u, self.baseline, self.baseline_usage)
        if s.budget.funding:
            out["who_pays"] = t.who_pays_frame(self.multiyear, s)
        out["federal_summary"] = t.federal_summary_frame(self.multiyear, s)
        out["federal_budget"] = t.federal_frame(self.multiyear, s)
        if self.goal is not None:
            out["goal_seek"] = pd.DataFrame([self.goal.row(self.scenario)])
        return out

    def lines(self) -> list[str]:
        """What the terminal prints under the tables: whose budget, every headline figure,
        then the verdict."""
        against = f", against {self.baseline.name}" if self.baseline else ""
        return [self.scenario.name + against, *(f.line() for f in self.figures())] + (
            self.verdict_lines()
        )

    def verdict_lines(self, in_words: bool = False) -> list[str]:
        """The sentences under the figures: how much the cost varies, the sustainability
        verdict and the grant cliff, and the goal-seek answer (its field and hints as the
        command line takes them, or `in_words` for the app and the files)."""
        lines = []
        if len(self.usages) > 1:
            low, high = self.intervals()[RECURRING]
            lines.append(
                f"95% interval of the {RECURRING_TOTAL[0].lower()}{RECURRING_TOTAL[1:]} over "
                f"{len(self.usages)} simulated years: {money(b.cents(low))} to "
                f"{money(b.cents(high))} (vacancies, leavers, substitute days and hours "
                "worked vary from year to year)"
            )
        lines.append(self.multiyear.verdict.text())
        lines += self.multiyear.notes()
        if self.goal is not None:
            goal = self.goal
            lines.append(goal.in_words(self.scenario) if in_words else goal.text())
        return lines

    def summary(self) -> dict[str, Any]:
        v = self.multiyear.verdict
        low, high = self.intervals()[RECURRING]
        return {
            "scenario": self.scenario.name,
            "baseline": self.baseline.name if self.baseline else None,
            "counts": STAFFING_PER_PUPIL,
            "simulated_years": len(self.usages),
            "enrollment": self.scenario.enrollment,
            **{k: float(x) for k, x in self.totals().items()},
            "figures": [
                {"figure": f.label, "value": float(f.value), "text": f.text()}
                for f in self.figures()
            ],
            "recurring_ci_low": low,
            "recurring_ci_high": high,
            "years": v.years,
            "sustainable": v.sustainable,
            "sustainable_from_year": v.sustainable_from,
            "recurring_shortfall_last_year": _plain(v.shortfall),
            "grant_cliff_year": v.cliff_year,
            "grant_cliff_surplus": _plain(v.cliff_gap),
            "verdict": self.verdict_lines(in_words=True),
            "goal_seek": self.goal.row(self.scenario) if self.goal else None,
        }

    def figures_frame(self) -> pd.DataFrame:
        """The Figures sheet: every headline figure and its value."""
        rows = [[f.label, f.cell()] for f in self.figures()]
        return pd.DataFrame(rows, columns=["figure", "value"])

    def sheets(self) -> dict[str, pd.DataFrame]:
        """The sheets of budget.xlsx: Read me, Figures, Verdict, then every table."""
        verdict = pd.DataFrame({"verdict": self.verdict_lines(in_words=True)})
        scenarios = [self.scenario] + ([self.baseline] if self.baseline else [])
        sheets = {READ_ME: read_me(scenarios), FIGURES: self.figures_frame(), "Verdict": verdict}
        sheets |= {SHEETS[k]: f for k, f in self.tables().items()}
        return sheets | {SOURCES: pd.DataFrame(source_rows(scenarios))}


def report(
    scenario: Scenario,
    usage: b.Usage | None = None,
    baseline: Scenario | None = None,
    baseline_usage: b.Usage | None = None,
    years: int | None = None,
    usages: list[b.Usage] | None = None,
) -> BudgetReport:
    """Everything `simulate budget` shows, from simulated usage (None: no hours, no subs);
    `usages`, each simulated year's, give the line items their intervals."""
    unit = b.teacher_cost(scenario)
    multiyear = project(scenario, usage, years, unit)
    return BudgetReport(
        scenario, usage, baseline, baseline_usage, multiyear, unit, usages=list(usages or [])
    )


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def render(tables: dict[str, pd.DataFrame]) -> str:
    """The tables as plain text for a terminal, money as $1,234.56 (the long justification
    table is in the files only: --out; goal-seek's one wide row is said in words after the
    tables)."""
    parts = []
    for stem, frame in tables.items():
        if stem in LONG:
            parts.append(f"== {SHEETS[stem]} ==\n{len(frame)} lines: {stem}.csv with --out\n")
            continue
        if stem in WIDE:
            said = f"the answer in words at the end; every column in {stem}.csv with --out"
            parts.append(f"== {SHEETS[stem]} ==\n{said}\n")
            continue
        shown = frame.copy()
        for column in money_columns(shown):
            shown[column] = [money(Decimal(str(v))) for v in shown[column]]
        for column in shown.columns:  # Decimal cells are money wherever they stand
            shown[column] = [money(v) if isinstance(v, Decimal) else v for v in shown[column]]
        parts.append(f"== {SHEETS[stem]} ==\n{shown.to_string(index=False)}\n")
    return "\n".join(parts)
