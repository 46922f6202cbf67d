"""Writing results safely: refuse to clobber a non-empty --out, write every file atomically.

Each file is written to a hidden temporary file in the same folder, flushed to disk, then
renamed over the target in one step, so a crash or Ctrl-C leaves either the previous complete
file or none, never a truncated one. The temporary name keeps the target's suffix, so writers
that pick a format from the extension (pandas, openpyxl) still work.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simulate.schema.errors import InputError

PARTIAL = ".partial"  # marks temporary files; a killed process may leave one behind


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


FILE_MODE = 0o666 & ~_umask()  # what open() would have given, instead of mkstemp's 0600


def prepare_out(out: Path, force: bool = False, resume: bool = False) -> Path:
    """Create the output folder; a non-empty one is an error unless --force or --resume."""
    try:
        if out.exists() and not out.is_dir():
            raise InputError(str(out), "--out", "exists and is not a folder", "a folder path")
        if out.exists() and any(out.iterdir()) and not (force or resume):
            raise InputError(
                str(out), "--out", "folder is not empty", "an empty or new folder, or pass --force"
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
    return write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))
