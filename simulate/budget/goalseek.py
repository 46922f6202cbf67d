"""Goal-seek: the value of one numeric scenario field that answers a grant writer's question.

Each target compares a cost with a limit in the tightest year it counts (met when cost <=
limit):
- budget: the annual recurring cost (year 1, one-offs excluded) stays within the baseline's,
  or else within the scenario's own year-1 recurring money: the largest supplement, the most
  positions of a role that fit;
- sustainable: recurring money covers recurring cost in every year from the grant cliff on
  (the first year after the last grant; every year without time-limited grants): the
  recurring money the plan needs once its grants end;
- funded: money in covers money out, grants and one-off costs included, in every year the
  field can pay for: a grant's amount, the years the grant runs (the grant per year that
  covers them); anything else (a grant's end year, recurring money), every projected year.

A field that raises the cost (a supplement, a head count) is searched for the largest value
that meets the target; a field that raises the money (a grant, a recurring source) for the
smallest. Which way a field works is found by trying it. The search is a bisection on a grid
of `unit` steps (money: one cent; counts and years: one; other numbers: 0.0001), so the
answer meets the target and one unit further does not. Whether any value can meet it is
tried first, at the field's most favourable allowed value: when none can, the answer says so,
why, and what would (another target, another field, recurring money), and gives no value; so
too when the field does not change what the target compares (money in against the budget
target), where any value or none would meet it.

Fields the scenario model marks cost_only (salaries, supplements, stipends, wages, rates, the
budget section) do not change what the engine simulates, so the simulated usage is reused; any
other field is simulated again (by the study's `simulate`) at every evaluation. A left-out
entry of a mapping of numbers (a role a team does not have yet) starts from 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from simulate.budget.items import Usage, recurring_items, recurring_total
from simulate.budget.projection import MultiYear, money, project, year_label
from simulate.schema import paths
from simulate.schema.errors import InputError
from simulate.schema.fields import describe
from simulate.schema.loading import apply_overrides, validate
from simulate.schema.model import Scenario
from simulate.schema.words import label

MAX_DOUBLINGS = 60
Target = Literal["budget", "sustainable", "funded"]
TARGETS: dict[str, str] = {  # what each target asks, for --help and messages
    "budget": "annual recurring cost within the baseline's (or the scenario's own recurring "
    "revenue in year 1)",
    "sustainable": "recurring money covers recurring cost in every year from the grant cliff on",
    "funded": "money in covers money out in every year the field pays for (a grant: the years "
    "it runs), grants included",
}
Bound = Literal["budget", "range", "unbounded", "infeasible"]
Direction = Literal["largest", "smallest"]
Kind = Literal["recurring", "grant", "grant_end", "positions", "other"]


@dataclass(frozen=True)
class Check:
    """One evaluation of a target: cost against limit in the tightest year it counts."""

    cost: Decimal
    limit: Decimal
    cost_label: str
    limit_label: str
    year: str = ""  # the tightest year, as it reads (FY2029-30); "" for the budget target

    @property
    def met(self) -> bool:
        return self.cost <= self.limit

    @property
    def short(self) -> Decimal:
        return self.cost - self.limit


@dataclass(frozen=True)
class Subject:
    """What a goal-seek field is, in a grant writer's words."""

    kind: Kind
    name: str  # the funding source's name, the role's title, or the field's label
    index: int | None = None  # the funding source's place in budget.funding
    where: str = ""  # positions: on which team, or on the school's staff


@dataclass(frozen=True)
class GoalSeek:
    """The answer as a sentence a proposal can use, and enough to check it: the target at
    the answer and one unit beyond. When no value meets the target, or the field does not
    change what it compares, `value` is None and `remedy` says what would."""

    field: str
    target: Target
    direction: Direction  # largest value that meets the target, or smallest
    unit: Decimal
    original: Decimal
    value: Decimal | None  # None when no value meets the target
    at: Check | None  # the target at `value` (or at the most favourable value tried)
    beyond: Check | None  # one unit beyond `value`, which misses; None when not allowed
    bound: Bound  # what stops the search: the target, the field's allowed range, nothing
    evaluations: int
    reran_simulation: bool
    answer: str = ""  # the sentence
    remedy: str = ""  # when nothing meets the target: what would

    @property
    def found(self) -> bool:
        return self.value is not None

    def setting(self) -> Decimal | int | float:
        """The value found as the field holds it: money as Decimal, counts and years as
        whole numbers, rates as floats."""
        assert self.value is not None
        if self.unit == Decimal("0.01"):
            return self.value
        return int(self.value) if self.unit == 1 else float(self.value)

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
        return f"goal-seek {self.field} {self._said()}"

    def in_words(self, scenario: Scenario) -> str:
        """The answer as the app and the files give it: the field by its label, and the
        command line's hints ('--goal-seek budget.funding[0].amount --target sustainable')
        in words."""
        return _plain(f"Goal-seek of {label(self.field, scenario)} {self._said()}", scenario)

    def _said(self) -> str:
        """'(target: what it asks): the answer, and what would'."""
        said = f"({self.target}: {TARGETS[self.target]}): {self.answer}"
        return said + (f" {self.remedy}" if self.remedy else "")

    def row(self, scenario: Scenario) -> dict[str, Any]:
        """The answer as a table row: the field's path (to apply it) and its label, and the
        answer and what would in words (see in_words)."""

        def num(x: Decimal | None) -> float | None:
            return float(x) if x is not None else None

        return {
            "field": self.field,
            "figure": label(self.field, scenario),
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
            "answer": _plain(self.answer, scenario),
            "remedy": _plain(self.remedy, scenario),
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
    """InputError before any simulation if the field is not numeric, cannot change on its own
    or the target has nothing to measure against: for the budget target neither a limit (a
    baseline) nor recurring money, for the others no funding at all."""
    _movable(scenario, path, file, field_value(scenario, path, file))
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


def _movable(scenario: Scenario, path: str, file: str, original: Decimal | int | float) -> None:
    """InputError if the scenario allows neither the next value of the field up nor the next
    down: a period day's periods, say, with one absence rate per period, change only with
    the rates, so there is nothing to seek. A funding line's fields are answered in the
    search's own words instead (a grant whose shares set its years says what would work)."""
    if paths.parse(path)[:2] == ("budget", "funding"):
        return
    step = _default_unit(original)
    data = scenario.model_dump(mode="json")
    problems = []
    for value in (Decimal(str(original)) + step, Decimal(str(original)) - step):
        try:
            _with_value(data, path, value, original, file)
            return
        except InputError as err:
            problems.append((value, err.problem))
    value, problem = problems[0]
    raise InputError(
        file,
        path,
        f"cannot change on its own, so there is nothing to seek: at {_show(step)(value)}, "
        f"{problem}",
        "a field the scenario lets change alone",
    )


def _with_value(
    data: dict[str, Any], path: str, value: Decimal, original: Decimal | int | float, file: str
) -> Scenario:
    """The scenario `data` with the field at `path` set to `value` (written as the field holds
    it), validated: InputError when the scenario does not allow it."""
    return validate(apply_overrides(data, {path: _encode(value, original)}), file)


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
        within = f"{baseline.name}'s recurring staffing cost"
    else:
        within = "the given limit" if limit is not None else ""
    subject = _subject(scenario, path)
    show = _show(step)

    specs: dict[int, Scenario | None] = {}
    cache: dict[int, Check | None] = {}

    def allowed(units: int) -> Scenario | None:
        """The scenario with units x step, or None when the value is not allowed."""
        if units not in specs:
            try:
                specs[units] = _with_value(data, path, step * units, original, file)
            except InputError:
                specs[units] = None
        return specs[units]

    def evaluate(units: int) -> Check | None:
        """The target at units x step, or None when the value is not allowed."""
        if units not in cache:
            spec = allowed(units)
            if spec is None:
                cache[units] = None
            else:
                use = usage if cost_only or simulate is None else simulate(spec)
                cache[units] = _check(target, spec, use, years, limit, within, subject)
            if progress is not None:
                progress(len(cache))
        return cache[units]

    def fits(units: int) -> bool:
        got = evaluate(units)
        return got is not None and got.met

    def answer(direction: Direction, **result: Any) -> GoalSeek:
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

    if target == "sustainable" and subject.kind == "grant":  # no grant is recurring money
        at = evaluate(int(start_value // step))
        assert at is not None  # the scenario's own value
        words = _refusal(scenario, subject, target, at, show, start_value)
        return answer("smallest", value=None, at=at, beyond=None, bound="infeasible", **words)
    start = int(start_value // step)
    floor = min(0, start)  # a negative original is searched down to itself, others to 0
    ceiling = _ceiling(path, step)
    direction = _direction(evaluate, start, floor, 1 if step >= 1 else 100, target)
    # the most favourable value the field allows (a period day cannot have 0 periods)
    best = _nearest_allowed(allowed, start, ceiling if direction == "smallest" else floor)
    if not fits(best):
        tried, now = evaluate(best), evaluate(start)
        at = tried or now
        assert at is not None and now is not None  # the scenario's own value
        if tried is not None and best != start and tried.short == now.short:  # it does not move
            words = _unmoved(scenario, subject, target, at)
        else:
            words = _refusal(scenario, subject, target, at, show, step * best)
        return answer(direction, value=None, at=at, beyond=None, bound="infeasible", **words)
    if direction == "largest":
        found, beyond, bound = _largest(fits, start, floor, ceiling)
    else:
        found, beyond, bound = _smallest(fits, start, floor, ceiling)
    assert found is not None  # the most favourable value fits
    at, past = evaluate(found), (evaluate(beyond) if beyond is not None else None)
    if bound == "unbounded":  # any value meets it: the search's last one is no answer
        assert at is not None
        words = _unmoved(scenario, subject, target, at)
        return answer(direction, value=None, at=at, beyond=None, bound=bound, **words)
    if bound == "budget" and past is None:
        bound = "range"
    assert at is not None
    value = step * found
    sentence = _sentence(scenario, subject, target, direction, bound, value, at, past, show)
    sentence += f" (now {show(start_value)})"
    return answer(direction, value=value, at=at, beyond=past, bound=bound, answer=sentence + ".")


def _subject(scenario: Scenario, path: str) -> Subject:
    """What the field is: a funding source's money or end year, a role's positions, or else."""
    parts = paths.parse(path)
    label = describe(path).label.lower()
    if parts[:2] == ("budget", "funding") and len(parts) == 4:
        index = int(parts[2])
        source = scenario.budget.funding[index]
        if parts[3] in ("amount", "per_pupil"):
            return Subject(source.kind, source.name, index)
        if parts[3] == "end_year" and source.kind == "grant":
            return Subject("grant_end", source.name, index)
    if parts[0] == "schools" and len(parts) >= 4 and parts[-2] in ("members", "staff"):
        name = str(parts[-1])
        title = scenario.roles[name].title or name if name in scenario.roles else name
        school = scenario.schools[int(parts[1])]
        if parts[-2] == "staff":
            return Subject("positions", title, where=f"on the staff of {school.name}")
        team = school.teams[int(parts[3])]
        each = f"each of the {team.count} teams '{team.name}'" if team.count > 1 else team.name
        return Subject("positions", title, where=f"on {each} of {school.name}")
    if parts[0] == "roles" and len(parts) == 3 and str(parts[1]) in scenario.roles:
        spec = scenario.roles[str(parts[1])]
        return Subject("other", f"{spec.title or parts[1]} {label}")
    return Subject("other", label)


def _check(
    target: Target,
    spec: Scenario,
    usage: Usage | None,
    years: int | None,
    limit: Decimal | None,
    within: str,
    subject: Subject,
) -> Check:
    """The target's cost and limit for one scenario, in the tightest year that counts."""
    if target == "budget":
        cost = recurring_total(recurring_items(spec, usage))
        if limit is not None:
            return Check(cost, limit, "recurring staffing cost", within)
        revenue = project(spec, usage, 1).years[0].recurring_revenue
        return Check(cost, revenue, "recurring staffing cost", "the year-1 recurring money")
    multi: MultiYear = project(spec, usage, years)
    label = multi.verdict.label
    counted = list(multi.years)
    if target == "sustainable":
        counted = counted[_from_year(multi) - 1 :]
        worst = min(counted, key=lambda y: (y.recurring_surplus, y.year))
        return Check(
            worst.recurring_cost,
            worst.recurring_revenue,
            f"recurring cost in {label(worst.year)}",
            "recurring money that year",
            label(worst.year),
        )
    if subject.kind == "grant" and subject.index is not None:
        source = spec.budget.funding[subject.index]
        last = source.last_year or len(counted)
        counted = [y for y in counted if source.start_year <= y.year <= last] or counted
    worst = min(counted, key=lambda y: (y.surplus, y.year))
    return Check(
        worst.total_cost,
        worst.total_revenue,
        f"cost in {label(worst.year)}",
        "money in that year",
        label(worst.year),
    )


def _from_year(multi: MultiYear) -> int:
    """The first year sustainability counts: the grant cliff, or year 1 without grants (the
    last year when grants run past the projection or have no end)."""
    v = multi.verdict
    if v.open_ended_grants:
        return v.years
    return min(v.cliff_year, v.years) if v.cliff_year else 1


def _sentence(
    scenario: Scenario,
    subject: Subject,
    target: Target,
    direction: Direction,
    bound: Bound,
    value: Decimal,
    at: Check,
    past: Check | None,
    show: Callable[[Decimal], str],
) -> str:
    """The answer in words a proposal can use."""
    tail = f"{at.cost_label} {money(at.cost)} against {at.limit_label} {money(at.limit)}"
    if subject.kind == "positions":
        count = int(value)
        head = (
            f"At most {count} {subject.name} position{'s' if count != 1 else ''} "
            f"{subject.where} {'fits' if count == 1 else 'fit'}"
        )
        if at.year:  # sustainable or funded: the tightest year's cost, not the headline's
            head += f": {tail}"
            if past is not None:
                head += (
                    f"; with {count + 1}, {past.cost_label} {money(past.cost)} against "
                    f"{past.limit_label} {money(past.limit)}"
                )
            return head
        head += (
            f" within {at.limit_label} ({money(at.limit)}): the recurring staffing cost is then "
            f"{money(at.cost)}"
        )
        if past is not None:
            head += f"; {count + 1} would make it {money(past.cost)}"
        return head
    if subject.kind == "grant_end":
        year = int(value)
        return (
            f"{subject.name} must run through "
            f"{year_label(scenario.budget.projection.first_year, year)} (year {year}) for "
            f"every projected year to be funded; the tightest year is {at.year}: {tail}"
        )
    if bound == "range" and direction == "smallest":
        return (
            f"{subject.name} is not needed for this: the target is met even at "
            f"{show(value)} ({tail})"
        )
    if subject.kind == "recurring" and target == "sustainable":
        return (
            f"Recurring money covers the plan from the grant cliff on when {subject.name} is "
            f"{show(value)}{_per(scenario, subject)}; the tightest year is {at.year}: {tail}"
        )
    if subject.kind == "grant" and target == "funded":
        return (
            f"{subject.name} covers every year it runs at {show(value)}"
            f"{_per(scenario, subject)}; the tightest of them is {at.year}: {tail}"
        )
    word = "largest" if direction == "largest" else "least"
    head = f"The {word} {subject.name} that meets it is {show(value)}: {tail}"
    if bound == "range" and direction == "largest":
        return head + "; the field's allowed range ends here"
    return head


def _per(scenario: Scenario, subject: Subject) -> str:
    """' a year', ' per pupil a year', or for a step-down grant its first year and shares."""
    assert subject.index is not None
    source = scenario.budget.funding[subject.index]
    per = " per pupil" if source.per_pupil else ""
    if len(source.shares) > 1:
        steps = ", ".join(f"{share * 100:g}%" for share in source.shares[1:])
        return f"{per} in its first year (then {steps} of it)"
    return f"{per} a year"


def _refusal(
    scenario: Scenario,
    subject: Subject,
    target: Target,
    at: Check,
    show: Callable[[Decimal], str],
    best: Decimal,
) -> dict[str, str]:
    """When no value meets the target: what stands in the way, and what would."""
    ask = _ask(scenario, target)
    short = f"{at.year or 'year 1'} is short {money(at.short)}"
    if subject.kind == "grant" and target == "sustainable":
        return {
            "answer": f"No amount of {subject.name} sustains the plan: a grant is not "
            "recurring money, and sustainability counts recurring money only"
            + f" ({short} of recurring money).",
            "remedy": f"What would: more recurring money ({ask}); or, for what this grant "
            "must pay in the years it runs, --target funded.",
        }
    if subject.kind == "grant_end":
        source = scenario.budget.funding[subject.index or 0]
        if source.shares:
            return {
                "answer": f"{subject.name}'s shares set its years ({len(source.shares)} from "
                f"year {source.start_year}): its end year cannot move on its own.",
                "remedy": "What would: a share for each further year it should run, or a "
                f"larger award (--goal-seek budget.funding[{subject.index}].amount "
                "--target funded).",
            }
        return {
            "answer": f"No end year of {subject.name} funds every projected year: even "
            f"running through the projection, {short}.",
            "remedy": f"What would: a larger award (--goal-seek budget.funding[{subject.index}]"
            f".amount --target funded), or more recurring money ({ask}).",
        }
    if subject.kind == "grant":
        return {
            "answer": f"No amount of {subject.name} funds every year it runs: even paying all "
            f"the costs it pays for, {short}.",
            "remedy": "What would: letting it pay for more of the plan (pays_for), another "
            f"grant, or more recurring money ({ask}).",
        }
    if target == "budget":
        return {
            "answer": f"Nothing fits: even at {show(best)} the recurring staffing cost is "
            f"{money(at.cost)} against {at.limit_label} {money(at.limit)}.",
            "remedy": "What would: fewer or cheaper other positions, another target "
            "(--target sustainable or funded, with the plan's funding), or more recurring money.",
        }
    return {
        "answer": f"No allowed value of {subject.name} meets it: at its most favourable, {short}.",
        "remedy": f"What would: another field or target: recurring money ({ask}), or a "
        "grant's amount with --target funded.",
    }


def _plain(text: str, scenario: Scenario) -> str:
    """A sentence of goal-seek's with its command-line hints in a planner's words."""
    text = re.sub(
        r"--goal-seek (\S+?) --target (\w+)",
        lambda m: f"a goal-seek of {label(m[1], scenario)} with the target '{m[2]}'",
        text,
    )
    text = re.sub(r"--target (\w+) or (\w+)", r"the target '\1' or '\2'", text)
    text = re.sub(r"--target (\w+)", r"the target '\1'", text)
    return text.replace("budget.funding", "the funding lines").replace(
        "(pays_for)", "(what it pays for)"
    )


def _ask(scenario: Scenario, target: Target) -> str:
    """The goal-seek that asks for recurring money instead."""
    recurring = next(
        (i for i, f in enumerate(scenario.budget.funding) if f.kind == "recurring"), None
    )
    then = "funded" if target == "funded" else "sustainable"
    if recurring is None:
        return f"a recurring source in budget.funding and --target {then}"
    return f"--goal-seek budget.funding[{recurring}].amount --target {then}"


def _unmoved(scenario: Scenario, subject: Subject, target: Target, at: Check) -> dict[str, str]:
    """When the field does not change what the target compares (money in against the budget
    target, a price the plan does not use): any value meets it, or none does; either way the
    search has no answer to give."""
    name = subject.name[:1].upper() + subject.name[1:]
    outcome = "any value meets it" if at.met else "no value meets it"
    answer = (
        f"{name} does not change what the {target} target compares ({at.cost_label} "
        f"{money(at.cost)} against {at.limit_label} {money(at.limit)}), so {outcome}."
    )
    if target == "budget":
        remedy = (
            "What would: a field that changes the recurring staffing cost (a salary, a "
            "supplement, a role's positions); or, for money, --target sustainable (recurring "
            "money from the grant cliff on) or --target funded (the years a grant runs)."
        )
    else:
        remedy = (
            "What would: a field that changes the cost or the money of those years, such as "
            f"recurring money ({_ask(scenario, target)})."
        )
    return {"answer": answer, "remedy": remedy}


def _ceiling(path: str, step: Decimal) -> int:
    """The largest value the search tries, in steps: the field's allowed maximum, else ten
    billion (dollars: more than any school's budget; positions: far past every limit)."""
    maximum = describe(path).maximum
    top = Decimal(str(maximum)) if maximum is not None else Decimal(10) ** 10
    return int(top / step)


def _nearest_allowed(allowed: Callable[[int], Scenario | None], start: int, bound: int) -> int:
    """The value nearest `bound` that the scenario allows, between the scenario's own value
    (`start`, allowed) and `bound` (the allowed values taken as one run around the start):
    bisection, validating only."""
    if allowed(bound) is not None:
        return bound
    good, bad = start, bound
    while abs(bad - good) > 1:
        middle = (good + bad) // 2
        if allowed(middle) is None:
            bad = middle
        else:
            good = middle
    return good


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
