"""Sampling designs for sweeps: full grid, Latin hypercube, Sobol (Saltelli) and Morris.

Every design is first drawn in the unit cube [0, 1]^d and then mapped to parameter values by
each Axis. Working in the unit cube keeps one code path for continuous ranges, integer ranges
and discrete value lists, and gives SALib the matrix it expects for the analysis (Morris
elementary effects are then per unit of a parameter's range, comparable across parameters).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

Design = Literal["grid", "lhs", "sobol", "morris"]
Kind = Literal["int", "float", "money"]
Value = int | float
EPS = 1e-9  # guards floor() against 0.999... from float arithmetic on level grids


@dataclass(frozen=True)
class Axis:
    """One swept parameter: a list of values, or a low..high range (integer or not)."""

    name: str
    kind: Kind
    values: tuple[Value, ...] = ()
    low: float = 0.0
    high: float = 0.0
    integer: bool = False
    levels: int | None = None  # grid only: evenly spaced levels across a range

    def grid_values(self) -> tuple[Value, ...]:
        if self.values:
            return self.values
        assert self.levels is not None
        return tuple(self.cast(x) for x in np.linspace(self.low, self.high, self.levels))

    def at(self, u: float) -> Value:
        """The value at unit coordinate u in [0, 1]."""
        if self.values:
            return self.values[
                min(int(math.floor(u * len(self.values) + EPS)), len(self.values) - 1)
            ]
        if self.integer:
            span = int(self.high) - int(self.low) + 1
            return int(self.low) + min(int(math.floor(u * span + EPS)), span - 1)
        return self.cast(self.low + u * (self.high - self.low))

    def cast(self, x: float) -> Value:
        """Match the scenario field's type: whole numbers, cents for money, floats otherwise."""
        if self.integer or self.kind == "int":
            return int(round(x))
        if self.kind == "money":
            return round(float(x), 2)
        return float(x)


def problem(axes: list[Axis]) -> dict[str, object]:
    """The SALib problem in unit coordinates (see the module docstring)."""
    return {
        "num_vars": len(axes),
        "names": [a.name for a in axes],
        "bounds": [[0.0, 1.0]] * len(axes),
    }


def unit_points(
    design: Design, axes: list[Axis], samples: int | None, levels: int, seed: int
) -> np.ndarray:
    """The design in unit coordinates, one row per design point, in the sampler's order.

    grid: the product of each axis' grid values (first axis varies slowest);
    lhs: `samples` points; sobol: samples * (d + 2) points (Saltelli, first and total order);
    morris: samples trajectories of d + 1 points on a `levels` grid.
    """
    if design == "grid":
        counts = [len(a.grid_values()) for a in axes]
        index = np.array(list(itertools.product(*(range(k) for k in counts))), dtype=float)
        scale = np.array([max(k - 1, 1) for k in counts], dtype=float)
        return index / scale
    assert samples is not None
    if design == "lhs":
        from SALib.sample import latin

        return np.asarray(latin.sample(problem(axes), samples, seed=seed))
    if design == "sobol":
        from SALib.sample import sobol

        return np.asarray(sobol.sample(problem(axes), samples, calc_second_order=False, seed=seed))
    if design == "morris":
        from SALib.sample import morris

        return np.asarray(morris.sample(problem(axes), samples, num_levels=levels, seed=seed))
    raise ValueError(f"unknown design {design!r}")  # pragma: no cover - the spec validates it


def values_at(axes: list[Axis], unit: np.ndarray, design: Design) -> list[tuple[Value, ...]]:
    """Map unit points to parameter values; a grid maps its indices back onto the listed values."""
    if design == "grid":
        grids = [a.grid_values() for a in axes]
        scale = [max(len(g) - 1, 1) for g in grids]
        return [
            tuple(g[int(round(u * s))] for g, u, s in zip(grids, row, scale, strict=True))
            for row in unit
        ]
    return [tuple(a.at(float(u)) for a, u in zip(axes, row, strict=True)) for row in unit]


def point_count(design: Design, axes: list[Axis], samples: int | None) -> int:
    """Number of design points, known without sampling, so a huge design is refused first."""
    d = len(axes)
    if design == "grid":
        return math.prod(len(a.grid_values()) for a in axes)
    assert samples is not None
    return {"lhs": samples, "sobol": samples * (d + 2), "morris": samples * (d + 1)}[design]
