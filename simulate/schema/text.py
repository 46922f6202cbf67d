"""User text (names, titles, descriptions): refused at validation when it holds control
characters, which would break a workbook, smuggle an escape sequence onto a terminal, or
hide a NUL in a CSV. And money as people type it: `$58,000`."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

# Characters that reorder text on display ("Trojan Source"): a name could show as another.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def one_line(text: str) -> str:
    """Accept text without control characters (names, titles); raise ValueError otherwise."""
    return _refuse_controls(text, allowed="")


def paragraphs(text: str) -> str:
    """Accept text whose only control characters are line breaks and tabs (descriptions)."""
    return _refuse_controls(text, allowed="\n\t\r")


def _refuse_controls(text: str, allowed: str) -> str:
    for position, char in enumerate(text):
        if char in allowed:
            continue
        kind = unicodedata.category(char)
        if kind in ("Cc", "Cs") or char in BIDI_CONTROLS:
            what = "a lone surrogate" if kind == "Cs" else "a control character"
            raise ValueError(
                f"contains {what} (U+{ord(char):04X}) at position {position + 1}; "
                "use printable text"
            )
    return text


def money_text(value: object) -> object:
    """Money typed as people write it, for the scenario's money fields: `$58,000` and
    `58,000.50` are 58000 and 58000.50; anything else is left for the field to accept or
    refuse."""
    amount = money(value) if isinstance(value, str) else None
    return str(amount) if amount is not None else value


def money(text: str) -> Decimal | None:
    """An amount typed with or without a dollar sign, spaces, and commas between groups of
    three digits; None when the text is not one."""
    text = text.strip()
    if not _MONEY.fullmatch(text):
        return None
    return Decimal(text.replace("$", "").replace(",", "").replace(" ", ""))


_MONEY = re.compile(r"\$?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d*)?")
