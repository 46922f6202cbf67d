"""The spread of student absence two public shares define: chronic and severe chronic absence.

A school report card gives the share of students who miss 10% or more of the school days
(chronic absence, as ED and Attendance Works count it) and, in several states, the share who
miss 20% or more (severe chronic absence: Massachusetts, Connecticut, ...). Each student's
daily absence rate is logit-normal, expit(mu + sigma Z) with Z standard normal, and the days a
student misses in a 180-day year are binomial at that rate; (mu, sigma) are the one pair that
gives both shares over such a year, the year those figures count. Two shares fix the spread:
nothing is chosen, and the mean days missed follows from them (docs/validation.md checks it
against the published mean). The scenario check refuses a pair no such spread gives; the
engine draws the students' rates from the pair (engine/attendance.py).
"""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

import numpy as np

CHRONIC = 0.10  # missing 10% or more of the school days is chronic absence
SEVERE = 0.20  # missing 20% or more is severe chronic absence
YEAR = 180  # school days in the year the public figures count
# Gauss-Hermite nodes and weights for the standard normal (probabilists' Hermite)
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(64)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()
_DAYS = np.arange(YEAR + 1, dtype=float)
_LOG_CHOOSE = np.array(
    [
        math.lgamma(YEAR + 1) - math.lgamma(k + 1) - math.lgamma(YEAR - k + 1)
        for k in range(YEAR + 1)
    ]
)


def _days_missed(mu: float, sigma: float) -> np.ndarray:
    """The distribution of days missed in a 180-day year (0 to 180) at (mu, sigma)."""
    rate = 1.0 / (1.0 + np.exp(-(mu + sigma * _NODES)))
    rate = np.clip(rate, 1e-300, 1 - 1e-16)[:, None]
    log_pmf = _LOG_CHOOSE + _DAYS * np.log(rate) + (YEAR - _DAYS) * np.log1p(-rate)
    return _WEIGHTS @ np.exp(log_pmf)


def share_missing(mu: float, sigma: float, threshold: float) -> float:
    """Share of students who miss `threshold` of a 180-day year or more."""
    first = math.ceil(threshold * YEAR - 1e-9)
    return float(_days_missed(mu, sigma)[first:].sum())


def mean_rate(mu: float, sigma: float) -> float:
    """The mean share of days a student misses at (mu, sigma)."""
    return float(_WEIGHTS @ (1.0 / (1.0 + np.exp(-(mu + sigma * _NODES)))))


@lru_cache(maxsize=256)
def fit(chronic: float, severe: float) -> tuple[float, float] | None:
    """(mu, sigma) that give `chronic` students missing 10% or more of the days and `severe`
    missing 20% or more, or None if no logit-normal spread does (it needs 0 < severe <
    chronic < 1). Newton's method from the pair that would fit without the day-to-day chance
    (rates alone above 10% and 20%), on (mu, log sigma)."""
    if not 0 < severe < chronic < 1:
        return None
    normal = NormalDist()
    low, high = normal.inv_cdf(1 - chronic), normal.inv_cdf(1 - severe)
    sigma = (_logit(SEVERE) - _logit(CHRONIC)) / (high - low)
    x = np.array([_logit(CHRONIC) - sigma * low, math.log(sigma)])
    target = np.array([chronic, severe])

    def gap(point: np.ndarray) -> np.ndarray:
        mu, log_sigma = point
        s = math.exp(min(log_sigma, 5.0))
        return np.array([share_missing(mu, s, CHRONIC), share_missing(mu, s, SEVERE)]) - target

    for _ in range(50):
        now = gap(x)
        if np.abs(now).max() < 1e-10:
            return float(x[0]), math.exp(float(x[1]))
        step = 1e-6
        jacobian = np.column_stack([(gap(x + step * e) - now) / step for e in np.eye(2)])
        try:
            move = np.linalg.solve(jacobian, now)
        except np.linalg.LinAlgError:
            return None
        x = x - np.clip(move, -1.0, 1.0)  # damped: the shares flatten far from the answer
    return None


def _logit(p: float) -> float:
    return math.log(p / (1 - p))
