"""Text for a terminal: names come from files, so escape sequences in them are stripped.

A scenario name or a file name holding an escape sequence could recolour, retitle or clear the
user's terminal; everything the command line prints goes through `clean`.
"""

from __future__ import annotations

import re
import unicodedata

from simulate.schema.text import BIDI_CONTROLS

_SEQUENCES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor movement, clearing
    r"|\x1b[\]PX^_].*?(?:\x07|\x1b\\|$)"  # OSC, DCS, SOS, PM, APC strings (window titles...)
    r"|\x1b.?"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]"  # CSI as one C1 character
    r"|[\x90\x98\x9d\x9e\x9f].*?(?:\x07|\x9c|$)",  # C1 string sequences
    re.DOTALL,
)


def clean(text: str) -> str:
    """The text without escape sequences and control characters (line breaks and tabs stay)."""
    text = _SEQUENCES.sub("", text)
    return "".join(ch for ch in text if ch in "\n\t" or not _hidden(ch))


def _hidden(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cs") or char in BIDI_CONTROLS
