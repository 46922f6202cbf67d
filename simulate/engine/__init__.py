"""The SimPy engine: a small core (the day loop and the adults' processes) over one module per
sub-model (availability, coverage, instruction and small groups, coaching, stations), the
roster of adults and students, the calendar, random streams and the ledger."""

from simulate.engine.core import Engine
from simulate.engine.ledger import Ledger, Loss

__all__ = ["Engine", "Ledger", "Loss"]
