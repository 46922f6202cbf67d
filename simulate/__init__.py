"""School staffing simulation: run school years under staffing arrangements and compare them.

The public API is imported on first use, so `import simulate` (and `simulate --help`) stays
quick: pandas, plotly, openpyxl, dask and SALib load only when a command needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_API = {
    "Comparison": "simulate.study.compare",
    "InputError": "simulate.schema.errors",
    "Result": "simulate.study.run",
    "Scenario": "simulate.schema.model",
    "budget_study": "simulate.study.budget_study",
    "compare": "simulate.study.compare",
    "load_scenario": "simulate.schema.loading",
    "run": "simulate.study.run",
    "save_comparison": "simulate.outputs",
    "save_run": "simulate.outputs",
    "sweep": "simulate.outputs",
}
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


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'simulate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


if TYPE_CHECKING:
    from simulate.outputs import save_comparison, save_run, sweep
    from simulate.schema.errors import InputError
    from simulate.schema.loading import load_scenario
    from simulate.schema.model import Scenario
    from simulate.study.budget_study import budget_study
    from simulate.study.compare import Comparison, compare
    from simulate.study.run import Result, run
