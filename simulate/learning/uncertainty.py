"""The estimate with its two layers of uncertainty, kept apart and shown side by side.

- Years: the simulated years differ (absences, vacancies, closures), so what was delivered
  differs; at the effect sizes' centres, the middle 95% of single years.
- Evidence: the effect sizes are uncertain; drawn from their distributions (normal, centre and
  standard error from evidence.py) in an outer loop from a stream of their own, seeded from the
  run's seed and nothing else, so every scenario of a comparison sees the same draws (paired)
  and the same seed gives the same numbers. At the mean year, the middle 95% of draws.
- Both: the middle 95% over every (year, draw) pair.

A lever's draw is shared by its two subjects (an effect that is larger in reading is taken to
be larger in math too), so subject estimates are never more certain than their parts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulate.engine.module import cached
from simulate.engine.streams import stream
from simulate.learning.estimate import FEATURES, SUBJECTS, coefficients, percentile_points
from simulate.learning.evidence import evidence
from simulate.schema.model import Learning

LOW, HIGH = 2.5, 97.5


@dataclass(frozen=True)
class Layers:
    """One estimate (a group, a subject): its centre and three 95% ranges."""

    centre: float
    years: tuple[float, float]
    evidence: tuple[float, float]
    both: tuple[float, float]

    def points(self) -> Layers:
        """The same estimate in percentile points (a monotone map, so ranges map exactly)."""

        def pp(value: float) -> float:
            return float(percentile_points(value))

        return Layers(
            pp(self.centre),
            (pp(self.years[0]), pp(self.years[1])),
            (pp(self.evidence[0]), pp(self.evidence[1])),
            (pp(self.both[0]), pp(self.both[1])),
        )


def central(settings: Learning) -> np.ndarray:
    """SUBJECTS x FEATURES coefficients at the effect sizes' centres (worked out once for the
    settings: every year asks them)."""

    def build() -> np.ndarray:
        effects = evidence().effects(settings)
        values = {key: effect.centre for key, effect in effects.items()}
        shared = coefficients(values, settings.reading_share)
        shared.setflags(write=False)  # one array for every reader
        return shared

    return cached(settings, "central", build)


def drawn(settings: Learning, seed: int) -> np.ndarray:
    """SUBJECTS x FEATURES x draws coefficients, the effect sizes drawn from their own stream."""
    effects = evidence().effects(settings)
    levers = evidence().levers
    z = stream(seed, 0, "learning_evidence").standard_normal((len(levers), settings.draws))
    values = {}
    for i, lever in enumerate(levers):
        for subject in SUBJECTS:
            effect = effects[(lever, subject)]
            value = effect.centre + effect.se * z[i]
            # a moderator scales tutoring: drawn below zero it would turn tutoring harmful
            moderator = evidence().rows[lever].use == "moderator"
            values[(lever, subject)] = np.maximum(value, 0.0) if moderator else value
    return coefficients(values, settings.reading_share)


def estimates(
    inputs: np.ndarray,
    settings: Learning,
    seed: int,
    baseline: tuple[np.ndarray, Learning] | None = None,
) -> dict[str, Layers]:
    """Subject -> Layers for one group, from its mean exposures in each year (years x
    FEATURES); with `baseline` (the same years' exposures and settings of the baseline
    scenario) the difference from it, year by year and draw by draw."""
    assert inputs.shape[1] == len(FEATURES)
    centre, draws = central(settings), drawn(settings, seed)
    by_year = inputs @ centre.T  # years x subjects
    by_draw = np.einsum("sfk,f->sk", draws, inputs.mean(axis=0))  # subjects x draws
    by_both = np.einsum("sfk,rf->srk", draws, inputs)  # subjects x years x draws
    if baseline is not None:
        base, base_settings = baseline
        base_centre, base_draws = central(base_settings), drawn(base_settings, seed)
        by_year = by_year - base @ base_centre.T
        by_draw = by_draw - np.einsum("sfk,f->sk", base_draws, base.mean(axis=0))
        by_both = by_both - np.einsum("sfk,rf->srk", base_draws, base)
    out = {}
    for s, subject in enumerate(SUBJECTS):
        out[subject] = Layers(
            float(by_year[:, s].mean()),
            _range(by_year[:, s]),
            _range(by_draw[s]),
            _range(by_both[s]),
        )
    return out


def _range(values: np.ndarray) -> tuple[float, float]:
    low, high = np.percentile(values, [LOW, HIGH])
    return float(low), float(high)
