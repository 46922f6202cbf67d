"""The progress bar of long commands (run, compare, sweep): on a terminal only, quiet otherwise."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from simulate.terminal import clean

Progress = Callable[[int, int], None]  # called with (runs done, runs in all)


@contextmanager
def progress_bar(
    label: str, total: int, done: int = 0, show: bool | None = None
) -> Iterator[Progress | None]:
    """A bar on stderr when it is a terminal (or `show`); yields update(done, total), or None
    when quiet, so callers pass it straight on as their `progress` argument."""
    if not (sys.stderr.isatty() if show is None else show):
        yield None
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs {task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        # a scenario name in the label is text, never markup or an escape sequence
        task = bar.add_task(escape(clean(label)), total=total, completed=done, rate="")

        def update(completed: int, of: int) -> None:
            speed = bar.tasks[0].speed
            bar.update(task, completed=completed, total=of, rate=f"{speed:.1f}/s" if speed else "")

        yield update
