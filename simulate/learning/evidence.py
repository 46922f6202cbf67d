"""The evidence table (evidence.yaml): its schema, and each lever's effect with its uncertainty.

A row gives a lever's effect under two bodies of evidence, `at_scale` (the default) and
`small_studies`, each with its source and how far we could verify it. `Evidence.effects`
resolves a scenario's choice (and its per-lever overrides) into one `Effect` per lever and
subject: a centre and a standard error, widened as the evidence weakens (see the YAML's head).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulate.schema.model import Learning
from simulate.schema.yamlsafe import load_yaml

SUBJECTS = ("reading", "math")
Subject = Literal["reading", "math"]
Strength = Literal["strong", "moderate", "weak"]
Verification = Literal["verified", "derived", "secondary", "unverified"]
BODIES = ("at_scale", "small_studies")
# Where a row gives no standard error: |value| x this share, by the strength of the design.
SE_SHARE: dict[str, float] = {"strong": 0.25, "moderate": 0.5, "weak": 1.0}
# Every standard error is widened by how far the figure could be checked.
WIDEN: dict[str, float] = {"verified": 1.0, "derived": 1.25, "secondary": 1.5, "unverified": 2.0}
PATH = Path(__file__).with_name("evidence.yaml")


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Estimate(_Row):
    """One body of evidence for one lever: a value for both subjects (`value`), or one per
    subject; standard errors likewise (`se`, or `se_reading` and `se_math`), or none."""

    value: float | None = None
    reading: float | None = None
    math: float | None = None
    se: float | None = Field(None, ge=0)
    se_reading: float | None = Field(None, ge=0)
    se_math: float | None = Field(None, ge=0)
    verification: Verification
    source: str = Field(min_length=1)
    checked: str = Field(min_length=1, description="what was and was not verified, and how")

    @model_validator(mode="after")
    def _one_value_per_subject(self) -> Estimate:
        for subject in SUBJECTS:
            given = [v for v in (self.value, getattr(self, subject)) if v is not None]
            if len(given) != 1:
                raise ValueError(f"give either value or {subject} (exactly one)")
        return self

    def centre(self, subject: str) -> float:
        value = self.value if self.value is not None else getattr(self, subject)
        return float(value)

    def reported_se(self, subject: str) -> float | None:
        specific = getattr(self, f"se_{subject}")
        return specific if specific is not None else self.se


class Lever(_Row):
    """One row of the table."""

    lever: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    unit: str
    use: Literal["effect", "moderator", "reference"]  # reference: sets a rule, no coefficient
    population: str
    design: str
    strength: Strength
    at_scale: Estimate | None = None
    small_studies: Estimate | None = None
    finding: str = ""  # reference rows: what the source found and which rule it sets
    verification: Verification | None = None  # reference rows

    @model_validator(mode="after")
    def _complete(self) -> Lever:
        if self.use == "reference":
            if not self.finding or self.verification is None:
                raise ValueError("a reference row needs its finding and verification")
        elif self.at_scale is None or self.small_studies is None:
            raise ValueError("an effect or moderator needs at_scale and small_studies")
        return self


class Table(_Row):
    levers: list[Lever]


@dataclass(frozen=True)
class Effect:
    """A lever's effect for one subject: its centre and standard error (as drawn)."""

    centre: float
    se: float

    def interval(self, z: float = 1.959963984540054) -> tuple[float, float]:
        return self.centre - z * self.se, self.centre + z * self.se


def standard_error(lever: Lever, estimate: Estimate, subject: str) -> float:
    """The reported standard error, or |value| x the strength's share when none is reported,
    widened by the estimate's verification."""
    reported = estimate.reported_se(subject)
    base = (
        reported
        if reported is not None
        else abs(estimate.centre(subject)) * SE_SHARE[lever.strength]
    )
    return base * WIDEN[estimate.verification]


class Evidence:
    """The table, ready to resolve a scenario's evidence choice into effects."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.rows = {row.lever: row for row in table.levers}

    @property
    def levers(self) -> list[str]:
        """Levers that enter the estimate (effects and moderators), in table order."""
        return [r.lever for r in self.table.levers if r.use != "reference"]

    def estimate(self, lever: str, body: str) -> Estimate:
        found = getattr(self.rows[lever], body)
        assert found is not None, f"{lever} has no {body} estimate"
        return found

    def effects(self, settings: Learning) -> dict[tuple[str, str], Effect]:
        """(lever, subject) -> Effect under the scenario's evidence and overrides."""
        out: dict[tuple[str, str], Effect] = {}
        for lever in self.levers:
            row = self.rows[lever]
            estimate = self.estimate(lever, settings.evidence)
            override = getattr(settings.effects, lever)
            for subject in SUBJECTS:
                centre = estimate.centre(subject)
                se = standard_error(row, estimate, subject)
                given = getattr(override, subject)
                if given is not None:
                    centre = given
                if override.se is not None:
                    se = override.se
                out[(lever, subject)] = Effect(centre, se)
        return out


@cache
def evidence() -> Evidence:
    """The bundled evidence table, checked against its schema."""
    data, _ = load_yaml(PATH)
    return Evidence(Table.model_validate(data))
