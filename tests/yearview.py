"""What tests read of a simulated year: the results the engine's modules declare, for one
school."""

from __future__ import annotations

import numpy as np

from simulate.engine import Engine
from simulate.engine.modules.coverage import Coverage
from simulate.engine.modules.instruction import Instruction
from simulate.engine.modules.small_groups import SmallGroups
from simulate.engine.modules.stations import Stations
from simulate.measures.compute import contact_minutes


def received(engine: Engine, school: int = 0) -> dict[str, np.ndarray]:
    """Minutes each student of the school received, by activity."""
    return {
        "instruction": engine.module(Instruction).results().minutes[school],
        "small_group": engine.module(SmallGroups).results().minutes[school],
        "online": engine.module(Stations).results().minutes[school],
    }


def contact(engine: Engine, school: int = 0) -> np.ndarray:
    """Minutes each student of the school spent with each adult (students x adults)."""
    return contact_minutes(engine)[school]


def grouped_by_role(engine: Engine) -> dict[str, float]:
    """Small-group student-minutes by the role that led the group."""
    return engine.module(SmallGroups).results().by_role


def covered_by(engine: Engine) -> dict[str, float]:
    """Minutes spent with absent adults' classes, by who covered them."""
    return engine.module(Coverage).results().minutes
