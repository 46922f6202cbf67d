"""The money model's figures as tables: line items, comparisons, positions, the projection.

Money stays exact (Decimal cents) in simulate.budget; it turns into floats only here, each
exact to the cent, for the CSV files, workbooks and pages that show it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pandas as pd

from simulate.budget.federal import (
    INDIRECT,
    OBJECT_CLASSES,
    TOTAL_DIRECT,
    TOTALS,
    basis,
    object_class,
    source_of,
)
from simulate.budget.funding import Paid, share
from simulate.budget.items import (
    Key,
    LineItem,
    Usage,
    cents,
    equivalents,
    key,
    line_items,
    per_pupil,
    position_cost,
    positions,
    recurring_items,
    teacher_cost,
)
from simulate.budget.projection import MultiYear
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


def multiyear_frame(multi: MultiYear) -> pd.DataFrame:
    """One row per projected year (money as floats, each exact to the cent)."""
    rows = []
    for y, label in zip(multi.years, multi.labels(), strict=True):
        unit = cents(multi.unit * y.pay_factor) if multi.unit else None
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


def multiyear_items_frame(multi: MultiYear) -> pd.DataFrame:
    """Every cost line and funding source by year (wide), ready to paste into a budget;
    the year columns are named year_1, year_2, ... or by fiscal year (FY2027-28)."""
    heads = multi.year_columns()
    rows = []
    for line in multi.lines:
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


WHO_PAYS_COLUMNS = ["source", "funder", "kind", "what"]


def who_pays_frame(multi: MultiYear, scenario: Scenario) -> pd.DataFrame:
    """Who pays what each year: per funding source what it pays of the plan's costs, and for a
    grant its indirect charges, the district match it requires (and any shortfall) and what
    nothing it pays for needed; then what no source pays (the gap). Wide, one column per year.
    """
    heads = multi.year_columns()
    rows = []

    def row(source: str, funder: str, kind: str, what: str, amounts: list[Decimal]) -> None:
        if any(amounts) or what in ("pays", "not paid"):
            total = sum(amounts, Decimal(0))
            rows.append([source, funder, kind, what, *map(float, amounts), float(total)])

    for j, source in enumerate(scenario.budget.funding):
        paid = [year.sources[j] for year in multi.funding]
        funder = source.funder
        row(source.name, funder, source.kind, "pays", [p.total for p in paid])
        if source.kind == "grant":
            row(source.name, funder, "grant", "indirect charges", [p.indirect for p in paid])
            row(source.name, funder, "grant", "match required", [p.match for p in paid])
            row(source.name, funder, "grant", "match shortfall", [p.match_short for p in paid])
        row(source.name, funder, source.kind, "unspent", [p.unspent for p in paid])
    gaps = [sum(year.unfunded, Decimal(0)) for year in multi.funding]
    row(GAP, "", "", "not paid", gaps)
    return pd.DataFrame(rows, columns=[*WHO_PAYS_COLUMNS, *heads, "total"])


FEDERAL_COLUMNS = [
    "object_class",
    "line",
    "funding_source",
    "funder",
    "fiscal_year",
    "amount",
    "basis",
    "source",
]
GAP = "Not funded (the gap)"
CENTS = Decimal("0.00")  # a sum of money that prints as 0.00, not 0


def federal_frame(multi: MultiYear, scenario: Scenario) -> pd.DataFrame:
    """The federal budget sheet: every amount by SF-424A object class, cost line, funding
    source and fiscal year, each with its justification (how it is reached, and who pays
    it) and the source of its price; then each grant's indirect charges. Money is Decimal."""
    funding = scenario.budget.funding
    labels = multi.labels()
    costs = [line for line in multi.lines if line.base is not None]  # the allocation's order
    rows = []
    for cls, title in OBJECT_CLASSES.items():
        for i, line in enumerate(costs):
            item = line.base
            assert item is not None
            if object_class(item, scenario) != cls:
                continue
            for k, year in enumerate(multi.funding):
                how = basis(item, scenario, k + 1, line.amounts[k])
                where = source_of(scenario, item.path)
                for source, paid in zip(funding, year.sources, strict=True):
                    if paid.direct[i]:
                        part = _part(source, paid, k + 1, _of(paid.direct[i], line.amounts[k]))
                        rows.append(
                            [title, line.item, source.name, source.funder, labels[k],
                             paid.direct[i], f"{how}; {part}", where]
                        )  # fmt: skip
                if year.unfunded[i]:
                    rows.append(
                        [title, line.item, GAP, "", labels[k], year.unfunded[i],
                         f"{how}; {_of(year.unfunded[i], line.amounts[k])} paid by no source",
                         where]
                    )  # fmt: skip
    for j, source in enumerate(funding):
        for k, year in enumerate(multi.funding):
            paid = year.sources[j]
            if paid.indirect:
                rate = f"{Decimal(str(source.indirect_rate)) * 100:g}%"
                rows.append(
                    [INDIRECT, f"Indirect charges ({rate})", source.name, source.funder,
                     labels[k], paid.indirect,
                     f"{rate} of the {money(paid.base)} of modified total direct costs "
                     f"{source.name} pays (2 CFR 200.1)",
                     f"scenario input: {source.name} indirect-cost rate"]
                )  # fmt: skip
    return pd.DataFrame(rows, columns=FEDERAL_COLUMNS)


def _of(part: Decimal, whole: Decimal) -> str:
    """'it', or '$128,646.23 of it' where a source pays part of a line: the sentence is pasted
    beside that part, so it names it rather than only the line's whole amount."""
    return "it" if part == whole else f"{money(part)} of it"


def _part(source: Funding, paid: Paid, year: int, what: str) -> str:
    """Who pays `what` of a line ('it' or '$X of it'), and how its part is set."""
    if source.kind == "recurring":
        return (
            f"{source.name} pays {what}: its part of what grants leave, as its share of "
            "recurring money"
        )
    if source.amount or source.per_pupil or not source.pays_for:
        return f"{source.name} pays {what} from its {money(paid.available)} award"
    percent = share(source, year) * 100
    return f"{source.name} pays {what}" + (f" ({percent.normalize():f}%)" if percent != 100 else "")


def federal_summary_frame(multi: MultiYear, scenario: Scenario) -> pd.DataFrame:
    """SF-424A section B by funding source: object classes a-h, total direct charges (i),
    indirect charges (j) and totals (k), one column per fiscal year and a total."""
    detail = federal_frame(multi, scenario)
    heads = multi.labels()
    names = [s.name for s in scenario.budget.funding] + [GAP]
    funders = [s.funder for s in scenario.budget.funding] + [""]
    # the detail summed once by (source, object class, fiscal year): looking each sum up in
    # the frame took most of a comparison's time to write its workbook
    summed: dict[tuple[str, str, str], Decimal] = {}
    for where, amount in zip(
        zip(detail.funding_source, detail.object_class, detail.fiscal_year, strict=True),
        detail.amount,
        strict=True,
    ):
        summed[where] = summed.get(where, CENTS) + amount

    def sums(source: str, title: str) -> list[Decimal]:
        return [summed.get((source, title, h), CENTS) for h in heads]

    present = set(detail.funding_source)
    rows = []
    for name, funder in zip(names, funders, strict=True):
        if name not in present:
            continue
        direct = [CENTS] * len(heads)
        for title in OBJECT_CLASSES.values():
            amounts = sums(name, title)
            direct = [a + b for a, b in zip(direct, amounts, strict=True)]
            rows.append([name, funder, title, *amounts, sum(amounts, CENTS)])
        indirect = sums(name, INDIRECT)
        totals = [a + b for a, b in zip(direct, indirect, strict=True)]
        for title, amounts in ((TOTAL_DIRECT, direct), (INDIRECT, indirect), (TOTALS, totals)):
            rows.append([name, funder, title, *amounts, sum(amounts, CENTS)])
    return pd.DataFrame(rows, columns=["funding_source", "funder", "object_class", *heads, "total"])


def line_items_frame(
    items: list[LineItem],
    enrollment: int,
    unit: Decimal | None = None,
    intervals: dict[Key, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Line items as a table; money turns into floats only here (each exact to the cent).

    With `unit` (see teacher_cost) a `teacher_positions` column gives each amount in
    teacher-position equivalents; with `intervals` (by key) each amount gets its 95% interval
    over the simulated years in `amount_ci_low` and `amount_ci_high`.
    """
    columns = ["category", "item", "role", "quantity", "unit_cost", "amount"]
    columns += ["amount_ci_low", "amount_ci_high"] if intervals is not None else []
    columns += ["per_pupil", "recurring", *(["teacher_positions"] if unit else [])]
    rows = []
    for i in items:
        low, high = (intervals or {}).get(key(i), (float(i.amount), float(i.amount)))
        rows.append(
            {
                "category": i.category,
                "item": i.item,
                "role": i.role,
                "quantity": float(i.quantity),
                "unit_cost": float(i.unit_cost),
                "amount": float(i.amount),
                "amount_ci_low": round(low, 2),
                "amount_ci_high": round(high, 2),
                "per_pupil": float(per_pupil(i.amount, enrollment)),
                "recurring": i.recurring,
                "teacher_positions": equivalents(i.amount, unit),
            }
        )
    return pd.DataFrame(rows, columns=columns)


COMPARISON_COLUMNS = [
    "category",
    "item",
    "role",
    "baseline_amount",
    "amount",
    "difference",
    "baseline_per_pupil",
    "per_pupil",
    "per_pupil_difference",
    "difference_teacher_positions",
]


def compare_budgets(
    scenario: Scenario,
    baseline: Scenario,
    usage: Usage | None = None,
    baseline_usage: Usage | None = None,
) -> pd.DataFrame:
    """Year-1 line items of scenario against baseline: amounts, per pupil and differences.

    Items are matched on (category, item, role); an item only one side has is zero on the
    other. Rows follow the baseline's order, then the scenario's new items. A difference in
    teacher positions is the difference of each side's amount in its own average teacher
    position (teacher_cost), as every difference from a baseline is taken.
    """
    return _comparison(
        scenario, baseline, usage, baseline_usage, key=lambda i: (i.category, i.item, i.role)
    )


def compare_categories(
    scenario: Scenario,
    baseline: Scenario,
    usage: Usage | None = None,
    baseline_usage: Usage | None = None,
) -> pd.DataFrame:
    """Like compare_budgets, summed by category: where the money freed goes."""
    out = _comparison(scenario, baseline, usage, baseline_usage, key=lambda i: (i.category, "", ""))
    return out.drop(columns=["item", "role"])


def _comparison(
    scenario: Scenario,
    baseline: Scenario,
    usage: Usage | None,
    baseline_usage: Usage | None,
    key: Callable[[LineItem], tuple[str, str, str]],
) -> pd.DataFrame:
    """Both sides' year-1 line items summed by `key` (category, item, role), baseline first."""
    unit, was_unit = teacher_cost(scenario), teacher_cost(baseline)
    sums: dict[tuple[str, str, str], list[Decimal]] = {}
    for side, items in enumerate(
        (line_items(baseline, baseline_usage), line_items(scenario, usage))
    ):
        for i in items:
            sums.setdefault(key(i), [Decimal(0), Decimal(0)])[side] += i.amount
    out = []
    for (category, item, role), (was, now) in sums.items():
        was_pp = per_pupil(was, baseline.enrollment)
        now_pp = per_pupil(now, scenario.enrollment)
        out.append(
            {
                "category": category,
                "item": item,
                "role": role,
                "baseline_amount": float(was),
                "amount": float(now),
                "difference": float(now - was),
                "baseline_per_pupil": float(was_pp),
                "per_pupil": float(now_pp),
                "per_pupil_difference": float(now_pp - was_pp),
                "difference_teacher_positions": round(
                    equivalents(now, unit) - equivalents(was, was_unit), 2
                ),
            }
        )
    return pd.DataFrame(out, columns=COMPARISON_COLUMNS)


def role_table(
    scenario: Scenario,
    usage: Usage | None = None,
    baseline: Scenario | None = None,
    baseline_usage: Usage | None = None,
) -> pd.DataFrame:
    """Positions and annual cost by role (all of a role's lines), against the baseline if given.

    This is the table that shows a trade of positions: the teacher positions left unfilled,
    the money they free, and the roles that money now pays for. `cost_per_position` is one
    position filled all year (position_cost) and `position_units` that cost in average
    teacher positions (teacher_cost), the units Opportunity Culture districts trade positions
    in. Each side's money is counted in its own average teacher position.
    """
    counts, costs = positions(scenario), _cost_by_role(scenario, usage)
    unit = teacher_cost(scenario)
    was_unit = teacher_cost(baseline) if baseline is not None else None

    def each(role: str) -> dict[str, float]:
        spec = scenario if role in scenario.roles else baseline
        assert spec is not None
        one = position_cost(spec, role)
        return {
            "cost_per_position": float(one),
            "position_units": equivalents(one, teacher_cost(spec)),
        }

    if baseline is None:
        return pd.DataFrame(
            [
                {
                    "role": role,
                    "title": scenario.roles[role].title or role,
                    "positions": n,
                    "cost": float(costs.get(role, Decimal(0))),
                    "teacher_positions": equivalents(costs.get(role, Decimal(0)), unit),
                    **each(role),
                }
                for role, n in counts.items()
            ]
        )
    was_counts, was_costs = positions(baseline), _cost_by_role(baseline, baseline_usage)
    rows = []
    for role in dict.fromkeys([*was_counts, *counts]):
        n, was_n = counts.get(role, 0), was_counts.get(role, 0)
        now, was = costs.get(role, Decimal(0)), was_costs.get(role, Decimal(0))
        rows.append(
            {
                "role": role,
                "title": (scenario.roles.get(role) or baseline.roles[role]).title or role,
                "baseline_positions": was_n,
                "positions": n,
                "position_difference": n - was_n,
                "baseline_cost": float(was),
                "cost": float(now),
                "cost_difference": float(now - was),
                "difference_teacher_positions": round(
                    equivalents(now, unit) - equivalents(was, was_unit), 2
                ),
                **each(role),
            }
        )
    return pd.DataFrame(rows)


def _cost_by_role(scenario: Scenario, usage: Usage | None) -> dict[str, Decimal]:
    """Recurring cost of each role's lines (salaries, benefits, stipends, wages)."""
    out: dict[str, Decimal] = {}
    for i in recurring_items(scenario, usage):
        if i.role:
            out[i.role] = out.get(i.role, Decimal(0)) + i.amount
    return out
