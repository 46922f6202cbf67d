"""What a planner types, read as the scenario means it, for the command line and the web
app alike: money as `$58,000`, shares as `0.35` or `35%`, a funding line, another building of
the district, a salary schedule. Each problem is an InputError naming where it was typed."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from simulate.schema.errors import InputError
from simulate.schema.text import money
from simulate.schema.writing import plain


@dataclass(frozen=True)
class FundingLine:
    """One of the district's recurring funding lines: a fixed sum, per pupil, or per eligible
    pupil (as Title I pays per formula-eligible child)."""

    name: str
    amount: Decimal = Decimal(0)
    per_pupil: Decimal = Decimal(0)
    per_eligible_pupil: Decimal = Decimal(0)
    eligible_share: float = 0.0
    source: str = ""  # where the figure comes from (the district's budget office, ...)


@dataclass(frozen=True)
class Building:
    """One school of a district: its students, classrooms and which grades adopt."""

    name: str
    enrollment: int
    classrooms: int | Sequence[int]  # today (one teacher each): in all, or grade by grade
    grades: Sequence[str] | None = None
    pilot_grades: Sequence[str] | None = None  # in the arrangement (None: all; (): none)
    team_size: int | None = None  # homerooms a team should hold (teams come as near as fits)
    tiers: Mapping[str, float] | None = None  # need-tier shares by tier name


def typed_money(text: str | None, where: str) -> Decimal | None:
    """An amount a planner typed (an option, a form field); None for none; InputError naming
    `where` for text that is not money."""
    if text is None or not text.strip():
        return None
    amount = money(text)
    if amount is None:
        raise InputError(None, where, f"'{text:.40}' is not an amount of money", "e.g. $58,000")
    return amount


def typed_share(text: str | None, where: str) -> float | None:
    """A share a planner typed, 0.35 or 35%; None for none; InputError naming `where`."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    try:
        number = float(value.removesuffix("%").replace(",", ""))
    except ValueError:
        raise InputError(None, where, f"'{text:.40}' is not a share", "0.35 or 35%") from None
    return number / 100 if value.endswith("%") else number


FUNDING_SYNTAX = (
    "NAME=AMOUNT, NAME=AMOUNT per pupil, or NAME=AMOUNT per eligible pupil, SHARE eligible "
    "(e.g. 'Title I=$1,227 per eligible pupil, 62% eligible'), then '; SOURCE' if you like"
)
_FUNDING = re.compile(
    r"(?P<amount>[^;]*?)\s*(?P<per>per\s+(?:eligible\s+)?pupil)?"
    r"(?:\s*,\s*(?P<share>[\d.]+\s*%?)\s*eligible)?\s*$",
    re.IGNORECASE,
)


def funding_line(text: str, where: str = "--funding") -> FundingLine:
    """A funding line as a planner types it (FUNDING_SYNTAX); InputError naming `where`."""
    head, _, source = text.partition(";")
    name, sep, rest = head.partition("=")
    found = _FUNDING.fullmatch(rest.strip()) if sep and name.strip() else None
    value = money(found.group("amount")) if found else None
    if found is None or value is None:
        raise InputError(None, where, f"'{text:.80}' is not a funding line", FUNDING_SYNTAX)
    per = " ".join((found.group("per") or "").lower().split())
    share = _eligible(found.group("share"), text, where) if found.group("share") else 0.0
    if (per == "per eligible pupil") != bool(found.group("share")):
        raise InputError(
            None,
            where,
            f"'{text:.80}': a line per eligible pupil needs the share eligible, and only it",
            FUNDING_SYNTAX,
        )
    return FundingLine(
        name.strip(),
        amount=value if not per else Decimal(0),
        per_pupil=value if per == "per pupil" else Decimal(0),
        per_eligible_pupil=value if per == "per eligible pupil" else Decimal(0),
        eligible_share=share,
        source=source.strip(),
    )


def _eligible(text: str, line: str, where: str) -> float:
    value = typed_share(text.replace(" ", ""), where) or 0.0
    if not 0 < value <= 1:
        raise InputError(None, where, f"'{line:.80}': the share eligible is {text}", "0 to 1")
    return value


BUILDING_SYNTAX = (
    "NAME; ENROLLMENT; CLASSROOMS (the total, or one count per grade: 3,3,4); then the "
    "grades in the arrangement: all (the default), none (today's staffing), or a list: 3,4,5"
)


def building(text: str, where: str = "--building", grades: Sequence[str] | None = None) -> Building:
    """Another building of the district as a planner types it (BUILDING_SYNTAX)."""
    parts = [p.strip() for p in text.split(";")]
    if len(parts) not in (3, 4) or not parts[0]:
        raise InputError(None, where, f"'{text:.80}' is not a building", BUILDING_SYNTAX)
    try:
        enrollment = int(parts[1].replace(",", ""))
        counts = [int(n) for n in parts[2].split(",")]
    except ValueError:
        raise InputError(None, where, f"'{text:.80}': not a count", BUILDING_SYNTAX) from None
    adopting = parts[3].lower() if len(parts) == 4 else "all"
    pilot = (
        None
        if adopting in ("", "all")
        else ()
        if adopting == "none"
        else [g.strip() for g in parts[3].split(",") if g.strip()]
    )
    return Building(parts[0], enrollment, counts[0] if len(counts) == 1 else counts, grades, pilot)


SCHEDULE_COLUMNS = ("step", "lane", "salary", "staff")


def salary_schedule(text: str, where: str) -> list[dict[str, Any]]:
    """A salary schedule typed as CSV, one step and lane a line: step, lane, salary, staff
    (a header line naming them is allowed); InputError naming `where` and the line."""
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if rows and [c.strip().lower() for c in rows[0]] == list(SCHEDULE_COLUMNS):
        rows = rows[1:]
    out = []
    for k, row in enumerate(rows, start=1):
        cells = _salary_whole([c.strip() for c in row])
        if len(cells) != 4:
            raise InputError(
                where,
                f"line {k}",
                f"has {len(cells)} values, not 4",
                "step, lane, salary, staff: e.g. 3, MA, $58,000, 4",
            )
        step, lane, amount, staff = cells
        try:
            number, count = int(step), float(staff)
        except ValueError:
            raise InputError(
                where, f"line {k}", f"step '{step}' or staff '{staff}' is not a number"
            ) from None
        paid = money(amount)
        if paid is None:
            raise InputError(where, f"line {k}", f"'{amount}' is not an amount", "e.g. $58,000")
        out.append({"step": number, "lane": lane, "salary": plain(paid), "staff": count})
    if not out:
        raise InputError(
            where, None, "holds no step of a salary schedule", ", ".join(SCHEDULE_COLUMNS)
        )
    return out


def _salary_whole(cells: list[str]) -> list[str]:
    """A salary typed with thousands separators and no quotes (1, BA, $48,000, 4) is one
    value, as the planner means it: the salary takes the group of three digits after it
    while the line has too many values, or while the salary is written in dollars or the
    group starts with 0 (1, BA, $48,000 is a line without its staff, not $48 paid to no
    one)."""
    while len(cells) > 3 and re.fullmatch(r"\d{3}(\.\d*)?", cells[3]):
        grouped = len(cells) > 4 or cells[2].startswith("$") or cells[3].startswith("0")
        if not grouped:
            break
        cells = [*cells[:2], f"{cells[2]},{cells[3]}", *cells[4:]]
    return cells
