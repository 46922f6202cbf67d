"""Writing results safely: refuse to clobber a non-empty --out, write every file atomically."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import InputError


def prepare_out(out: Path, force: bool = False, resume: bool = False) -> Path:
    """Create the output folder; a non-empty one is an error unless --force or --resume."""
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "--out", "exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not (force or resume):
        raise InputError(
            str(out), "--out", "folder is not empty", "an empty or new folder, or pass --force"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(str(out), "--out", f"cannot create folder ({err.strerror})") from None
    return out


def write_atomic(path: Path, write: Callable[[Path], Any]) -> Path:
    """Call write(tmp) on a temporary file beside path, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_text(path: Path, text: str) -> Path:
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(path: Path, data: Any) -> Path:
    return write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def write_csv(path: Path, frame: Any) -> Path:
    return write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))
