"""Closures: on a day the school is closed (weather and other unplanned closures, drawn with the
calendar from the 'closures' stream) nothing any adult planned happens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulate.engine.module import Module

if TYPE_CHECKING:
    from simulate.engine.core import Engine

CLOSURE = "closure"


class Closures(Module[None]):
    name = "closures"
    order = 10
    reads = ("calendar.closure_rate",)
    losses = (CLOSURE,)

    def __init__(self, run: Engine) -> None:
        super().__init__(run)
        for sheet in run.timesheets:
            sheet.take_days(CLOSURE, run.days.closed)
