"""The budget a grant writer files: every table of `simulate budget`, a verdict, and the files.

One BudgetReport holds the year-1 line items, the multi-year projection, the comparison with a
baseline and an optional goal-seek answer; CSV, Excel, JSON and the terminal all read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from simulate.budget import items as b
from simulate.budget.goalseek import GoalSeek
from simulate.budget.intervals import TOTAL, intervals
from simulate.budget.projection import MultiYear, project
from simulate.budget.sources import SOURCES, source_rows
from simulate.budget.workbook import write_workbook
from simulate.measures.catalogue import (
    OTHER_PER_PUPIL,
    STAFFING_PER_PUPIL,
    WHOLE_PER_PUPIL,
    measure,
)
from simulate.measures.formats import money, money_columns
from simulate.output import staged_set, write_csv, write_json
from simulate.schema.model import Scenario

# file stem -> Excel sheet title
SHEETS = {
    "budget": "Line items",
    "multiyear": "Multi-year",
    "multiyear_items": "Multi-year by line",
    "comparison": "Comparison",
    "comparison_by_category": "By category",
    "positions": "Positions",
    "goal_seek": "Goal seek",
}
# Every file `simulate budget --out` may write; a new set removes those it does not have.
FILES = (*(f"{stem}.csv" for stem in SHEETS), "budget.xlsx", "summary.json")


AVERAGE_TEACHER = (
    "mean over salaried roles with is_teacher: true of (salary + supplement) x "
    "(1 + benefits rate), weighted by positions, in the baseline (or the scenario without one); "
    "later years scale it with salary growth"
)


READ_ME = "Read me"  # the first sheet of every budget workbook: what the figures count


def read_me(scenarios: list[Scenario]) -> pd.DataFrame:
    """What the budget figures count, in words, for the first sheet of a workbook."""
    per_pupil, total = measure("budget.per_pupil"), measure("budget.total")
    others = {s.name: s.budget.other_per_pupil for s in scenarios}
    given = [f"{name}: {money(v)}" for name, v in others.items() if v is not None]
    rows = [
        (STAFFING_PER_PUPIL, per_pupil.explain),
        (total.label, total.explain),
        (
            OTHER_PER_PUPIL,
            "budget.other_per_pupil: what the district spends per pupil on everything the "
            "model does not hold; shown apart, never added to the staffing cost. "
            + ("; ".join(given) if given else "Not given in these scenarios."),
        ),
        (WHOLE_PER_PUPIL, f"{STAFFING_PER_PUPIL} + {OTHER_PER_PUPIL.lower()}, where given."),
        (
            "Salaries, supplements, stipends",
            "Paid for the days a position is filled: the quantity is position-years filled; "
            "while a position is vacant its long-term substitute is paid instead.",
        ),
        (
            "Replacements (leavers)",
            "Each holder who leaves (mid-year, as simulated, and at the end of the year, at "
            "the role's turnover_rate) costs the role's replacement_cost.",
        ),
        ("Average teacher", AVERAGE_TEACHER),
    ]
    return pd.DataFrame(rows, columns=["figure", "what it counts"])


@dataclass
class BudgetReport:
    scenario: Scenario
    usage: b.Usage | None  # mean over the simulated years
    baseline: Scenario | None
    baseline_usage: b.Usage | None
    multiyear: MultiYear
    unit: Decimal | None  # average teacher with benefits (baseline's if there is one)
    goal: GoalSeek | None = None
    usages: list[b.Usage] = field(default_factory=list)  # each simulated year's

    @property
    def items(self) -> list[b.LineItem]:
        return b.line_items(self.scenario, self.usage)

    def intervals(self) -> dict[b.Key, tuple[float, float]]:
        """95% interval of each year-1 line item (and of the total, under TOTAL) over the
        simulated years; see budget.intervals."""
        return intervals(self.scenario, self.usage, self.usages)

    def totals(self) -> dict[str, Any]:
        items = self.items
        total, recurring = b.total(items), b.recurring_total(items)
        out: dict[str, Any] = {
            "total": total,
            "recurring": recurring,
            "one_off": total - recurring,
            "per_pupil": b.per_pupil(total, self.scenario.enrollment),
            "enrollment": self.scenario.enrollment,
        }
        other = self.scenario.budget.other_per_pupil
        if other is not None:
            out |= {"other_per_pupil": other, "whole_per_pupil": out["per_pupil"] + other}
        if self.baseline is not None:
            base = b.line_items(self.baseline, self.baseline_usage)
            base_total = b.total(base)
            base_pp = b.per_pupil(base_total, self.baseline.enrollment)
            out |= {
                "baseline_total": base_total,
                "difference": total - base_total,
                "recurring_difference": recurring - b.recurring_total(base),
                "per_pupil_difference": out["per_pupil"] - base_pp,
            }
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by file stem (see SHEETS); money columns are measures.formats'."""
        s, u = self.scenario, self.usage
        out = {
            "budget": b.frame(self.items, s.enrollment, self.unit, self.intervals()),
            "multiyear": self.multiyear.frame(),
            "multiyear_items": self.multiyear.items_frame(),
        }
        if self.baseline is not None:
            args = (s, self.baseline, u, self.baseline_usage, self.unit)
            out["comparison"] = b.compare_budgets(*args)
            out["comparison_by_category"] = b.compare_categories(*args)
        out["positions"] = b.role_table(s, u, self.baseline, self.baseline_usage, self.unit)
        if self.goal is not None:
            out["goal_seek"] = pd.DataFrame([self.goal.row()])
        return out

    def verdict_lines(self) -> list[str]:
        t = self.totals()
        tpe = f"; {b.equivalents(t['total'], self.unit):g} teacher positions" if self.unit else ""
        lines = [
            f"{self.scenario.name}: staffing cost (roles modelled) {money(t['total'])} a year "
            f"({money(t['per_pupil'])} per pupil{tpe}), of which one-off {money(t['one_off'])}"
        ]
        if len(self.usages) > 1:
            low, high = self.intervals()[TOTAL]
            lines.append(
                f"95% interval of the staffing cost over {len(self.usages)} simulated years: "
                f"{money(b.cents(low))} to {money(b.cents(high))} (vacancies, leavers, "
                "substitute days and hours worked vary from year to year)"
            )
        if "other_per_pupil" in t:
            lines.append(
                f"{OTHER_PER_PUPIL.lower()} {money(t['other_per_pupil'])} (budget."
                f"other_per_pupil, not added to the staffing cost): "
                f"{WHOLE_PER_PUPIL.lower()} {money(t['whole_per_pupil'])}"
            )
        if self.baseline is not None:
            diff = t["recurring_difference"]
            word = "more" if diff > 0 else "less"
            pp = t["per_pupil_difference"]
            lines.append(
                f"against {self.baseline.name}: recurring staffing cost {money(abs(diff))} "
                f"{word} a year ({b.equivalents(diff, self.unit):+g} teacher positions); "
                f"staffing cost per pupil {'+' if pp >= 0 else ''}{money(pp)} (one-off costs "
                "included)"
            )
        if self.unit:
            lines.append(f"one average teacher with benefits costs {money(self.unit)}")
        lines.append(self.multiyear.verdict.text())
        if self.goal is not None:
            lines.append(self.goal.text())
        return lines

    def summary(self) -> dict[str, Any]:
        v = self.multiyear.verdict
        low, high = self.intervals()[TOTAL]
        return {
            "scenario": self.scenario.name,
            "baseline": self.baseline.name if self.baseline else None,
            "counts": STAFFING_PER_PUPIL,
            "simulated_years": len(self.usages),
            **{k: _plain(x) for k, x in self.totals().items()},
            "total_ci_low": low,
            "total_ci_high": high,
            "average_teacher_cost": _plain(self.unit),
            "average_teacher_definition": AVERAGE_TEACHER,
            "years": v.years,
            "sustainable": v.sustainable,
            "sustainable_from_year": v.sustainable_from,
            "recurring_shortfall_last_year": _plain(v.shortfall),
            "grant_cliff_year": v.cliff_year,
            "grant_cliff_surplus": _plain(v.cliff_gap),
            "verdict": self.verdict_lines(),
            "goal_seek": self.goal.row() if self.goal else None,
        }

    def write(self, out: Path) -> list[Path]:
        """Write every table as CSV, all of them in budget.xlsx, and summary.json into `out`,
        all or none."""
        tables = self.tables()
        verdict = pd.DataFrame({"verdict": self.verdict_lines()})
        scenarios = [self.scenario] + ([self.baseline] if self.baseline else [])
        sheets = {READ_ME: read_me(scenarios), "Verdict": verdict}
        sheets |= {SHEETS[k]: f for k, f in tables.items()}
        sheets[SOURCES] = pd.DataFrame(source_rows(scenarios))
        with staged_set(out, replaces=FILES) as stage:
            paths = [write_csv(stage / f"{stem}.csv", frame) for stem, frame in tables.items()]
            paths.append(write_workbook(stage / "budget.xlsx", sheets))
            paths.append(write_json(stage / "summary.json", self.summary()))
        return [out / p.name for p in paths]


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
    unit = (b.teacher_cost(baseline) if baseline else None) or b.teacher_cost(scenario)
    multiyear = project(scenario, usage, years, unit)
    return BudgetReport(
        scenario, usage, baseline, baseline_usage, multiyear, unit, usages=list(usages or [])
    )


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def render(tables: dict[str, pd.DataFrame]) -> str:
    """The tables as plain text for a terminal, money as $1,234.56."""
    parts = []
    for stem, frame in tables.items():
        shown = frame.copy()
        for column in money_columns(shown):
            shown[column] = [money(Decimal(str(v))) for v in shown[column]]
        parts.append(f"== {SHEETS[stem]} ==\n{shown.to_string(index=False)}\n")
    return "\n".join(parts)
