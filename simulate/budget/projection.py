"""Multi-year projection of cost against funding, the grant cliff and a sustainability verdict.

Year 1 is the simulated year. Later years scale it: pay lines (salaries, supplements, benefits,
stipends, hourly wages, substitutes) grow with `salary_growth`; per-student lines follow
enrollment; devices stay flat; one-off costs fall in their year. Positions do not follow
enrollment: a school that changes staffing is a different scenario. Recurring funding grows
with `revenue_growth` and enrollment; grants pay in their years only, as they are written
(the costs they pay for, step-downs, indirect charges: see budget.funding), which also says who
pays each cost each year. A grant's revenue is what it pays of the plan's costs. All money
stays in Decimal cents, so each year's lines add up to its totals exactly. Years are shown as
fiscal years (FY2027-28) when the scenario says when the first one starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from simulate.budget.federal import in_base
from simulate.budget.funding import Cost, YearFunding, allocate
from simulate.budget.items import (
    LineItem,
    Usage,
    cents,
    one_off_items,
    recurring_items,
    teacher_cost,
)
from simulate.measures.formats import money
from simulate.schema.model import Funding, Scenario


def year_label(first_year: int | None, year: int) -> str:
    """How projection year `year` (1-based) reads: FY2027-28 when the first year starts in
    2027, else 'year 3'."""
    if first_year is None:
        return f"year {year}"
    start = first_year + year - 1
    return f"FY{start}-{(start + 1) % 100:02d}"


@dataclass(frozen=True)
class Line:
    """One projected row: a cost line item or a funding source, with an amount per year."""

    side: str  # cost | revenue
    category: str  # cost category, or recurring | grant for revenue
    item: str
    amounts: tuple[Decimal, ...]  # year 1..N
    recurring: bool = True  # one-off costs and grants are not
    base: LineItem | None = None  # a cost: the line item of year 1 (or of its one-off year)


@dataclass(frozen=True)
class Year:
    year: int
    enrollment: int
    pay_factor: Decimal  # (1 + salary_growth) ** (year - 1): prices a teacher in this year
    recurring_cost: Decimal
    one_off_cost: Decimal
    recurring_revenue: Decimal
    grant_revenue: Decimal  # what grants pay of the plan's costs (their indirect charges apart)
    indirect: Decimal = Decimal(0)  # indirect charges grants pay, to the district's overhead

    @property
    def total_cost(self) -> Decimal:
        return self.recurring_cost + self.one_off_cost

    @property
    def total_revenue(self) -> Decimal:
        return self.recurring_revenue + self.grant_revenue

    @property
    def surplus(self) -> Decimal:
        """All money in minus all money out; negative is a gap."""
        return self.total_revenue - self.total_cost

    @property
    def recurring_surplus(self) -> Decimal:
        """Recurring money minus recurring cost: what is left when grants and one-offs go."""
        return self.recurring_revenue - self.recurring_cost


@dataclass(frozen=True)
class Verdict:
    """Sustainability: the first year from which recurring money covers recurring cost in every
    remaining projected year; otherwise the recurring shortfall in the last year."""

    sustainable_from: int | None
    shortfall: Decimal  # last year's recurring cost minus recurring revenue (0 if sustainable)
    years: int
    cliff_year: int | None  # first year after the last grant ends (None: no grants / open-ended)
    cliff_gap: Decimal | None  # that year's surplus (negative = gap), if inside the projection
    open_ended_grants: tuple[str, ...] = ()
    first_year: int | None = None  # calendar year the first projected year starts, for labels

    @property
    def sustainable(self) -> bool:
        return self.sustainable_from is not None

    def label(self, year: int) -> str:
        return year_label(self.first_year, year)

    def text(self) -> str:
        if self.sustainable_from == 1:
            head = f"sustainable: recurring money covers recurring cost in all {self.years} years"
        elif self.sustainable_from:
            head = (
                f"sustainable from {self.label(self.sustainable_from)}: recurring money covers "
                f"recurring cost from then to {self.label(self.years)}"
            )
        else:
            head = (
                f"not sustainable: recurring cost exceeds recurring money by "
                f"{money(self.shortfall)} a year in {self.label(self.years)}"
            )
        return head + "; " + self.cliff_text()

    def cliff_text(self) -> str:
        if self.open_ended_grants:
            return "grants without an end year: " + ", ".join(self.open_ended_grants)
        if self.cliff_year is None:
            return "no time-limited grants"
        if self.cliff_gap is None:
            return (
                f"grants end after {self.label(self.cliff_year - 1)}, beyond the projection "
                f"(use --years {self.cliff_year} to see the cliff)"
            )
        word = "surplus" if self.cliff_gap >= 0 else "gap"
        return (
            f"grant cliff in {self.label(self.cliff_year)}: {word} of {money(abs(self.cliff_gap))}"
        )


@dataclass(frozen=True)
class MultiYear:
    scenario: str
    years: tuple[Year, ...]
    lines: tuple[Line, ...]
    verdict: Verdict
    unit: Decimal | None  # year-1 average teacher position (see budget.teacher_cost)
    funding: tuple[YearFunding, ...] = ()  # who pays what, year by year (budget.funding)
    sources: tuple[Funding, ...] = ()  # the scenario's funding sources, in funding's order

    def notes(self) -> list[str]:
        """What a grant writer must know about the grants beside the verdict: a match the
        costs a grant pays for cannot carry, and award money nothing it pays for needs."""
        out = []
        for j, source in enumerate(self.sources):
            for label, year in zip(self.labels(), self.funding, strict=True):
                paid = year.sources[j]
                if paid.match_short:
                    out.append(
                        f"{source.name} requires {money(paid.match)} of district money in "
                        f"{label} (${source.match:.2f} per grant dollar); the district pays "
                        f"{money(paid.match - paid.match_short)} of the costs it pays for, so "
                        f"{money(paid.match_short)} must come from other project costs"
                    )
                if source.kind == "grant" and paid.unspent:
                    out.append(
                        f"{source.name}: {money(paid.unspent)} of its award in {label} is more "
                        "than the costs it pays for need"
                    )
        return out

    def labels(self) -> list[str]:
        """Each year as it reads in tables: FY2027-28, or year 1, year 2, ..."""
        return [self.verdict.label(y.year) for y in self.years]

    def year_columns(self) -> list[str]:
        """Column names of the years in wide tables: year_1, ... or FY2027-28, ..."""
        if self.verdict.first_year is None:
            return [f"year_{y.year}" for y in self.years]
        return self.labels()


def project(
    scenario: Scenario,
    usage: Usage | None = None,
    years: int | None = None,
    unit: Decimal | None = None,
) -> MultiYear:
    """Project the scenario's budget over `years` (default: budget.projection.years).

    `unit` prices teacher-position equivalents (default: the scenario's teacher_cost).
    """
    params = scenario.budget.projection
    n = years or params.years
    salary = Decimal(str(params.salary_growth)) + 1
    revenue = Decimal(str(params.revenue_growth)) + 1
    change = Decimal(str(params.enrollment_change)) + 1
    base_items = recurring_items(scenario, usage)
    enrollments = [_whole(scenario.enrollment * change**k) for k in range(n)]
    pay = [salary**k for k in range(n)]

    lines = [
        Line(
            "cost",
            i.category,
            i.item,
            tuple(_grow(i, pay[k], enrollments[k]) for k in range(n)),
            base=i,
        )
        for i in base_items
    ]
    one_offs: dict[tuple[str, str], tuple[list[Decimal], LineItem]] = {}
    for k in range(n):
        for i in one_off_items(scenario, k + 1):
            one_offs.setdefault((i.category, i.item), ([Decimal(0)] * n, i))[0][k] += i.amount
    lines += [
        Line("cost", c, item, tuple(a), False, base) for (c, item), (a, base) in one_offs.items()
    ]
    funding = scenario.budget.funding
    paid = tuple(
        allocate(funding, _costs(scenario, lines, k), k + 1, enrollments[k], revenue**k)
        for k in range(n)
    )
    for j, source in enumerate(funding):  # money in: recurring sources' all, grants' spent
        amounts = tuple(
            year.sources[j].available if source.kind == "recurring" else year.sources[j].total
            for year in paid
        )
        if any(amounts):
            lines.append(
                Line("revenue", source.kind, source.name, amounts, source.kind == "recurring")
            )

    def by_year(side: str, recurring: bool) -> list[Decimal]:
        chosen = [x.amounts for x in lines if x.side == side and x.recurring == recurring]
        return [sum((a[k] for a in chosen), Decimal(0)) for k in range(n)]

    recurring_cost, one_off_cost = by_year("cost", True), by_year("cost", False)
    recurring_revenue, grant_revenue = by_year("revenue", True), by_year("revenue", False)
    table = tuple(
        Year(
            year=k + 1,
            enrollment=enrollments[k],
            pay_factor=pay[k],
            recurring_cost=recurring_cost[k],
            one_off_cost=one_off_cost[k],
            recurring_revenue=recurring_revenue[k],
            grant_revenue=grant_revenue[k],
            indirect=sum((p.indirect for p in paid[k].sources), Decimal(0)),
        )
        for k in range(n)
    )
    return MultiYear(
        scenario.name,
        table,
        tuple(lines),
        _verdict(table, funding, params.first_year),
        unit or teacher_cost(scenario),
        paid,
        tuple(funding),
    )


def _costs(scenario: Scenario, lines: list[Line], k: int) -> list[Cost]:
    """Year k's cost lines (0-based) as the funding sees them, in the projection's order."""
    return [
        Cost(line.amounts[k], line.base.role, line.category, in_base(line.base, scenario))
        for line in lines
        if line.base is not None
    ]


def _verdict(table: tuple[Year, ...], funding: list[Funding], first_year: int | None) -> Verdict:
    n = len(table)
    start: int | None = None
    for y in reversed(table):
        if y.recurring_surplus < 0:
            break
        start = y.year
    shortfall = Decimal(0) if start else -table[-1].recurring_surplus
    grants = [f for f in funding if f.kind == "grant"]
    open_ended = tuple(f.name for f in grants if f.last_year is None)
    cliff = max((f.last_year or 0) for f in grants) + 1 if grants and not open_ended else None
    gap = table[cliff - 1].surplus if cliff and cliff <= n else None
    return Verdict(start, shortfall, n, cliff, gap, open_ended, first_year)


def _grow(item: LineItem, pay: Decimal, enrollment: int) -> Decimal:
    if item.driver == "pay":
        return cents(item.amount * pay)
    if item.driver == "enrollment":
        return cents(item.unit_cost * enrollment)
    return item.amount


def _whole(value: Decimal | int) -> int:
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))
