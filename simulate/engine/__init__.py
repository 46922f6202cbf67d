"""The SimPy engine: the day loop (core) over one module per sub-model (availability, coverage,
instruction, small groups, coaching, stations), the roster of adults and students, the
calendar, random streams, attendance spread and the ledger."""

from simulate.engine.core import Engine
from simulate.engine.ledger import Ledger, Loss

__all__ = ["Engine", "Ledger", "Loss"]
