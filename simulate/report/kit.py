"""The small HTML kit both report pages are built from: escaping, tables and sections.

Every user string goes through `esc` (markup) or `script_json` (JSON inside <script>); there is
no other escaping path.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable
from typing import Any


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def script_json(data: Any) -> str:
    """JSON that is safe inside <script>: no <, > or & survive to close the element."""
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def raw(value: float) -> str:
    """Exact float for data attributes (the same digits as summary.csv)."""
    return "" if math.isnan(value) else repr(float(value))


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table(classes: str, head: str, rows: Iterable[str], table_id: str = "") -> str:
    """A table with one header row (`head`: its cells) and the given body rows."""
    id_attr = f' id="{table_id}"' if table_id else ""
    class_attr = f' class="{classes}"' if classes else ""
    return (
        f"<table{class_attr}{id_attr}><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def section(anchor: str, title: str, lead: str, content: str) -> str:
    """One section of a page; `lead` is trusted markup (escape user text before)."""
    lead_html = f'<p class="lead">{lead}</p>' if lead else ""
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>{lead_html}{content}</section>'


def toc(links: Iterable[tuple[str, str]]) -> str:
    """The table of contents: one link per (anchor, text)."""
    return "".join(f'<a href="#{esc(anchor)}">{esc(text)}</a>' for anchor, text in links)
