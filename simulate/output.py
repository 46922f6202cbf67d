"""Writing results safely: one writer per --out, whole sets of files, every file atomic.

- `claim_out` holds the folder's lock (simulate.folderlock) and checks the folder before any
  work: a non-empty folder needs --force, and a file the command will write must not be a
  folder.
- `staged_set` writes a set of files (a run's, a comparison's) into a hidden staging folder
  inside --out and moves them into place only once all are written, so a failure (a full disk
  included) or Ctrl-C leaves the previous set whole: the set is all-new or all-old.
- `write_atomic` writes one file to a hidden temporary file beside it, flushed to disk, then
  renamed over the target in one step. The temporary name keeps the target's suffix, so
  writers that pick a format from the extension (pandas, openpyxl) still work.
- CSV text cells that a spreadsheet would run as a formula are neutralised (see safe_text).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any

from simulate.folderlock import LOCK_NAME, Holder, locked
from simulate.schema.errors import InputError

PARTIAL = ".partial"  # marks temporary files; a killed process may leave one behind
PREFIX = ".simulate-"  # our folders inside --out
STAGING = f"{PREFIX}staging-"  # staging folders: removed unless their set was committed
JOURNAL = ".commit.json"  # in a staging folder: the set is complete, these are its moves
REPLACED = ".replaced"  # in a staging folder: the old entries its commit moved out of the way
SIGNALS = (signal.SIGINT, signal.SIGTERM)
# Cells a spreadsheet reads as a formula (OWASP, "CSV Injection"), or as a hidden line break.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


_committed = 0  # sets this process has moved in whole (see sets_committed)


class OutputError(Exception):
    """Results could not be written (a full disk, a folder in the way); the folder keeps the
    previous set. The command line prints the message and exits with 1."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


FILE_MODE = 0o666 & ~_umask()  # what open() would have given, instead of mkstemp's 0600


@contextlib.contextmanager
def claim_out(
    out: Path,
    force: bool = False,
    resume: bool = False,
    writes: Collection[str] = (),
    command: str | None = None,
) -> Iterator[Holder | None]:
    """Lock --out for this command and check it (see prepare_out) before any work starts.

    Yields the holder of a lock left by a killed command, which this one took over (or None).
    A set a killed command had begun moving in is moved in whole (finish_commits); its other
    staging folders are removed.
    """
    _not_a_file(out)
    with locked(out, command) as stale:
        finish_commits(out)
        prepare_out(out, force=force, resume=resume, writes=writes)
        for leftover in out.glob(f"{STAGING}*"):
            remove_inside(leftover, out)
        yield stale


def finish_commits(out: Path) -> None:
    """Finish the commit of a set a killed command had begun moving in (see commit), so the
    folder holds one whole set before anything else looks at it."""
    for stage in sorted(out.glob(f"{PREFIX}*")) if out.is_dir() else ():
        if stage.is_dir() and not stage.is_symlink() and finish_commit(stage, out):
            remove_inside(stage, out)


def prepare_out(
    out: Path, force: bool = False, resume: bool = False, writes: Collection[str] = ()
) -> Path:
    """Create the output folder; a non-empty one is an error unless --force or --resume.

    `writes` names the files the command will write there: none may be a folder.
    """
    try:
        _not_a_file(out)
        if holds_results(out) and not (force or resume):
            raise InputError(
                str(out), "--out", "folder is not empty", "an empty or new folder, or pass --force"
            )
        for name in writes:
            target = out / name
            if target.is_dir() and not target.is_symlink():
                raise InputError(
                    str(target),
                    "--out",
                    "is a folder where the results need a file",
                    "remove or rename it, or choose another --out folder",
                )
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):  # fail now, not after a long simulation
            pass
        if force or resume:
            for stale in out.glob(f".*{PARTIAL}*"):  # left by a killed run
                if stale.is_file():
                    stale.unlink()
    except OSError as err:
        raise InputError(
            str(out), "--out", f"cannot use this folder ({err.strerror or err})"
        ) from None
    return out


def _not_a_file(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "--out", "exists and is not a folder", "a folder path")


def holds_results(out: Path) -> bool:
    """Whether the folder holds anything but our lock and staging leftovers."""
    if not out.is_dir():
        return False
    return any(p.name != LOCK_NAME and not p.name.startswith(STAGING) for p in out.iterdir())


@contextlib.contextmanager
def staged_set(out: Path, replaces: Collection[str] = ()) -> Iterator[Path]:
    """Yield a fresh staging folder inside `out`; once the caller has written every file of
    the set there, move them into `out` together (commit).

    On any failure before the commit nothing in `out` has changed: the staging folder is
    removed and an OSError becomes an OutputError saying so. `replaces` names files of an older
    set of the same kind that the new set does not have (they are removed, so no stale file
    survives).
    """
    with locked(out):
        try:
            stage = Path(tempfile.mkdtemp(prefix=STAGING, dir=out))
        except OSError as err:
            raise OutputError(_unwritten(out, err)) from None
        try:
            yield stage
            commit(stage, out, replaces)
        except OSError as err:
            raise OutputError(_unwritten(out, err)) from None
        finally:
            if committed(stage) or not (stage / JOURNAL).exists():  # else: to be finished
                remove_inside(stage, out)


def _unwritten(out: Path, err: OSError) -> str:
    return (
        f"could not write the results into {out} ({err.strerror or err}); "
        "the files already there are unchanged"
    )


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM, with what the interrupted command kept (the command line prints it
    after "interrupted: ")."""

    def __init__(self, kept: str) -> None:
        super().__init__(kept)
        self.kept = kept


def commit(stage: Path, out: Path, replaces: Collection[str] = ()) -> None:
    """Move every entry of the staging folder (files, or folders such as a sweep's runs/) into
    `out`, replacing those of the same name, and remove the `replaces` entries the new set has
    not: the set is swapped in whole.

    The commit is a journal: the staging folder's JOURNAL, written in one step once the set is
    complete, lists the moves. From then on the moves only finish what the journal says (a
    command killed half-way is finished by the next one that claims the folder, see
    claim_out), and Ctrl-C or SIGTERM wait until they are done: a signal during the commit
    raises Interrupted afterwards, saying the new set is in place.
    """
    names = sorted(p.name for p in stage.iterdir() if PARTIAL not in p.name and p.name != JOURNAL)
    for name in names:
        target = out / name
        if target.is_dir() and not target.is_symlink() and not (stage / name).is_dir():
            raise OutputError(
                f"{target} is a folder where the results need a file; "
                "the files already in the folder are unchanged"
            )
    global _committed
    moves = {"moves": names, "removes": sorted(set(replaces) - set(names))}
    with held_signals() as caught:
        write_json(stage / JOURNAL, moves)
        try:
            finish_commit(stage, out)
        except OSError as err:  # the journal stays: the next command finishes the moves
            raise OutputError(
                f"could not finish moving the new files into {out} ({err.strerror or err}); "
                "the next command that uses this folder finishes the move"
            ) from None
        _committed += 1
    if caught:
        raise Interrupted(f"the new files are complete in {out}")


def sets_committed() -> int:
    """How many sets this process has moved in whole, counted with the signals held: a
    command stopped by a signal just after its commit (while it tidies up or lets its folder
    go) sees the count grew and says its new files are complete, not that nothing was
    written."""
    return _committed


def finish_commit(stage: Path, out: Path) -> bool:
    """Carry out (or finish) the moves a staging folder's journal lists; False when it has no
    journal (it was never committed: nothing of it belongs in `out`). Safe to repeat."""
    try:
        journal = json.loads((stage / JOURNAL).read_text(encoding="utf-8"))
        moves, removes = list(journal["moves"]), list(journal["removes"])
    except FileNotFoundError:
        return False
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise OutputError(f"{stage / JOURNAL} is damaged ({type(err).__name__})") from None
    if not all(_plain_name(n) for n in moves + removes):
        raise OutputError(f"{stage / JOURNAL} names a path outside {out}")
    aside = stage / REPLACED
    for name in moves:
        new, old = stage / name, out / name
        if not (new.exists() or new.is_symlink()):
            continue  # moved before a crash
        present = old.exists() or old.is_symlink()
        if present and (new.is_dir() or (old.is_dir() and not old.is_symlink())):
            _move_aside(old, aside)  # a folder cannot be renamed over, nor onto a file
        os.replace(new, old)
    for name in removes:
        if (out / name).exists() or (out / name).is_symlink():
            _move_aside(out / name, aside)
    _flush_folder(out)
    return True


def committed(stage: Path) -> bool:
    """Whether a staging folder's set is committed and moved in whole (what is left of it can
    go)."""
    if not (stage / JOURNAL).exists():
        return False
    return all(p.name in (JOURNAL, REPLACED) or PARTIAL in p.name for p in stage.iterdir())


def _plain_name(name: object) -> bool:
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name


def _move_aside(path: Path, aside: Path) -> None:
    """Rename an entry out of the way, into the staging folder (removed with it)."""
    aside.mkdir(exist_ok=True)
    target = aside / path.name
    n = 1
    while target.exists() or target.is_symlink():
        target, n = aside / f"{path.name}.{n}", n + 1
    os.rename(path, target)


@contextlib.contextmanager
def held_signals() -> Iterator[list[int]]:
    """Ctrl-C and SIGTERM wait while the block runs: yields the list of those that came."""
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    previous = {s: signal.signal(s, lambda signum, _: caught.append(signum)) for s in SIGNALS}
    try:
        yield caught
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


def remove_inside(path: Path, root: Path) -> None:
    """Delete `path` (a file or a folder tree inside `root`) without following any symbolic
    link: a link is removed itself, never what it points to."""
    if not path.absolute().is_relative_to(root.absolute()):
        raise ValueError(f"{path} is not inside {root}")
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)  # rmtree never follows links inside the tree


def write_atomic(path: Path, write: Callable[[Path], Any]) -> Path:
    """Call write(tmp) on a temporary file beside path, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=f"{PARTIAL}{path.suffix}", dir=path.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        _flush(tmp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    _flush_folder(path.parent)
    return path


def _flush(path: Path) -> None:
    """Force the written bytes to disk before the rename makes them visible."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _flush_folder(folder: Path) -> None:
    """Make the rename itself durable (not possible on every platform; best effort)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_text(path: Path, text: str) -> Path:
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_bytes(path: Path, data: bytes) -> Path:
    return write_atomic(path, lambda tmp: tmp.write_bytes(data))


def write_json(path: Path, data: Any) -> Path:
    return write_text(path, json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n")


def write_csv(path: Path, frame: Any) -> Path:
    """A table as CSV; text a spreadsheet would run as a formula is neutralised (safe_text)."""
    frame = _neutralised(frame)
    return write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))


def safe_text(value: Any) -> Any:
    """Text starting with = + - @, a tab or a carriage return gets a leading single quote, as
    OWASP recommends against CSV injection: a spreadsheet shows it as text, never runs it.
    Anything else (numbers included) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _neutralised(frame: Any) -> Any:
    """The frame with its text cells and column names passed through safe_text (a copy, and
    only when something needs it)."""
    from pandas.api.types import is_object_dtype, is_string_dtype

    def risky(values: Any) -> bool:
        if not (is_object_dtype(values.dtype) or is_string_dtype(values.dtype)):
            return False
        return bool(values.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS)).any())

    columns = [safe_text(c) for c in frame.columns]
    text = [j for j, (_, values) in enumerate(frame.items()) if risky(values)]
    if not text and columns == list(frame.columns):
        return frame
    frame = frame.copy()
    for j in text:
        frame.isetitem(j, frame.iloc[:, j].map(safe_text))
    frame.columns = columns
    return frame
