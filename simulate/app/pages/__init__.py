"""The app's pages, one module per page or small group of pages, each listing its ROUTES.

home: the workspace's scenarios and runs, bundled copies, uploads; school: "my school" (/new);
scenario: a scenario's editor, its checks and downloads; manage: rename, duplicate, delete
and restore scenarios; levers: a scenario's levers and their effects; compare: the
comparison form; budget: the budget form; runs: a run's page, progress and files.
"""

from starlette.routing import BaseRoute

from simulate.app.pages import budget, compare, home, levers, manage, runs, scenario, school

ROUTES: list[BaseRoute] = [
    *home.ROUTES,
    *school.ROUTES,
    *scenario.ROUTES,
    *manage.ROUTES,
    *compare.ROUTES,
    *levers.ROUTES,
    *budget.ROUTES,
    *runs.ROUTES,
]
