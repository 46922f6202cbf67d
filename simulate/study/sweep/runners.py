"""Where a sweep's chunks run: in this process, in local worker processes or on Dask.

Each runner (see Runner) takes chunks of runs (run_chunk) and gives back finished ones as
they complete; the sweep loop (simulate.sweep) saves them and handles Ctrl-C.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from simulate.schema.errors import InputError
from simulate.schema.loading import apply_overrides, validate
from simulate.schema.model import Scenario
from simulate.study.sweep.spec import Key, RunTask


def run_chunk(base: dict[str, Any], keys: list[Key], tasks: list[RunTask]) -> list[list[float]]:
    """Run a chunk of runs; return one list of metric values per task, in task order."""
    from simulate.engine.core import Engine
    from simulate.measures import compute as metrics_mod

    out: list[list[float]] = []
    cached: tuple[int, Scenario] | None = None  # a point's runs are consecutive: validate once
    for _run_id, point, replication, seed, overrides in tasks:
        if cached is None or cached[0] != point:
            cached = (point, validate(apply_overrides(base, overrides), "<sweep point>"))
        values = metrics_mod.compute(Engine(cached[1], seed, replication).run())
        out.append([float(values.get(key, 0.0)) for key in keys])
    return out


class Runner(Protocol):
    """What the sweep loop needs from a place to run chunks."""

    slots: int  # chunks that run at once; sets the chunk size

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Queue fn(*args); return a future (`.result()` once it is finished)."""

    def wait(self, timeout: float) -> list[Any]:
        """The futures finished since the last call (waiting up to `timeout` for one)."""

    def cancel(self, pending: list[Any]) -> list[Any]:
        """Cancel queued futures; return those already running (they finish and are saved)."""

    def close(self, abort: bool = False) -> None:
        """Shut down; with `abort`, without waiting for running chunks."""


def make_runner(backend: str, workers: int, scheduler: str | None, out: Path) -> Runner:
    """Dask if asked; else one worker runs in this process (no start-up), more in a pool."""
    if backend == "dask":
        return _Dask(workers, scheduler, out / ".dask-scratch")
    return _Serial() if workers == 1 else _Processes(workers)


class _Deferred:
    """A future for the serial runner: the chunk runs when the loop waits for it."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.fn, self.args, self.value = fn, args, None

    def run(self) -> None:
        self.value = self.fn(*self.args)

    def result(self) -> Any:
        return self.value


class _Serial:
    """One worker: run chunks in this process (no start-up cost, same results)."""

    slots = 1

    def __init__(self) -> None:
        self.queue: deque[_Deferred] = deque()

    def submit(self, fn: Callable[..., Any], *args: Any) -> _Deferred:
        self.queue.append(_Deferred(fn, args))
        return self.queue[-1]

    def wait(self, timeout: float) -> list[Any]:
        """Run the next queued chunk now (the loop only waits while chunks are pending)."""
        chunk = self.queue.popleft()
        chunk.run()
        return [chunk]

    def cancel(self, pending: list[Any]) -> list[Any]:
        self.queue.clear()
        return []

    def close(self, abort: bool = False) -> None:
        pass


class _Completions:
    """Finished futures arrive on a queue through done-callbacks (O(1) per completion, for
    concurrent.futures and Dask alike), so waiting never scans thousands of pending chunks."""

    def __init__(self) -> None:
        self.finished: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def track(self, future: Any) -> Any:
        future.add_done_callback(self.finished.put)
        return future

    def wait(self, timeout: float) -> list[Any]:
        try:
            out = [self.finished.get(timeout=timeout)]
        except queue.Empty:
            return []
        while True:
            try:
                out.append(self.finished.get_nowait())
            except queue.Empty:
                return out


def _worker_init(parent: int) -> None:
    """Workers leave Ctrl-C to the main process, which stops cleanly, and exit when the
    main process is gone (killed outright, it cannot shut its pool down)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            try:
                os.kill(parent, 0)
            except (ProcessLookupError, PermissionError):  # gone (or its pid reused)
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


class _Processes(_Completions):
    def __init__(self, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        super().__init__()
        # forkserver: safe with the progress bar's thread, and preloading makes forks cheap
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["simulate.study.sweep"])
        self.slots = workers
        self.pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_worker_init, initargs=(os.getpid(),)
        )

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.track(self.pool.submit(fn, *args))

    def cancel(self, pending: list[Any]) -> list[Any]:
        """Cancel queued chunks; return those already running (they finish and are saved)."""
        return [f for f in pending if not f.cancel()]

    def close(self, abort: bool = False) -> None:
        if abort:
            for process in list(getattr(self.pool, "_processes", {}).values()):
                process.terminate()
        self.pool.shutdown(wait=not abort, cancel_futures=True)


class _Dask(_Completions):
    def __init__(self, workers: int, scheduler: str | None, scratch: Path) -> None:
        import logging

        from distributed import Client, LocalCluster

        super().__init__()
        self.cluster = None
        self.scratch = scratch  # a local cluster's spill files stay inside --out
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as err:
                raise InputError(
                    None,
                    "--scheduler",
                    f"cannot connect to {scheduler} ({err})",
                    "tcp://HOST:8786 of a running dask scheduler",
                ) from None
        else:
            import dask

            dask.config.set({"temporary-directory": str(scratch)})
            self.cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                dashboard_address=None,
                silence_logs=logging.ERROR,
                local_directory=str(scratch),
            )
            self.client = Client(self.cluster)
        self.scattered: dict[int, Any] = {}
        info = self.client.scheduler_info()["workers"].values()
        self.slots = max(1, sum(int(w.get("nthreads", 1)) for w in info))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        base = args[0]
        if id(base) not in self.scattered:  # send the base scenario once, not per chunk
            self.scattered[id(base)] = self.client.scatter(base, broadcast=True, hash=False)
        return self.track(self.client.submit(fn, self.scattered[id(base)], *args[1:], pure=False))

    def cancel(self, pending: list[Any]) -> list[Any]:
        self.client.cancel(pending)
        return []

    def close(self, abort: bool = False) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
            shutil.rmtree(self.scratch, ignore_errors=True)
