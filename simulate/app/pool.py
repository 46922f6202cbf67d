"""The app's warm pool of simulation workers, so a comparison or a lever's trial does not
wait for workers to start and import the engine (study.executor's fork server).

One user of the pool at a time (its completions are not shared between two runs): a
comparison waits for it; a lever's first quick answer takes it only if it is free, and runs
in its own thread otherwise; the years simulated ahead of a click (app.ahead) take it only
when it is free and nobody waits for it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulate.study.executor import Executor

# What a comparison's first save needs (the report's plotly, the workbook's openpyxl, pandas):
# imported while the server waits for its first request, not during the planner's first run.
WARM_IMPORTS = ("simulate.outputs", "simulate.report", "simulate.study.compare", "plotly")


class WarmPool:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = threading.Lock()  # guards _waiting
        self._executor: Executor | None = None
        self._closed = False  # the server is stopping: warm no further
        self._waiting = 0  # users waiting for the pool: one that would not wait lets them go first

    def _ready(self) -> Executor:
        from simulate.outputs import WRITERS
        from simulate.study.executor import Executor

        if self._executor is None or self._executor.closed:
            # every CPU this process may use; workers started anew after an abort (a lever
            # let go of) are forked with the workbook's modules too, as warm as the first
            self._executor = Executor(preload=WRITERS)
        return self._executor

    @contextmanager
    def use(self, wait: bool = True) -> Iterator[Executor | None]:
        """The pool, for one run at a time; None (without waiting) when it is busy and
        `wait` is false, or once it is closed."""
        if not wait and self._waiting:
            yield None
            return
        with self._count:
            self._waiting += wait
        got = self._lock.acquire(blocking=wait)
        with self._count:
            self._waiting -= wait
        if not got:
            yield None
            return
        try:
            yield None if self._closed else self._ready()  # no new workers once closed
        finally:
            self._lock.release()

    def warm(self) -> None:
        """Import what runs and reports need, and start the workers with what they need to
        write a comparison's workbook (in a thread, once the server answers)."""
        import importlib

        for name in WARM_IMPORTS:  # a stopping server waits for one import, not for all
            if self._closed:
                return
            importlib.import_module(name)
        with self.use(wait=False) as executor:
            if executor is None:
                return
            from simulate.outputs import load_writers
            from simulate.study.executor import Task

            tasks = [Task(load_writers, (), k) for k in range(executor.slots)]
            executor.run(tasks, lambda task, result: None)

    def abort(self) -> None:
        """Stop the workers now, whoever uses them (the user's run fails and the pool
        starts anew at its next use)."""
        executor = self._executor
        if executor is not None:
            executor.close(abort=True)

    def close(self) -> None:
        """Stop the workers once the pool is free; the warm-up stops at its next step (the
        server waits for it: a thread left inside an extension module's import when the
        process ends can abort it, 'FATAL: exception not rethrown', exit -6)."""
        self._closed = True
        with self._lock:  # every user is done (a stopped run has aborted its workers itself)
            if self._executor is not None:
                self._executor.close()  # idle workers leave as asked, none killed mid-step
