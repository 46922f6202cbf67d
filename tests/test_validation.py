"""docs/validation.md, row by row: the model's figure, within the accepted range of the public
figure it should match, and as the page writes it. A row whose test is missing fails too.

Each check takes an edit of the bundled scenarios, so that a test can break each modelled
mechanism in turn (MUTATIONS) and see the rows that depend on it fail: a row no broken
mechanism moves is a row that cannot fail."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from conftest import ROOT, build, data

import simulate
from simulate.budget import items as b
from simulate.engine.core import Engine
from simulate.schema.model import Scenario

PAGE = ROOT / "docs" / "validation.md"
COLUMNS = ["Test", "Model output", "Model", "Public figure", "Source", "Accepted"]
# the page's parts: inputs fitted to a public figure, and figures no input was fitted to
CALIBRATED, HELD_OUT, ARITHMETIC = "## Calibrated to", "## Held out", "## Costing arithmetic"

Edit = Callable[[dict[str, Any]], None]


def unchanged(_: dict[str, Any]) -> None:
    """The bundled scenario as it is."""


def rows() -> dict[str, dict[str, str]]:
    """The page's table rows by test name (rows whose first cell is a `test_name`), each with
    the part of the page it is in."""
    out: dict[str, dict[str, str]] = {}
    part = ""
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            part = line
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        found = re.fullmatch(r"`(\w+)`", cells[0]) if len(cells) == len(COLUMNS) else None
        if found:
            out[found.group(1)] = dict(zip(COLUMNS, cells, strict=True), part=part)
    return out


def written(name: str) -> str:
    return rows()[name]["Model"]


def scenario(name: str, edit: Edit) -> Scenario:
    d = data(name)
    edit(d)
    return build(d)


@functools.cache
def district(edit: Edit) -> simulate.Result:
    """The district of four schools sharing one substitute list, 20 simulated years."""
    return simulate.run(scenario("district", edit), seed=0, replications=20)


def same_morning_fill(edit: Edit = unchanged) -> tuple[float, str]:
    """[calibrated] the district's list is sized so that absences reported the morning they
    start are filled as often as Frontline finds (54%, May 2016)."""
    value = district(edit).value("coverage.substitute_fill_rate", "value", "notice=0")
    assert abs(value - 0.54) <= 0.05
    return value, f"{value:.1%}"


def district_fill_rate(edit: Edit = unchanged) -> tuple[float, str]:
    """[held out] every absence the district's list was asked to fill."""
    value = district(edit).value("coverage.substitute_fill_rate", "value")
    assert 0.78 <= value <= 0.86  # Frontline: monthly fill rates 78%-85.9%, 80%-89% (2016)
    return value, f"{value:.1%}"


def fill_by_notice(edit: Edit = unchanged) -> tuple[float, str]:
    """[held out] absences posted a day or more ahead are filled more often than those
    reported the same morning (Frontline, May 2016: 67% a day ahead, 54% the same morning)."""
    result = district(edit)
    same = result.value("coverage.substitute_fill_rate", "value", "notice=0")
    ahead = result.value("coverage.substitute_fill_rate", "value", "notice=1")
    assert ahead > same + 0.05
    return ahead - same, f"{ahead:.0%} a day ahead, {same:.0%} the same morning"


def position_units(edit: Edit = unchanged) -> tuple[float, str]:
    within, trad = scenario("mcl_within_budget", edit), scenario("traditional", edit)
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


def paraprofessional_pay(edit: Edit = unchanged) -> tuple[float, str]:
    lab = scenario("lab_rotation", edit)
    para = lab.roles["paraprofessional"]
    assert para.hourly_wage is not None
    days = lab.calendar.school_days - len(lab.calendar.non_instructional_days)
    value = float(para.hourly_wage * Decimal(str(para.hours_per_day)) * days)
    assert abs(value - 28900) <= 0.10 * 28900  # BLS: teacher assistants' median, May 2020
    return value, f"${value:,.0f}"


def teacher_benefits_share(edit: Edit = unchanged) -> tuple[float, str]:
    trad = scenario("traditional", edit)
    teacher = trad.roles["teacher"]
    items = b.recurring_items(trad)
    pay = sum(i.amount for i in items if i.role == "teacher" and i.category == "personnel")
    benefits = sum(i.amount for i in items if i.role == "teacher" and i.category == "benefits")
    assert pay == b.positions(trad)["teacher"] * teacher.salary
    value = float(benefits / (pay + benefits))
    public = (9.04 + 12.75 + 3.62) / 83.76  # BLS ECEC teachers: insurance, retirement, legal
    assert abs(value - public) <= 0.03
    return value, f"{value:.1%}"


def secondary_class_size(level: str, ntps: float) -> tuple[float, str]:
    """The departmentalized school's mean section size, within 2 of NTPS 2020-21's figure for
    schools of its size (middle 750-999 students: 22.9; high 1,000 or more: 23.3)."""
    result = simulate.run(build(data(f"{level}_departmentalized")), seed=0)
    value = result.value("secondary.class_size", "mean")
    assert abs(value - ntps) <= 2
    return value, f"{value:.1f}"


@functools.cache
def teacher_absences(edit: Edit) -> np.ndarray:
    """Days each teacher of the traditional school misses, over 100 years (2,400 teacher-
    years), as the engine draws them."""
    trad = scenario("traditional", edit)
    return np.array(
        [
            int(a.absent.sum())
            for rep in range(100)
            for a in Engine(trad, 0, rep).schools[0].adults
            if a.role_name == "teacher"
        ]
    )


def teacher_absence_days(edit: Edit = unchanged) -> tuple[float, str]:
    """[calibrated] days each teacher misses over 2,400 teacher-years of the traditional
    school, as the engine draws them (NCTQ counts short-term leave; a 186-day year scaled to
    180): `absence_rate` is fitted to it."""
    days = teacher_absences(edit)
    value = float(days.mean())
    assert abs(value - 11 * 180 / 186) <= 3 * days.std() / np.sqrt(days.size)
    return value, f"{value:.1f} days"


def teacher_chronic_absence(edit: Edit = unchanged) -> tuple[float, str]:
    """[calibrated] teachers missing 18 or more days (NCTQ: 16%): `absence_cv` is fitted."""
    value = float((teacher_absences(edit) >= 18).mean())
    assert abs(value - 0.16) <= 0.03
    return value, f"{value:.0%}"


def teacher_absence_bands(edit: Edit = unchanged) -> tuple[float, str]:
    """[held out] NCTQ's other three bands: 16% 3 or fewer days, 40% 4-10, 28% 11-17."""
    days = teacher_absences(edit)
    bands = np.array(
        [(days <= 3).mean(), ((days >= 4) & (days <= 10)).mean()]
        + [((days >= 11) & (days <= 17)).mean()]
    )
    assert np.abs(bands - np.array([0.16, 0.40, 0.28])).max() <= 0.03
    return float(bands[0]), " / ".join(f"{b:.0%}" for b in bands)


def students_missed(name: str, edit: Edit, school: int) -> np.ndarray:
    """The share of the open days each student of a school missed, over 20 years."""
    trad = scenario(name, edit)
    return np.concatenate(
        [Engine(trad, 0, rep).schools[school].students.absent.mean(axis=0) for rep in range(20)]
    )


def share_check(missed: np.ndarray, at: float, target: float) -> float:
    value = float((missed >= at).mean())
    assert abs(value - target) <= 3 * np.sqrt(target * (1 - target) / missed.size)
    return value


def chronic_absence(edit: Edit = unchanged) -> tuple[float, str]:
    """[calibrated] students missing 10% or more of a 180-day year, traditional school."""
    value = share_check(students_missed("traditional", edit, 0), 0.10, 0.20)
    return value, f"{value:.1%}"


def severe_absence(edit: Edit = unchanged) -> tuple[float, str]:
    """[calibrated] students missing 20% or more, traditional school."""
    value = share_check(students_missed("traditional", edit, 0), 0.20, 0.059)
    return value, f"{value:.1%}"


def days_missed(name: str, edit: Edit, school: int, public: float) -> tuple[float, str]:
    value = float(students_missed(name, edit, school).mean() * 180)
    assert abs(value - public) <= 1.0
    return value, f"{value:.1f} days"


def student_days_absent(edit: Edit = unchanged) -> tuple[float, str]:
    """[held out] days a student misses, traditional school (Dunning: 11.6)."""
    return days_missed("traditional", edit, 0, 11.6)


def student_days_absent_fewer(edit: Edit = unchanged) -> tuple[float, str]:
    """[held out] days a student misses at Oak, a district school with fewer chronically
    absent students (Runkle: 10.4)."""
    return days_missed("district", edit, 1, 10.4)


CHECKS: dict[str, Callable[..., tuple[float, str]]] = {
    "teacher_absence_days": teacher_absence_days,
    "teacher_chronic_absence": teacher_chronic_absence,
    "chronic_absence": chronic_absence,
    "severe_absence": severe_absence,
    "same_morning_fill": same_morning_fill,
    "teacher_absence_bands": teacher_absence_bands,
    "student_days_absent": student_days_absent,
    "student_days_absent_fewer": student_days_absent_fewer,
    "district_fill_rate": district_fill_rate,
    "fill_by_notice": fill_by_notice,
    "position_units": position_units,
    "paraprofessional_pay": paraprofessional_pay,
    "teacher_benefits_share": teacher_benefits_share,
    "secondary_class_size_middle": lambda: secondary_class_size("middle", 22.9),
    "secondary_class_size_high": lambda: secondary_class_size("high", 23.3),
}


def _roles(d: dict[str, Any], **fields: Any) -> None:
    for role in d["roles"].values():
        role.update(fields)


def no_teacher_absence(d: dict[str, Any]) -> None:
    _roles(d, absence_rate=0.0)


def teachers_alike(d: dict[str, Any]) -> None:
    """Every teacher as likely to be away as the next: no spread between people."""
    _roles(d, absence_cv=0.0)


def no_student_absence(d: dict[str, Any]) -> None:
    for school in d["schools"]:
        school["attendance"] = {"chronic_share": 0.0, "severe_share": 0.0}


def hardly_anyone_severely_absent(d: dict[str, Any]) -> None:
    """Each school's chronic share kept, but its students bunched below 20% of the days (the
    less dispersed spread the model once drew from the chronic share alone)."""
    for school in d["schools"]:
        school["attendance"]["severe_share"] = 0.002


def no_substitutes(d: dict[str, Any]) -> None:
    d["substitutes"]["pool"] = 0


def no_notice(d: dict[str, Any]) -> None:
    """No job posted before its day: every absence a single day, reported the morning it
    starts (a later day of an episode reported that morning is itself posted ahead)."""
    d["absences"].update(known_ahead_share=0.0, mean_extra_days=0.0)


def benefits_half_as_much_again(d: dict[str, Any]) -> None:
    budget = d["budget"]
    budget["benefits_rate"] = float(budget["benefits_rate"]) * 1.5


# each modelled mechanism broken in turn, and the rows that depend on it: each must fail
MUTATIONS: dict[Edit, tuple[str, ...]] = {
    no_teacher_absence: (
        "teacher_absence_days",
        "teacher_chronic_absence",
        "teacher_absence_bands",
        "district_fill_rate",
    ),
    teachers_alike: ("teacher_chronic_absence", "teacher_absence_bands"),
    no_student_absence: (
        "chronic_absence",
        "severe_absence",
        "student_days_absent",
        "student_days_absent_fewer",
    ),
    hardly_anyone_severely_absent: (
        "severe_absence",
        "student_days_absent",
        "student_days_absent_fewer",
    ),
    no_substitutes: ("same_morning_fill", "district_fill_rate", "fill_by_notice"),
    no_notice: ("fill_by_notice",),
    benefits_half_as_much_again: ("teacher_benefits_share",),
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_model_matches_the_public_figure_and_the_page(name: str) -> None:
    _, shown = CHECKS[name]()
    assert written(name) == shown, f"docs/validation.md says {written(name)}; the model {shown}"


def test_every_row_of_the_page_has_its_test() -> None:
    assert set(rows()) == set(CHECKS)


def test_the_page_holds_out_at_least_five_rows_and_says_which_were_fitted() -> None:
    parts = {
        name: next(p for p in (CALIBRATED, HELD_OUT, ARITHMETIC) if row["part"].startswith(p))
        for name, row in rows().items()
    }
    assert sum(part == HELD_OUT for part in parts.values()) >= 5
    assert set(parts.values()) == {CALIBRATED, HELD_OUT, ARITHMETIC}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("edit", "name"),
    [(edit, name) for edit, names in MUTATIONS.items() for name in names],
    ids=lambda x: x.__name__ if callable(x) else x,
)
def test_breaking_a_mechanism_fails_the_rows_that_depend_on_it(edit: Edit, name: str) -> None:
    with pytest.raises((AssertionError, ValueError)):
        CHECKS[name](edit)


def test_every_row_fails_when_a_mechanism_it_depends_on_is_broken() -> None:
    """A row no mutation breaks is a row that cannot fail."""
    broken = {name for names in MUTATIONS.values() for name in names}
    assert broken >= {n for n, row in rows().items() if not row["part"].startswith(ARITHMETIC)}
