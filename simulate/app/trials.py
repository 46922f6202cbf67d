"""Levers tried on a scenario: a first answer from QUICK simulated years, at once, in the
request's own thread; then the same answer from REFINED years, worked out in the background
on the warm pool while the page polls for it.

Every year simulated is kept (study.kept, shared with the app's comparisons): the scenario
before the levers is simulated once (a planner tries many levers on one scenario), and a set
of levers saved and compared with it needs no year run again. Only the newest trial is
refined: trying another set of levers stops a refinement under way at once (its workers are
let go and the pool starts anew), so the planner's next answer never waits behind one no
longer looked at.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulate.app.pool import WarmPool

if TYPE_CHECKING:
    from simulate.schema.model import Scenario
    from simulate.study.effects import Effect
    from simulate.study.kept import KeptYears

QUICK = 2  # simulated years of the first answer: within about a second on a warm app
REFINED = 20  # as a comparison's default (study.run.REPLICATIONS)
SEED = 0
KEPT = 64  # trials kept in memory
SETTLE = 1.0  # seconds a refinement waits, so that a planner's next click answers first


@dataclass
class Trial:
    key: tuple[str, ...]  # (scenario digest, lever, lever, ...)
    levers: tuple[str, ...]
    said: list[str]  # what each lever did, in words
    effects: list[Effect]
    years: int
    refined: bool = False
    scenarios: tuple[Scenario, Scenario] | None = field(default=None, repr=False)


def digest(data: dict[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Trials:
    def __init__(self, pool: WarmPool, years: KeptYears) -> None:
        self.pool = pool
        self.years = years
        self._lock = threading.Lock()
        self._trials: OrderedDict[tuple[str, ...], Trial] = OrderedDict()
        self._next: Trial | None = None  # the trial to refine next
        self._running: tuple[str, ...] | None = None  # the trial being refined
        self._on_pool = False  # the refinement holds the pool (not a comparison)
        self._wake = threading.Event()
        self._worker: threading.Thread | None = None

    def key(self, data: dict[str, Any], levers: list[str]) -> tuple[str, ...]:
        return (digest(data), *levers)

    def get(self, key: tuple[str, ...]) -> Trial | None:
        with self._lock:
            return self._trials.get(key)

    def try_levers(self, data: dict[str, Any], levers: list[str], file: str) -> Trial:
        """The levers' effect on the scenario `data` (InputError if one does not apply):
        the refined answer if there is one, else a quick one, queued to be refined."""
        from simulate.schema.levers import pull
        from simulate.schema.loading import validate

        key = self.key(data, levers)
        with self._lock:
            if self._on_pool and self._running != key:  # no longer looked at: let it go now,
                self.pool.abort()  # so the workers leave this answer the CPUs
        trial = self.get(key)
        if trial is None:
            _, after, said = pull(data, levers, file)
            before = validate(json.loads(json.dumps(data, default=str)), file)
            trial = Trial(key, tuple(levers), said, [], QUICK, scenarios=(before, after))
            trial.effects = self._effects(before, after, QUICK, None)
            self._keep(trial)
        if not trial.refined:
            with self._lock:
                if self._running != trial.key:
                    self._next = trial
            self._start()
            self._wake.set()
        return trial

    def _effects(
        self, before: Scenario, after: Scenario, years: int, executor: Any
    ) -> list[Effect]:
        from simulate.study.compare import simulate_years
        from simulate.study.effects import effects

        workers = None if executor is not None else 1
        one, two = simulate_years(
            [before, after], SEED, years, workers, executor=executor, kept=self.years
        )
        return effects(one, two)

    def _keep(self, trial: Trial) -> None:
        with self._lock:
            self._trials[trial.key] = trial
            while len(self._trials) > KEPT:
                self._trials.popitem(last=False)

    def _start(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._refine, name="refine", daemon=True)
            self._worker.start()

    def _refine(self) -> None:
        """Refine the newest trial, then wait for the next (a daemon thread)."""
        while True:
            self._wake.wait()
            time.sleep(SETTLE)
            with self._lock:
                trial, self._next = self._next, None
                self._running = trial.key if trial is not None else None
                self._wake.clear()
            if trial is None or trial.scenarios is None:
                continue
            before, after = trial.scenarios
            try:
                with self.pool.use() as executor:
                    with self._lock:
                        self._on_pool = True
                    found = self._effects(before, after, REFINED, executor)
                self._keep(Trial(trial.key, trial.levers, trial.said, found, REFINED, True))
            except Exception:  # noqa: BLE001 - the quick answer stays; the server goes on
                if self._next is None:  # not stopped for a newer trial: say what went wrong
                    traceback.print_exc()
            finally:
                with self._lock:
                    self._running, self._on_pool = None, False
