"""Levers: the changes a planner thinks in ("add a tutor to every team", "raise class size by
two"), each a named transformation of a scenario's data, defined once here.

A lever edits plain scenario data (what `schema.loading.load_data` returns) and says in plain
words why it does not apply where it cannot (`Refused`). `pull` applies a set of levers in
order and validates the result, so a set of levers is an ordinary scenario: the web app saves
it as one, and `simulate.levers` offers the same from Python. New roles a lever brings in
(a tutor, a resident, an MCL and team teachers) are the bundled scenarios' own, with their
sourced figures (scenarios/mcl_residents_tutors.yaml, scenarios/mcl_teams.yaml).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from simulate.schema.errors import InputError
from simulate.schema.model import Scenario

Data = dict[str, Any]
MOST_CLASSROOMS_LED = 8  # an MCL leads 2 to 8 classrooms (Public Impact's team sizes)


class Refused(Exception):
    """A lever that does not apply to a scenario, and why, in plain words."""


@dataclass(frozen=True)
class Lever:
    name: str
    title: str  # as a planner says it
    explain: str  # what it changes, in the model's terms
    change: Callable[[Data], str]  # edits the data in place; returns what it did
    period_day: bool = False  # applies to a school with a period day (most speak of homerooms)


def pull(data: Data, names: list[str], file: str = "<levers>") -> tuple[Data, Scenario, list[str]]:
    """The scenario with the levers `names` pulled in order: its data, the validated
    scenario and a line per lever saying what it did. InputError (field `levers`) for an
    unknown lever or one that does not apply."""
    from simulate.schema.loading import validate

    data = copy.deepcopy(data)
    done = []
    period_day = any(school.get("periods") for school in data.get("schools", []))
    for name in names:
        lever = LEVERS.get(name)
        if lever is None:
            raise InputError(file, "levers", f"'{name:.40}' is not a lever", ", ".join(LEVERS))
        try:
            if period_day and not lever.period_day:  # homerooms, classrooms and grades
                raise Refused("it is for schools with homerooms, and this one has a period day")
            done.append(f"{lever.title}: {lever.change(data)}")
        except Refused as why:
            raise InputError(file, "levers", f"{lever.title}: {why}") from None
    return data, validate(json.loads(json.dumps(data, default=str)), file), done


def refusals(data: Data) -> dict[str, str | None]:
    """Each lever's name -> why it does not apply to this scenario (None: it does)."""
    out: dict[str, str | None] = {}
    for name in LEVERS:
        try:
            pull(data, [name])
            out[name] = None
        except InputError as err:
            out[name] = err.problem.split(": ", 1)[-1]
    return out


# ---- what the levers do -------------------------------------------------------------------
@cache
def _bundled(stem: str) -> Data:
    from simulate.schema import bundled
    from simulate.schema.loading import load_data

    return load_data(bundled.path(stem))


def _bring(data: Data, role: str, stem: str) -> None:
    """Give the scenario a role of a bundled scenario (its pay, schedule and rates) if it has
    none of that name."""
    data["roles"].setdefault(role, copy.deepcopy(_bundled(stem)["roles"][role]))


def _add_to_every_team(data: Data, role: str, stem: str) -> str:
    _bring(data, role, stem)
    teams = [t for s in data["schools"] for t in s.get("teams", [])]
    if not teams:
        raise Refused("the scenario has no teams")
    for team in teams:
        team["members"][role] = team["members"].get(role, 0) + 1
    added = sum(t["count"] * s.get("copies", 1) for s in data["schools"] for t in s["teams"])
    title = data["roles"][role].get("title") or role
    return f"{added} {title.lower()} positions added"


def tutor_per_team(data: Data) -> str:
    return _add_to_every_team(data, "tutor", "mcl_residents_tutors")


def resident_per_team(data: Data) -> str:
    done = _add_to_every_team(data, "resident", "mcl_residents_tutors")
    plans = data.get("coaching", [])
    leaders = {r for r, spec in data["roles"].items() if spec.get("leads_team")}
    plan = next((p for p in plans if p["coach"] in leaders), None) or next(iter(plans), None)
    if plan is None:
        raise Refused("no one coaches, and a resident must be coached")
    if "resident" not in plan["coachees"]:
        plan["coachees"].append("resident")
    return done + f", coached by the {data['roles'][plan['coach']].get('title', plan['coach'])}"


def _homeroom_role(data: Data, team: Data) -> str:
    roles = data["roles"]
    held = [(n, r) for r, n in team["members"].items() if roles[r].get("homeroom")]
    if not held:
        raise Refused(f"team '{team['name']}' has no positions with a homeroom")
    return max(held)[1]


def _fewer_classrooms(data: Data, school: Data, fewer: int) -> None:
    """Take `fewer` classrooms (and their homeroom positions) from the largest teams, one
    team at a time, splitting a group of identical teams where needed."""
    teams = school["teams"]
    for _ in range(fewer):
        team = max((t for t in teams if t["classrooms"] > 1), key=lambda t: t["classrooms"])
        role = _homeroom_role(data, team)
        smaller = copy.deepcopy(team) | {"count": 1, "classrooms": team["classrooms"] - 1}
        smaller["members"] = {**team["members"], role: team["members"][role] - 1}
        team["count"] -= 1
        if team["count"] == 0:
            teams.remove(team)
        same = next((t for t in teams if _shape(t) == _shape(smaller)), None)
        if same is not None:
            same["count"] += 1
        else:
            teams.append(smaller)
    school["classrooms"] -= fewer


def _shape(team: Data) -> str:
    return json.dumps({k: v for k, v in team.items() if k != "count"}, sort_keys=True)


def class_size_plus_two(data: Data) -> str:
    said = []
    for school in data["schools"]:
        size = school["enrollment"] / school["classrooms"]
        target = max(1, round(school["enrollment"] / (size + 2)))
        if target >= school["classrooms"]:
            raise Refused(f"{school['name']} has too few students per classroom to raise it")
        before = school["classrooms"]
        _fewer_classrooms(data, school, before - target)
        said.append(
            f"{school['name']}: {target} classrooms instead of {before} "
            f"({school['enrollment'] / target:.1f} students each instead of {size:.1f})"
        )
    return "; ".join(said)


def grades_3_5_to_mcl(data: Data) -> str:
    """The grade teams of grades 3-5 become MCL teams of the same classrooms."""
    upper = ("3", "4", "5")
    leaders = {r for r, spec in data["roles"].items() if spec.get("leads_team")}
    for school in data["schools"]:
        grades = [str(g) for g in school.get("grades", [])]
        # a team per grade, in grade order, as today's staffing and `simulate new` make them
        per_grade = [t for t in school.get("teams", []) for _ in range(t["count"])]
        one_teacher = not any(
            leaders & set(t["members"]) or t["shares_students"] for t in per_grade
        )
        if not set(upper) <= set(grades) or len(per_grade) != len(grades) or not one_teacher:
            raise Refused(
                "it needs one one-teacher team per grade, grades 3 to 5 among them, as today's "
                "staffing has"
            )
        made: list[Data] = []
        for grade, team in zip(grades, per_grade, strict=True):
            rooms = team["classrooms"]
            if grade in upper:
                if not 2 <= rooms <= MOST_CLASSROOMS_LED:
                    raise Refused(
                        f"an MCL leads 2 to {MOST_CLASSROOMS_LED} classrooms, not {rooms}"
                    )
                team = {
                    "name": "MCL team (grades 3-5)",
                    "count": 1,
                    "classrooms": rooms,
                    "members": {"mcl": 1, "team_teacher": rooms},
                    "shares_students": True,
                }
            if made and made[-1] | {"count": 0} == team | {"count": 0}:
                made[-1]["count"] += 1  # the same team as the grade before: one entry
            else:
                made.append({**team, "count": 1})
        school["teams"] = made
    teams = _bundled("mcl_teams")
    for role in ("mcl", "team_teacher"):
        _bring(data, role, "mcl_teams")
    plans = data.setdefault("coaching", [])
    if not any(p["coach"] == "mcl" for p in plans):
        plans.insert(0, copy.deepcopy(next(p for p in teams["coaching"] if p["coach"] == "mcl")))
    for plan in plans:  # whoever coached the teachers school-wide coaches the new roles too
        if plan["coach"] != "mcl" and plan.get("scope") == "school":
            plan["coachees"] += [r for r in ("mcl", "team_teacher") if r not in plan["coachees"]]
    coverage = data.setdefault("coverage", {})
    coverage["needs_cover"] = [*coverage.get("needs_cover", []), "team_teacher"]
    coverage["cascade"] = ["mcl", *[r for r in coverage.get("cascade", []) if r != "mcl"]]
    subs = data.setdefault("substitutes", {})
    subs["fill_priority"] = [*subs.get("fill_priority", []), "team_teacher"]
    return (
        "grades K-2 keep one teacher per classroom; grades 3-5 become three MCL teams (an MCL "
        "and a team teacher per classroom, coaching twice a week), at mcl_teams.yaml's pay; "
        "its one-off training costs are not added"
    )


def _led_teams(data: Data) -> list[tuple[Data, Data]]:
    leaders = {r for r, spec in data["roles"].items() if spec.get("leads_team")}
    found = [
        (s, t) for s in data["schools"] for t in s.get("teams", []) if leaders & set(t["members"])
    ]
    if not found:
        raise Refused("no team has a leader (an MCL) whose caseload could change")
    return found


def _caseload(data: Data, step: int) -> str:
    said = []
    for school, team in _led_teams(data):
        role = _homeroom_role(data, team)
        rooms = team["classrooms"]
        if team["members"][role] != rooms:
            raise Refused(f"team '{team['name']}' does not have one homeroom teacher a classroom")
        total = team["count"] * rooms
        # the number of teams nearest to teams of the new size, the classrooms shared out
        # among them as evenly as they go
        count = max(1, round(total / (rooms + step)))
        size, extra = divmod(total, count)
        if count == team["count"] or size < 2 or size + (extra > 0) > MOST_CLASSROOMS_LED:
            raise Refused(
                f"{total} classrooms make no other number of teams near {rooms + step} "
                f"classrooms each (an MCL leads 2 to {MOST_CLASSROOMS_LED})"
            )
        shapes = [(count - extra, size), (extra, size + 1)]
        made = [
            copy.deepcopy(team)
            | {"count": n, "classrooms": k, "members": {**team["members"], role: k}}
            for n, k in shapes
            if n
        ]
        at = school["teams"].index(team)
        school["teams"][at : at + 1] = made
        said.append(
            " and ".join(_teams(n, k) for n, k in shapes if n)
            + f" instead of {_teams(team['count'], rooms)}"
        )
    return "; ".join(said)


def _teams(count: int, classrooms: int) -> str:
    return f"{count} team{'s' if count != 1 else ''} of {classrooms} classrooms"


def caseload_down(data: Data) -> str:
    return _caseload(data, -1)


def caseload_up(data: Data) -> str:
    return _caseload(data, +1)


COACH = "building_coach"  # the bundled scenarios' name for it, which `simulate new` keeps


def _building_coaches(data: Data, step: int) -> str:
    """One building coach more (step 1) or fewer (-1) in every school, on its staff (so paid
    like the others); a school-wide plan shares the school's coachees out among its building
    coaches (engine/modules/coaching.py), so each coaches fewer or more."""
    plans = [
        p for p in data.get("coaching", []) if p["coach"] == COACH and p.get("scope") == "school"
    ]
    if not plans:
        raise Refused("no building coach observes teachers school-wide, so no caseload to share")
    coachees = {r for p in plans for r in p["coachees"]}
    said = []
    for school in data["schools"]:
        staff = school.setdefault("staff", {})
        before = staff.get(COACH, 0)
        now = before + step
        if now < 1:
            raise Refused(
                f"{school['name']} has only one building coach; without it no one would coach its "
                "teachers school-wide"
                if before
                else f"{school['name']} has no building coach to take away"
            )
        staff[COACH] = now
        teachers = sum(n for r, n in staff.items() if r in coachees) + sum(
            t.get("count", 1) * n
            for t in school.get("teams", [])
            for r, n in t["members"].items()
            if r in coachees
        )
        was = f"{teachers / before:.0f}" if before else "none"
        said.append(
            f"{school['name']}: {now} building coach{'es' if now > 1 else ''} for {teachers} "
            f"teachers, about {teachers / now:.0f} each instead of {was}"
        )
    return "; ".join(said)


def building_coach_up(data: Data) -> str:
    return _building_coaches(data, +1)


def building_coach_down(data: Data) -> str:
    return _building_coaches(data, -1)


LEVERS = {
    lever.name: lever
    for lever in (
        Lever(
            "tutor_per_team",
            "Add a tutor to every team",
            "a tutor (mcl_residents_tutors.yaml's: small groups all day) joins each team",
            tutor_per_team,
        ),
        Lever(
            "class_size_plus_two",
            "Raise class size by two",
            "fewer classrooms for the same students, each team losing a homeroom teacher in turn",
            class_size_plus_two,
        ),
        Lever(
            "grades_3_5_mcl",
            "Turn grades 3–5 into MCL teams",
            "three grade teams become MCL teams; grades K-2 keep one teacher per classroom",
            grades_3_5_to_mcl,
        ),
        Lever(
            "resident_per_team",
            "Add a resident to every team",
            "a paid resident (mcl_residents_tutors.yaml's) joins each team, coached by its leader",
            resident_per_team,
        ),
        Lever(
            "caseload_down",
            "MCLs lead one classroom fewer",
            "smaller teams, so more MCLs, each coaching fewer teachers",
            caseload_down,
        ),
        Lever(
            "caseload_up",
            "MCLs lead one classroom more",
            "larger teams, so fewer MCLs, each coaching more teachers",
            caseload_up,
        ),
        Lever(
            "building_coach_up",
            "Add a building coach",
            "one more building coach in each school; its coaches share the teachers, so each "
            "coaches fewer (two coaches for 24 teachers coach 12 each)",
            building_coach_up,
            period_day=True,
        ),
        Lever(
            "building_coach_down",
            "One building coach fewer",
            "one building coach fewer in each school; the others take on its teachers",
            building_coach_down,
            period_day=True,
        ),
    )
}
