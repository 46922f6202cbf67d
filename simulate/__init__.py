"""School staffing simulation: run school years under staffing arrangements and compare them."""

from .api import Result, run
from .errors import InputError
from .loading import load_scenario
from .scenario import Scenario
from .sweep import sweep

__all__ = ["InputError", "Result", "Scenario", "load_scenario", "run", "sweep"]
__version__ = "0.1.0"
