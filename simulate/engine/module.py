"""The sub-model protocol: one module per sub-model, called by the core in a declared order.

In the spirit of Starsim's modules (each declares its parameters, states, random streams and
results, and the simulation calls their steps in a fixed order) and of Ciw's trackers (hooks
the simulation calls as things happen, each keeping its own records), a module declares

- `name`, and `order`: the core builds the modules and calls them lowest order first; friction
  takes adults' time in the same order (engine.timesheet), so a module that must see what
  another took runs after it;
- `reads`: the scenario fields it reads (its schema part), as field paths with `*` for any
  list item or key ('roles.*.absence_rate'), a path covering the fields under it;
- `streams`: the random streams it draws from (engine.streams), through `self.rng`;
- `books`: the ledger activities whose delivered time it books; `losses`: the loss reasons it
  books (the ledger, the metrics and the report pick new ones up from here);

and does

- `__init__(run)`: read its parameters, draw its randomness up front, and take from the
  timesheets what it already knows for the whole year;
- `day(today)`: what it does on each school day, open or closed; it may return a SimPy event
  or its day's waits (a generator of SimPy events, as a SimPy process is written), which the
  day waits for or runs through before the next module runs (coverage settles before the
  bell);
- `year()`: once, at the end, in bulk: book its ledger lines;
- `results()`: what it offers measures (`@kept`: worked out once, when the year is over, for
  results several readers ask for), and `figures()`: per-year figures of its own, under their
  names in the measures catalogue.

A module owns its state. Other modules read what it offers (documented as such), never write
it. A new friction is one module under engine/modules/ (found there by the core), its schema
part, its catalogue entries and, where it has one, its report row.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import numpy as np
import simpy

from simulate.engine.streams import stream

if TYPE_CHECKING:
    from simulate.engine.core import Engine

Figure = tuple[str, str, str]  # (metric, group, statistic), as in the measures catalogue
Day = simpy.Event | Generator[simpy.Event, Any, None] | None  # what a module's day waits for
R = TypeVar("R")
T = TypeVar("T")
M = TypeVar("M", bound="Module[Any]")


@dataclass(frozen=True)
class Today:
    """The school day the clock has reached."""

    day: int  # index in the calendar
    school_day: int  # instructional days before it
    week: int  # instructional week, 1-based (ramps are written in these weeks)
    closed: bool  # an unplanned closure: nothing planned happens
    cancels: frozenset[str]  # activities a testing window cancels today


class Module(Generic[R]):
    """One sub-model of the school year (see the module docstring)."""

    name: ClassVar[str]
    order: ClassVar[int]
    reads: ClassVar[tuple[str, ...]] = ()
    streams: ClassVar[tuple[str, ...]] = ()
    books: ClassVar[tuple[str, ...]] = ()
    losses: ClassVar[tuple[str, ...]] = ()

    def __init__(self, run: Engine) -> None:
        # a proxy, not a reference: the run holds its modules, and a cycle back to it would
        # keep each finished year in memory until the garbage collector next runs
        self.run: Engine = weakref.proxy(run)

    def day(self, today: Today) -> Day:
        """What the module does on a school day (default: nothing)."""
        return None

    def year(self) -> None:
        """What the module books for the whole year, once, at the end (default: nothing)."""

    def results(self) -> R:
        """What the module offers measures."""
        raise NotImplementedError(f"{self.name} offers no results")

    def figures(self) -> dict[Figure, float]:
        """Per-year figures of the module's own, named as in the measures catalogue."""
        return {}

    def rng(self, source: str, *identity: int | str) -> np.random.Generator:
        """The random stream `source` (one the module declares) for `identity`."""
        if source not in self.streams:
            raise ValueError(f"module {self.name} draws from '{source}' but does not declare it")
        return stream(self.run.seed, self.run.replication, source, *identity)


def kept(results: Callable[[M], T]) -> Callable[[M], T]:
    """A module's `results`, kept once the year is over (they no longer change): measures read
    some from several places, and the learning inputs once per school of a district. Every
    reader gets the same objects: readers never change what a module offers."""
    name = f"_kept_{results.__name__}"

    @functools.wraps(results)
    def read(self: M) -> T:
        if not self.run.over:
            return results(self)
        if name not in self.__dict__:
            self.__dict__[name] = results(self)
        return self.__dict__[name]

    return read


_CACHE: dict[int, tuple[weakref.ref[Any], dict[Any, Any]]] = {}


def cached(scenario: object, key: object, build: Callable[[], T]) -> T:
    """A value that depends on `scenario` alone (a scenario, or a part of one such as its
    learning settings), built once per object: the replications of one scenario share it, and
    it goes when the object does."""
    entry = _CACHE.get(id(scenario))
    if entry is None or entry[0]() is not scenario:
        entry = (weakref.ref(scenario), {})
        _CACHE[id(scenario)] = entry
        weakref.finalize(scenario, _CACHE.pop, id(scenario), None)
    values = entry[1]
    if key not in values:
        values[key] = build()
    return values[key]
