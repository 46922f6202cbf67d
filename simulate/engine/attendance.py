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

import math
from functools import lru_cache

import numpy as np

CHRONIC = 0.10  # missing 10% or more of the school days is chronic absence
YEAR = 180  # school days in the year the public chronic-absence figures count


def chronic_share(mean: float, concentration: float, days: int) -> float:
    """Share of students missing >= 10% of `days` when rates are Beta(mean, concentration)."""
    from scipy.special import betaln, gammaln

    a, b = mean * concentration, (1 - mean) * concentration
    k = np.arange(math.ceil(CHRONIC * days - 1e-9), days + 1)
    log_pmf = (
        gammaln(days + 1)
        - gammaln(k + 1)
        - gammaln(days - k + 1)
        + betaln(k + a, days - k + b)
        - betaln(a, b)
    )
    return float(np.exp(log_pmf).sum())


GRID = np.logspace(-2, 6, 161)  # concentrations searched, from very spread to all alike


@lru_cache(maxsize=256)
def chronic_range(mean: float, days: int) -> tuple[float, float]:
    """The lowest and highest chronic-absence share a beta spread of `mean` can give."""
    shares = [chronic_share(mean, c, days) for c in GRID]
    return min(shares), max(shares)


@lru_cache(maxsize=256)
def beta_concentration(mean: float, share: float, days: int) -> float | None:
    """The concentration a + b that gives `share` chronically absent, or None if no beta
    distribution with this mean can. Where two spreads give the share (the share first rises,
    then falls, as the spread grows for a mean under 10%), the less dispersed one is taken."""
    gap = np.array([chronic_share(mean, c, days) for c in GRID]) - share
    crossing = np.flatnonzero(np.sign(gap[:-1]) != np.sign(gap[1:]))
    if gap[-1] == 0:
        return float(GRID[-1])
    if not crossing.size:
        return None
    i = int(crossing[-1])  # the least dispersed crossing
    lo, hi = GRID[i], GRID[i + 1]
    rising = gap[i + 1] > gap[i]
    for _ in range(60):
        mid = math.sqrt(lo * hi)
        above = chronic_share(mean, mid, days) >= share
        lo, hi = (lo, mid) if above == rising else (mid, hi)
    return math.sqrt(lo * hi)


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
