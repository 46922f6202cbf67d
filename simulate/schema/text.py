"""User text (names, titles, descriptions): refused at validation when it holds control
characters, which would break a workbook, smuggle an escape sequence onto a terminal, or
hide a NUL in a CSV."""

from __future__ import annotations

import re
import unicodedata

# Characters that reorder text on display ("Trojan Source"): a name could show as another.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Every character refused or allowed below, found in one scan: control characters (Unicode
# category Cc), lone surrogates (Cs) and the bidi controls. Text with none but those allowed
# is accepted at once.
_SUSPECT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    """Accept text without control characters (names, titles); raise ValueError otherwise."""
    return _refuse_controls(text, allowed="")


def paragraphs(text: str) -> str:
    """Accept text whose only control characters are line breaks and tabs (descriptions)."""
    return _refuse_controls(text, allowed="\n\t\r")


def _refuse_controls(text: str, allowed: str) -> str:
    if all(char in allowed for char in _SUSPECT.findall(text)):
        return text
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
