"""How absence propensity varies between people, calibrated to the public spread.

Students: each student's daily absence rate is logit-normal, with the one spread that gives
the scenario's shares of students missing 10% or more and 20% or more of a full 180-day year
(chronic and severe chronic absence, as report cards count them; schema/absence.py). Days
missed is then binomial at each student's rate, so the calibration is exact for such a year; a
shorter calendar keeps the same students.

Staff: each holder's absence rate is the role's rate times a gamma draw of mean 1 and the role's
coefficient of variation; a few people with long absences carry much of the total, as in NCTQ's
and the CRDC's teacher attendance figures.
"""

from __future__ import annotations

import numpy as np

from simulate.schema.absence import fit


def student_rates(chronic: float, severe: float, rng: np.random.Generator, n: int) -> np.ndarray:
    """Each student's daily absence rate (zeros when students are never absent)."""
    spread = fit(round(chronic, 12), round(severe, 12))
    if spread is None:  # never absent (the scenario check refuses any other pair)
        return np.zeros(n)
    mu, sigma = spread
    return 1.0 / (1.0 + np.exp(-(mu + sigma * rng.standard_normal(n))))


def staff_multiplier(cv: float, rng: np.random.Generator) -> float:
    """A holder's absence rate relative to the role's: gamma with mean 1 and this CV."""
    if cv <= 0:
        return 1.0
    shape = 1.0 / (cv * cv)
    return float(rng.gamma(shape, 1.0 / shape))
