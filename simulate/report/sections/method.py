"""How these numbers were made: replications, common random numbers, intervals, costs."""

from __future__ import annotations

from simulate import __version__

from ..context import Page, Section
from ..kit import esc


def content(page: Page) -> str:
    c = page.c
    return (
        f"<ul><li>Each arrangement was simulated for {c.replications} school years, minute "
        "by minute, with absences, substitutes, coverage, vacancies, closures and testing "
        f"drawn at random. Master seed {c.seed}: anyone can rerun it and get the same "
        "numbers.</li>"
        + (
            "<li>Common random numbers: year <i>k</i> of every arrangement has the same "
            "students, the same closures and the same absence draws, so differences come "
            "from the staffing, not from luck. Differences are computed year by year.</li>"
            if c.same_schools
            else "<li>The scenarios describe different schools, so their students differ: "
            "differences mix the staffing with the schools, and only per-pupil, per-student "
            "and per-teacher figures are differenced (year by year).</li>"
        )
        + "<li>Each figure is the mean across the simulated years; the range is a 95% "
        "t-interval for that mean. It describes simulation noise, not the uncertainty in "
        "the assumptions: change an assumption and rerun to see its effect.</li>"
        "<li>Costs are exact to the cent at the mean substitute days, hourly-staff hours, "
        "vacancies and leavers of the simulated years; their interval is the spread of the "
        "yearly totals.</li>"
        f"<li>Produced by simulate {esc(__version__)}; the same figures are in "
        "summary.csv, differences.csv and budget.xlsx beside this file.</li></ul>"
    )


SECTION = Section("method", "Method", "How these numbers were made", "", content)
