"""One executor for compare and sweep: tasks go out in chunks and come back as they finish.

A task runs a chunk of simulation runs (several replications of one scenario, or several
sweep points), so the cost of sending work to a process or a cluster is paid once per chunk,
not once per run. Tasks run in this process (one worker: no start-up cost), in a pool of local
worker processes, or on a Dask cluster. Results come back in the order they finish and the
caller files them by the key it gave each task, so the outcome never depends on the number of
workers or on the backend.

Local workers fork from a server that has already imported the engine (cheap starts, and safe
beside a progress bar's thread); they never re-run the caller's `__main__`, so a plain script
needs no `if __name__ == "__main__":` guard. They leave Ctrl-C and SIGTERM to this process
and exit when it is gone. The same holds for a local Dask cluster, whose workers are processes
started by command (see _local_cluster).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import pickle
import queue
import re
import shutil
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import forkserver, popen_forkserver, resource_tracker, spawn
from multiprocessing.context import ForkServerContext, ForkServerProcess
from pathlib import Path
from typing import Any, Literal, Protocol

from simulate.schema.errors import InputError
from simulate.study.progress import Progress

Backend = Literal["local", "dask"]

# What a worker needs before its first task (the engine, pandas, the scenario loader): imported
# once in the fork server, so each worker starts warm; the fork server's own signal handling
# first (see forkserver.py and _start_fork_server).
PRELOAD = ["simulate.study.forkserver", "simulate.study.run", "simulate.schema.loading"]
# What dask accepts as a scheduler address: a known protocol (or none: tcp), then a host.
PROTOCOLS = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
HOST = re.compile(r"^[\w.\-\[\]:/%]+$")
# Tasks handed out per worker slot ahead of time: enough to keep every slot busy, few enough
# that a first Ctrl-C has little left to cancel.
AHEAD = 2
# Seconds a first Ctrl-C waits for running tasks to finish (and be saved) before abandoning
# them, so that a command stops in about 2 s (benchmarks/bench_stop.py measures it).
GRACE = 1.2
# Seconds a local Dask cluster's workers may take to start (each a new Python process) and to
# find their scheduler: generous, for a busy machine.
WORKERS_START = 120


@dataclass(frozen=True, eq=False)
class Task:
    """fn(*args) on a worker. `key` tells the caller what the result is; `runs` counts it
    for progress. The first argument is the one many tasks share (a scenario): a cluster
    receives it once."""

    fn: Callable[..., Any]
    args: tuple[Any, ...]
    key: Any
    runs: int = 1


def available_cpus() -> int:
    """The CPUs this process may use (fewer than the machine has when it is pinned)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def check_options(workers: int, backend: Backend, scheduler: str | None) -> None:
    """Refuse options that cannot work, before anything starts."""
    if workers < 1:
        raise InputError(None, "--workers", f"must be at least 1 (got {workers})")
    if scheduler is not None:
        if backend != "dask":
            raise InputError(None, "--scheduler", "only applies with --backend dask")
        if not is_scheduler_address(scheduler):
            raise InputError(
                None,
                "--scheduler",
                f"'{scheduler}' is not the address of a dask scheduler",
                "tcp://HOST:PORT, or HOST:PORT (also tls://, ws://, wss://, ucx://, inproc://)",
            )


def is_scheduler_address(address: str) -> bool:
    """Whether the address has a form dask accepts (it may still be unreachable)."""
    protocol, sep, rest = address.partition("://")
    if not sep:
        protocol, rest = "tcp", address
    return protocol in PROTOCOLS and "://" not in rest and bool(HOST.match(rest))


def chunk_size(runs: int, slots: int, most: int = 20) -> int:
    """Runs per task: about 16 tasks per worker slot keeps the idle tail at the end short;
    `most` bounds what one task holds (and what a crash loses)."""
    return max(1, min(most, math.ceil(runs / (slots * 16))))


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Executor:
    """Runs tasks on one backend: this process, local worker processes, or Dask.

    Use it as a context manager, so its workers are shut down (or, after an error or a
    second Ctrl-C, stopped at once) when the work is done.
    """

    def __init__(
        self,
        workers: int | None = None,
        backend: Backend = "local",
        scheduler: str | None = None,
        scratch: Path | None = None,
        preload: Sequence[str] = (),
    ) -> None:
        """`preload`: modules local workers start with, besides the engine's (PRELOAD): the
        fork server imports them once, the first time it starts in this process."""
        workers = workers or available_cpus()
        check_options(workers, backend, scheduler)
        self.closed = False
        self.backend: _Backend
        if backend == "dask":
            self.backend = _Dask(workers, scheduler, scratch)
        elif workers == 1:
            self.backend = _Serial()
        else:
            self.backend = _Processes(workers, preload)

    @property
    def slots(self) -> int:
        """Tasks that run at once (a Dask cluster says how many threads it has)."""
        return self.backend.slots

    def run(
        self,
        tasks: Sequence[Task],
        done: Callable[[Task, Any], None],
        progress: Progress | None = None,
        drain: bool = True,
    ) -> bool:
        """Run every task; call done(task, result) here as each finishes. True if interrupted.

        Ctrl-C (or SIGTERM) stops handing out tasks. With `drain`, tasks already running on
        workers are passed to done (a sweep saves them) if they finish within GRACE seconds,
        and abandoned after that or at a second Ctrl-C; without it the first Ctrl-C abandons
        them at once (a comparison keeps nothing partial). Either way the call returns within
        about GRACE seconds.
        """
        backend = self.backend
        total = sum(t.runs for t in tasks)
        todo = deque(tasks)
        pending: dict[Any, Task] = {}
        finished = 0

        def finish(future: Any) -> None:
            nonlocal finished
            task = pending.pop(future)
            done(task, future.result())
            finished += task.runs
            if progress is not None:
                progress(finished, total)

        try:
            with _Stop(drain) as stop:
                while (todo or pending) and not stop.requested:
                    while todo and len(pending) < AHEAD * backend.slots:
                        task = todo.popleft()
                        with stop.handing_out():
                            pending[backend.submit(task.fn, *task.args)] = task
                    for future in backend.wait(0.2):
                        finish(future)
                if not (todo or pending):
                    return False
                running = set(backend.cancel(list(pending)))
                deadline = time.monotonic() + GRACE
                while running and time.monotonic() < deadline:
                    for future in backend.wait(min(0.2, max(0.0, deadline - time.monotonic()))):
                        if future in running:
                            running.discard(future)
                            finish(future)
                if running:  # still running after the grace period: abandon them
                    self.close(abort=True)
                return True
        except KeyboardInterrupt:
            self.close(abort=True)
            return True
        except BaseException:
            self.close(abort=True)
            raise

    def start(self, fn: Callable[..., Any], *args: Any) -> Any:
        """fn(*args) on a worker from now on, beside what this process does next (the web app
        writes a comparison's workbook there while it writes the report): a future, whose
        `.result()` waits for it. Apart from `run`'s tasks; with one worker, it runs here."""
        return self.backend.start(fn, *args)

    def close(self, abort: bool = False) -> None:
        """Shut the workers down; with `abort`, without waiting for running tasks."""
        if not self.closed:
            self.closed = True
            self.backend.close(abort)

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        self.close(abort=kind is not None)


def _pickled(fn: Callable[..., Any], args: tuple[Any, ...]) -> bytes:
    """A call pickled now, in the caller's thread: a pool pickles its arguments later, in a
    thread of its own, while the caller may be changing them (a report fills a comparison's
    cached tables while a worker makes its workbook)."""
    return pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)


def _call(call: bytes) -> Any:
    fn, args = pickle.loads(call)
    return fn(*args)


class _Stop:
    """Ctrl-C or SIGTERM while tasks run: first, stop handing out tasks (drain) or stop at
    once; second, or GRACE seconds after the first (a task running in this process cannot
    be waited for otherwise), stop at once (KeyboardInterrupt). A signal that comes while a
    task is handed out waits until it is (`handing_out`)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, drain: bool) -> None:
        self.drain = drain
        self.requested = False
        self.previous: dict[int, Any] = {}
        self.holding = False
        self.held: int | None = None

    def __enter__(self) -> _Stop:
        if threading.current_thread() is threading.main_thread():
            self.previous = {s: signal.signal(s, self._handle) for s in self.SIGNALS}
        return self

    @contextlib.contextmanager
    def handing_out(self) -> Iterator[None]:
        """Handing out a task may start a worker; stopped halfway (the fork server had started
        it, the pool did not yet know it), the worker was left running and the command hung
        as it exited. So a signal that comes meanwhile is handled once the task is out."""
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
            if self.held is not None:
                signum, self.held = self.held, None
                self._handle(signum, None)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.holding:
            self.held = signum
            return
        if self.requested or not self.drain:
            raise KeyboardInterrupt
        self.requested = True
        self.previous[signal.SIGALRM] = signal.signal(signal.SIGALRM, self._expire)
        signal.setitimer(signal.ITIMER_REAL, GRACE)

    def _expire(self, signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    def __exit__(self, *exc: object) -> None:
        if signal.SIGALRM in self.previous:
            signal.setitimer(signal.ITIMER_REAL, 0)
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


class _Backend(Protocol):
    """Where tasks run."""

    slots: int  # tasks that run at once

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Queue fn(*args); return a future (`.result()` once it is finished)."""

    def start(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Start fn(*args) apart from the submitted tasks; return a future."""

    def wait(self, timeout: float) -> list[Any]:
        """The futures finished since the last call (waiting up to `timeout` for one)."""

    def cancel(self, pending: list[Any]) -> list[Any]:
        """Cancel queued futures; return those already running."""

    def close(self, abort: bool = False) -> None:
        """Shut down; with `abort`, without waiting for running tasks."""


class _Deferred:
    """A future for the serial backend: the task runs when the loop waits for it."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.fn, self.args, self.value = fn, args, None

    def run(self) -> None:
        self.value = self.fn(*self.args)

    def result(self) -> Any:
        return self.value


class _Serial:
    """One worker: run tasks in this process (no start-up cost, same results)."""

    slots = 1

    def __init__(self) -> None:
        self.queue: deque[_Deferred] = deque()

    def submit(self, fn: Callable[..., Any], *args: Any) -> _Deferred:
        self.queue.append(_Deferred(fn, args))
        return self.queue[-1]

    def start(self, fn: Callable[..., Any], *args: Any) -> _Deferred:
        done = _Deferred(fn, args)
        done.run()
        return done

    def wait(self, timeout: float) -> list[Any]:
        """Run the next queued task now (the loop only waits while tasks are pending)."""
        task = self.queue.popleft()
        task.run()
        return [task]

    def cancel(self, pending: list[Any]) -> list[Any]:
        self.queue.clear()
        return []

    def close(self, abort: bool = False) -> None:
        self.queue.clear()


class _Completions:
    """Finished futures arrive on a queue through done-callbacks (O(1) per completion, for
    concurrent.futures and Dask alike), so waiting never scans every pending task."""

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


class _Processes(_Completions):
    """A pool of local worker processes started from the fork server."""

    def __init__(self, workers: int, preload: Sequence[str] = ()) -> None:
        super().__init__()
        context = _WorkerContext()
        context.set_forkserver_preload([*PRELOAD, *preload])
        _start_fork_server()
        self.slots = workers
        self.pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_worker_init, initargs=(os.getpid(),)
        )

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.track(self.pool.submit(fn, *args))

    def start(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.pool.submit(_call, _pickled(fn, args))

    def cancel(self, pending: list[Any]) -> list[Any]:
        return [f for f in pending if not f.cancel()]

    def close(self, abort: bool = False) -> None:
        processes = list((getattr(self.pool, "_processes", None) or {}).values())
        if abort:
            for process in processes:
                process.kill()  # they ignore SIGTERM (see _worker_init)
        self.pool.shutdown(wait=not abort, cancel_futures=True)
        deadline = time.monotonic() + 0.5  # let them go before the main process does
        for process in processes if abort else ():
            process.join(max(0.0, deadline - time.monotonic()))


class _Dask(_Completions):
    """A Dask cluster: the one at `scheduler`, or a local one (see _local_cluster)."""

    def __init__(self, workers: int, scheduler: str | None, scratch: Path | None) -> None:
        from distributed import Client

        super().__init__()
        self.cluster = None
        self.scratch = scratch  # a local cluster's spill files stay inside --out
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError, ValueError) as err:
                raise InputError(
                    None,
                    "--scheduler",
                    f"cannot connect to {scheduler} ({err})",
                    "tcp://HOST:8786 of a running dask scheduler",
                ) from None
        else:
            import dask

            if scratch is not None:
                dask.config.set({"temporary-directory": str(scratch)})
            self.cluster = _local_cluster(workers, scratch)
            self.client = Client(self.cluster)
            self.client.wait_for_workers(workers, timeout=WORKERS_START)
        self.scattered: dict[int, Any] = {}
        info = self.client.scheduler_info()["workers"].values()
        self.slots = max(1, sum(int(w.get("nthreads", 1)) for w in info))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        shared = args[0]
        if id(shared) not in self.scattered:  # send the shared argument once, not per task
            self.scattered[id(shared)] = self.client.scatter(shared, broadcast=True, hash=False)
        return self.track(self.client.submit(fn, self.scattered[id(shared)], *args[1:], pure=False))

    def start(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.client.submit(_call, _pickled(fn, args), pure=False)

    def cancel(self, pending: list[Any]) -> list[Any]:
        self.client.cancel(pending)
        return []

    def close(self, abort: bool = False) -> None:
        """A local cluster's workers are stopped outright first (their results are in or
        abandoned), so nothing is left to hand over and the shutdown is quick. What the
        cluster's scheduler and the asyncio child watcher then log about connections and
        processes that have gone is about those stopped workers, and it would print under the
        command's last line (a CommClosedError traceback, "Unknown child process"), some of it
        after close() returns: their loggers stay at CRITICAL from here on."""
        if self.cluster is not None:
            for name in ("distributed", "asyncio"):
                logging.getLogger(name).setLevel(logging.CRITICAL)
            for worker in list(self.cluster.workers.values()):
                with contextlib.suppress(ProcessLookupError, AttributeError, TypeError):
                    os.kill(worker.process.pid, signal.SIGKILL)
        self.client.close(timeout=5)
        if self.cluster is not None:
            self.cluster.close(timeout=5)
            if self.scratch is not None:
                shutil.rmtree(self.scratch, ignore_errors=True)


def _local_cluster(workers: int, scratch: Path | None) -> Any:
    """A scheduler in this process and `workers` one-thread workers, each a new Python process
    started by command (`python -m dask spec`), not by multiprocessing: so a plain script
    without an `if __name__ == "__main__":` guard is never re-run in them (multiprocessing's
    spawn re-imports it, and its nannies then fail to start). Each worker runs in a session of
    its own, so Ctrl-C at a terminal reaches this process only; they exit when the scheduler
    goes, and this process stops them at once when it closes."""

    from distributed import Scheduler, SpecCluster
    from distributed.deploy.spec import ProcessInterface
    from distributed.deploy.subprocess import SubprocessWorker

    class WorkerProcess(SubprocessWorker):
        async def _start(self) -> None:
            import asyncio
            import json
            import subprocess
            import sys

            spec = json.dumps({"cls": "distributed.Worker", "opts": self.worker_kwargs})
            command = [sys.executable, "-m", "dask", "spec", self.scheduler, "--spec", spec]
            self.process = await asyncio.create_subprocess_exec(
                *command,
                stdin=subprocess.DEVNULL,
                env=_worker_environment(scratch),
                start_new_session=True,
            )

        async def close(self) -> None:
            if self.process is not None and self.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                await self.process.wait()
            self.process = None
            await ProcessInterface.close(self)

    options = {"nthreads": 1, "host": "127.0.0.1", "death_timeout": WORKERS_START}
    if scratch is not None:
        options["local_directory"] = str(scratch)
    worker = {"cls": WorkerProcess, "options": {"worker_kwargs": options}}
    return SpecCluster(
        workers=dict.fromkeys(range(workers), worker),
        scheduler={
            "cls": Scheduler,
            "options": {"host": "127.0.0.1", "port": 0, "dashboard": False},
        },
        silence_logs=logging.CRITICAL,
        name="simulate",
    )


def _worker_environment(scratch: Path | None) -> dict[str, str]:
    """A worker finds this copy of simulate first, keeps its files in `scratch` and logs only
    errors (on this stderr)."""
    package = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (package, os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path, "DASK_LOGGING__DISTRIBUTED": "error"}
    if scratch is not None:
        env["DASK_TEMPORARY_DIRECTORY"] = str(scratch)
    return env


def _start_fork_server() -> None:
    """Start the fork server with Ctrl-C and SIGTERM held back: it inherits them held, so one
    that reaches the command's process group while the new Python imports (before it can ignore
    them) waits, and forkserver.py discards it; it once printed a KeyboardInterrupt traceback
    from the fork server's first import. Here one waits only as long as the start takes. The
    resource tracker is started first: starting, it lets both signals through again."""
    resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _Stop.SIGNALS)
    try:
        forkserver.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _worker_init(parent: int) -> None:
    """Workers leave Ctrl-C and SIGTERM to the main process, which stops cleanly (a signal to
    the command's whole process group reaches them too), and exit when the main process is
    gone (killed outright, it cannot shut its pool down): either it no longer exists, or the
    fork server that started the worker has exited with it and the worker has been handed to
    another parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    starter = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.25)
            if os.getppid() != starter:
                os._exit(1)
            try:
                os.kill(parent, 0)
            except (ProcessLookupError, PermissionError):  # gone (or its pid reused)
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


_LAUNCH = threading.Lock()


class _PopenWithoutMain(popen_forkserver.Popen):
    """Starts a worker without the instruction to re-import the caller's `__main__`.

    multiprocessing re-runs the main script in every worker so that functions defined there
    can be unpickled; ours live in the package, and re-running a script that calls
    simulate.compare() at top level would start a comparison inside each worker.
    """

    def _launch(self, process_obj: Any) -> None:
        with _LAUNCH:
            original = spawn.get_preparation_data

            def without_main(name: str) -> dict[str, Any]:
                data = original(name)
                data.pop("init_main_from_path", None)
                data.pop("init_main_from_name", None)
                return data

            spawn.get_preparation_data = without_main
            try:
                # typeshed leaves out Popen._launch, private but there in every version
                super()._launch(process_obj)  # type: ignore[misc]
            finally:
                spawn.get_preparation_data = original


class _WorkerProcess(ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        return _PopenWithoutMain(process_obj)


class _WorkerContext(ForkServerContext):
    """The fork-server start method, for workers that skip the caller's `__main__`."""

    Process = _WorkerProcess
