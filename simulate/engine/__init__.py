"""The SimPy engine: the day loop (core) over one module per sub-model (availability, coverage,
instruction, small groups, coaching, stations), the roster of adults and students, the
calendar, random streams, attendance spread and the ledger. `ReferenceEngine` runs the same
model day by day, one process per adult: the reference the engine is checked against."""

from simulate.engine.core import Engine
from simulate.engine.ledger import Ledger, Loss
from simulate.engine.reference import ReferenceEngine

__all__ = ["Engine", "Ledger", "Loss", "ReferenceEngine"]
