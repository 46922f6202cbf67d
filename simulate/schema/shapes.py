"""Teams as schools have them: an arrangement's team, re-sized to a school's classrooms.

An arrangement's bundled team says what a team is made of: positions per homeroom (a team
teacher, a classroom teacher) and positions per team whatever its size (a multi-classroom
leader, a resident, a tutor, a reach associate), and how many of today's classrooms it
serves: as many as its homerooms, or more where the team pays for its roles by leaving
positions unfilled and teaching fewer, larger homerooms (MCL teams within the existing budget
serve eight of today's classrooms in six homerooms: two fewer).

`teams` cuts a school's classrooms, grade by grade, into teams of that make:
- grade-level teams that do not share students (today's staffing, lab rotation) are a grade
  each; a grade of more than MAX_GRADE_TEAM classrooms is split into balanced teams;
- teams that share students (MCL teams, specialist pairs) hold between `low` and `high`
  homerooms, and are best in the `typical` range. A grade in range is a team; a larger grade
  is split into balanced teams; small adjacent grades are combined; only when grades cannot
  be kept whole do teams cross a grade boundary. Teams in one school may differ in size.

The choice is the partition with the least cost: each team's distance from the typical range,
plus COMBINE for each further grade in a team and CROSS for each grade boundary teams cross,
so grades stay together where they can.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# An MCL leads a team of two to eight teachers, typically four to six (Public Impact,
# Opportunity Culture: docs/sources.md section 3).
MCL_RANGE, MCL_TYPICAL = (2, 8), (4, 6)
# [assumption] A team within the existing budget gives up two homerooms (the MCL's and one
# left unfilled); with five to eight homerooms its homerooms are at most 1.4 times today's
# class size (seven of today's classes in five homerooms).
WITHIN_RANGE, WITHIN_TYPICAL = (5, 8), (5, 6)
# [assumption] Elementary subject specialization: two to four teachers who each teach one
# subject to every class of the team; pairs (reading and writing; math and science) as
# bundled, trios or fours where a grade's classrooms do not pair up.
SPECIALIST_RANGE, SPECIALIST_TYPICAL = (2, 4), (2, 2)
MAX_GRADE_TEAM = 20  # the schema's largest team (schema.model.Team.classrooms)
COMBINE = 0.5  # cost of each further grade in one team
CROSS = 3.0  # cost of each grade boundary that teams cross
PER_TEAM = 0.01  # fewer teams, other things equal


@dataclass(frozen=True)
class Make:
    """What one team of an arrangement is made of."""

    name: str
    roles: tuple[str, ...]  # the team's roles, in the bundled order
    per_room: dict[str, int]  # positions per homeroom, by role
    fixed: dict[str, int]  # positions per team whatever its size, by role
    given_up: int  # today's classrooms a team serves beyond its homerooms
    by_grade: bool  # a team is a grade (grade-level teams that do not share students)
    low: int  # fewest homerooms a team holds
    high: int  # most homerooms a team holds
    typical: tuple[int, int]  # homerooms a team usually holds

    def members(self, homerooms: int) -> dict[str, int]:
        """Positions of a team of `homerooms` homerooms, by role, in the bundled order."""
        return {r: self.fixed.get(r, self.per_room.get(r, 0) * homerooms) for r in self.roles}


@dataclass(frozen=True)
class Team:
    """A team: the grades it serves, today's classrooms it serves, its homerooms."""

    grades: tuple[str, ...]
    serves: int  # today's classrooms
    homerooms: int


def teams(make: Make, grades: Sequence[str], rooms: Sequence[int]) -> list[Team] | None:
    """The teams of least cost for `rooms` of today's classrooms in each of `grades` (in
    order; neighbours may be combined), or None when no team shape fits."""
    plan = _best(make, tuple(rooms))
    if plan is None:
        return None
    out = []
    for start, stop, sizes in plan[1]:
        span = tuple(grades[start:stop])
        out += [Team(span, size, size - make.given_up) for size in sizes]
    return out


def fits(make: Make, rooms: Sequence[int]) -> bool:
    return _best(make, tuple(rooms)) is not None


Plan = tuple[float, tuple[tuple[int, int, tuple[int, ...]], ...]]


def _best(make: Make, rooms: tuple[int, ...]) -> Plan | None:
    """Least-cost partition of the grades into runs (from the last grade back), each run cut
    into balanced teams."""
    best: list[Plan | None] = [None] * len(rooms) + [(0.0, ())]
    for start in range(len(rooms) - 1, -1, -1):
        last = start + 1 if make.by_grade else len(rooms)
        for stop in range(start + 1, last + 1):
            here, rest = _run(make, rooms[start:stop]), best[stop]
            if here is None or rest is None:
                continue
            cost = here[0] + rest[0]
            found = best[start]
            if found is None or cost < found[0] - 1e-9:
                best[start] = (cost, ((start, stop, here[1]), *rest[1]))
    return best[0]


def _run(make: Make, rooms: tuple[int, ...]) -> tuple[float, tuple[int, ...]] | None:
    """The best cut of a run of grades into balanced teams, and its cost; None if none fits."""
    total, grades = sum(rooms), len(rooms)
    smallest, largest = make.low + make.given_up, make.high + make.given_up
    best: tuple[float, tuple[int, ...]] | None = None
    for count in range(max(1, -(-total // largest)), total // smallest + 1):
        size, extra = divmod(total, count)  # `extra` teams of size + 1, the rest of size
        if size < smallest or size + (extra > 0) > largest:
            continue
        cost = (count - extra) * _distance(make, size - make.given_up) + PER_TEAM * count
        cost += extra * _distance(make, size + 1 - make.given_up)
        if grades > 1:
            cost += (COMBINE + (CROSS if count > 1 else 0.0)) * (grades - 1)
        if best is None or cost < best[0] - 1e-9:
            best = (cost, _balanced(total, count))
    return best


def _balanced(total: int, count: int) -> tuple[int, ...]:
    """`total` cut into `count` sizes that differ by at most one, larger first."""
    size, extra = divmod(total, count)
    return tuple(size + 1 if k < extra else size for k in range(count))


def _distance(make: Make, homerooms: int) -> float:
    low, high = make.typical
    return float(max(low - homerooms, 0, homerooms - high))
