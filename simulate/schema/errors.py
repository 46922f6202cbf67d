"""The one exception users see: bad input, reported with file, field path and what is allowed."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class InputError(Exception):
    """Bad user input. The CLI prints `str(err)` and exits with code 2."""

    def __init__(
        self,
        file: str | None,
        field: str | None,
        problem: str,
        allowed: str | None = None,
        line: int | None = None,
    ) -> None:
        self.file = file
        self.field = field
        self.problem = problem
        self.allowed = allowed
        self.line = line
        super().__init__(self.message())

    def at(self, file: str | None, field: str | None = None, line: int | None = None) -> InputError:
        """The same problem, told from the file (and field, line) where it was written."""
        return InputError(
            file, field or self.field, self.problem, self.allowed, line if line else self.line
        )

    def message(self) -> str:
        """One line: `file:line: field.path: problem (allowed: ...)`, safe to print; without
        a file (an option typed on the command line) it starts at the field."""
        where = (self.file or "") + (f":{self.line}" if self.line is not None else "")
        head = "".join(f"{x}: " for x in (where, self.field) if x)
        text = head + self.problem
        if self.allowed:
            text += f" (allowed: {self.allowed})"
        return printable(text)


class FieldError(ValueError):
    """A cross-field rule broken inside a model; `loc` is the field path relative to the model.

    Raised from pydantic validators so that the loader can name the exact field
    (e.g. `schools[0].teams[1].members.teachr`) instead of the enclosing model.
    """

    def __init__(
        self, loc: tuple[str | int, ...], problem: str, allowed: str | None = None
    ) -> None:
        self.loc = loc
        self.problem = problem
        self.allowed = allowed
        super().__init__(problem)


class FieldErrors(ValueError):
    """Several cross-field rules of one model broken at once, so that a form can show every
    problem together; the command line reports the first."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__(errors[0].problem)


def raise_all(errors: list[FieldError]) -> None:
    """Raise the broken rules found by a model validator: none, one, or all of them."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise FieldErrors(errors)


def suggest(word: object, choices: Iterable[str]) -> str:
    """'; did you mean 'x'?' for the closest choice, or '' when nothing is close."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def printable(text: str) -> str:
    """Collapse line breaks and escape control characters, so a message is one safe line."""
    text = " ".join(text.split()) if ("\n" in text or "\r" in text) else text
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )
