"""How much the year-1 budget varies between simulated years: a 95% interval per line item.

Every amount is exact at the mean usage of the simulated years; its interval is the 95%
t-interval of the mean of the same line priced with each year's usage, centred on the exact
amount (as a comparison centres its budget figures), and never below zero for a cost. Lines
that do not depend on the simulation (positions x salary) get an interval of zero width;
vacancies, leavers, substitute days and hours worked give the others their width.
"""

from __future__ import annotations

from decimal import Decimal

from simulate.budget import items as b
from simulate.schema.model import Scenario
from simulate.study.stats import half_width

RECURRING: b.Key = ("recurring", "", "")  # the key of the recurring cost's interval


def intervals(
    scenario: Scenario, usage: b.Usage | None, usages: list[b.Usage]
) -> dict[b.Key, tuple[float, float]]:
    """(low, high) per line item key, and for the recurring cost under RECURRING."""
    items = b.line_items(scenario, usage)
    years = [{b.key(i): i.amount for i in b.line_items(scenario, u)} for u in usages]
    out: dict[b.Key, tuple[float, float]] = {}
    for item in items:
        half = half_width([float(y.get(b.key(item), 0)) for y in years])
        out[b.key(item)] = _around(float(item.amount), half)
    recurring = {b.key(i) for i in items if i.recurring}
    half = half_width([float(sum((y.get(k, 0) for k in recurring), Decimal(0))) for y in years])
    out[RECURRING] = _around(float(b.recurring_total(items)), half)
    return out


def _around(amount: float, half: float) -> tuple[float, float]:
    """The interval around an amount; a cost is never below zero, whatever a t-interval of
    few years says."""
    low = amount - half
    return (max(low, 0.0) if amount >= 0 else low, amount + half)
