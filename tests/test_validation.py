"""docs/validation.md, row by row: the model's figure, within the accepted range of the public
figure it should match, and as the page writes it. A row whose test is missing fails too."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pytest
from conftest import ROOT, build, data

import simulate
from simulate.budget import items as b
from simulate.engine.core import Engine
from simulate.study.figures import usage as engine_usage

PAGE = ROOT / "docs" / "validation.md"
COLUMNS = ["Test", "Model output", "Model", "Public figure", "Source", "Accepted"]


def rows() -> dict[str, dict[str, str]]:
    """The page's table rows by test name (rows whose first cell is a `test_name`)."""
    out: dict[str, dict[str, str]] = {}
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        found = re.fullmatch(r"`(\w+)`", cells[0]) if len(cells) == len(COLUMNS) else None
        if found:
            out[found.group(1)] = dict(zip(COLUMNS, cells, strict=True))
    return out


def written(name: str) -> str:
    return rows()[name]["Model"]


def fill_rate() -> tuple[float, str]:
    result = simulate.run(build(data("traditional")), seed=0, replications=20)
    value = result.value("coverage.substitute_fill_rate", "value")
    assert 0.78 <= value <= 0.859  # Frontline: monthly fill rates 78%-85.9%, mean ~82%
    return value, f"{value:.1%}"


def position_units() -> tuple[float, str]:
    within, trad = build(data("mcl_within_budget")), build(data("traditional"))
    unit = b.teacher_cost(trad)
    assert unit is not None
    ra = within.roles["reach_associate"]
    assert ra.hourly_wage is not None and ra.benefits_rate is not None
    # derived, not looked up: wage x hours x instructional days (+ supplement), with benefits
    days = within.calendar.school_days - len(within.calendar.non_instructional_days)
    pay = ra.hourly_wage * Decimal(str(ra.hours_per_day)) * days + ra.supplement
    cost = b.cents(pay * (1 + Decimal(str(ra.benefits_rate))))
    assert cost == b.position_cost(within, "reach_associate")
    value = float(cost / unit)
    assert abs(value - 0.65) <= 0.15 * 0.65  # Charlotte-Mecklenburg: about 0.65
    return value, f"{value:.2f}"


def paraprofessional_pay() -> tuple[float, str]:
    lab = build(data("lab_rotation"))
    para = lab.roles["paraprofessional"]
    assert para.hourly_wage is not None
    days = lab.calendar.school_days - len(lab.calendar.non_instructional_days)
    value = float(para.hourly_wage * Decimal(str(para.hours_per_day)) * days)
    assert abs(value - 28900) <= 0.10 * 28900  # BLS: teacher assistants' median, May 2020
    return value, f"${value:,.0f}"


def teacher_benefits_share() -> tuple[float, str]:
    trad = build(data("traditional"))
    teacher = trad.roles["teacher"]
    items = b.recurring_items(trad)
    pay = sum(i.amount for i in items if i.role == "teacher" and i.category == "personnel")
    benefits = sum(i.amount for i in items if i.role == "teacher" and i.category == "benefits")
    assert pay == b.positions(trad)["teacher"] * teacher.salary
    value = float(benefits / (pay + benefits))
    public = (9.04 + 12.75 + 3.62) / 83.76  # BLS ECEC teachers: insurance, retirement, legal
    assert abs(value - public) <= 0.03
    return value, f"{value:.1%}"


def teacher_turnover() -> tuple[float, str]:
    trad = build(data("traditional"))
    n = b.positions(trad)["teacher"]
    years = 400  # the engine's draws of who leaves mid-year, without simulating the years
    left = np.mean(
        [engine_usage(Engine(trad, 0, rep)).leavers.get("teacher", 0.0) for rep in range(years)]
    )
    value = float(left / n + trad.roles["teacher"].turnover_rate)
    assert abs(value - 0.16) <= 0.01  # NCES TFS 2012-13: 8% leave teaching + 8% move
    return value, f"{value:.1%}"


def class_size() -> tuple[float, str]:
    result = simulate.run(build(data("traditional")), seed=0)
    value = result.value("class_size.students_per_homeroom", "mean")
    assert abs(value - 20.9) <= 0.20 * 20.9  # NCES NTPS 2017-18: self-contained, primary
    return value, f"{value:.1f}"


@functools.cache
def teacher_absences() -> np.ndarray:
    """Days each teacher of the traditional school misses, over 100 years (2,400 teacher-
    years), as the engine draws them."""
    trad = build(data("traditional"))
    return np.array(
        [
            int(a.absent.sum())
            for rep in range(100)
            for a in Engine(trad, 0, rep).schools[0].adults
            if a.role_name == "teacher"
        ]
    )


def teacher_absence_days() -> tuple[float, str]:
    """Days each teacher misses over 2,400 teacher-years of the traditional school, as the
    engine draws them (NCTQ counts short-term leave; a 186-day year scaled to 180)."""
    days = teacher_absences()
    value = float(days.mean())
    assert abs(value - 11 * 180 / 186) <= 3 * days.std() / np.sqrt(days.size)
    return value, f"{value:.1f} days"


def teacher_absence_spread() -> tuple[float, str]:
    """NCTQ's four bands: 16% 3 or fewer days, 40% 4-10, 28% 11-17, 16% 18 or more."""
    days = teacher_absences()
    bands = np.array(
        [(days <= 3).mean(), ((days >= 4) & (days <= 10)).mean()]
        + [((days >= 11) & (days <= 17)).mean(), (days >= 18).mean()]
    )
    assert np.abs(bands - np.array([0.16, 0.40, 0.28, 0.16])).max() <= 0.03
    return float(bands[3]), " / ".join(f"{b:.0%}" for b in bands)


def chronic_absence() -> tuple[float, str]:
    """Students missing 10% or more of a 180-day year, traditional school, 20 years."""
    trad = build(data("traditional"))
    missed = np.concatenate(
        [Engine(trad, 0, rep).schools[0].students.absent.mean(axis=0) for rep in range(20)]
    )
    value = float((missed >= 0.10).mean())
    target = trad.schools[0].attendance.chronic_share
    assert abs(value - target) <= 3 * np.sqrt(target * (1 - target) / missed.size)
    return value, f"{value:.1%}"


CHECKS: dict[str, Callable[[], tuple[float, str]]] = {
    "teacher_absence_days": teacher_absence_days,
    "teacher_absence_spread": teacher_absence_spread,
    "chronic_absence": chronic_absence,
    "fill_rate": fill_rate,
    "position_units": position_units,
    "paraprofessional_pay": paraprofessional_pay,
    "teacher_benefits_share": teacher_benefits_share,
    "teacher_turnover": teacher_turnover,
    "class_size": class_size,
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_model_matches_the_public_figure_and_the_page(name: str) -> None:
    _, shown = CHECKS[name]()
    assert written(name) == shown, f"docs/validation.md says {written(name)}; the model {shown}"


def test_every_row_of_the_page_has_its_test() -> None:
    assert set(rows()) == set(CHECKS)
