"""`simulate new` for a middle or high school: a bundled arrangement with a period day,
re-sized to the planner's school.

The bundled secondary scenarios size their staff from their sections (their notes say how:
enrollment / cap sections of each course in each period it meets; a department's teachers
its sections over a teacher's teaching load, rounded up). `new` does the same for the
planner's enrollment, grades, caps and loads, counting sections with the engine's own
sectioning (simulate.engine.timetable) on students of the school's need-tier shares, so the
scenario it writes schedules every section and reproduces the bundled staffing at the
bundled school's own figures:

- a department: its sections in a term over its teachers' instruction periods, rounded up;
- an MCL team: one leader with its own sections (its instruction periods, possibly none),
  and team teachers for the rest; a department with more than 8 team teachers is split into
  several MCL teams of the same name (Public Impact: an MCL leads 2 to 8 teachers);
  paraprofessionals who support sections (reach associates) follow the team's sections, as
  the bundled team's do;
- a team block: its teachers stay (one per core subject); a grade is cut into as many blocks
  as its students need for each block teacher to teach every group of the block its subject;
- tutoring: its sessions in a term over a tutor's tutoring periods, rounded up.

A team short of positions after that (a slot busier than its members) gets one more until
every section meets. The district's substitute pool follows the teachers. Elementary-only
figures (today's classrooms, pilot grades, a team size, other buildings) are refused.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from simulate.engine.roster import classrooms_and_teams
from simulate.engine.timetable import NONE, Member, build
from simulate.schema.errors import InputError
from simulate.schema.loading import validate
from simulate.schema.model import Activity, Scenario, School
from simulate.schema.notes import carried, in_order
from simulate.schema.paths import set_value
from simulate.schema.shapes import MCL_RANGE
from simulate.schema.writing import plain

if TYPE_CHECKING:
    from simulate.study.new import MySchool, NewScenario

GOLDEN = 0.6180339887498949  # spreads the tiers' students evenly over the cohorts
ELEMENTARY_ONLY = {  # MySchool field -> the option that gives it
    "classrooms": "--classrooms",
    "pilot_grades": "--pilot-grades",
    "team_size": "--team-size",
    "buildings": "--building",
}


def secondary_scenario(school: MySchool, arrangement: str, data: dict[str, Any]) -> NewScenario:
    """The bundled secondary arrangement re-sized to the school; InputError naming the option
    or field when it cannot be."""
    from simulate.schema.bundled import path as bundled_path
    from simulate.study.new import NewScenario, _money, _notes, _tiers

    base = validate(json.loads(json.dumps(data)), str(bundled_path(arrangement)))
    label = f"{school.name} as {base.name}"
    for name, option in ELEMENTARY_ONLY.items():
        if getattr(school, name):
            level = base.schools[0].periods.level if base.schools[0].periods else "secondary"
            raise InputError(
                label,
                option,
                f"is for elementary schools; a {level} school's staff follow its sections, "
                "sized by its enrollment and class-size cap",
                "leave it out",
            )
    grades = [str(g) for g in (school.grades or base.schools[0].grades)]
    changes: dict[str, Any] = {
        "name": f"{school.name}: {base.name}",
        "schools[0].name": school.name,
        "schools[0].enrollment": school.enrollment,
    }
    if school.grades is not None:
        changes["schools[0].grades"] = grades
    if school.tiers is not None:
        changes["schools[0].need_tiers"] = _tiers(base, school.tiers)
    old_courses = data["schools"][0]["periods"]["courses"]
    courses = _courses(old_courses, base.schools[0].grades, grades, school.class_size_cap, label)
    if courses != old_courses:
        changes["schools[0].periods.courses"] = courses
    money, moves = _money(data, base, school, label)
    changes |= money
    settings = {path: plain(value) for path, value in school.settings.items()}

    # the school as the planner describes it, staffed as the bundled one, then sized (without
    # the bundled notes, some of which name figures the changes replace: its funding lines)
    work = json.loads(json.dumps({k: v for k, v in data.items() if k != "notes"}))
    cohorts = base.schools[0].classrooms // len(base.schools[0].grades) * len(grades)
    for path, value in ({"schools[0].classrooms": cohorts} | changes | settings).items():
        set_value(work, path, value)
    staffing = _staffing(base, validate(json.loads(json.dumps(work)), label), work, label)
    changes |= staffing.changes
    changes |= settings  # the planner's own figures win over derived ones

    before = json.loads(json.dumps(data))
    for path, value in changes.items():
        set_value(data, path, value)
    notes = _notes(changes, school, [], 1, base) | staffing.notes
    if "schools[0].periods.courses" in changes and "schools[0].periods.courses" not in settings:
        notes["schools[0].periods.courses"] = _courses_note(school, grades, base)
    old = before.get("notes") or {}
    data["notes"] = in_order(carried(old, before, data, notes, moves), data)
    chose = staffing.chose
    data["description"] = (
        f"{school.name}: {school.enrollment} students in grades {', '.join(grades)}, in the "
        f"bundled arrangement '{arrangement}' ({base.name}). " + " ".join(chose)
    )
    data = {"name": data.pop("name"), "description": data.pop("description"), **data}
    scenario = validate(json.loads(json.dumps(data)), label)
    return NewScenario(arrangement, data, scenario, changes, base, chose)


# ---- courses ------------------------------------------------------------------------------
def _courses(
    courses: list[dict[str, Any]],
    old: Sequence[str],
    new: Sequence[str],
    cap: int | None,
    label: str,
) -> list[dict[str, Any]]:
    """The courses for the school's grades: the k-th grade takes the courses of the bundled
    school's k-th grade (its last grade's for grades beyond), a grade's course named for it;
    with a cap, every class-size cap in proportion (reach extension keeps its larger sections,
    tutoring its pairs)."""
    role = {g: old[min(k, len(old) - 1)] for k, g in enumerate(new)}
    usual = Counter(c["class_size_cap"] for c in courses if not c.get("tutoring")).most_common(1)
    out = []
    for course in courses:
        made = []
        if not course.get("grades"):
            made = [dict(course)]
        elif len(course["grades"]) == 1 and course["name"].endswith(" " + course["grades"][0]):
            stem = course["name"][: -len(course["grades"][0])]
            made = [
                {**course, "name": stem + g, "grades": [g]}
                for g in new
                if role[g] == course["grades"][0]
            ]
        else:
            taking = [g for g in new if role[g] in course["grades"]]
            made = [{**course, "grades": taking}] if taking else []
        if cap is not None and not course.get("tutoring"):
            size = max(1, round(course["class_size_cap"] * cap / usual[0][0]))
            made = [{**c, "class_size_cap": size} for c in made]
        out += made
    if not out:
        raise InputError(label, "--grades", "leaves no course", "the grades the school serves")
    # a grade's own courses in the order of its grades, as the bundled file lists them
    return sorted(out, key=lambda c: courses.index(_origin(c, courses)))


def _origin(course: dict[str, Any], courses: list[dict[str, Any]]) -> dict[str, Any]:
    """The bundled course a made one comes from (same team and place in the day)."""
    for old in courses:
        if old["name"] == course["name"]:
            return old
    stem = course["name"].rsplit(" ", 1)[0]
    return next(
        (c for c in courses if c["team"] == course["team"] and c["name"].startswith(stem + " ")),
        courses[0],
    )


def _courses_note(school: MySchool, grades: Sequence[str], base: Scenario) -> dict[str, str]:
    said = []
    if school.grades is not None:
        said.append(
            f"Made by simulate new for grades {', '.join(grades)}: each grade takes the courses "
            f"of the bundled school's grade in its place ({', '.join(base.schools[0].grades)})."
        )
    if school.class_size_cap is not None:
        said.append(
            f"Class-size caps: {school.class_size_cap}, the school's own cap, in place of the "
            "bundled school's usual cap; other caps (reach extension's larger sections) in "
            "proportion, tutoring's unchanged."
        )
    return {"kind": "local", "text": " ".join(said)}


# ---- staffing -----------------------------------------------------------------------------
@dataclass
class _Staffing:
    """What `new` derived: fields, their notes and the sentences saying how."""

    changes: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)
    chose: list[str] = field(default_factory=list)


def _staffing(base: Scenario, school: Scenario, work: dict[str, Any], label: str) -> _Staffing:
    """Cohorts, teams and the substitute pool of the planner's school (see the module)."""
    out = _Staffing()
    bundled, mine = base.schools[0], school.schools[0]
    day = mine.periods
    assert day is not None and bundled.periods is not None
    per_grade = mine.enrollment / len(mine.grades)
    blocks = [t for t in bundled.teams if t.classrooms]
    cohorts, block_count = len(mine.grades), 0
    teams: list[dict[str, Any]] = json.loads(json.dumps(work["schools"][0]["teams"]))
    if blocks:
        block = blocks[0]
        bundled_per_grade = bundled.classrooms // len(bundled.grades)
        block_grades = min(len(mine.grades), block.count // bundled_per_grade)
        teacher = next(r for r in block.members if school.roles[r].is_teacher)
        load = school.roles[teacher].periods.get("instruction", 0)
        caps = [c.class_size_cap for c in day.courses if c.team == block.name]
        per_block = max(1, load) * min(caps)
        each = math.ceil(per_grade / per_block)
        cohorts, block_count = each * len(mine.grades), each * block_grades
        teams = [{**t, "count": block_count} if t["name"] == block.name else t for t in teams]
        out.chose.append(
            f"{block.name}: {block_count} blocks of {sum(block.members.values())} teachers, "
            f"{each} a grade of {per_grade:.0f} students (a block's teacher teaches {load} "
            f"groups of at most {min(caps)}: {per_block} students at most)."
        )
        out.notes["schools[0].classrooms"] = {
            "kind": "assumption",
            "text": f"Made by simulate new: {each} cohorts a grade, the first "
            f"{block_grades} grade(s)' the team blocks'. {out.chose[-1]}",
        }
    else:
        out.notes["schools[0].classrooms"] = {
            "kind": "assumption",
            "text": "One cohort a grade, as the bundled school: the departments schedule every "
            "student of it.",
        }
    set_value(work, "schools[0].classrooms", cohorts)
    set_value(work, "schools[0].teams", teams)
    sized = validate(json.loads(json.dumps(work)), label)
    sections = _sections(sized.schools[0])
    wanted = _sections(bundled)
    made: list[dict[str, Any]] = []
    for entry in teams:
        if entry.get("classrooms"):
            made.append(entry)
            continue
        made += _positions(entry, sections.get(entry["name"], 0), wanted, base, school, out, label)
    made = _until_all_meet(made, sized, work, label, out)
    out.changes["schools[0].classrooms"] = cohorts
    out.changes["schools[0].teams"] = made
    told = " ".join(out.chose)
    out.notes["schools[0].teams"] = {
        "kind": "assumption",
        "text": "Made by simulate new from the school's sections, as the bundled school's "
        f"departments were sized to theirs (enrollment / cap sections a period). {told}",
    }
    out.changes |= _pool(base, school, made)
    if "substitutes.pool" in out.changes:
        out.notes["substitutes.pool"] = {
            "kind": "assumption",
            "text": "The bundled district's pool, in proportion to this school's teaching "
            "positions.",
        }
    return out


def _sections(school: School) -> dict[str, int]:
    """Sections each team teaches in its busiest term, by the engine's own sectioning, for
    students of the school's need-tier shares spread evenly over its cohorts."""
    table = build(school, [], _tiers_spread(school), classrooms_and_teams(school)[1])
    assert school.periods is not None
    per = school.periods.periods_per_day
    count = Counter(
        (school.periods.courses[k].team, int(at) // per)
        for k, at in zip(table.course, table.slot, strict=True)
    )
    out: dict[str, int] = {}
    for (team, _), k in count.items():
        out[team] = max(out.get(team, 0), k)
    return out


def _tiers_spread(school: School) -> np.ndarray:
    """Each student's need tier: the tiers' shares exactly (as near as whole students go),
    spread evenly over the cohorts, where a run draws them at random."""
    shares = np.cumsum([t.share for t in school.need_tiers])
    spread = (np.arange(school.enrollment) * GOLDEN + 0.5) % 1
    return np.minimum(np.searchsorted(shares, spread, side="right"), len(shares) - 1)


def _positions(
    entry: dict[str, Any],
    sections: int,
    bundled: dict[str, int],
    base: Scenario,
    school: Scenario,
    out: _Staffing,
    label: str,
) -> list[dict[str, Any]]:
    """The team entries of one department (or MCL team, or tutoring team) for its sections."""
    name, members = entry["name"], entry["members"]
    roles = school.roles
    leader = next((r for r in members if roles[r].leads_team), None)
    tutoring = any(roles[r].periods.get("small_group") for r in members)
    kind: Activity = "small_group" if tutoring else "instruction"
    teaching = next(r for r in members if r != leader and (tutoring or roles[r].is_teacher))
    load = roles[teaching].periods.get(kind, 0)
    if not load:
        raise InputError(
            label,
            f"roles.{teaching}.periods.{kind}",
            f"is 0, so the {name} team's {sections} sections have no one to teach them",
            "at least 1",
        )
    helpers = [r for r in members if r not in (leader, teaching)]
    if leader is None:
        n = math.ceil(sections / load)
        who = _title(roles, teaching, n)
        out.chose.append(f"{name}: {sections} sections, {n} {who} at {load} periods each.")
        return [{**entry, "members": {teaching: n, **{r: members[r] for r in helpers}}}]
    own = roles[leader].periods.get("instruction", 0)
    low, high = MCL_RANGE
    count = 1
    while math.ceil((sections - count * own) / load) > high * count:
        count += 1
    n = max(0, math.ceil((sections - count * own) / load))
    if n < low * count:
        raise InputError(
            label,
            "--enrollment",
            f"gives the {name} team {sections} sections, which need {n} team teachers besides "
            f"the MCL's own; an MCL leads {low} to {high} (Public Impact)",
            "a larger school, or the departmentalized arrangement",
        )
    sizes = [n // count + (k < n % count) for k in range(count)]
    per_team = sections / count
    made = []
    for size in sizes:
        people = {leader: 1, teaching: size}
        for r in helpers:  # paraprofessionals follow the sections, as the bundled team's
            given = next(t for t in base.schools[0].teams if t.name == name).members[r]
            people[r] = max(1, round(given * per_team / bundled[name]))
        made.append({**entry, "members": people})
    helped = "".join(f", {made[0]['members'][r]} {_title(roles, r, 2)} each" for r in helpers)
    out.chose.append(
        f"{name}: {sections} sections; {count} MCL team{'s' if count > 1 else ''}, each an "
        f"MCL teaching {own} periods with {' and '.join(map(str, sizes))} "
        f"{_title(roles, teaching, 2)} at {load}{helped}."
    )
    out.chose += [
        line for line in _coaching_load(leader, max(sizes), school) if line not in out.chose
    ]
    return _counted(made)


def _coaching_load(leader: str, team: int, school: Scenario) -> list[str]:
    """A sentence when a leader's coaching periods cannot hold its team's observations."""
    day = school.schools[0].periods
    assert day is not None
    minutes = school.roles[leader].periods.get("coaching", 0) * day.period_minutes
    weekly = sum(
        p.observations_per_week * (p.observation_minutes + p.feedback_minutes)
        for p in school.coaching
        if p.coach == leader and p.scope == "team"
    )
    fit = int(minutes * school.calendar.days_per_week // weekly) if weekly else team
    if team <= fit:
        return []
    title = school.roles[leader].title or leader
    return [
        f"A {title.lower()}'s {minutes} coaching minutes a day hold the observations of {fit} "
        f"teachers; a team of {team} leaves some undone (the run counts them as lost)."
    ]


def _counted(made: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Teams of one shape as one entry with a count."""
    out: list[dict[str, Any]] = []
    for entry in made:
        if out and out[-1]["members"] == entry["members"]:
            out[-1]["count"] = out[-1].get("count", 1) + 1
        else:
            out.append(dict(entry))
    return out


def _title(roles: Any, role: str, n: int) -> str:
    title = (roles[role].title or role).lower()
    return title + ("s" if n != 1 else "")


def _until_all_meet(
    teams: list[dict[str, Any]], school: Scenario, work: dict[str, Any], label: str, out: _Staffing
) -> list[dict[str, Any]]:
    """One more position in a team whose sections do not all meet (a slot busier than its
    members), until every section meets."""
    for _ in range(20):
        set_value(work, "schools[0].teams", teams)
        sized = validate(json.loads(json.dumps(work)), label).schools[0]
        short = _short(sized, school)
        if not short:
            return teams
        for entry in teams:
            if entry["name"] in short and not entry.get("classrooms"):
                role = next(r for r in entry["members"] if not school.roles[r].leads_team)
                entry["members"] = {**entry["members"], role: entry["members"][role] + 1}
                out.chose.append(f"{entry['name']}: one more position so every section meets.")
                break
    return teams


def _short(school: School, scenario: Scenario) -> set[str]:
    """Teams with sections nobody could teach."""
    members = []
    index = 0
    for team_index, team in enumerate(t for t in school.teams for _ in range(t.count)):
        for role, n in team.members.items():
            for _ in range(n):
                r = scenario.roles[role]
                members.append(Member(index, team_index, dict(r.periods), r.is_teacher))
                index += 1
    table = build(school, members, _tiers_spread(school), classrooms_and_teams(school)[1])
    assert school.periods is not None
    return {school.periods.courses[k].team for k in table.course[table.adult == NONE]}


def _pool(base: Scenario, school: Scenario, teams: list[dict[str, Any]]) -> dict[str, Any]:
    """The substitute pool in proportion to the positions that need cover."""
    pool = base.substitutes.pool
    if not pool:
        return {}
    cover = set(base.coverage.needs_cover)

    def positions(entries: list[dict[str, Any]]) -> int:
        return sum(
            e.get("count", 1) * n for e in entries for r, n in e["members"].items() if r in cover
        )

    had = positions([t.model_dump() for t in base.schools[0].teams])
    scaled = max(1, round(pool * positions(teams) / had)) if had else pool
    return {"substitutes.pool": scaled} if scaled != pool else {}
