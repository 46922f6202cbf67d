"""How absence propensity varies between people, calibrated to the public spread.

Students: each student's daily absence rate is Beta(a, b) with the scenario's mean, and a
concentration chosen so that the share of students who miss 10% or more of the school days
(chronic absence, as ED and Attendance Works count it) matches the scenario's over a full
180-day year, the year those public figures count. Days missed is then beta-binomial, so the
calibration is exact for such a year; a shorter calendar keeps the same students.

Staff: each holder's absence rate is the role's rate times a gamma draw of mean 1 and the role's
coefficient of variation; a few people with long absences carry much of the total, as in NCTQ's
and the CRDC's teacher attendance figures.
"""

from __future__ import annotations

import numpy as np

from simulate.schema.absence import YEAR, beta_concentration


def student_rates(mean: float, share: float, rng: np.random.Generator, n: int) -> np.ndarray:
    """Each student's daily absence rate (zeros when students are never absent)."""
    if mean <= 0:
        return np.zeros(n)
    concentration = beta_concentration(round(mean, 12), round(share, 12), YEAR)
    if concentration is None:  # the scenario check refuses this; keep the mean regardless
        return np.full(n, mean)
    return rng.beta(mean * concentration, (1 - mean) * concentration, n)


def staff_multiplier(cv: float, rng: np.random.Generator) -> float:
    """A holder's absence rate relative to the role's: gamma with mean 1 and this CV."""
    if cv <= 0:
        return 1.0
    shape = 1.0 / (cv * cv)
    return float(rng.gamma(shape, 1.0 / shape))
