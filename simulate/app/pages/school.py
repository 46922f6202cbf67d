"""My school (/new): a school's few figures and the arrangements to try, made into scenarios
by `simulate new`'s new_scenario."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from simulate.app.checks import from_error, readable
from simulate.app.manage import add
from simulate.app.site import Site, number, site
from simulate.schema.errors import InputError

if TYPE_CHECKING:
    from simulate.schema.new import NewScenario

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
    "teacher_salary": "",
    "benefits_rate": "",
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
    "budget.benefits_rate": "benefits_rate",
    "benefits_rate": "benefits_rate",
    "schools[0].grades": "grades",
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
    from simulate.schema.new import arrangements

    today = load_scenario(bundled.path(bundled.TODAY)).schools[0]
    return site(request).page(
        request,
        "new.html",
        status,
        arrangements=[(stem, bundled.titles()[stem]) for stem in arrangements()],
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
    return RedirectResponse(f"/?notice=Created: {', '.join(made)}", status_code=303)


async def check(request: Request) -> Response:
    """The form checked as the planner types (an htmx fragment): every problem at once."""
    sent = await request.form()
    values = {k: v for k, v in sent.items() if isinstance(v, str)}
    chosen = [str(a) for a in sent.getlist("arrangement")]
    errors = await run_in_threadpool(problems, values, chosen)
    return site(request).page(request, "new_checks.html", errors=errors, keys=KEYS, oob=True)


KEYS = [
    "name",
    "enrollment",
    "classrooms",
    "grades",
    "tiers",
    "teacher_salary",
    "benefits_rate",
    "arrangement",
]
NEUTRAL = {  # what a field with a problem is taken as while the others are checked
    "tiers": {k: v for k, v in DEFAULTS.items() if k.startswith("tier_")},
    "teacher_salary": {"teacher_salary": ""},
    "benefits_rate": {"benefits_rate": ""},
    **{key: {key: DEFAULTS[key]} for key in ("name", "enrollment", "classrooms", "grades")},
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
        except InputError as err:
            key = FIELDS.get(err.field or "", "general")
            errors.setdefault("general", readable(err, "your school"))
            if key in errors:
                return errors
            errors[key] = from_error(err).text
            if key not in NEUTRAL:
                return errors
            values |= NEUTRAL[key]


def make_schools(s: Site, values: dict[str, str], chosen: list[str]) -> list[str]:
    """One scenario per chosen arrangement, all or none; their names."""
    names = []
    for scenario in scenarios(values, chosen):
        slug = add(s.ws, scenario.yaml(), scenario.scenario.name)
        names.append(s.ws.load(slug)[1].name)
    return names


def scenarios(values: dict[str, str], chosen: list[str]) -> list[NewScenario]:
    """The school of the form in each chosen arrangement; InputError for the first problem."""
    from simulate.schema.new import MySchool, new_scenario

    if not chosen:
        raise InputError(None, "arrangement", "choose at least one arrangement")
    tiers = {}
    for k in range(4):
        name = values.get(f"tier_name_{k}", "").strip()
        if name:
            tiers[name] = number(values.get(f"tier_share_{k}", ""), "need_tiers", float)
    salary = values.get("teacher_salary", "").strip()
    benefits = values.get("benefits_rate", "").strip()
    school = MySchool(
        enrollment=number(values.get("enrollment", ""), "enrollment", int),
        classrooms=number(values.get("classrooms", ""), "classrooms", int),
        name=values.get("name", "").strip() or "My school",
        grades=[g.strip() for g in values.get("grades", "").split(",") if g.strip()] or None,
        tiers=tiers or None,
        teacher_salary=Decimal(str(number(salary, "teacher_salary", float))) if salary else None,
        benefits_rate=number(benefits, "benefits_rate", float) if benefits else None,
    )
    return [new_scenario(school, arrangement) for arrangement in chosen]


ROUTES = [
    Route("/new", form, methods=["GET"]),
    Route("/new", create, methods=["POST"]),
    Route("/new/check", check, methods=["POST"]),
]
