"""Years simulated ahead of the click: while a planner ticks scenarios on the compare page, the
app simulates their years on the warm pool, so that the comparison then started finds them
kept (study.kept) and has little left to do but write its report.

Only the newest choice is worked on (the form's scenarios, seed and years). The work goes in
steps of one task per worker, a few years each, and the pool is let go between steps: a
planner's own comparison, or a lever's refinement, waits for one step at most. A lever tried
stops the work, so that its answer has the CPUs. Nothing is shown or saved by this: a year
simulated ahead is the year the comparison would simulate (same scenario, seed and
replication), so its figures are the same either way.
"""

from __future__ import annotations

import threading
import traceback
from typing import TYPE_CHECKING

from simulate.app.pool import WarmPool

if TYPE_CHECKING:
    from simulate.schema.model import Scenario
    from simulate.study.kept import KeptYears

SETTLE = 0.3  # seconds a choice settles before work starts (a planner ticks several boxes)
YEARS_PER_TASK = 2  # per worker and step: a step takes a fraction of a second
BUSY_WAIT = 0.2  # seconds between looks at a pool someone else is using


class Ahead:
    def __init__(self, pool: WarmPool, years: KeptYears) -> None:
        self.pool = pool
        self.years = years
        self._lock = threading.Lock()
        # the newest choice: its scenarios with their models (study.kept's key), seed, years
        self._wanted: tuple[tuple[tuple[Scenario, str], ...], int, int] | None = None
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None

    def want(self, scenarios: list[Scenario], seed: int, replications: int) -> None:
        """Simulate these years next, in place of any asked for before."""
        from simulate.study.kept import model_key

        models = tuple((spec, model_key(spec)) for spec in scenarios)
        with self._lock:
            if self._closed:
                return
            self._wanted = (models, seed, replications)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="ahead", daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        """Simulate nothing more ahead (the step under way ends)."""
        with self._lock:
            self._wanted = None

    def close(self) -> None:
        """Work no further (the server is stopping: closing the pool ends the step under
        way, and `join` waits for it)."""
        with self._lock:
            self._closed, self._wanted = True, None
        self._wake.set()

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _work(self) -> None:
        """Work on the newest choice, step by step, until its years are all kept."""
        while not self._closed:
            self._wake.wait()
            self._wake.clear()
            if self._wake.wait(SETTLE):  # chosen again meanwhile: settle again
                continue
            while True:
                with self._lock:
                    wanted = self._wanted
                if wanted is None:
                    break
                try:
                    more = self._step(*wanted)
                except Exception:  # noqa: BLE001 - the planner's own run will say what is wrong
                    if not self._closed:
                        traceback.print_exc()
                    more = False
                if not more:
                    with self._lock:
                        if self._wanted is wanted:
                            self._wanted = None

    def _step(self, models: tuple[tuple[Scenario, str], ...], seed: int, replications: int) -> bool:
        """Simulate a few of the years not yet kept; False when none is left."""
        from simulate.study.executor import Task, chunks
        from simulate.study.run import Replication, run_replications

        todo = []
        for spec, model in models:  # each task keyed by the model its years are kept under
            reps = [r for r in range(replications) if not self.years.has(model, seed, r)]
            todo += [
                Task(run_replications, (spec, seed, part), model)
                for part in chunks(reps, YEARS_PER_TASK)
            ]
        if not todo:
            return False
        with self.pool.use(wait=False) as executor:
            if executor is None:  # in use, or the server is stopping
                self._wake.wait(BUSY_WAIT)
                return not self._closed

            def keep(task: Task, chunk: list[Replication]) -> None:
                for year in chunk:
                    self.years.put(task.key, seed, year)

            executor.run(todo[: executor.slots], keep)
        return True
