"""Fair comparisons: do the scenarios of a comparison describe the same schools?

Common random numbers make a comparison paired: replication k of every arrangement sees the
same students, absences and closures, so differences are the arrangements' alone. That holds
only if the scenarios describe the same schools: the same number of schools, each of the same
kind (elementary, or a middle or high school with a period day), with the same enrollment (and
copies) and the same need tiers (names and shares), in the same order. The
classrooms are not part of it: how many classes the same students sit in is what an
arrangement decides (a team that leaves a position unfilled has fewer, larger classes), and the
class-size figures of every run show it.

Scenarios of different schools can still be compared per pupil and per student, never in
whole-school totals; `compare` refuses them unless told so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from simulate.schema.errors import InputError
from simulate.schema.model import Scenario, School
from simulate.schema.yamlsafe import dotted

WHAT = "school count, kind (elementary, middle or high), enrollment and need tiers"
ALLOWED = (
    "scenarios of the same schools; or --allow-different-schools to compare per-pupil and "
    "per-student figures only"
)


@dataclass(frozen=True)
class SchoolDifference:
    """The first field in which two scenarios' schools differ, and its values."""

    path: str  # e.g. schools[0].enrollment
    first: str  # the first scenario's name
    other: str  # the scenario that differs from it
    first_value: str
    other_value: str

    def problem(self) -> str:
        """What differs, told from the field (the path goes in front of it)."""
        return (
            f"is {self.other_value} in '{self.other}' but {self.first_value} in "
            f"'{self.first}': the scenarios describe different schools, so their students "
            "differ"
        )

    def text(self) -> str:
        return f"{self.path} {self.problem()}"


def school_difference(scenarios: Sequence[Scenario]) -> SchoolDifference | None:
    """The first difference between the first scenario's schools and another's, or None."""
    if not scenarios:
        return None
    first = scenarios[0]
    for other in scenarios[1:]:
        found = _differ(first, other)
        if found is not None:
            path, a, b = found
            return SchoolDifference(path, first.name, other.name, a, b)
    return None


def per_pupil_fair(found: SchoolDifference) -> bool:
    """Whether scenarios that differ as `found` says still compare fairly per pupil: schools
    of other sizes do (per-pupil and per-student figures scale with them); schools whose
    students need other help (other need tiers) do not, since every per-pupil figure would
    then mix the arrangement with the students."""
    return not found.path.endswith("need_tiers")


def check_same_schools(
    scenarios: Sequence[Scenario],
    allow_different: bool = False,
    files: Sequence[Path | str] | None = None,
) -> SchoolDifference | None:
    """The difference between the scenarios' schools (None: the same schools); InputError
    naming the field and both values when they differ and that is not allowed. `files`, one
    per scenario, name the file in the message."""
    found = school_difference(scenarios)
    if found is None or allow_different:
        return found
    file = None
    if files is not None:
        names = [s.name for s in scenarios]
        file = str(files[names.index(found.other)])
    raise InputError(file, found.path, f"{found.problem()} ({WHAT} must match)", ALLOWED)


def _differ(a: Scenario, b: Scenario) -> tuple[str, str, str] | None:
    """(path, value in a, value in b) of the first field that differs, or None."""
    if len(a.schools) != len(b.schools):
        return ("schools", f"{len(a.schools)} schools", f"{len(b.schools)} schools")
    for i, (x, y) in enumerate(zip(a.schools, b.schools, strict=True)):
        found = _school_differ(x, y)
        if found is not None:
            field, one, two = found
            return (dotted(("schools", i, *field)), one, two)
    return None


def _school_differ(a: School, b: School) -> tuple[tuple[str | int, ...], str, str] | None:
    if (a.periods is None) != (b.periods is None):  # an elementary school and a secondary one
        return (("periods",), _kind(a), _kind(b))
    if a.periods is not None and b.periods is not None and a.periods.level != b.periods.level:
        return (("periods", "level"), a.periods.level, b.periods.level)
    for field in ("enrollment", "copies"):
        if getattr(a, field) != getattr(b, field):
            return ((field,), str(getattr(a, field)), str(getattr(b, field)))
    tiers_a = [(t.name, t.share) for t in a.need_tiers]
    tiers_b = [(t.name, t.share) for t in b.need_tiers]
    if tiers_a != tiers_b:
        return (("need_tiers",), _tiers(tiers_a), _tiers(tiers_b))
    return None


def _kind(school: School) -> str:
    """An elementary school (homerooms) or a middle or high school (a period day)."""
    if school.periods is None:
        return "not set (an elementary school with homerooms)"
    return f"a {school.periods.level} school's period day"


def _tiers(tiers: list[tuple[str, float]]) -> str:
    return ", ".join(f"{name} {share:g}" for name, share in tiers)
