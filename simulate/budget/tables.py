"""The budget a grant writer files: every table of `simulate budget`, a verdict, and the files.

One BudgetReport holds the year-1 line items, the multi-year projection, the comparison with a
baseline and an optional goal-seek answer; CSV, Excel, JSON and the terminal all read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from simulate.budget import items as b
from simulate.budget.goalseek import GoalSeek
from simulate.budget.projection import MultiYear, project
from simulate.budget.workbook import write_workbook
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


@dataclass
class BudgetReport:
    scenario: Scenario
    usage: b.Usage | None
    baseline: Scenario | None
    baseline_usage: b.Usage | None
    multiyear: MultiYear
    unit: Decimal | None  # average teacher with benefits (baseline's if there is one)
    goal: GoalSeek | None = None

    @property
    def items(self) -> list[b.LineItem]:
        return b.line_items(self.scenario, self.usage)

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
            "budget": b.frame(self.items, s.enrollment, self.unit),
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
            f"{self.scenario.name}: annual cost {money(t['total'])} "
            f"({money(t['per_pupil'])} per pupil{tpe}), of which one-off {money(t['one_off'])}"
        ]
        if self.baseline is not None:
            diff = t["recurring_difference"]
            word = "more" if diff > 0 else "less"
            pp = t["per_pupil_difference"]
            lines.append(
                f"against {self.baseline.name}: recurring cost {money(abs(diff))} {word} a year "
                f"({b.equivalents(diff, self.unit):+g} teacher positions); total per pupil "
                f"{'+' if pp >= 0 else ''}{money(pp)} (one-off costs included)"
            )
        if self.unit:
            lines.append(f"one average teacher with benefits costs {money(self.unit)}")
        lines.append(self.multiyear.verdict.text())
        if self.goal is not None:
            lines.append(self.goal.text())
        return lines

    def summary(self) -> dict[str, Any]:
        v = self.multiyear.verdict
        return {
            "scenario": self.scenario.name,
            "baseline": self.baseline.name if self.baseline else None,
            **{k: _plain(x) for k, x in self.totals().items()},
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
        sheets = {"Verdict": verdict} | {SHEETS[k]: f for k, f in tables.items()}
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
) -> BudgetReport:
    """Everything `simulate budget` shows, from simulated usage (None: no hours, no subs)."""
    unit = (b.teacher_cost(baseline) if baseline else None) or b.teacher_cost(scenario)
    multiyear = project(scenario, usage, years, unit)
    return BudgetReport(scenario, usage, baseline, baseline_usage, multiyear, unit)


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
