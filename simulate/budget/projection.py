"""Multi-year projection of cost against funding, the grant cliff and a sustainability verdict.

Year 1 is the simulated year. Later years scale it: pay lines (salaries, supplements, benefits,
stipends, hourly wages, substitutes) grow with `salary_growth`; per-student lines follow
enrollment; devices stay flat; one-off costs fall in their year. Positions do not follow
enrollment: a school that changes staffing is a different scenario. Recurring funding grows
with `revenue_growth` and enrollment; grants pay their nominal award in their years only.
All money stays in Decimal cents, so each year's lines add up to its totals exactly. Years are
shown as fiscal years (FY2027-28) when the scenario says when the first one starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from simulate.budget.items import (
    LineItem,
    Usage,
    cents,
    equivalents,
    one_off_items,
    recurring_items,
    teacher_cost,
)
from simulate.measures.formats import MULTIYEAR_MONEY, money
from simulate.schema.model import Funding, Scenario

MULTIYEAR_COLUMNS = [
    "year",
    "fiscal_year",
    "enrollment",
    *MULTIYEAR_MONEY,
    "funded",
    "recurring_covered",
    "total_cost_teacher_positions",
    "surplus_teacher_positions",
]


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


@dataclass(frozen=True)
class Year:
    year: int
    enrollment: int
    pay_factor: Decimal  # (1 + salary_growth) ** (year - 1): prices a teacher in this year
    recurring_cost: Decimal
    one_off_cost: Decimal
    recurring_revenue: Decimal
    grant_revenue: Decimal

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
    unit: Decimal | None  # year-1 average teacher with benefits (see budget.teacher_cost)

    def labels(self) -> list[str]:
        """Each year as it reads in tables: FY2027-28, or year 1, year 2, ..."""
        return [self.verdict.label(y.year) for y in self.years]

    def frame(self) -> pd.DataFrame:
        """One row per year (money as floats, each exact to the cent)."""
        rows = []
        for y, label in zip(self.years, self.labels(), strict=True):
            unit = cents(self.unit * y.pay_factor) if self.unit else None
            rows.append(
                {
                    "year": y.year,
                    "fiscal_year": label,
                    "enrollment": y.enrollment,
                    **{column: float(getattr(y, column)) for column in MULTIYEAR_MONEY},
                    "funded": y.surplus >= 0,
                    "recurring_covered": y.recurring_surplus >= 0,
                    "total_cost_teacher_positions": equivalents(y.total_cost, unit),
                    "surplus_teacher_positions": equivalents(y.surplus, unit),
                }
            )
        return pd.DataFrame(rows, columns=MULTIYEAR_COLUMNS)

    def items_frame(self) -> pd.DataFrame:
        """Every cost line and funding source by year (wide), ready to paste into a budget;
        the year columns are named year_1, year_2, ... or by fiscal year (FY2027-28)."""
        heads = self.year_columns()
        rows = []
        for line in self.lines:
            row: dict[str, object] = {
                "side": line.side,
                "category": line.category,
                "item": line.item,
                "recurring": line.recurring,
            }
            row |= {head: float(a) for head, a in zip(heads, line.amounts, strict=True)}
            row["total"] = float(sum(line.amounts, Decimal(0)))
            rows.append(row)
        columns = ["side", "category", "item", "recurring", *heads, "total"]
        return pd.DataFrame(rows, columns=columns)

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
        Line("cost", i.category, i.item, tuple(_grow(i, pay[k], enrollments[k]) for k in range(n)))
        for i in base_items
    ]
    one_offs: dict[tuple[str, str], list[Decimal]] = {}
    for k in range(n):
        for i in one_off_items(scenario, k + 1):
            one_offs.setdefault((i.category, i.item), [Decimal(0)] * n)[k] += i.amount
    lines += [Line("cost", c, item, tuple(a), False) for (c, item), a in one_offs.items()]
    for source in scenario.budget.funding:
        amounts = tuple(_funding(source, k + 1, enrollments[k], revenue**k) for k in range(n))
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
        )
        for k in range(n)
    )
    return MultiYear(
        scenario.name,
        table,
        tuple(lines),
        _verdict(table, scenario.budget.funding, params.first_year),
        unit or teacher_cost(scenario),
    )


def _verdict(table: tuple[Year, ...], funding: list[Funding], first_year: int | None) -> Verdict:
    n = len(table)
    start: int | None = None
    for y in reversed(table):
        if y.recurring_surplus < 0:
            break
        start = y.year
    shortfall = Decimal(0) if start else -table[-1].recurring_surplus
    grants = [f for f in funding if f.kind == "grant"]
    open_ended = tuple(f.name for f in grants if f.end_year is None)
    cliff = max((f.end_year or 0) for f in grants) + 1 if grants and not open_ended else None
    gap = table[cliff - 1].surplus if cliff and cliff <= n else None
    return Verdict(start, shortfall, n, cliff, gap, open_ended, first_year)


def _grow(item: LineItem, pay: Decimal, enrollment: int) -> Decimal:
    if item.driver == "pay":
        return cents(item.amount * pay)
    if item.driver == "enrollment":
        return cents(item.unit_cost * enrollment)
    return item.amount


def _funding(source: Funding, year: int, enrollment: int, growth: Decimal) -> Decimal:
    if year < source.start_year or (source.end_year is not None and year > source.end_year):
        return Decimal(0)
    amount = source.revenue(enrollment)
    return cents(amount * growth) if source.kind == "recurring" else cents(amount)


def _whole(value: Decimal | int) -> int:
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))
