"""The period day of a middle or high school: sections, who teaches them, and each student's
schedule. No full timetabler: a rotation that is conflict-free by construction, and a check.

Requests. Each student takes every course of its grade and need tier, in the order the
scenario lists the courses (a tutoring course listed beside the elective it replaces takes
that elective's place in the day).

Groups and slots. A school's cohorts (a grade, or the students a team block shares) are split
into groups of about the size the cohort's own courses allow (enrollment / cap, rounded up, for
the course needing most sections among the grade's or the team block's courses; courses every
grade takes, and tutoring, draw on all cohorts' groups), dealt in order of need tier so each
group holds its share of every tier. The students of a group move together: the j-th course
of a group's students meets in slot (j + group) mod (periods x terms), the groups numbered
through the whole school so that each course's groups spread over the day. A slot is a period
of a term (a 4x4 block has two terms of four).

Sections. In each slot, the students taking a course there (from the cohort's team, for a team
block's course; else from every cohort) make enrollment / cap sections, rounded up, of even
size. A section is taught by a member of the course's team (the cohort's own team block, else
any team of that name) who is free in the slot and has teaching periods of the course's kind
left in the term (instruction, or small_group for tutoring; only teachers teach classes):
someone already teaching the course first (subjects stay with their teachers), then whoever has
most periods left. A section nobody can teach does not meet, and its students' requests count
as unscheduled (the team is short of positions). A non-teacher's instruction periods (reach
associates, paraprofessionals) join, in each of them, the team's largest section that has no
one supporting it. Each adult's other periods go, in the order its role lists them, to the
slots it neither teaches nor supports; a teaching period with no section left is free.

`check` states what the timetable guarantees, and the tests run it on every bundled school.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from simulate.schema.model import ACTIVITIES, Activity, Course, PeriodDay, School, takes_course

NONE = -1
TAUGHT: tuple[Activity, ...] = ("instruction", "small_group")  # sections: classes, tutoring
ACTIVITY = {name: k for k, name in enumerate(ACTIVITIES)}


@dataclass
class Timetable:
    """One school's year of periods: its sections and who is where in each slot.

    Slots are numbered term x periods + period. Sections are arrays indexed by section."""

    day: PeriodDay
    course: np.ndarray  # course index (into day.courses)
    slot: np.ndarray
    adult: np.ndarray  # who teaches it (NONE: nobody could: it does not meet)
    support: np.ndarray  # a non-teacher supporting it (NONE: none)
    students: list[np.ndarray]  # its students
    team: np.ndarray  # the team instance of its teacher (NONE when it does not meet)
    seat: np.ndarray  # students x slots: the section each student sits in (NONE: free)
    duty: np.ndarray  # adults x slots: the activity an adult has there (NONE: free)
    requests: int  # course requests of all students
    unscheduled: int  # of those, in a section nobody could teach

    @property
    def slots(self) -> int:
        return self.day.periods_per_day * self.day.terms

    @property
    def count(self) -> int:
        return len(self.course)

    def term_of(self, slot: int) -> int:
        return slot // self.day.periods_per_day

    def terms_of(self, week: np.ndarray, weeks: int) -> np.ndarray:
        """The term of each (0-based) instructional week: the year's weeks split evenly."""
        return (np.asarray(week) * self.day.terms) // max(weeks, 1)

    def period_of(self, slot: int) -> int:
        return slot % self.day.periods_per_day

    def size(self) -> np.ndarray:
        """Students in each section."""
        return np.array([len(s) for s in self.students], dtype=np.int64)

    def tutoring(self) -> np.ndarray:
        """Whether each section is a tutoring section (bool per section)."""
        flags = np.array([c.tutoring for c in self.day.courses], dtype=bool)
        return flags[self.course] if self.count else np.zeros(0, dtype=bool)

    def taught_by(self, adult: int) -> np.ndarray:
        """The sections an adult teaches (met sections only), in slot order."""
        return np.flatnonzero(self.adult == adult)

    def periods(self, adult: int, term: int) -> dict[str, int]:
        """The periods an adult spends on each activity in a term (its plan of that term)."""
        per = self.day.periods_per_day
        duty = self.duty[adult, term * per : (term + 1) * per]
        out: dict[str, int] = {}
        for k in duty[duty != NONE].tolist():
            out[ACTIVITIES[k]] = out.get(ACTIVITIES[k], 0) + 1
        return out


@dataclass(frozen=True)
class Member:
    """What the timetable needs of one adult of the school."""

    index: int
    team: int  # team instance (NONE: school-wide staff)
    periods: dict[Activity, int]  # the role's periods per activity
    is_teacher: bool


def build(school: School, members: list[Member], tier: np.ndarray, team: np.ndarray) -> Timetable:
    """The timetable of one school: `tier` and `team` per student (students numbered cohort by
    cohort, as the roster numbers them)."""
    day = school.periods
    assert day is not None
    n = len(tier)
    slots = day.periods_per_day * day.terms
    names = [t.name for t in school.teams for _ in range(t.count)]
    cohorts = school.classrooms
    bounds = np.searchsorted((np.arange(n) * cohorts) // max(n, 1), np.arange(cohorts + 1))
    per_grade = cohorts // len(school.grades)
    tier_names = [t.name for t in school.need_tiers]
    seat = np.full((n, slots), NONE, dtype=np.int32)
    pools: defaultdict[tuple[int, int, int], list[int]] = defaultdict(list)  # (course, slot, scope)
    requests = 0
    group_base = 0
    for c in range(cohorts):
        first, last = int(bounds[c]), int(bounds[c + 1])
        if first == last:
            continue
        grade = school.grades[c // per_grade]
        block = int(team[first])
        courses = [
            [
                k
                for k, course in enumerate(day.courses)
                if takes_course(course, grade, tier_names[t])
            ]
            for t in range(len(tier_names))
        ]
        taken = np.array([[k in row for k in range(len(day.courses))] for row in courses])
        takers = taken[tier[first:last]].sum(axis=0)  # students of the cohort taking each
        own = [k for k, c in enumerate(day.courses) if _own(c, block, names) and takers[k]]
        sized = own or [k for k, c in enumerate(day.courses) if not c.tutoring]
        groups = max([1] + [-(-int(takers[k]) // day.courses[k].class_size_cap) for k in sized])
        # dealt round the groups in order of need tier, so each group holds its share of every
        # tier (and of every tier's courses)
        order = np.argsort(tier[first:last], kind="stable")
        group_of = np.empty(last - first, dtype=np.int64)
        group_of[order] = np.arange(last - first) % groups
        for s in range(first, last):
            offset = group_base + int(group_of[s - first])
            for j, k in enumerate(courses[tier[s]]):
                scope = block if block != NONE and names[block] == day.courses[k].team else NONE
                pools[(k, (j + offset) % slots, scope)].append(s)
                requests += 1
        group_base += groups
    sections = _sections(day, pools)
    table = _staff(day, sections, members, names, n, slots)
    table.requests = requests
    for s, students in enumerate(table.students):
        if table.adult[s] != NONE:
            seat[students, table.slot[s]] = s
        else:
            table.unscheduled += len(students)
    table.seat = seat
    return table


def _own(course: Course, block: int, names: list[str]) -> bool:
    """Whether a course's sections come from one cohort alone (a grade's course, or a team
    block's), so that its cap sizes the cohort's groups; courses every grade takes draw on the
    groups of all cohorts in a period, where rounding costs little."""
    if course.tutoring:
        return False
    return bool(course.grades) or block != NONE and names[block] == course.team


def _sections(
    day: PeriodDay, pools: dict[tuple[int, int, int], list[int]]
) -> list[tuple[int, int, int, np.ndarray]]:
    """(course, slot, scope, students) of every section: each pool split into enrollment / cap
    sections, rounded up, of even size."""
    out = []
    for (k, slot, scope), students in sorted(pools.items()):
        cap = day.courses[k].class_size_cap
        count = -(-len(students) // cap)
        for part in np.array_split(np.array(students, dtype=np.int64), count):
            out.append((k, slot, scope, part))
    return out


def _staff(
    day: PeriodDay,
    sections: list[tuple[int, int, int, np.ndarray]],
    members: list[Member],
    names: list[str],
    n_students: int,
    slots: int,
) -> Timetable:
    """Who teaches and supports each section, and every adult's periods (see the module)."""
    per = day.periods_per_day
    count = len(sections)
    course = np.array([s[0] for s in sections], dtype=np.int64)
    slot = np.array([s[1] for s in sections], dtype=np.int64)
    adult = np.full(count, NONE, dtype=np.int64)
    support = np.full(count, NONE, dtype=np.int64)
    team = np.full(count, NONE, dtype=np.int64)
    duty = np.full((len(members), slots), NONE, dtype=np.int64)
    left = {  # adult -> periods of each kind left in each term
        m.index: {a: [p] * day.terms for a, p in m.periods.items()} for m in members
    }
    teaches: defaultdict[int, set[int]] = defaultdict(set)  # adult -> courses it teaches
    by_team: defaultdict[str, defaultdict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for s, (k, at, _, _) in enumerate(sections):
        by_team[day.courses[k].team][at].append(s)
    for name, by_slot in by_team.items():
        # Ryser's construction: the busiest slots first, each section to the free member with
        # most periods left, so a team with enough periods in all has enough in every slot
        for at in sorted(by_slot, key=lambda at: (-len(by_slot[at]), at)):
            term = at // per
            for s in sorted(by_slot[at], key=lambda s: (sections[s][2] == NONE, s)):
                k, _, scope, _ = sections[s]
                the = day.courses[k]
                kind: Activity = "small_group" if the.tutoring else "instruction"
                free = [
                    m
                    for m in members
                    if duty[m.index, at] == NONE
                    and (
                        m.team == scope
                        if scope != NONE
                        else m.team != NONE and names[m.team] == name
                    )
                    and (the.tutoring or m.is_teacher)
                    and left[m.index].get(kind, [0] * day.terms)[term] > 0
                ]
                if not free:
                    continue
                best = min(
                    free,
                    key=lambda m: (-left[m.index][kind][term], k not in teaches[m.index], m.index),
                )
                adult[s], team[s] = best.index, best.team
                duty[best.index, at] = ACTIVITY[kind]
                left[best.index][kind][term] -= 1
                teaches[best.index].add(k)
    size = np.array([len(s[3]) for s in sections], dtype=np.int64)
    for m in members:
        if m.is_teacher or m.team == NONE or not m.periods.get("instruction"):
            continue
        for term in range(day.terms):
            for _ in range(m.periods["instruction"]):
                open_ = [
                    s
                    for s in np.flatnonzero((team == m.team) & (support == NONE)).tolist()
                    if slot[s] // per == term and duty[m.index, slot[s]] == NONE
                ]
                if not open_:
                    break
                s = max(open_, key=lambda s: (size[s], -s))
                support[s] = m.index
                duty[m.index, slot[s]] = ACTIVITY["instruction"]
    for m in members:
        for term in range(day.terms):
            empty = [at for at in range(term * per, (term + 1) * per) if duty[m.index, at] == NONE]
            for activity, periods in m.periods.items():
                if activity in ("instruction", "small_group"):
                    continue
                for _ in range(periods):
                    if empty:
                        duty[m.index, empty.pop(0)] = ACTIVITY[activity]
    return Timetable(
        day,
        course,
        slot,
        adult,
        support,
        [s[3] for s in sections],
        team,
        np.zeros((n_students, slots), dtype=np.int32),
        duty,
        0,
        0,
    )


def check(table: Timetable, members: list[Member], names: list[str]) -> list[str]:
    """What the timetable guarantees, checked; each broken guarantee is one sentence.

    1. No student sits in two sections in one slot, and every student of a met section has
       that section as its seat in the section's slot.
    2. No adult teaches or supports two sections in one slot, and each section's adults have
       it as their duty in its slot.
    3. No section is larger than its course's class-size cap.
    4. No adult teaches more sections of a kind in a term than its role's periods of it.
    5. Every section's teacher is a teacher (or, for tutoring, any adult) of a team of the
       course's name, and a supporter is a non-teacher of the teacher's team.
    6. Every request is in exactly one section: seated, or counted unscheduled.
    """
    problems: list[str] = []
    day = table.day
    by_index = {m.index: m for m in members}
    seen = np.zeros(table.seat.shape, dtype=np.int64)
    for s, students in enumerate(table.students):
        the = day.courses[table.course[s]]
        at = int(table.slot[s])
        if len(students) > the.class_size_cap:
            problems.append(f"section {s} of {the.name} holds {len(students)} > cap")
        who = int(table.adult[s])
        if who == NONE:
            continue
        np.add.at(seen[:, at], students, 1)
        if (table.seat[students, at] != s).any():
            problems.append(f"a student of section {s} is seated elsewhere in its slot")
        kind = "small_group" if the.tutoring else "instruction"
        m = by_index[who]
        if names[m.team] != the.team or not (the.tutoring or m.is_teacher):
            problems.append(f"section {s} of {the.name} is taught by adult {who}, not its team's")
        if table.duty[who, at] != ACTIVITY[kind]:
            problems.append(f"adult {who} does not have section {s} as its duty")
        helper = int(table.support[s])
        if helper != NONE:
            h = by_index[helper]
            if (
                h.is_teacher
                or h.team != m.team
                or table.duty[helper, at] != ACTIVITY["instruction"]
            ):
                problems.append(f"section {s} is supported by adult {helper}, not its team's")
    if (seen > 1).any():
        problems.append("a student sits in two sections in one slot")
    met = table.adult != NONE
    for at in range(table.slots):
        here = table.adult[met & (table.slot == at)]
        helpers = table.support[(table.support != NONE) & (table.slot == at)]
        both = np.concatenate([here, helpers])
        if len(np.unique(both)) != len(both):
            problems.append(f"an adult is in two sections in slot {at}")
    for m in members:
        for term in range(day.terms):
            lo, hi = term * day.periods_per_day, (term + 1) * day.periods_per_day
            for kind in TAUGHT:
                taught = int(
                    (
                        (table.adult == m.index)
                        & (table.slot >= lo)
                        & (table.slot < hi)
                        & (table.tutoring() == (kind == "small_group"))
                    ).sum()
                )
                if taught > m.periods.get(kind, 0):
                    problems.append(
                        f"adult {m.index} teaches {taught} {kind} sections in term {term}"
                    )
    for student, row in enumerate(table.seat):
        courses = table.course[row[row != NONE]]
        if len(np.unique(courses)) != len(courses):
            problems.append(f"student {student} sits in one course twice")
            break
    seated = int((table.seat != NONE).sum())
    if seated + table.unscheduled != table.requests:
        problems.append(
            f"{table.requests} requests but {seated} seated and {table.unscheduled} unscheduled"
        )
    return problems
