"""Simulated years kept for a long-running process (the web app), so a year is simulated once:
a comparison of the two scenarios a planner just tried with levers, or the next comparison
against the same baseline, reuses the years already run instead of running them again.

A year depends on the scenario's model, the master seed and the replication number alone
(study.run), so that is its key; the scenario's name, description and notes do not reach the
engine and are left out of it (a set of levers saved under a new name is the same model).
Years are kept pickled (about 13 kB a year, against 150 kB as objects), the least recently
used let go past `limit`. Safe to share between threads.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulate.schema.model import Scenario
    from simulate.study.run import Replication

NOT_THE_MODEL = {"name", "description", "notes"}  # what the engine never reads


def model_key(scenario: Scenario) -> str:
    """What decides a scenario's simulated years, as a digest."""
    model = scenario.model_dump(mode="json", exclude=NOT_THE_MODEL)
    text = json.dumps(model, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class KeptYears:
    def __init__(self, limit: int = 2000) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._years: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()

    def get(self, model: str, seed: int, replication: int) -> Replication | None:
        with self._lock:
            kept = self._years.get((model, seed, replication))
            if kept is None:
                return None
            self._years.move_to_end((model, seed, replication))
        year: Replication = pickle.loads(kept)
        return year

    def has(self, model: str, seed: int, replication: int) -> bool:
        with self._lock:
            return (model, seed, replication) in self._years

    def put(self, model: str, seed: int, year: Replication) -> None:
        data = pickle.dumps(year, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self._years[(model, seed, year.replication)] = data
            self._years.move_to_end((model, seed, year.replication))
            while len(self._years) > self.limit:
                self._years.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._years)
