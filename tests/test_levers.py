"""Levers (simulate.schema.levers): each a named change to a scenario's data, defined once,
checked here on every bundled arrangement, and the app's view of them (a quick answer, a
refined one, a set of levers saved as a scenario)."""

from __future__ import annotations

import copy
import re
import time
from pathlib import Path

import pytest
from test_app import LINCOLN, client, slugs, wait_for

import simulate
from simulate.schema import bundled
from simulate.schema.errors import InputError
from simulate.schema.levers import LEVERS, pull, refusals
from simulate.schema.loading import load_data
from simulate.schema.model import Scenario


def positions(scenario: Scenario, role: str) -> int:
    return sum(
        s.copies * (s.staff.get(role, 0) + sum(t.count * t.members.get(role, 0) for t in s.teams))
        for s in scenario.schools
    )


def teams(scenario: Scenario) -> int:
    return sum(s.copies * t.count for s in scenario.schools for t in s.teams)


@pytest.mark.slow
@pytest.mark.parametrize("stem", bundled.names())
def test_every_lever_applies_or_says_why_and_leaves_its_input_alone(stem: str) -> None:
    data = load_data(bundled.path(stem))
    kept = copy.deepcopy(data)
    why = refusals(data)
    assert set(why) == set(LEVERS)
    for name, reason in why.items():
        if reason is None:
            _, scenario, said = pull(data, [name])
            assert len(said) == 1 and said[0].startswith(LEVERS[name].title + ": ")
            assert scenario.enrollment == simulate.load_scenario(bundled.path(stem)).enrollment
        else:
            assert reason and "." not in reason.split()[0]  # words, not a field path
            with pytest.raises(InputError, match=re.escape(LEVERS[name].title)):
                pull(data, [name])
    assert data == kept


def test_a_tutor_and_a_resident_join_every_team() -> None:
    data = load_data(bundled.path("mcl_teams"))
    before = simulate.load_scenario(bundled.path("mcl_teams"))
    _, after, _ = pull(data, ["tutor_per_team", "resident_per_team"])
    assert positions(after, "tutor") == positions(after, "resident") == teams(before) == 6
    assert (
        after.roles["tutor"]
        == simulate.load_scenario(bundled.path("mcl_residents_tutors")).roles["tutor"]
    )
    mcl_plan = next(p for p in after.coaching if p.coach == "mcl")
    assert "resident" in mcl_plan.coachees  # a resident is coached by the team's leader


@pytest.mark.parametrize("stem", ["traditional", "mcl_teams", "mcl_within_budget"])
def test_class_size_rises_by_two_with_one_homeroom_teacher_a_classroom(stem: str) -> None:
    data = load_data(bundled.path(stem))
    before = simulate.load_scenario(bundled.path(stem)).schools[0]
    _, after, _ = pull(data, ["class_size_plus_two"])
    school = after.schools[0]
    size = before.enrollment / before.classrooms
    assert school.classrooms == round(before.enrollment / (size + 2))
    assert sum(t.count * t.classrooms for t in school.teams) == school.classrooms
    homeroom = [r for r, spec in after.roles.items() if spec.homeroom]
    held = sum(t.count * t.members.get(r, 0) for t in school.teams for r in homeroom)
    was = sum(t.count * t.members.get(r, 0) for t in before.teams for r in homeroom)
    assert held == was - (before.classrooms - school.classrooms)


def test_grades_3_to_5_become_mcl_teams_and_k_2_keep_their_teachers() -> None:
    data = load_data(bundled.path("traditional"))
    _, after, _ = pull(data, ["grades_3_5_mcl"])
    school = after.schools[0]
    shapes = sorted((t.count, t.classrooms, tuple(sorted(t.members.items()))) for t in school.teams)
    assert shapes == [(3, 4, (("mcl", 1), ("team_teacher", 4))), (3, 4, (("teacher", 4),))]
    assert school.classrooms == 24
    assert after.roles["mcl"] == simulate.load_scenario(bundled.path("mcl_teams")).roles["mcl"]
    assert any(p.coach == "mcl" and p.coachees == ["team_teacher"] for p in after.coaching)
    assert "team_teacher" in after.coverage.needs_cover and after.coverage.cascade[0] == "mcl"


@pytest.mark.parametrize(("lever", "more"), [("caseload_down", True), ("caseload_up", False)])
def test_a_leaders_caseload_changes_the_number_of_teams_not_the_classrooms(
    lever: str, more: bool
) -> None:
    data = load_data(bundled.path("mcl_teams"))
    before = simulate.load_scenario(bundled.path("mcl_teams"))
    _, after, _ = pull(data, [lever])
    school = after.schools[0]
    assert school.classrooms == 24 == sum(t.count * t.classrooms for t in school.teams)
    assert all(2 <= t.classrooms <= 8 for t in school.teams)
    assert all(t.members["team_teacher"] == t.classrooms for t in school.teams)
    assert (positions(after, "mcl") > positions(before, "mcl")) == more


def with_a_second_building_coach() -> tuple[Scenario, Scenario, list[str]]:
    before = simulate.load_scenario(bundled.path("traditional"))
    _, after, said = pull(load_data(bundled.path("traditional")), ["building_coach_up"])
    return before, after, said


def test_a_building_coach_added_is_paid_for_and_gives_feedback_on_time() -> None:
    """traditional.yaml with a second building coach: cost per pupil rises by one coach's pay
    and benefits over 600 students (the same students, absences and substitutes otherwise);
    the teachers' observations due stay as they were, and the coaches, 12 teachers each,
    never run out of time and give feedback on time (one coach for 24 falls behind)."""
    from simulate.study.effects import effects

    before, after, said = with_a_second_building_coach()
    assert positions(after, "building_coach") == positions(before, "building_coach") + 1 == 2
    assert said == [
        "Add a building coach: Maple Elementary: 2 building coaches for 24 teachers, about 12 "
        "each instead of 24"
    ]
    coach = before.roles["building_coach"]
    pay = float(coach.salary + coach.supplement) * (1 + before.budget.benefits_rate)
    on_time = []
    for seed in range(3):
        one, two = simulate.run(before, seed=seed), simulate.run(after, seed=seed)
        assert two.value("budget.per_pupil", "value") - one.value(
            "budget.per_pupil", "value"
        ) == pytest.approx(pay / 600, abs=0.01)
        planned = ("coaching.observations_per_teacher_week", "planned")
        assert two.value(*planned) == one.value(*planned)
        lost = two.ledger[(two.ledger.activity == "observation") & (two.ledger.outcome == "lost")]
        assert "capacity" not in set(lost.detail)
        figures = {e.label: e for e in effects(one, two)}  # as the levers page shows them
        on_time.append(figures["Feedback given on time"].difference)
    assert min(on_time) >= 0 and sum(on_time) / len(on_time) > 0.1
    data = load_data(bundled.path("traditional"))
    back, _, _ = pull(pull(data, ["building_coach_up"])[0], ["building_coach_down"])
    assert back == data


@pytest.mark.slow
def test_a_building_coach_added_raises_the_observations_made() -> None:
    """Over 20 years (the levers page's refined answer) the two coaches observe more: the
    one coach's observations lost for want of time are made. A small rise (about 0.004 a
    teacher-week): most observations missed are missed for absences and testing."""
    from simulate.study.compare import simulate_years

    before, after, _ = with_a_second_building_coach()
    one, two = simulate_years([before, after], 0, 20, workers=1)
    realized = ("coaching.observations_per_teacher_week", "realized")
    assert two.value(*realized) > one.value(*realized)
    assert two.value("coaching.feedback_on_time_share", "value") > 0.95


def test_the_building_coach_levers_refuse_where_they_cannot_apply() -> None:
    data = load_data(bundled.path("traditional"))
    with pytest.raises(InputError, match="has only one building coach; without it no one"):
        pull(data, ["building_coach_down"])
    data["coaching"] = [p for p in data["coaching"] if p["coach"] != "building_coach"]
    for lever in ("building_coach_up", "building_coach_down"):
        with pytest.raises(InputError, match="no building coach observes teachers school-wide"):
            pull(data, [lever])


def test_an_unknown_lever_and_an_impossible_set_are_refused_in_words() -> None:
    data = load_data(bundled.path("traditional"))
    with pytest.raises(InputError, match="'tutors' is not a lever"):
        pull(data, ["tutors"])
    with pytest.raises(InputError, match="no team has a leader"):
        pull(data, ["caseload_up"])
    _, combined, _ = pull(data, ["grades_3_5_mcl", "caseload_down"])  # MCL teams made first
    assert positions(combined, "mcl") == 4  # 12 classrooms in teams of 3


@pytest.mark.slow
def test_the_app_tries_levers_quickly_then_refines_and_saves_them(tmp_path: Path) -> None:
    c = client(tmp_path / "ws")
    assert c.post("/new", data=LINCOLN).status_code == 303
    teams_slug, today = slugs(c)
    page = c.get(f"/levers/{today}").text
    assert 'value="tutor_per_team"' in page and "Not for this scenario" in page
    quick = c.post(f"/levers/{today}/effects", data={"lever": ["tutor_per_team"]}).text
    assert "A first look from 2 simulated years" in quick and 'hx-trigger="every 1s"' in quick
    assert "Small-group minutes per student per week" in quick
    deadline = time.monotonic() + 240
    refined = quick
    while "From 20 simulated years" not in refined and time.monotonic() < deadline:
        time.sleep(0.5)
        refined = c.get(f"/levers/{today}/effects?lever=tutor_per_team").text
    assert "From 20 simulated years" in refined and "every 1s" not in refined
    # the refined answer is the one a 20-year run of both scenarios gives
    from simulate.study.compare import simulate_years

    data, before = c.app.state.site.ws.load(today)  # type: ignore[attr-defined]
    _, after, _ = pull(data, ["tutor_per_team"])
    base, tried = simulate_years([before, after], 0, 20, workers=1)
    shown = re.search(
        r"per student per week<small[^/]*</small></th><td[^>]*><span[^>]*>(\d+)<", refined
    )
    assert shown and int(shown.group(1)) == round(
        base.value("small_group.minutes_per_student_week")
    )
    assert tried.value("small_group.minutes_per_student_week") > base.value(
        "small_group.minutes_per_student_week"
    )
    refused = c.post(f"/levers/{today}/effects", data={"lever": ["caseload_up"]}).text
    assert 'id="levers-error"' in refused and "no team has a leader" in refused
    assert 'value="building_coach_up"' in page and "has only one building coach" in page
    coach = c.post(f"/levers/{today}/effects", data={"lever": ["building_coach_up"]}).text
    assert "2 building coaches for 24 teachers" in coach and "Feedback given on time" in coach

    saved = c.post(
        f"/levers/{today}/save", data={"lever": ["tutor_per_team"], "name": "Lincoln + tutors"}
    )
    assert saved.status_code == 303
    new = saved.headers["location"].split("/scenarios/")[1].split("?")[0]
    loaded = simulate.load_scenario(tmp_path / "ws" / "scenarios" / f"{new}.yaml")
    assert loaded == after.model_copy(update={"name": "Lincoln + tutors"})
    text = (tmp_path / "ws" / "scenarios" / f"{new}.yaml").read_text(encoding="utf-8")
    assert "Add a tutor to every team: 4 tutor positions added" in text
    assert teams_slug in slugs(c)
    # the saved levers compared with the scenario they came from over 21 years: years 0-19
    # were simulated for the refined answer and are kept, so only year 20 of each is run
    while "From 20 simulated years" not in coach and time.monotonic() < deadline:
        time.sleep(0.5)  # the building coach's refinement, the last work in the background
        coach = c.get(f"/levers/{today}/effects?lever=building_coach_up").text
    years = c.app.state.site.years  # type: ignore[attr-defined]
    held = len(years)
    form = {"scenario": [today, new], "replications": "21", "seed": "0"}
    started = c.post("/compare", data=form)
    assert started.status_code == 303
    assert wait_for(c, started.headers["location"].rsplit("/", 1)[1])["status"] == "done"
    assert held >= 60  # before, with tutors, with a second coach: 20 years each
    assert len(years) == held + 2


@pytest.mark.slow
def test_a_newer_set_of_levers_is_refined_first_and_an_older_one_when_looked_at_again(
    tmp_path: Path,
) -> None:
    c = client(tmp_path / "ws")
    assert c.post("/new", data=LINCOLN).status_code == 303
    _, today = slugs(c)

    def refined(lever: str, wait: float) -> bool:
        deadline = time.monotonic() + wait
        while True:
            page = c.get(f"/levers/{today}/effects?lever={lever}").text
            if "From 20 simulated years" in page or time.monotonic() > deadline:
                return "From 20 simulated years" in page
            time.sleep(0.5)

    c.post(f"/levers/{today}/effects", data={"lever": ["tutor_per_team"]})
    c.post(f"/levers/{today}/effects", data={"lever": ["resident_per_team"]})  # stops the first
    assert refined("resident_per_team", 240)
    assert refined("tutor_per_team", 240)  # looked at again: refined in its turn


@pytest.mark.parametrize("stem", ["middle_mcl_teams", "high_tutoring"])
def test_a_school_with_a_period_day_takes_the_building_coach_levers_only(stem: str) -> None:
    """The other levers speak of homerooms and classrooms and refuse in words; a building
    coach's caseload is the same question in a middle or high school."""
    why = refusals(load_data(bundled.path(stem)))
    homerooms = {name: reason for name, reason in why.items() if not name.startswith("building")}
    assert all(reason is not None and "period day" in reason for reason in homerooms.values())
    assert why["building_coach_up"] is None
    assert why["building_coach_down"] is not None and "only one building coach" in str(
        why["building_coach_down"]
    )
    data, after, said = pull(load_data(bundled.path(stem)), ["building_coach_up"])
    assert after.schools[0].staff["building_coach"] == 2
    assert "2 building coaches for" in said[0]


def test_a_second_building_coach_brings_a_middle_schools_feedback_back_on_time() -> None:
    """The middle school's one coach has more teachers than its hour a day holds, so
    feedback comes late; two coaches share them and it comes on time."""
    data = load_data(bundled.path("middle_departmentalized"))
    _, two, _ = pull(data, ["building_coach_up"])
    one = simulate.run(simulate.load_scenario(bundled.path("middle_departmentalized")), seed=0)
    shared = simulate.run(two, seed=0)
    on_time = "coaching.feedback_on_time_share"
    assert shared.value(on_time, "value") > one.value(on_time, "value") + 0.2
    assert shared.value("budget.per_pupil", "value") > one.value("budget.per_pupil", "value")
    from simulate.study.effects import effects

    shown = [e.label for e in effects(one, shared)]  # as the levers page shows them
    assert "Feedback given on time" in shown
    assert not [label for label in shown if "mall-group" in label or "dosage" in label]


@pytest.mark.slow
def test_the_levers_page_says_what_a_middle_schools_estimate_leaves_out(tmp_path: Path) -> None:
    """A building coach changes coaching, which a middle school's learning estimate does not
    count: the page says so beside the estimate, and says nothing of it for an elementary one."""
    from simulate.learning.adapter import NOT_LINKED

    c = client(tmp_path / "ws")
    raw = bundled.path("middle_departmentalized").read_bytes()
    assert c.post("/upload", files={"file": ("m.yaml", raw, "text/yaml")}).status_code == 303
    (middle,) = slugs(c)
    shown = c.post(f"/levers/{middle}/effects", data={"lever": ["building_coach_up"]}).text
    assert "not a prediction for your school" in shown
    said = NOT_LINKED.split(": ", 1)[1].replace("'", "&#39;")  # as the page escapes it
    assert said in shown
    assert c.post("/new", data=LINCOLN).status_code == 303
    today = next(s for s in slugs(c) if s != middle and "mcl" not in s)
    elementary = c.post(f"/levers/{today}/effects", data={"lever": ["tutor_per_team"]}).text
    assert "not a prediction for your school" in elementary and said not in elementary


def test_grades_3_5_become_mcl_teams_in_a_school_made_by_simulate_new() -> None:
    """`simulate new` writes a team per grade (grade K: 3 classrooms, ..., grade 5: 2), not
    one entry of six equal teams: the lever turns the teams of grades 3-5 into MCL teams of
    their own classrooms, and grades K-2 keep theirs."""
    from simulate.study.new import MySchool, new_scenario

    made = new_scenario(MySchool(enrollment=450, classrooms=[3, 3, 4, 3, 3, 2]), "traditional")
    assert refusals(made.data)["grades_3_5_mcl"] is None
    _, after, _ = pull(copy.deepcopy(made.data), ["grades_3_5_mcl"])
    assert positions(after, "mcl") == 3 and positions(after, "team_teacher") == 3 + 3 + 2
    assert positions(after, "teacher") == 3 + 3 + 4
    assert teams(after) == 6 and after.schools[0].classrooms == 18
