"""The executive summary: the key figures of every scenario, and the takeaways above them."""

from __future__ import annotations

from simulate.measures.formats import fmt_diff

from ..cells import clear
from ..context import Page, Section
from ..figures import KEY_ROWS
from ..kit import esc

TAKEAWAY_ROWS = [  # the key figures "At a glance" speaks of, in KEY_ROWS order
    row
    for row in KEY_ROWS
    if (row.metric, row.statistic)
    in {
        ("budget.per_pupil", "value"),
        ("coaching.observations_per_teacher_week", "realized"),
        ("small_group.minutes_per_student_week", "mean"),
        ("small_group.target_delivered_share", "value"),
        ("class_size.students_per_homeroom", "mean"),
        ("relationships.adults_per_student", "mean"),
        ("ledger.lost_share", "lost"),
    }
]


def takeaways(page: Page) -> str:
    """One sentence per arrangement with the differences whose interval excludes zero."""
    c = page.c
    items = []
    for name in page.names:
        if name == c.baseline:
            continue
        parts = []
        for row in TAKEAWAY_ROWS:
            diff = c.difference(name, *row.key)
            if diff is not None and clear(diff, row.kind):
                parts.append(f"<b>{fmt_diff(diff[0], row.kind)}</b> {esc(row.label.lower())}")
        text = "; ".join(parts) if parts else "no clear difference on the key measures"
        items.append(
            f'<li><span class="swatch" style="background:{page.colors[name]}"></span>'
            f"<strong>{esc(name)}</strong>: {text}.</li>"
        )
    if not items:
        return ""
    return (
        '<div class="takeaways"><h2>At a glance</h2><p class="note">Compared with '
        f"{esc(c.baseline)}; only differences whose 95% interval excludes zero are listed."
        "</p>"
        f"<ul>{''.join(items)}</ul></div>"
    )


def content(page: Page) -> str:
    return page.metric_table(KEY_ROWS, "summary-table")


SECTION = Section(
    "summary",
    "Summary",
    "Executive summary",
    "Each figure is the mean over the simulated years; the grey range under it is the "
    "95% interval. The line below is the difference from the baseline: green when it is "
    "clearly better, red when clearly worse, grey when the interval includes zero.",
    content,
)
