"""Who pays what in one projected year: grants as they are written, then recurring money.

Grants pay first, in the order the scenario lists them, each from what the costs it pays for
(`pays_for`: roles or cost categories; none: the whole plan) still need:
- a grant that names the costs it pays for and no amount pays its share of them (1 by
  default; `shares` step down, e.g. 1, 0.66, 0.33), and its indirect charges on top;
- a grant with an amount (or per-pupil amount, times its share of the year) is an award that
  pays the indirect charges too: direct = award / (1 + rate x the base's share of those costs),
  spread over the costs it pays for in proportion to what they still need; what they do not
  need is left unspent.
Indirect charges are the rate times the modified total direct costs the grant pays (2 CFR
200.1: equipment and participant support are not in the base). A match (district dollars per
grant dollar, 2 CFR 200.306) is what the district must spend on the costs the grant pays for;
the year says when the district's part of them falls short of it.

Recurring money then pays what is left of every cost, each source in proportion to its size
(and line by line in proportion to what each source has left to pay); what it cannot pay is
the year's gap. Every split is exact to the cent (largest remainders).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from simulate.budget.items import CENT, cents
from simulate.schema.model import Funding


@dataclass(frozen=True)
class Cost:
    """One cost line in one year, as the funding sees it."""

    amount: Decimal
    role: str
    category: str
    in_base: bool  # in the modified total direct cost base of indirect charges


@dataclass(frozen=True)
class Paid:
    """What one funding source pays in one year."""

    direct: tuple[Decimal, ...]  # per cost line, in the year's order
    indirect: Decimal = Decimal(0)  # indirect charges the grant pays (not a cost of the plan)
    available: Decimal = Decimal(0)  # money in: the award, the costs' share, recurring money
    match: Decimal = Decimal(0)  # district money the grant requires
    match_short: Decimal = Decimal(0)  # how far the district's part falls short of it
    base: Decimal = Decimal(0)  # the modified total direct costs its indirect rate applies to

    @property
    def total(self) -> Decimal:
        return sum(self.direct, Decimal(0))

    @property
    def unspent(self) -> Decimal:
        """What a source had that no cost it pays for needed (recurring: the surplus)."""
        return self.available - self.total - self.indirect


@dataclass(frozen=True)
class YearFunding:
    sources: tuple[Paid, ...]  # one per funding source, in the scenario's order
    unfunded: tuple[Decimal, ...]  # per cost line: what no source pays (the gap)


def running(source: Funding, year: int) -> bool:
    last = source.last_year
    return source.start_year <= year and (last is None or year <= last)


def share(source: Funding, year: int) -> Decimal:
    """The share of its amount (or of its costs) a running source pays in `year`."""
    if not source.shares:
        return Decimal(1)
    return Decimal(str(source.shares[year - source.start_year]))


def pays_for(source: Funding, cost: Cost) -> bool:
    names = source.pays_for
    return not names or cost.role in names or cost.category in names


def allocate(
    funding: Sequence[Funding],
    costs: Sequence[Cost],
    year: int,
    enrollment: int,
    growth: Decimal,
) -> YearFunding:
    """Who pays each cost of projection year `year` (1-based); recurring money grows by
    `growth` (revenue growth since year 1), grant awards do not."""
    left = [c.amount for c in costs]
    paid: list[Paid | None] = []
    for source in funding:
        if source.kind == "grant" and running(source, year):
            paid.append(_grant(source, costs, left, year, enrollment))
        else:
            paid.append(None)  # recurring money pays after every grant
    recurring = [
        cents(s.revenue(enrollment) * growth)
        if s.kind == "recurring" and running(s, year)
        else Decimal(0)
        for s in funding
    ]
    pays = min(sum(left, Decimal(0)), sum(recurring, Decimal(0)))
    by_line, capacity = spread(pays, left), spread(pays, recurring)
    split = []  # line -> per source: each source pays its exact part, line by line
    for amount in by_line:
        split.append(spread(amount, capacity))
        capacity = [c - p for c, p in zip(capacity, split[-1], strict=True)]
    out: list[Paid] = []
    for k, (source, grant) in enumerate(zip(funding, paid, strict=True)):
        if grant is not None:
            out.append(_with_match(source, grant, costs, paid))
        else:
            out.append(Paid(tuple(parts[k] for parts in split), available=recurring[k]))
    unfunded = tuple(rest - part for rest, part in zip(left, by_line, strict=True))
    return YearFunding(tuple(out), unfunded)


def _grant(
    source: Funding, costs: Sequence[Cost], left: list[Decimal], year: int, enrollment: int
) -> Paid:
    """What one running grant pays of each cost, taken from `left` (changed in place)."""
    rate = Decimal(str(source.indirect_rate))
    covered = [i for i, c in enumerate(costs) if pays_for(source, c)]
    award = cents(source.revenue(enrollment) * share(source, year))
    direct = [Decimal(0)] * len(costs)
    awarded = source.amount or source.per_pupil or source.per_eligible_pupil
    if awarded or not source.pays_for:  # an award (maybe of 0)
        need = sum((left[i] for i in covered), Decimal(0))
        base = sum((left[i] for i in covered if costs[i].in_base), Decimal(0))
        part = base / need if need else Decimal(0)
        spent = min(need, cents(award / (1 + rate * part)))
        for i, amount in zip(covered, spread(spent, [left[i] for i in covered]), strict=True):
            direct[i] = amount
    else:
        for i in covered:
            direct[i] = min(left[i], cents(share(source, year) * costs[i].amount))
        award = Decimal(0)
    for i in covered:
        left[i] -= direct[i]
    in_base = sum((direct[i] for i in covered if costs[i].in_base), Decimal(0))
    total = sum(direct, Decimal(0))
    charged = cents(rate * in_base)
    indirect = min(charged, award - total) if award else charged
    return Paid(tuple(direct), indirect, award or total + indirect, base=in_base)


def _with_match(
    source: Funding, grant: Paid, costs: Sequence[Cost], paid: Sequence[Paid | None]
) -> Paid:
    """The grant with its match: district money per grant dollar, against what the district
    pays of the costs the grant pays for (after every grant)."""
    if not source.match:
        return grant
    required = cents(Decimal(str(source.match)) * (grant.total + grant.indirect))
    district = sum(
        (
            c.amount - sum((p.direct[i] for p in paid if p is not None), Decimal(0))
            for i, c in enumerate(costs)
            if pays_for(source, c)
        ),
        Decimal(0),
    )
    short = max(Decimal(0), required - district)
    return Paid(grant.direct, grant.indirect, grant.available, required, short, grant.base)


def spread(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`total` (whole cents) split in proportion to `weights`, exact to the cent: each part
    rounded down, the cents left over to the largest remainders (first come on ties)."""
    whole = sum(weights, Decimal(0))
    if not whole or not total:
        return [Decimal(0)] * len(weights)
    units = int(total / CENT)
    exact = [Decimal(units) * w / whole for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: units - sum(parts)]:
        parts[i] += 1
    return [Decimal(p) * CENT for p in parts]
