"""Goal-seek: the value of one numeric scenario field (list items included) that meets a target.

Targets, each a comparison of a cost with a limit (the target is met when cost <= limit):
- budget: the annual recurring cost (year 1, one-offs excluded) stays within the baseline's
  annual recurring cost, or else within the scenario's own year-1 recurring revenue;
- sustainable: recurring money covers recurring cost in the projection's last year, which is
  what the sustainability verdict asks;
- funded: money in covers money out in every projected year, grants and one-off costs
  included (the grant that closes a cliff).

A field that raises the cost (a supplement, a head count) is searched for the largest value
that meets the target; a field that raises the money (a grant, a recurring source) for the
smallest. Which way a field works is found by trying it. The search is a bisection on a grid
of `unit` steps (money: one cent; counts: one; other numbers: 0.0001), so the answer meets
the target and one unit further does not.

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
from simulate.budget.projection import MultiYear, money, project
from simulate.schema import paths
from simulate.schema.errors import InputError
from simulate.schema.loading import apply_overrides, validate
from simulate.schema.model import Scenario

MAX_DOUBLINGS = 60
Target = Literal["budget", "sustainable", "funded"]
TARGETS: dict[str, str] = {  # what each target asks, for --help and messages
    "budget": "annual recurring cost within the baseline's (or the scenario's own recurring "
    "revenue in year 1)",
    "sustainable": "recurring money covers recurring cost in the projection's last year",
    "funded": "money in covers money out in every projected year, grants included",
}
Bound = Literal["budget", "range", "unbounded", "infeasible"]
Direction = Literal["largest", "smallest"]


@dataclass(frozen=True)
class Check:
    """One evaluation of a target: cost against limit, and what each is called."""

    cost: Decimal
    limit: Decimal
    cost_label: str
    limit_label: str

    @property
    def met(self) -> bool:
        return self.cost <= self.limit


@dataclass(frozen=True)
class GoalSeek:
    """The answer, and enough to check it: the target at the answer and one unit beyond."""

    field: str
    target: Target
    direction: Direction  # largest value that meets the target, or smallest
    unit: Decimal
    original: Decimal
    value: Decimal | None  # None when no value meets the target
    at: Check | None  # the target at `value` (or at the value tried last, if none meets it)
    beyond: Check | None  # one unit beyond `value`, which misses; None when not allowed
    bound: Bound  # what stops the search: the target, the field's allowed range, nothing
    evaluations: int
    reran_simulation: bool
    tried: Decimal = Decimal(0)  # the value `at` was taken at when no value meets the target

    @property
    def cost(self) -> Decimal | None:
        return self.at.cost if self.at else None

    @property
    def limit(self) -> Decimal | None:
        return self.at.limit if self.at else None

    @property
    def cost_beyond(self) -> Decimal | None:
        return self.beyond.cost if self.beyond else None

    def text(self) -> str:
        show = _show(self.unit)
        head = f"goal-seek {self.field} ({self.target}: {TARGETS[self.target]})"
        if self.value is None:
            if self.at is None:
                return f"{head}: no allowed value meets it"
            return (
                f"{head}: no value meets it; at {show(self.tried)} the "
                f"{self.at.cost_label} is {money(self.at.cost)} against "
                f"{self.at.limit_label} {money(self.at.limit)}"
            )
        assert self.at is not None
        text = (
            f"{head}: {self.direction} value {show(self.value)} (was {show(self.original)}, "
            f"searched to {show(self.unit)}); {self.at.cost_label} {money(self.at.cost)} "
            f"within {self.at.limit_label} {money(self.at.limit)}"
        )
        if self.bound == "budget" and self.beyond is not None:
            step = self.unit if self.direction == "largest" else -self.unit
            return text + (
                f"; {show(self.value + step)} would give {money(self.beyond.cost)} against "
                f"{money(self.beyond.limit)}"
            )
        if self.bound == "range" and self.direction == "smallest":
            return text + "; the target is met even at the lowest value the field allows"
        if self.bound == "range":
            return text + "; the field's allowed range ends here"
        return text + "; the target does not depend on this field (no limit found)"

    def row(self) -> dict[str, Any]:
        def num(x: Decimal | None) -> float | None:
            return float(x) if x is not None else None

        return {
            "field": self.field,
            "target": self.target,
            "direction": self.direction,
            "original": float(self.original),
            "value": num(self.value),
            "unit": float(self.unit),
            "cost": num(self.cost),
            "cost_label": self.at.cost_label if self.at else None,
            "limit_cost": num(self.limit),
            "limit": self.at.limit_label if self.at else None,
            "cost_one_unit_beyond": num(self.cost_beyond),
            "limit_one_unit_beyond": num(self.beyond.limit) if self.beyond else None,
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


def check_goal(
    scenario: Scenario,
    path: str,
    target: Target = "budget",
    file: str = "<scenario>",
    has_limit: bool = False,
) -> None:
    """InputError before any simulation if the field is not numeric or the target has nothing
    to measure against: for the budget target neither a limit (a baseline) nor recurring
    money, for the others no funding at all."""
    field_value(scenario, path, file)
    if target not in TARGETS:
        raise InputError(file, "--target", f"is '{target}'", ", ".join(TARGETS))
    funding = scenario.budget.funding
    if target == "budget" and not has_limit and not any(f.kind == "recurring" for f in funding):
        raise InputError(
            file,
            "--goal-seek",
            "needs a budget to stay within: give --baseline, or recurring funding in "
            "budget.funding",
        )
    if target != "budget" and not funding:
        raise InputError(
            file,
            "budget.funding",
            f"is empty, so there is no money to be {target} with",
            "recurring funding and grants in budget.funding",
        )


def goal_seek(
    data: dict[str, Any],
    path: str,
    *,
    target: Target = "budget",
    file: str = "<scenario>",
    baseline: Scenario | None = None,
    baseline_usage: Usage | None = None,
    limit: Decimal | None = None,
    usage: Usage | None = None,
    simulate: Callable[[Scenario], Usage] | None = None,
    years: int | None = None,
    unit: Decimal | None = None,
    progress: Callable[[int], None] | None = None,
) -> GoalSeek:
    """The value of the field at `path` in scenario `data` (plain data, as load_data gives)
    that meets `target` (see the module's docstring); for the budget target, `limit` replaces
    the baseline's annual recurring cost. `years` overrides the projection's length.

    `usage` is the scenario's simulated usage, reused when the field does not affect the
    engine; `simulate(scenario)` gives the usage of a scenario (the study runs its years), and
    is called for the scenario when `usage` is not given and at every evaluation of a field
    the engine reads. `progress(n)` is called after the n-th evaluation.
    """
    scenario = validate(data, file)
    check_goal(scenario, path, target, file, baseline is not None or limit is not None)
    original = field_value(scenario, path, file)
    step = unit or _default_unit(original)
    start_value = Decimal(str(original))  # str: a float 0.4 is 0.4, not 0.40000000000000002
    cost_only = paths.is_cost_only(path)
    if (usage is None or not cost_only) and simulate is None:
        raise ValueError(f"goal-seek on {path} needs simulate(): the usage must be simulated")
    if cost_only and usage is None:
        assert simulate is not None
        usage = simulate(scenario)
    if limit is None and baseline is not None and target == "budget":
        limit = recurring_total(recurring_items(baseline, baseline_usage))
        within = f"the baseline's ({baseline.name}) annual recurring cost"
    else:
        within = "the given limit" if limit is not None else ""

    cache: dict[int, Check | None] = {}

    def evaluate(units: int) -> Check | None:
        """The target at units x step, or None when the value is not allowed."""
        if units not in cache:
            value = step * units
            try:
                spec = validate(apply_overrides(data, {path: _encode(value, original)}), file)
            except InputError:
                cache[units] = None
            else:
                use = usage if cost_only or simulate is None else simulate(spec)
                cache[units] = _check(target, spec, use, years, limit, within)
            if progress is not None:
                progress(len(cache))
        return cache[units]

    def fits(units: int) -> bool:
        got = evaluate(units)
        return got is not None and got.met

    start = int(start_value // step)
    floor = min(0, start)  # a negative original is searched down to itself, others to 0
    ceiling = int(Decimal(10) ** 12 / step)
    direction = _direction(evaluate, start, floor, 1 if step >= 1 else 100, target)
    if direction == "largest":
        found, beyond, bound = _largest(fits, start, floor, ceiling)
    else:
        found, beyond, bound = _smallest(fits, start, floor, ceiling)

    def answer(**result: Any) -> GoalSeek:
        return GoalSeek(
            field=path,
            target=target,
            direction=direction,
            unit=step,
            original=start_value,
            evaluations=len(cache),
            reran_simulation=not cost_only,
            **result,
        )

    if found is None:
        tried = ceiling if direction == "smallest" else floor
        if evaluate(tried) is None:  # the far end is not allowed: report the last allowed try
            tried = max((u for u, c in cache.items() if c is not None), default=floor)
        at = evaluate(tried)
        return answer(value=None, at=at, beyond=None, bound="infeasible", tried=step * tried)
    at, past = evaluate(found), (evaluate(beyond) if beyond is not None else None)
    if bound == "budget" and past is None:
        bound = "range"
    return answer(value=step * found, at=at, beyond=past, bound=bound)


def _check(
    target: Target,
    spec: Scenario,
    usage: Usage | None,
    years: int | None,
    limit: Decimal | None,
    within: str,
) -> Check:
    """The target's cost and limit for one scenario."""
    if target == "budget":
        cost = recurring_total(recurring_items(spec, usage))
        if limit is not None:
            return Check(cost, limit, "annual recurring cost", within)
        revenue = project(spec, usage, 1).years[0].recurring_revenue
        return Check(
            cost, revenue, "annual recurring cost", "the scenario's year-1 recurring revenue"
        )
    multi: MultiYear = project(spec, usage, years)
    label = multi.verdict.label
    if target == "sustainable":
        last = multi.years[-1]
        return Check(
            last.recurring_cost,
            last.recurring_revenue,
            f"recurring cost in {label(last.year)}",
            "recurring money that year",
        )
    worst = min(multi.years, key=lambda y: (y.surplus, y.year))
    return Check(
        worst.total_cost,
        worst.total_revenue,
        f"cost in {label(worst.year)} (the tightest year)",
        "money in that year",
    )


def _direction(
    evaluate: Callable[[int], Check | None], start: int, floor: int, probe: int, target: Target
) -> Direction:
    """Which value to seek: the smallest when raising the field raises the margin (money in),
    the largest when it lowers it (costs). Where the margin does not move (a grant whose years
    are already funded), the target says: the least money for `sustainable` and `funded`, the
    most for `budget`."""
    low = evaluate(max(start, floor))
    high = evaluate(max(start, floor) + probe)
    if low is None or high is None:
        return "largest"
    before, after = low.limit - low.cost, high.limit - high.cost
    if after == before:
        return "largest" if target == "budget" else "smallest"
    return "smallest" if after > before else "largest"


def _largest(
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


def _smallest(
    fits: Callable[[int], bool], start: int, floor: int, ceiling: int
) -> tuple[int | None, int | None, Bound]:
    """Bisection on integers: (smallest fitting, largest not fitting below it, bound)."""
    if fits(floor):
        return floor, None, "range"  # even the lowest value meets the target
    lo = floor  # the largest value known not to fit
    if start > floor and fits(start):
        hi = start
    else:
        lo, hi = max(start, floor), max(2 * start, start + 1)
        for _ in range(MAX_DOUBLINGS):
            if hi > ceiling:
                return None, None, "infeasible"
            if fits(hi):
                break
            lo, hi = hi, 2 * hi
        else:
            return None, None, "infeasible"
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if fits(mid) else (mid, hi)
    return hi, lo, "budget"


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
