"""Imported in the fork server that starts local workers (see executor.PRELOAD).

The fork server and the workers it starts ignore SIGTERM, as they ignore Ctrl-C: a SIGTERM
sent to the command's whole process group (by `timeout`, a service manager or `kill -- -PGID`)
is the main process's to handle, which stops cleanly and then stops them; killed with the
group, they once broke the pool and the command ended with an internal error. They exit when
the main process is gone (the fork server when its pipe from it closes, a worker through
executor._worker_init's watch).

A worker being started when the main process stops (Ctrl-C in the first second) cannot read
what the main process sent it, and the fork server would print that failure as a traceback
under the command's one-line "interrupted". Such a start-up failure is silenced; every other
error is reported as usual.
"""

from __future__ import annotations

import signal
import sys
import traceback
from types import TracebackType

# What a worker's start-up meets when the main process has gone (its pipes and semaphores).
PARENT_GONE = (FileNotFoundError, EOFError, BrokenPipeError, ConnectionError)
_report = sys.excepthook


def _quiet_when_parent_gone(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    starting = any(
        frame.name == "_serve_one" and frame.filename.endswith("forkserver.py")
        for frame in traceback.extract_tb(tb)
    )
    if not (starting and issubclass(kind, PARENT_GONE)):
        _report(kind, value, tb)


sys.excepthook = _quiet_when_parent_gone
signal.signal(signal.SIGTERM, signal.SIG_IGN)
# Ctrl-C too, from here on: multiprocessing ignores it only once the preloads are imported,
# and a Ctrl-C during their imports printed a KeyboardInterrupt traceback under the
# command's one line (imported first of the preloads, see executor.PRELOAD)
signal.signal(signal.SIGINT, signal.SIG_IGN)
# The main process starts the fork server with both held back (executor._start_fork_server),
# so one that arrived while this Python started is pending: ignored now, it is discarded.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def _load_compiled() -> None:
    """Workers are forked from here, so what is loaded here is loaded once: the
    engine's compiled loops too (simulate.engine.load_compiled)."""
    from simulate.engine import load_compiled

    load_compiled()


_load_compiled()
