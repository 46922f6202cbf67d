"""The one exception users see: bad input, reported with file, field path and what is allowed."""

from __future__ import annotations


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

    def message(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        head = f"{where}: {self.field}: " if self.field else f"{where}: "
        text = head + self.problem
        if self.allowed:
            text += f" (allowed: {self.allowed})"
        return text
