"""One run at a time, in a background thread, with progress the pages can poll.

A comparison or a budget study runs in a worker thread while the server keeps answering;
its progress callback (the executor's `progress(done, total)`) updates the job, and a
progress request reads it. Asking for a second run while one is going gets a clear "busy".
Stopping the server cancels the job: its next progress call raises, which makes the
executor stop its workers (the same path as an error in a run).
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from simulate.app.checks import readable
from simulate.schema.errors import InputError


class Cancelled(Exception):
    """The server is stopping: the job ends without outputs."""


@dataclass
class Job:
    run_id: str
    kind: str  # compare | budget
    label: str
    done: int = 0
    total: int = 0  # 0: not known (a goal-seek counts evaluations)
    status: str = "running"  # running | done | failed | interrupted
    message: str = ""
    cancel: threading.Event = field(default_factory=threading.Event)

    def progress(self, done: int, total: int = 0) -> None:
        """The executor's progress callback (and goal-seek's, which knows no total)."""
        if self.cancel.is_set():
            raise Cancelled
        self.done, self.total = done, total


class Busy(Exception):
    def __init__(self, job: Job) -> None:
        super().__init__(job.label)
        self.job = job


class Jobs:
    """The one job that may run, and the last one that did."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current: Job | None = None
        self._thread: threading.Thread | None = None

    def start(self, job: Job, work: Callable[[Job], None], finished: Callable[[Job], None]) -> Job:
        """Run work(job) in a thread, then finished(job); Busy if a job is running."""
        with self._lock:
            if self.current is not None and self.current.status == "running":
                raise Busy(self.current)
            self.current = job

        def target() -> None:
            try:
                work(job)
                job.status = "done"
            except Cancelled:
                job.status, job.message = "interrupted", "the server was stopped"
            except InputError as err:
                job.status, job.message = "failed", readable(err, job.label)
            except Exception as err:  # noqa: BLE001 - shown on the run's page, not lost
                job.status = "failed"
                job.message = f"internal error: {type(err).__name__}: {err}"
                traceback.print_exc()
            finally:
                finished(job)

        self._thread = threading.Thread(target=target, name=f"run-{job.run_id}", daemon=True)
        self._thread.start()
        return job

    def get(self, run_id: str) -> Job | None:
        job = self.current
        return job if job is not None and job.run_id == run_id else None

    def stop(self, timeout: float = 30.0) -> None:
        """Cancel the running job and wait for its thread (server shutdown)."""
        if self.current is not None:
            self.current.cancel.set()
        if self._thread is not None:
            self._thread.join(timeout)
