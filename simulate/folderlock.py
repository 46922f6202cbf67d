"""One writer per output folder: an advisory lock file inside it.

A command that writes into --out holds an flock on OUT/.simulate.lock from its first check of
the folder to its last file, and the file records who holds it (pid, command, start time) so
a second command is refused with the holder's name instead of mixing its files in. The kernel
releases an flock when its holder exits, however it exits, so a lock left by a killed process
is simply taken over (the file still names the dead holder, which the new one reports).

Within one process the lock is re-entrant for the thread that holds it (the command line holds
it around the whole command; save_run inside takes it again), and refused to other threads.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shlex
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from simulate.schema.errors import InputError

LOCK_NAME = ".simulate.lock"
# Filesystems without flock (some network mounts): fall back to the pid written in the file.
_NO_FLOCK = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}


@dataclass(frozen=True)
class Holder:
    """Who holds (or held) a folder's lock."""

    pid: int
    command: str
    started: str  # UTC, ISO 8601
    host: str

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}, started {self.started}: {self.command}"

    def running(self) -> bool:
        """Whether the holder still runs (only knowable on this host)."""
        if self.host != socket.gethostname():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


@dataclass
class _Held:
    fd: int
    thread: int
    depth: int
    stale: Holder | None  # a dead holder whose lock was taken over


_held: dict[Path, _Held] = {}
_registry = threading.Lock()


@contextlib.contextmanager
def locked(folder: Path, command: str | None = None) -> Iterator[Holder | None]:
    """Hold the folder's lock (creating the folder); yield the dead holder it took over, if any.

    A folder held by another process, or by another thread of this one, is an InputError
    naming the holder.
    """
    key = _key(folder)
    with _registry:
        held = _held.get(key)
        if held is not None:
            if held.thread != threading.get_ident():
                raise _busy(folder, "another task of this program")
            held.depth += 1
        else:
            fd, stale = _acquire(folder, command)
            held = _held[key] = _Held(fd, threading.get_ident(), 1, stale)
    try:
        yield held.stale
    finally:
        with _registry:
            held.depth -= 1
            if held.depth == 0:
                del _held[key]
                _release(folder, held.fd)


def holder(folder: Path) -> Holder | None:
    """The holder recorded in the folder's lock file (running or not), if any."""
    try:
        return _parse((folder / LOCK_NAME).read_text(encoding="utf-8"))
    except OSError:
        return None


def _key(folder: Path) -> Path:
    try:
        return folder.resolve()
    except OSError:
        return folder.absolute()


def _acquire(folder: Path, command: str | None) -> tuple[int, Holder | None]:
    path = folder / LOCK_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            try:
                _flock(fd, path)
                if _same_file(fd, path):  # not unlinked by a holder finishing meanwhile
                    previous = _parse(_read(fd))
                    _write(fd, _me(command))
                    break
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)
        stale = previous if previous is not None and previous.pid != os.getpid() else None
    except OSError as err:
        problem = "is a symbolic link" if err.errno == errno.ELOOP else (err.strerror or str(err))
        raise InputError(
            str(path), "--out", f"cannot lock the folder ({problem})", "a folder you can write"
        ) from None
    return fd, stale


def _flock(fd: int, path: Path) -> None:
    """Take the lock without waiting; a folder in use is an InputError naming its holder."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise _busy(path.parent, _parse(_read(fd))) from None
    except OSError as err:
        if err.errno not in _NO_FLOCK:
            raise
        recorded = _parse(_read(fd))  # no flock here: trust the pid in the file
        if recorded is not None and recorded.pid != os.getpid() and recorded.running():
            raise _busy(path.parent, recorded) from None


def _busy(folder: Path, who: Holder | str | None) -> InputError:
    named = who.describe() if isinstance(who, Holder) else who or "another command"
    return InputError(
        str(folder),
        "--out",
        f"is in use by another command ({named})",
        "wait for it to finish, or choose another --out folder",
    )


def _same_file(fd: int, path: Path) -> bool:
    try:
        now = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (now.st_dev, now.st_ino)


def _release(folder: Path, fd: int) -> None:
    """Remove the lock file while still holding it, then let go."""
    try:
        path = folder / LOCK_NAME
        if _same_file(fd, path):
            path.unlink()
    except OSError:
        pass  # a lock file left behind is taken over by the next command
    finally:
        os.close(fd)


def _me(command: str | None) -> Holder:
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if command is None:
        argv = [Path(sys.argv[0]).name, *sys.argv[1:]] if sys.argv and sys.argv[0] else []
        command = shlex.join(argv) if argv else "python"
    return Holder(os.getpid(), command, started, socket.gethostname())


def _read(fd: int) -> str:
    try:
        return os.pread(fd, 8192, 0).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _write(fd: int, me: Holder) -> None:
    data = json.dumps(me.__dict__, sort_keys=True).encode("utf-8") + b"\n"
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


def _parse(text: str) -> Holder | None:
    try:
        fields = json.loads(text)
        return Holder(
            int(fields["pid"]), str(fields["command"]), str(fields["started"]), str(fields["host"])
        )
    except (ValueError, KeyError, TypeError):
        return None
