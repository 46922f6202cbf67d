"""School staffing simulation: run school years under staffing arrangements and compare them."""

from .api import Result, run
from .compare import Comparison, compare
from .errors import InputError
from .loading import load_scenario
from .scenario import Scenario
from .sweep import sweep

__all__ = [
    "Comparison",
    "InputError",
    "Result",
    "Scenario",
    "compare",
    "load_scenario",
    "run",
    "sweep",
]
__version__ = "0.1.0"
