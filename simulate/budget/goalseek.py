"""Goal-seek: the largest value of one numeric scenario field that the budget affords.

"Affords" means the scenario's annual recurring cost (year 1, one-offs excluded) stays at or
below a limit: the baseline's annual recurring cost, or else the scenario's own recurring
revenue in year 1. The search is a bisection on a grid of `unit` steps (money: one cent;
counts: one; other numbers: 0.0001), so the answer fits and one more unit does not.

Fields the scenario model marks cost_only (salaries, supplements, stipends, wages, rates, the
budget section) do not change what the engine simulates, so the simulated usage is reused; any
other field re-runs the simulation, with the same seed and replications, at every evaluation.
A left-out entry of a mapping of numbers (a role a team does not have yet) starts from 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from simulate.budget.items import Usage, recurring_items, recurring_total
from simulate.budget.projection import money, project
from simulate.schema import paths
from simulate.schema.errors import InputError
from simulate.schema.loading import apply_overrides, validate
from simulate.schema.model import Scenario

MAX_DOUBLINGS = 60
Bound = Literal["budget", "range", "unbounded", "infeasible"]


@dataclass(frozen=True)
class GoalSeek:
    """The answer, and enough to check it: cost at the answer and one unit above."""

    field: str
    unit: Decimal
    original: Decimal
    value: Decimal | None  # None when even the smallest value breaks the limit
    limit: Decimal
    limit_label: str
    cost: Decimal | None  # annual recurring cost at `value`
    cost_above: Decimal | None  # at value + unit; None when that value is not allowed
    bound: Bound  # what stops the search: the budget, the field's allowed range, nothing
    evaluations: int
    reran_simulation: bool
    lowest: Decimal = Decimal(0)  # the smallest value tried (0, or the original if negative)

    def text(self) -> str:
        show = _show(self.unit)
        if self.value is None:
            if self.cost is None:
                return f"goal-seek {self.field}: no allowed value fits {self.limit_label}"
            return (
                f"goal-seek {self.field}: no value fits; even {show(self.lowest)} costs "
                f"{money(self.cost)} against {self.limit_label} {money(self.limit)}"
            )
        head = (
            f"goal-seek {self.field}: largest value {show(self.value)} (was {show(self.original)}"
            f", searched to {show(self.unit)}); annual recurring cost "
            f"{money(self.cost or Decimal(0))} within {self.limit_label} {money(self.limit)}"
        )
        if self.bound == "budget" and self.cost_above is not None:
            return head + f"; {show(self.value + self.unit)} would cost {money(self.cost_above)}"
        if self.bound == "range":
            return head + "; the field's allowed range ends here"
        return head + "; the cost does not grow with this field (no budget limit found)"

    def row(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "original": float(self.original),
            "value": float(self.value) if self.value is not None else None,
            "unit": float(self.unit),
            "limit_cost": float(self.limit),
            "limit": self.limit_label,
            "recurring_cost": float(self.cost) if self.cost is not None else None,
            "recurring_cost_one_unit_more": (
                float(self.cost_above) if self.cost_above is not None else None
            ),
            "bound": self.bound,
            "evaluations": self.evaluations,
            "reran_simulation": self.reran_simulation,
        }


def field_value(scenario: Scenario, path: str, file: str = "<scenario>") -> Decimal | int | float:
    """The validated value at a field path; InputError naming the field if it is not a number
    or if the scenario would not be valid with it written out."""
    try:
        value = paths.get(scenario, path)
        kind = paths.kind_at(path)
    except InputError as err:
        raise err.at(file) from None
    if kind not in paths.NUMERIC or value is None:
        got = "not set" if value is None else f"not a number (got {str(value)[:40]!r})"
        raise InputError(
            file,
            path,
            f"--goal-seek needs a numeric field; this one is {got}",
            "a numeric field such as roles.mcl.supplement or budget.funding[0].amount",
        )
    # a left-out entry reads as 0; written out it must still make sense (a role that exists)
    validate(apply_overrides(scenario.model_dump(mode="json"), {path: value}), file)
    return value


def goal_seek(
    data: dict[str, Any],
    path: str,
    *,
    file: str = "<scenario>",
    baseline: Scenario | None = None,
    baseline_usage: Usage | None = None,
    limit: Decimal | None = None,
    usage: Usage | None = None,
    seed: int = 0,
    replications: int = 1,
    unit: Decimal | None = None,
    progress: Callable[[int], None] | None = None,
) -> GoalSeek:
    """Largest value of the field at `path` in scenario `data` (plain data, as load_data gives)
    whose annual recurring cost stays within `limit`, else the baseline's annual recurring cost,
    else the scenario's own year-1 recurring revenue.

    `usage` is the scenario's simulated usage, reused when the field does not affect the
    engine (it is simulated once if not given); other fields re-run the simulation.
    `progress(n)` is called after the n-th evaluation.
    """
    from simulate.study.run import run  # late: api imports budget, and goal-seek is rarely needed

    scenario = validate(data, file)
    original = field_value(scenario, path, file)
    step = unit or _default_unit(original)
    start_value = Decimal(str(original))  # str: a float 0.4 is 0.4, not 0.40000000000000002
    cost_only = paths.is_cost_only(path)
    if cost_only and usage is None:
        usage = run(scenario, seed=seed, replications=replications).usage
    if limit is not None:
        label = "the given limit"
    elif baseline is not None:
        label = f"the baseline's ({baseline.name}) annual recurring cost"
        limit = recurring_total(recurring_items(baseline, baseline_usage))
    else:
        label = "the scenario's year-1 recurring revenue"
        if not _revenue(scenario, usage):
            raise InputError(
                file,
                "--goal-seek",
                "needs a budget to stay within: give --baseline, or recurring funding in "
                "budget.funding",
            )

    cache: dict[int, tuple[Decimal, Decimal] | None] = {}

    def evaluate(units: int) -> tuple[Decimal, Decimal] | None:
        """(cost, limit) at units x step, or None when the value is not allowed."""
        if units not in cache:
            value = step * units
            try:
                spec = validate(apply_overrides(data, {path: _encode(value, original)}), file)
            except InputError:
                cache[units] = None
            else:
                use = usage if cost_only else run(spec, seed, replications).usage
                cost = recurring_total(recurring_items(spec, use))
                cache[units] = (cost, limit if limit is not None else _revenue(spec, use))
            if progress is not None:
                progress(len(cache))
        return cache[units]

    def fits(units: int) -> bool:
        got = evaluate(units)
        return got is not None and got[0] <= got[1]

    start = int(start_value // step)
    floor = min(0, start)  # a negative original is searched down to itself, others to 0
    lo, hi, bound = _search(fits, start, floor, int(Decimal(10) ** 12 / step))
    if lo is None:
        at = evaluate(floor)
        return GoalSeek(
            field=path,
            unit=step,
            original=start_value,
            value=None,
            limit=at[1] if at else (limit or Decimal(0)),
            limit_label=label,
            cost=at[0] if at else None,
            cost_above=None,
            bound="infeasible",
            evaluations=len(cache),
            reran_simulation=not cost_only,
            lowest=step * floor,
        )
    here, above = evaluate(lo), (evaluate(hi) if hi is not None else None)
    if bound == "budget" and above is None:
        bound = "range"
    assert here is not None
    return GoalSeek(
        field=path,
        unit=step,
        original=start_value,
        value=step * lo,
        limit=here[1],
        limit_label=label,
        cost=here[0],
        cost_above=above[0] if above else None,
        bound=bound,
        evaluations=len(cache),
        reran_simulation=not cost_only,
    )


def _search(
    fits: Callable[[int], bool], start: int, floor: int, ceiling: int
) -> tuple[int | None, int | None, Bound]:
    """Bisection on integers: (largest fitting, smallest not fitting above it, bound)."""
    if fits(start):
        lo, hi = start, max(2 * start, start + 1)
        for _ in range(MAX_DOUBLINGS):
            if hi > ceiling:
                return lo, None, "unbounded"
            if not fits(hi):
                break
            lo, hi = hi, 2 * hi
        else:
            return lo, None, "unbounded"
    elif fits(floor):
        lo, hi = floor, start
    else:
        return None, None, "infeasible"
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo, hi, "budget"


def _revenue(scenario: Scenario, usage: Usage | None) -> Decimal:
    return project(scenario, usage, 1).years[0].recurring_revenue


def _default_unit(original: Decimal | int | float) -> Decimal:
    if isinstance(original, Decimal):
        return Decimal("0.01")
    if isinstance(original, int):
        return Decimal(1)
    return Decimal("0.0001")


def _encode(value: Decimal, original: Decimal | int | float) -> Any:
    if isinstance(original, Decimal):
        return str(value)
    if isinstance(original, int):
        return int(value)
    return float(value)


def _show(unit: Decimal) -> Callable[[Decimal], str]:
    if unit == Decimal("0.01"):
        return money
    return lambda v: f"{v.normalize():f}"
