"""The spread of student absence an absence rate and a chronic-absence share define.

Each student's daily absence rate is Beta(a, b) with the scenario's mean, and a concentration
a + b chosen so that the share of students who miss 10% or more of the school days (chronic
absence, as ED and Attendance Works count it) matches the scenario's over a full 180-day year,
the year those public figures count. The scenario check refuses a share no such spread gives;
the engine draws the students' rates from the concentration (engine/attendance.py).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import overload

import numpy as np

CHRONIC = 0.10  # missing 10% or more of the school days is chronic absence
YEAR = 180  # school days in the year the public chronic-absence figures count


@overload
def chronic_share(mean: float, concentration: float, days: int) -> float: ...
@overload
def chronic_share(mean: float, concentration: np.ndarray, days: int) -> np.ndarray: ...
def chronic_share(mean: float, concentration: float | np.ndarray, days: int) -> float | np.ndarray:
    """Share of students missing >= 10% of `days` when rates are Beta(mean, concentration),
    for one concentration or an array of them."""
    c = np.atleast_1d(np.asarray(concentration, dtype=float))[:, None]
    a, b = mean * c, (1 - mean) * c
    k = np.arange(math.ceil(CHRONIC * days - 1e-9), days + 1, dtype=float)[None, :]
    log_choose = _lgamma(days + 1.0) - _lgamma(k + 1) - _lgamma(days - k + 1)
    log_b = _lgamma(k + a) + _lgamma(days - k + b) - _lgamma(days + a + b)
    log_beta = _lgamma(a) + _lgamma(b) - _lgamma(a + b)
    shares = np.exp(log_choose + log_b - log_beta).sum(axis=1)
    return shares if np.ndim(concentration) else float(shares[0])


# Lanczos approximation of log-gamma (g = 7, 9 terms): about 15 significant digits for x > 0
_G = 7.0
_LANCZOS = (
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
)


def _lgamma(x: np.ndarray | float) -> np.ndarray:
    """log Gamma(x) for x > 0, elementwise (numpy has none, and scipy takes a third of a second
    to import); below 1 it steps up with Gamma(x) = Gamma(x + 1) / x."""
    x = np.asarray(x, dtype=float)
    small = x < 1
    y = np.where(small, x + 1, x) - 1
    series = np.full_like(y, _LANCZOS[0])
    for i, coefficient in enumerate(_LANCZOS[1:], start=1):
        series = series + coefficient / (y + i)
    t = y + _G + 0.5
    value = 0.5 * math.log(2 * math.pi) + (y + 0.5) * np.log(t) - t + np.log(series)
    return np.where(small, value - np.log(x), value)


GRID = np.logspace(-2, 6, 161)  # concentrations searched, from very spread to all alike


@lru_cache(maxsize=256)
def chronic_range(mean: float, days: int) -> tuple[float, float]:
    """The lowest and highest chronic-absence share a beta spread of `mean` can give."""
    shares = chronic_share(mean, GRID, days)
    return float(shares.min()), float(shares.max())


@lru_cache(maxsize=256)
def beta_concentration(mean: float, share: float, days: int) -> float | None:
    """The concentration a + b that gives `share` chronically absent, or None if no beta
    distribution with this mean can. Where two spreads give the share (the share first rises,
    then falls, as the spread grows for a mean under 10%), the less dispersed one is taken."""
    gap = chronic_share(mean, GRID, days) - share
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
