"""My school (/new): a school's few figures and the arrangements to try, made into scenarios
by `simulate new`'s new_scenario."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from simulate.app.checks import from_error, readable
from simulate.app.manage import add
from simulate.app.site import Site, number, site
from simulate.schema.errors import InputError

if TYPE_CHECKING:
    from simulate.study.new import NewScenario

DEFAULTS = {
    "name": "My school",
    "enrollment": "600",
    "classrooms": "24",
    "grades": "K, 1, 2, 3, 4, 5",
    "tier_name_0": "core",
    "tier_share_0": "0.65",
    "tier_name_1": "strategic",
    "tier_share_1": "0.25",
    "tier_name_2": "intensive",
    "tier_share_2": "0.10",
    "tier_name_3": "",
    "tier_share_3": "",
    "pilot_grades": "",
    "buildings": "",
    "district": "",
    "team_size": "",
    "class_size_cap": "",
    "teacher_salary": "",
    "salary_schedule": "",
    "benefits_rate": "",
    "substitute_rate": "",
    "pay_source": "",
    "funding": "",
    "school_source": "",
}
# error field -> the form field it is shown next to
FIELDS = {
    "enrollment": "enrollment",
    "schools[0].enrollment": "enrollment",
    "classrooms": "classrooms",
    "schools[0].classrooms": "classrooms",
    "need_tiers": "tiers",
    "schools[0].need_tiers": "tiers",
    "teacher_salary": "teacher_salary",
    "salary schedule": "salary_schedule",
    "budget.benefits_rate": "benefits_rate",
    "benefits_rate": "benefits_rate",
    "substitutes.daily_rate": "substitute_rate",
    "substitute_rate": "substitute_rate",
    "funding": "funding",
    "pilot_grades": "pilot_grades",
    "buildings": "buildings",
    "team_size": "team_size",
    "class_size_cap": "class_size_cap",
    "schools[0].grades": "grades",
    # the rules of a middle or high school, named as `simulate new`'s options
    "--classrooms": "classrooms",
    "--class-size-cap": "class_size_cap",
    "--pilot-grades": "pilot_grades",
    "--team-size": "team_size",
    "--building": "buildings",
    "--grades": "grades",
    "--enrollment": "enrollment",
    "schools[0].name": "name",
    "name": "name",
    "arrangement": "arrangement",
}


async def form(request: Request) -> Response:
    return school_page(request, 200, DEFAULTS, {})


def school_page(
    request: Request,
    status: int,
    values: dict[str, str],
    errors: dict[str, str],
    chosen: list[str] | None = None,
) -> Response:
    from simulate.schema import bundled
    from simulate.schema.loading import load_scenario
    from simulate.study.new import arrangements

    today = load_scenario(bundled.path(bundled.TODAY)).schools[0]
    elementary = arrangements(secondary=False)
    titles = bundled.titles()
    return site(request).page(
        request,
        "new.html",
        status,
        arrangements=[(stem, titles[stem]) for stem in elementary],
        secondary=[(stem, titles[stem]) for stem in arrangements() if stem not in elementary],
        picked=chosen if chosen is not None else [bundled.TODAY, "mcl_teams"],
        form=values,
        errors=errors,
        keys=KEYS,
        bundled_school=f"{today.enrollment} students in {today.classrooms} classrooms",
    )


async def create(request: Request) -> Response:
    sent = await request.form()
    values = {k: v for k, v in sent.items() if isinstance(v, str)}
    chosen = [str(a) for a in sent.getlist("arrangement")]
    errors = await run_in_threadpool(problems, values, chosen)
    if errors:
        return school_page(request, 400, DEFAULTS | values, errors, chosen)
    made = await run_in_threadpool(make_schools, site(request), values, chosen)
    notice = quote(f"Created: {'; '.join(made)}")
    return RedirectResponse(f"/?notice={notice}", status_code=303)


async def check(request: Request) -> Response:
    """The form checked as the planner types (an htmx fragment): every problem at once."""
    sent = await request.form()
    values = {k: v for k, v in sent.items() if isinstance(v, str)}
    chosen = [str(a) for a in sent.getlist("arrangement")]
    errors = await run_in_threadpool(problems, values, chosen)
    return site(request).page(request, "new_checks.html", errors=errors, keys=KEYS, oob=True)


KEYS = list(dict.fromkeys(FIELDS.values()))  # the fields a message is shown next to
TEXTS = ("pilot_grades", "buildings", "team_size", "class_size_cap", "salary_schedule", "funding")
NEUTRAL = {  # what a field with a problem is taken as while the others are checked
    "tiers": {k: v for k, v in DEFAULTS.items() if k.startswith("tier_")},
    **{key: {key: DEFAULTS[key]} for key in ("name", "enrollment", "classrooms", "grades")},
    **{key: {key: ""} for key in ("teacher_salary", "benefits_rate", "substitute_rate")},
    **{key: {key: ""} for key in TEXTS},
}


def problems(values: dict[str, str], chosen: list[str]) -> dict[str, str]:
    """Every problem of the form at once, each under the field it is shown next to (KEYS;
    'general': the first, as one line). The rules are new_scenario's: a field with a
    problem is taken at its default and the rest checked again, until none is left."""
    errors: dict[str, str] = {}
    values = dict(values)
    while True:
        try:
            scenarios(values, chosen)
            return errors
        except InputError as found:
            key = FIELDS.get(found.field or "", "general")
            err = found
            if found.field and found.field.startswith("--"):  # an option of `simulate new`
                words = found.field[2:].replace("-", " ")
                err = InputError(found.file, words, found.problem, found.allowed, found.line)
            errors.setdefault("general", readable(err, "your school"))
            if key == "general" and str(found.file) in FIELDS:  # a line of a list typed there
                key = FIELDS[str(found.file)]
                err = InputError(None, None, f"{found.field}: {found.problem}", found.allowed)
            if key in errors:
                return errors
            errors[key] = from_error(err).text
            if key not in NEUTRAL:
                return errors
            values |= NEUTRAL[key]


def make_schools(s: Site, values: dict[str, str], chosen: list[str]) -> list[str]:
    """One scenario per chosen arrangement, all or none, each named apart from the
    workspace's others; what each is and what `new` chose."""
    said = []
    for scenario in scenarios(values, chosen):
        slug = add(s.ws, scenario.yaml(), scenario.scenario.name)
        said.append(" ".join([s.ws.load(slug)[1].name + ":", *scenario.chose]))
    return said


def scenarios(values: dict[str, str], chosen: list[str]) -> list[NewScenario]:
    """The school of the form in each chosen arrangement; InputError for the first problem."""
    from simulate.study.new import arrangements, new_scenario

    if not chosen:
        raise InputError(None, "arrangement", "choose at least one arrangement")
    elementary = set(arrangements(secondary=False))
    if len({a in elementary for a in chosen}) > 1:
        raise InputError(
            None,
            "arrangement",
            "mixes elementary arrangements with middle or high school ones, which describe "
            "different schools and do not compare",
            "one kind of school",
        )
    school = my_school(values)
    return [new_scenario(school, arrangement) for arrangement in chosen]


def my_school(values: dict[str, str]) -> Any:
    """The school the form describes (simulate.study.new.MySchool), read as the command line
    reads `simulate new`'s options: money as $58,000, shares as 0.35 or 35%."""
    from simulate.schema.typed import (
        building,
        funding_line,
        salary_schedule,
        typed_money,
        typed_share,
    )
    from simulate.study.new import MySchool

    def text(name: str) -> str:
        return values.get(name, "").strip()

    tiers = {}
    for k in range(4):
        name = text(f"tier_name_{k}")
        if name:
            tiers[name] = number(text(f"tier_share_{k}"), "need_tiers", float)
    rooms = [number(n, "classrooms", int) for n in text("classrooms").split(",") if n.strip()]
    pay_source, school_source = text("pay_source"), text("school_source")
    pay = {  # form field -> the section of the figures it sets
        "teacher_salary": "roles",
        "salary_schedule": "roles",
        "benefits_rate": "budget.benefits_rate",
        "substitute_rate": "substitutes.daily_rate",
    }
    sources = {path: pay_source for name, path in pay.items() if pay_source and text(name)}
    if school_source:
        sources |= {"schools[0].enrollment": school_source}
        sources |= {"schools[0].classrooms": school_source} if rooms else {}
    schedule = text("salary_schedule")
    grades = _words(text("grades"))
    others = [line for line in text("buildings").splitlines() if line.strip()]
    return MySchool(
        enrollment=number(text("enrollment"), "enrollment", int),
        classrooms=(rooms[0] if len(rooms) == 1 else rooms) or None,
        name=text("name") or "My school",
        grades=grades,
        pilot_grades=_words(text("pilot_grades")),
        buildings=[building(line, "buildings", grades) for line in others],
        district=text("district") or None,
        team_size=number(text("team_size"), "team_size", int) if text("team_size") else None,
        class_size_cap=(
            number(text("class_size_cap"), "class_size_cap", int)
            if text("class_size_cap")
            else None
        ),
        tiers=tiers or None,
        teacher_salary=typed_money(text("teacher_salary"), "teacher_salary"),
        salary_schedule=salary_schedule(schedule, "salary schedule") if schedule else None,
        benefits_rate=typed_share(text("benefits_rate"), "benefits_rate"),
        substitute_daily_rate=typed_money(text("substitute_rate"), "substitute_rate"),
        funding=[
            funding_line(line, "funding") for line in text("funding").splitlines() if line.strip()
        ]
        or None,
        sources=sources,
    )


def _words(text: str) -> list[str] | None:
    return [w.strip() for w in text.split(",") if w.strip()] or None


ROUTES = [
    Route("/new", form, methods=["GET"]),
    Route("/new", create, methods=["POST"]),
    Route("/new/check", check, methods=["POST"]),
]
