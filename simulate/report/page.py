"""The comparison report: the page shell around a header and the sections of SECTIONS."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from simulate.output import write_text

from .context import Page
from .kit import esc, plural, section
from .sections import SECTIONS
from .sections.summary import takeaways
from .shell import document

if TYPE_CHECKING:
    from simulate.study.compare import Comparison


def write_report(comparison: Comparison, path: Path) -> Path:
    """Write the report to `path` (atomically, like every output)."""
    return write_text(path, render(comparison))


def render(comparison: Comparison) -> str:
    """The whole report as one HTML string."""
    page = Page(comparison)
    sections = [s for s in SECTIONS if s.shown is None or s.shown(page)]
    body = "\n".join(section(s.anchor, s.title, s.lead, s.content(page)) for s in sections)
    return document(
        "Staffing arrangements compared: " + ", ".join(comparison.names),
        [(s.anchor, s.link) for s in sections],
        header(page),
        body,
    )


def header(page: Page) -> str:
    """The page's title, a card per scenario, and the takeaways."""
    c = page.c
    cards = []
    for result in c.results:
        s = result.scenario
        name = s.name
        schools = sum(school.copies for school in s.schools)
        badge = '<span class="badge">baseline</span>' if name == c.baseline else ""
        cards.append(
            f'<div class="card" style="border-top-color:{page.colors[name]}">'
            f"<h3>{esc(name)} {badge}</h3><p>{esc(s.description.strip())}</p>"
            f'<p class="meta">{s.enrollment:,} students · {plural(schools, "school")}'
            "</p></div>"
        )
    if c.schools_differ is None:
        lead = (
            f"{len(c.names)} arrangements simulated over the same {c.replications} school "
            f"years (seed {c.seed}), with the same students, absences and closures in each. "
            f"Differences are shown against <strong>{esc(c.baseline)}</strong>."
        )
    else:
        lead = (
            f"{len(c.names)} scenarios simulated over {c.replications} school years each "
            f"(seed {c.seed}). <strong>They describe different schools, so their students "
            f"differ</strong> ({esc(c.schools_differ.path)}: "
            f"{esc(c.schools_differ.other_value)} in {esc(c.schools_differ.other)}, "
            f"{esc(c.schools_differ.first_value)} in {esc(c.schools_differ.first)}). Only "
            "per-pupil, per-student and per-teacher figures are compared with "
            f"<strong>{esc(c.baseline)}</strong>; whole-school totals are shown for each "
            "scenario but not differenced."
        )
    return (
        "<header><h1>Staffing arrangements compared</h1>"
        f'<p class="lead">{lead}</p>'
        f'<div class="cards">{"".join(cards)}</div>'
        f"{takeaways(page)}</header>"
    )
