"""The federal budget sheet (SF-424A object classes by fiscal year and funding source) of the
bundled MCL plan with residents and tutors, to the cent against a hand computation from the
scenario's inputs and a stated year of usage; and its justification lines."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from conftest import SCENARIOS
from openpyxl import load_workbook

from simulate.budget.items import Usage
from simulate.outputs import save_budget
from simulate.schema.loading import load_scenario
from simulate.study.budget_report import report

CENT = Decimal("0.01")
YEARS = ["FY2026-27", "FY2027-28", "FY2028-29", "FY2029-30", "FY2030-31"]
# the stated year: six tutors on site 180 days each, 200 substitute days, no vacancy, no leaver
USAGE = Usage(days_worked={"tutor": 1080.0}, substitute_days=200.0)
PLAN = load_scenario(SCENARIOS / "mcl_residents_tutors.yaml")


def c(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def pro_rata(total: Decimal, parts: list[Decimal]) -> list[Decimal]:
    """Split `total` in proportion to `parts`, each share rounded down to the cent, and the
    cents left over one each to the largest remainders (the first on a tie)."""
    cents = int(total / CENT)
    exact = [cents * p / sum(parts) for p in parts]
    down = [x.to_integral_value(ROUND_DOWN) for x in exact]
    order = sorted(range(len(parts)), key=lambda i: (down[i] - exact[i], i))
    for i in order[: cents - int(sum(down))]:
        down[i] += 1
    return [d * CENT for d in down]


def hand_lines() -> list[tuple[str, str, Decimal]]:
    """(object class, payer, year-1 amount) of every cost that grows with pay, from the inputs:
    pays for names the grant that pays it ("startup": MCL and start-up costs, "residency":
    residents)."""
    s, rate = PLAN, Decimal(str(PLAN.budget.benefits_rate))  # 0.40
    lines = []
    for role, n, payer in (
        ("mcl", 6, "startup"),
        ("team_teacher", 24, ""),
        ("building_coach", 1, ""),
        ("principal", 1, ""),
    ):
        r = s.roles[role]
        lines += [
            ("a. Personnel", payer, n * r.salary),
            ("a. Personnel", payer, n * r.supplement),
            ("b. Fringe benefits", payer, c(rate * n * (r.salary + r.supplement))),
            ("h. Other", payer, c(n * Decimal(str(r.turnover_rate)) * r.replacement_cost)),
        ]
    resident = s.roles["resident"]  # a stipend with benefits: the resident is an employee
    stipends = 6 * resident.stipend  # 6 x $24,000
    lines += [
        ("a. Personnel", "residency", stipends),
        ("b. Fringe benefits", "residency", c(Decimal("0.5") * stipends)),
    ]
    tutor = s.roles["tutor"]
    wages = Decimal(1080) * Decimal(str(tutor.hours_per_day)) * tutor.hourly_wage  # 7,560 h
    lines += [
        ("a. Personnel", "", wages),
        ("b. Fringe benefits", "", c(Decimal("0.5") * wages)),
        ("h. Other", "", c(6 * Decimal(str(tutor.turnover_rate)) * tutor.replacement_cost)),
        ("a. Personnel", "", 200 * s.substitutes.daily_rate),
    ]
    return [line for line in lines if line[2]]


def hand_year(year: int) -> list[tuple[str, str, Decimal]]:
    """Every cost of projection year `year`: pay lines grow 3% a year, each rounded to the
    cent; the one-off costs fall in their year (contractual: the implementation partner)."""
    grown = [(k, p, c(a * Decimal("1.03") ** (year - 1))) for k, p, a in hand_lines()]
    one_offs = {1: [Decimal(50000), Decimal(30000)], 2: [Decimal(10000)]}.get(year, [])
    return grown + [("f. Contractual", "startup", a) for a in one_offs]


def by_class(lines: list[tuple[str, Decimal]]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for kind, amount in lines:
        out[kind] = out.get(kind, Decimal(0)) + amount
    return out


def hand_budget() -> dict[tuple[str, str, str], Decimal]:
    """(payer, object class, fiscal year) -> amount, for the two grants and everyone else."""
    out: dict[tuple[str, str, str], Decimal] = {}
    for year, label in enumerate(YEARS, start=1):
        costs = hand_year(year)
        total = by_class([(k, a) for k, _, a in costs])
        grants = {"startup": {}, "residency": {}}
        if year <= 3:
            # residency: the $150,000 award on the residents' stipends and benefits (2 : 1)
            resident = [(k, a) for k, p, a in costs if p == "residency"]
            split = pro_rata(Decimal(150000), [a for _, a in resident])
            grants["residency"] = by_class(list(zip([k for k, _ in resident], split, strict=True)))
            # start-up: 100%, 66%, 33% of $250,000, which pays its 5% indirect charges too
            award = Decimal(250000) * Decimal(["1", "0.66", "0.33"][year - 1])
            direct = c(award / Decimal("1.05"))
            mine = [(k, a) for k, p, a in costs if p == "startup"]
            split = pro_rata(direct, [a for _, a in mine])
            grants["startup"] = by_class(list(zip([k for k, _ in mine], split, strict=True)))
            grants["startup"]["j. Indirect charges"] = min(c(direct / 20), award - direct)
        for payer, amounts in grants.items():
            for kind, amount in amounts.items():
                out[(payer, kind, label)] = amount
        for kind, amount in total.items():  # the district's sources and the gap: the rest
            paid = sum(grants[g].get(kind, Decimal(0)) for g in grants)
            out[("district", kind, label)] = amount - paid
    return out


@pytest.fixture(scope="module")
def sheets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    study = report(PLAN, USAGE)
    folder = tmp_path_factory.mktemp("federal")
    save_budget(study, folder)
    return {"summary": study.tables()["federal_summary"], "folder": folder}  # type: ignore[dict-item]


def test_the_federal_budget_matches_the_hand_computation_to_the_cent(
    sheets: dict[str, pd.DataFrame],
) -> None:
    summary = sheets["summary"]
    grants = {
        "startup": "Start-up grant (years 1-3)",
        "residency": "Teacher residency grant (years 1-3)",
    }
    expected = hand_budget()
    # the hand computation's own check: year 1 of the residency grant is $100,000 of
    # stipends and $50,000 of benefits, and the start-up grant's indirect charge $11,904.76
    assert expected[("residency", "a. Personnel", YEARS[0])] == Decimal("100000.00")
    assert expected[("startup", "j. Indirect charges", YEARS[0])] == Decimal("11904.76")
    seen = 0
    for (payer, kind, year), amount in expected.items():
        if payer in grants:
            row = summary[
                (summary.funding_source == grants[payer]) & (summary.object_class == kind)
            ]
            assert row[year].item() == amount, (payer, kind, year)
        else:  # recurring sources and the gap together pay the rest of each class
            rest = summary[~summary.funding_source.isin(grants.values())]
            got = sum(rest[rest.object_class == kind][year], Decimal(0))
            assert got == amount, (kind, year)
        seen += 1
    assert seen == 37  # 17 district, 6 residency and 14 start-up amounts (classes x years)
    # by source: the plan costs more than its money every year, so each recurring source
    # spends all it brings, grown 3% a year (revenue_growth) from $160,000, 600 pupils x
    # $4,200 and 600 x 50% eligible x $409; the gap is what is left of the district's part
    recurring = {
        "General fund, school base allotment": Decimal(160000),
        "General fund, per-pupil staffing allocation": Decimal(600 * 4200),
        "Title I, Part A (share spent on these roles)": Decimal(300 * 409),
    }
    direct = summary[summary.object_class == "i. Total direct charges"].set_index("funding_source")
    for k, year in enumerate(YEARS):
        spent = {name: c(first * Decimal("1.03") ** k) for name, first in recurring.items()}
        for name, amount in spent.items():
            assert direct.loc[name, year] == amount, (name, year)
        district = sum(a for (p, _, y), a in expected.items() if p == "district" and y == year)
        assert direct.loc["Not funded (the gap)", year] == district - sum(spent.values())
    # the totals (k) of each source are its direct charges (i) plus its indirect ones (j)
    for source, rows in summary.groupby("funding_source"):
        line = rows.set_index("object_class")
        for year in YEARS:
            assert line.loc["k. Totals", year] == (
                line.loc["i. Total direct charges", year] + line.loc["j. Indirect charges", year]
            ), source
    # after the grants end the district's sources (and the gap) carry everything
    assert set(summary[summary["FY2030-31"] != 0].funding_source) <= {
        "General fund, school base allotment",
        "General fund, per-pupil staffing allocation",
        "Title I, Part A (share spent on these roles)",
        "Not funded (the gap)",
    }


def test_every_amount_has_a_justification_and_the_csv_is_the_sheet(
    sheets: dict[str, pd.DataFrame],
) -> None:
    folder = Path(sheets["folder"])  # type: ignore[arg-type]
    detail = pd.read_csv(folder / "federal_budget.csv", dtype={"amount": str})
    assert not detail.basis.isna().any() and not detail.source.isna().any()
    tutor = detail[(detail.line == "Tutor wages (hours worked)") & (detail.fiscal_year == YEARS[0])]
    assert tutor.basis.str.startswith("7,560 hours worked x $23.00 an hour = $173,880.00; ").all()
    [source] = set(tutor.source)  # the input, and its note: where the figure comes from
    assert source.startswith("scenario input: Tutor hourly wage; Assumption: BLS OOH, teacher")
    assert "$28,900 over 180 days x 7 hours" in source
    grown = detail[(detail.line == "Principal salaries") & (detail.fiscal_year == YEARS[2])]
    assert grown.basis.str.startswith(
        "1 position-years filled x $110,000.00 x 1.03^2 (salary growth) = $116,699.00"
    ).all()
    # the workbook's sheets hold the same amounts, as currency
    book = load_workbook(folder / "budget.xlsx")
    rows = list(book["Federal justification"].iter_rows(values_only=True))
    assert [Decimal(str(r[5])).quantize(CENT) for r in rows[1:]] == [
        Decimal(a) for a in detail.amount
    ]
    assert book["Federal justification"].cell(row=2, column=6).number_format == '"$"#,##0.00'
    classes = list(pd.read_csv(folder / "federal_summary.csv").object_class.unique())
    assert classes == [
        "a. Personnel",
        "b. Fringe benefits",
        "c. Travel",
        "d. Equipment",
        "e. Supplies",
        "f. Contractual",
        "g. Construction",
        "h. Other",
        "i. Total direct charges",
        "j. Indirect charges",
        "k. Totals",
    ]


def test_each_justification_says_what_its_source_pays_of_the_line(
    sheets: dict[str, pd.DataFrame],
) -> None:
    """A line that several sources share is pasted into a narrative beside one source's part:
    the sentence names that part, not only the line's whole amount."""
    folder = Path(sheets["folder"])  # type: ignore[arg-type]
    detail = pd.read_csv(folder / "federal_budget.csv", dtype={"amount": str})
    # by hand: the start-up grant's year-1 direct charges ($238,095.24) over the costs it pays
    # for; the MCL salaries ($432,180.00) are the first of them
    mine = [a for _, p, a in hand_year(1) if p == "startup"]
    part = pro_rata(c(Decimal(250000) / Decimal("1.05")), mine)[0]
    row = detail[
        (detail.line == "Multi-classroom leader salaries")
        & (detail.fiscal_year == YEARS[0])
        & (detail.funding_source == "Start-up grant (years 1-3)")
    ]
    assert Decimal(row.amount.item()) == part
    assert row.basis.item() == (
        "6 position-years filled x $72,030.00 = $432,180.00; Start-up grant (years 1-3) pays "
        f"${part:,} of it from its $250,000.00 award"
    )
    # every part of a shared line names its amount; a line paid whole by one source does not
    costs = detail[detail.object_class != "j. Indirect charges"]
    for _, rows in costs.groupby(["line", "fiscal_year"]):
        for amount, text in zip(rows.amount, rows.basis, strict=True):
            part_of = f"${Decimal(amount).quantize(CENT):,} of it"
            assert (part_of in text) if len(rows) > 1 else ("of it" not in text), text
