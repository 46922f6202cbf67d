"""The pieces of a metric cell: a figure's 95% interval and its difference from the baseline."""

from __future__ import annotations

import math

from simulate.measures.formats import fmt, fmt_diff

from .charts import Interval
from .figures import Row


def figure(text: str) -> str:
    """A figure kept on one line, so that its sign never wraps away from its digits."""
    return f'<span class="n">{text}</span>'


def clear(diff: Interval, kind: str) -> bool:
    """A difference worth a reader's attention: it does not round to zero as shown, and its
    95% interval excludes zero (a NaN bound never does)."""
    mean, low, high = diff
    return fmt_diff(mean, kind)[0] in "+−" and (low > 0 or high < 0)


def interval_html(value: Interval, kind: str) -> str:
    """The 95% interval under a figure; none when both ends read the same."""
    mean, low, high = value
    if math.isnan(low):
        return ""
    # the t-interval may cross 0 or 100%, where these figures cannot go: show it cut there
    low = max(low, 0.0) if mean >= 0 else low
    high = min(high, 1.0) if kind == "pct" and mean <= 1 else high
    if fmt(low, kind) == fmt(high, kind):
        return ""
    return f'<div class="ci">{figure(fmt(low, kind))} – {figure(fmt(high, kind))}</div>'


def difference_html(diff: Interval, row: Row) -> str:
    """'vs baseline: +0.12' and its interval; green or red when clearly better or worse."""
    mean, low, high = diff
    tone = ""
    if row.better and clear(diff, row.kind):
        tone = "good" if (mean > 0) == (row.better > 0) else "bad"
    span = ""
    if not math.isnan(low):
        if row.kind == "pct":  # a difference of two shares lies within ±100 points
            low, high = max(low, -1.0), min(high, 1.0)
        low_shown, high_shown = fmt_diff(low, row.kind), fmt_diff(high, row.kind)
        if low_shown != high_shown:
            span = f"<br><span>{figure(low_shown)} to {figure(high_shown)}</span>"
    return f'<div class="d {tone}">vs baseline: {figure(fmt_diff(mean, row.kind))}{span}</div>'
