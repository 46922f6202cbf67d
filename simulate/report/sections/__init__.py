"""The sections of the comparison report, in page order: this one table drives both the page
body and its table of contents. Each module builds one section's content from a Page."""

from . import (
    assumptions,
    budget,
    coaching,
    coverage,
    learning,
    method,
    relationships,
    small_groups,
    summary,
)

SECTIONS = (
    summary.SECTION,
    coaching.SECTION,
    small_groups.SECTION,
    relationships.SECTION,
    coverage.SECTION,
    budget.SECTION,
    learning.SECTION,
    assumptions.SECTION,
    method.SECTION,
)

__all__ = ["SECTIONS"]
