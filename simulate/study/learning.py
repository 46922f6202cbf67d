"""The learning estimate of a comparison: each scenario against none of the levers, each
against the baseline, with both layers of uncertainty; cost-effectiveness; the evidence used.

Read by the report's learning section and written to budget.xlsx (learning_sheets).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulate.learning.adapter import tutor_kind
from simulate.learning.estimate import SUBJECTS
from simulate.learning.evidence import SUBJECTS as EVIDENCE_SUBJECTS
from simulate.learning.evidence import evidence, standard_error
from simulate.learning.uncertainty import Layers, estimates

if TYPE_CHECKING:
    from simulate.schema.model import Scenario
    from simulate.study.compare import Comparison
    from simulate.study.run import Result

NONE = "none of the levers"  # the `against` of an estimate against no lever at all
UNITS = {"sd": "SD", "points": "percentile points"}
BODIES = {"at_scale": "programmes at scale", "small_studies": "pooled small studies"}


def inputs(result: Result, group: str) -> np.ndarray | None:
    """Years x features: the group's mean exposures in each simulated year (None if absent)."""
    years = [y.inputs.get(group) for y in result.learning]
    if not years or any(y is None for y in years):
        return None
    return np.array(years, dtype=float)


def groups(result: Result) -> list[str]:
    return list(result.learning[0].inputs) if result.learning else []


# What an arrangement's small groups are (their subject, who its own tutors are) is not how it
# reads the evidence: those may differ from the baseline's without a warning.
ARRANGEMENT = {"reading_share", "tutors"}


def reads_evidence_differently(base: Scenario, other: Scenario) -> bool:
    """Whether `other` reads the evidence on other terms than `base`: another body of
    evidence, overrides, thresholds or draws, or a role both have counted as another kind of
    tutor. Not a different reading share, nor a kind named for a role the baseline lacks."""
    a, b = base.learning, other.learning
    if a.model_dump(exclude=ARRANGEMENT) != b.model_dump(exclude=ARRANGEMENT):
        return True
    common = base.roles.keys() & other.roles.keys()
    return any(tutor_kind(base, role) != tutor_kind(other, role) for role in common)


def estimate_table(c: Comparison) -> pd.DataFrame:
    """One row per scenario, against (none, or the baseline), group, subject and unit."""
    rows: list[dict[str, Any]] = []
    base = c.base
    for result in c.results:
        settings = result.scenario.learning
        for group in groups(result):
            x = inputs(result, group)
            assert x is not None
            pairs: list[tuple[str, dict[str, Layers]]] = [(NONE, estimates(x, settings, c.seed))]
            b = inputs(base, group)
            if result is not base and c.same_schools and b is not None:
                against = estimates(x, settings, c.seed, (b, base.scenario.learning))
                pairs.append((c.baseline, against))
            for against_name, by_subject in pairs:
                for subject, layers in by_subject.items():
                    for unit, shown in (("sd", layers), ("points", layers.points())):
                        rows.append(
                            _row(result.scenario.name, against_name, group, subject, unit, shown)
                        )
    return pd.DataFrame(rows)


def _row(
    scenario: str, against: str, group: str, subject: str, unit: str, layers: Layers
) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "against": against,
        "group": group,
        "subject": subject,
        "unit": UNITS[unit],
        "estimate": layers.centre,
        "years_low": layers.years[0],
        "years_high": layers.years[1],
        "evidence_low": layers.evidence[0],
        "evidence_high": layers.evidence[1],
        "both_low": layers.both[0],
        "both_high": layers.both[1],
    }


def cost_effectiveness(c: Comparison, table: pd.DataFrame) -> pd.DataFrame:
    """Per scenario other than the baseline and subject: SD gained per $1,000 more per pupil a
    year (recurring), at the centre and over the evidence range; no ratio where the scenario
    costs no more than the baseline (it gains, or loses, for nothing extra)."""
    totals = c.budget_totals.set_index("scenario")
    rows = []
    for name in c.names:
        if name == c.baseline:
            continue
        extra = float(totals.loc[name, "recurring_per_pupil_difference"])
        for subject in SUBJECTS:
            found = table[
                (table.scenario == name)
                & (table.against == c.baseline)
                & (table.group == "all")
                & (table.subject == subject)
                & (table.unit == UNITS["sd"])
            ]
            if found.empty:
                continue
            row = found.iloc[0]
            per = extra / 1000.0
            rows.append(
                {
                    "scenario": name,
                    "subject": subject,
                    "recurring_per_pupil_difference": extra,
                    "sd_difference": float(row.estimate),
                    "sd_per_1000_per_pupil": float(row.estimate) / per if per > 0 else None,
                    "evidence_low": float(row.evidence_low) / per if per > 0 else None,
                    "evidence_high": float(row.evidence_high) / per if per > 0 else None,
                }
            )
    return pd.DataFrame(rows)


def evidence_table(c: Comparison) -> pd.DataFrame:
    """The evidence each scenario used: lever, subject, centre, 95% interval, the strength of
    the evidence, the population it comes from, and its source."""
    rows = []
    table = evidence()
    for result in c.results:
        settings = result.scenario.learning
        effects = table.effects(settings)
        for lever in table.levers:
            row = table.rows[lever]
            estimate = table.estimate(lever, settings.evidence)
            for subject in EVIDENCE_SUBJECTS:
                effect = effects[(lever, subject)]
                low, high = effect.interval()
                if row.use == "moderator":  # drawn ratios are held at zero (uncertainty.py)
                    low = max(low, 0.0)
                overridden = effect.centre != estimate.centre(
                    subject
                ) or effect.se != standard_error(row, estimate, subject)
                rows.append(
                    {
                        "scenario": result.scenario.name,
                        "lever": row.label,
                        "subject": subject,
                        "unit": row.unit,
                        "centre": effect.centre,
                        "low": low,
                        "high": high,
                        "evidence": "your override" if overridden else BODIES[settings.evidence],
                        "strength": row.strength,
                        "population": row.population,
                        "verification": estimate.verification,
                        "source": estimate.source,
                    }
                )
    return pd.DataFrame(rows)


READ_ME = (
    "Learning sheets",
    "An estimate from published studies, not a prediction for your school: what the tutoring, "
    "coaching, team leadership, class sizes and absences each arrangement delivered have been "
    "worth elsewhere, in SD and percentile points, with the range from year to year, from the "
    "evidence, and both (docs/outcomes.md). Learning per $1,000 divides the gain against the "
    "baseline by the extra recurring cost per pupil; Learning evidence lists every effect size "
    "used and its source.",
)


def learning_sheets(c: Comparison) -> dict[str, pd.DataFrame]:
    """budget.xlsx's learning sheets: the estimates, cost-effectiveness and the evidence."""
    table = c.learning
    return {
        "Learning": table,
        "Learning per $1,000": cost_effectiveness(c, table),
        "Learning evidence": evidence_table(c),
    }
