"""The SimPy engine: a small core (engine.core: the clock, rosters, timesheets and ledgers)
that calls one module per sub-model (engine.modules) in their declared order, under the
protocol of engine.module."""

from simulate.engine.core import Engine
from simulate.engine.ledger import Ledger

__all__ = ["Engine", "Ledger"]
