"""The SimPy engine: a small core (engine.core: the clock, rosters, timesheets and ledgers)
that calls one module per sub-model (engine.modules) in their declared order, under the
protocol of engine.module."""

from simulate.engine.core import Engine
from simulate.engine.ledger import Ledger
from simulate.engine.modules import availability, coaching, small_groups, stations
from simulate.engine.streams import stream

__all__ = ["Engine", "Ledger", "load_compiled"]


def load_compiled() -> None:
    """Load the engine's compiled loops (numba's cache; compiled on a machine's first run),
    called with the types a year calls them with. study.forkserver does so before it forks
    workers, so that each has them without loading them again (about 0.4 s a process)."""
    availability.load_compiled()
    coaching.load_compiled()
    small_groups.load_compiled()
    stations.load_compiled()
    stream(0, 0, "students")
