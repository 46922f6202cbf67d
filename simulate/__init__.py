"""School staffing simulation: run school years under staffing arrangements and compare them."""

__version__ = "0.1.0"

from simulate.budget import budget_study
from simulate.schema.errors import InputError
from simulate.schema.loading import load_scenario
from simulate.schema.model import Scenario
from simulate.study.compare import Comparison, compare
from simulate.study.outputs import save_comparison, save_run
from simulate.study.run import Result, run
from simulate.study.sweep.loop import sweep

__all__ = [
    "Comparison",
    "InputError",
    "Result",
    "Scenario",
    "budget_study",
    "compare",
    "load_scenario",
    "run",
    "save_comparison",
    "save_run",
    "sweep",
]
