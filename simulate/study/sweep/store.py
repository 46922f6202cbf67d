"""A sweep's folder: the manifest, one Parquet file per finished chunk, resumption, results.

Each finished chunk is written at once to DIR/runs/part-<first run id>-<SHA-256>.parquet
(atomically), so a crash loses at most the chunks in flight and `--resume` carries on where it
stopped. A part is checked by its own name: on resume its bytes must have the SHA-256 its name
gives and read back with their Parquet page checksums, whatever manifest.json says; one that is
damaged (a flipped bit, cut short, junk) or that repeats runs of another is named, moved to
DIR/runs/damaged/ and its runs are run again, so a resumed sweep always ends with every run
exactly once. DIR/manifest.json holds a hash of the spec and the base scenario (a changed spec
cannot be resumed into); a damaged one is rebuilt when the folder's copies of the spec and base
scenario match the sweep being resumed. At the end the parts are consolidated into
DIR/results.parquet.

`--force` over a folder that holds results never deletes them first: the new sweep runs in
DIR/.simulate-next-sweep/ (resumable there), and replaces the old files as one committed set
(simulate.output.commit) only once it is complete.

Nothing here follows a symbolic link out of DIR: runs/ must be a real folder inside it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulate.folderlock import LOCK_NAME
from simulate.output import (
    PARTIAL,
    PREFIX,
    STAGING,
    remove_inside,
    write_bytes,
    write_json,
    write_text,
)
from simulate.schema.errors import InputError
from simulate.study.sweep.spec import RunTask, Sweep

# The files a sweep writes at the top of its folder (--force removes them, and the parts).
OUR_FILES = (
    "manifest.json",
    "spec.yaml",
    "base_scenario.json",
    "results.parquet",
    "sensitivity.csv",
    "report.html",
)
RESULTS = ("results.parquet", "sensitivity.csv", "report.html")  # written together at the end
RUNS = "runs"
DAMAGED = "damaged"  # runs/damaged/: parts set aside on resume
NEXT = f"{PREFIX}next-sweep"  # a sweep started with --force over earlier results, until done
PART = re.compile(r"part-(?P<first>\d{8,})-(?P<sha256>[0-9a-f]{64})\.parquet")


@dataclass
class Folder:
    """Where a sweep keeps its files (`path`: DIR, or DIR/.simulate-next-sweep until it
    replaces DIR's earlier results), the runs already saved there, and notes for the user."""

    path: Path
    resuming: bool
    finished: set[int] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    @property
    def replacing(self) -> bool:
        """Whether the sweep's files replace earlier results once it is complete."""
        return self.path.name == NEXT


def open_folder(sweep: Sweep, out: Path, resume: bool, force: bool = False) -> Folder:
    """Choose where the sweep works and check it (the lock on `out` is held); when resuming,
    check every saved part. Nothing is removed or written yet (see start_fresh).

    Resuming continues the sweep of this spec in DIR/.simulate-next-sweep if it is there, else
    in DIR; --force over a folder with results works in DIR/.simulate-next-sweep."""
    next_sweep = out / NEXT
    if resume:
        if _real_folder(next_sweep) and _is_this_sweep(sweep, next_sweep):
            folder = _resume(sweep, next_sweep)
            folder.notes.insert(
                0,
                f"resuming the sweep started with --force in {next_sweep}; the earlier results "
                f"in {out} stay until it is complete",
            )
            return folder
        if _earlier_results(out):
            return _resume(sweep, out)
    if force and _earlier_results(out):
        return Folder(next_sweep, False)
    return Folder(out, False)


def _resume(sweep: Sweep, path: Path) -> Folder:
    runs = path / RUNS
    if runs.is_symlink() or (runs.exists() and not runs.is_dir()):
        raise InputError(
            str(runs),
            "--resume",
            "is not a folder inside --out (a symbolic link or a file)",
            "a sweep folder whose runs/ is a real folder",
        )
    for tmp in runs.glob(f".*{PARTIAL}*"):  # a write cut short by a crash
        remove_inside(tmp, path)
    folder = Folder(path, True)
    _check_manifest(sweep, path, folder.notes)
    _check_parts(sweep, path, folder)
    return folder


def _earlier_results(out: Path) -> bool:
    """Whether the folder holds anything but our lock, staging and a next sweep."""
    if not out.is_dir():
        return False
    ours = (LOCK_NAME, NEXT)
    return any(p.name not in ours and not p.name.startswith(STAGING) for p in out.iterdir())


def _real_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _is_this_sweep(sweep: Sweep, path: Path) -> bool:
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        if isinstance(manifest, dict) and manifest.get("digest") == sweep.digest:
            return True
    except (OSError, ValueError):
        pass
    return _holds(sweep, path)


def _check_manifest(sweep: Sweep, out: Path, notes: list[str]) -> None:
    """The folder must hold this sweep: its manifest says so, or (a damaged or missing
    manifest, which is then rebuilt) its copies of the spec and base scenario."""
    manifest = out / "manifest.json"
    try:
        digest = json.loads(manifest.read_text(encoding="utf-8"))["digest"]
    except FileNotFoundError:
        problem = "has no manifest.json"
    except (OSError, ValueError, KeyError, TypeError) as err:
        problem = f"has a damaged manifest.json ({type(err).__name__})"
    else:
        if digest != sweep.digest:
            raise InputError(
                str(out),
                "--resume",
                _other_sweep(sweep, out),
                "the same spec, or a new --out",
            )
        return
    if not _holds(sweep, out):
        raise InputError(
            str(out),
            "--resume",
            f"{problem}, and its spec.yaml and base_scenario.json are missing or belong to "
            "another sweep",
            "resume with the spec this folder was started with (its copy is spec.yaml, if "
            "present), or start the sweep in a new --out; the saved runs stay in runs/",
        )
    notes.append(
        f"{out / 'manifest.json'} was missing or damaged; rebuilt from spec.yaml and "
        "base_scenario.json, which match this sweep (saved parts are checked by their own "
        "checksums)"
    )
    _write_manifest(sweep, out)


def _other_sweep(sweep: Sweep, out: Path) -> str:
    """Why a folder whose manifest.json names another sweep cannot be resumed into. When its
    copies of the spec and base scenario are this sweep's, the simulate version changed or
    manifest.json is damaged (a flipped bit): neither can be told from the other, so it is
    refused either way, saying both."""
    if _holds(sweep, out):
        return (
            "has a manifest.json of another sweep, though its spec.yaml and base_scenario.json "
            "are this one's: the simulate version changed, or manifest.json is damaged"
        )
    return "holds a different sweep (the spec, its base scenario or the simulate version changed)"


def _holds(sweep: Sweep, out: Path) -> bool:
    """Whether the folder's copies of spec and base scenario are this sweep's."""
    try:
        spec = (out / "spec.yaml").read_text(encoding="utf-8")
        base = json.loads((out / "base_scenario.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return spec == sweep.text and base == _plain(sweep.base)


def _check_parts(sweep: Sweep, out: Path, folder: Folder) -> None:
    """Accept every sound part (in name order); set the others aside, saying why."""
    schema = _arrow_schema(sweep)
    for part in _parts(out):
        problem, ids = _read_part(part, sweep, schema)
        if problem is None and folder.finished.intersection(ids):
            problem = "it repeats runs saved in another part"
        if problem is None:
            folder.finished.update(ids)
            continue
        moved = _set_aside(part, out)
        folder.notes.append(
            f"{part} is damaged ({problem}); moved to {moved.parent}, its runs will run again"
        )


def _read_part(part: Path, sweep: Sweep, schema: Any) -> tuple[str | None, list[int]]:
    """(problem, run ids): a part's bytes must have the SHA-256 its name gives, read with their
    page checksums, have this sweep's columns, and hold runs of this sweep each once with their
    own point, replication and seed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    named = PART.fullmatch(part.name)
    if named is None:
        return "its name carries no checksum", []
    try:
        data = part.read_bytes()
    except OSError as err:
        return f"cannot be read ({err.strerror or err})", []
    if hashlib.sha256(data).hexdigest() != named["sha256"]:
        return "its checksum does not match its name", []
    try:
        table = pq.read_table(pa.BufferReader(data), page_checksum_verification=True)
        if not table.schema.equals(schema, check_metadata=False):
            return "its columns are not this sweep's", []
        columns = {c: table.column(c).to_pylist() for c in ("run_id", "point", "replication")}
        seeds = table.column("seed").to_pylist()
    except Exception as err:  # noqa: BLE001 - any failure to read means a damaged file
        return f"cannot be read: {str(err).splitlines()[0][:120] if str(err) else err!r}", []
    ids = columns["run_id"]
    reps = sweep.spec.replications
    sound = (
        len(ids) > 0
        and len(set(ids)) == len(ids)
        and all(isinstance(i, int) and 0 <= i < sweep.total for i in ids)
        and ids[0] == int(named["first"])
        and columns["point"] == [i // reps for i in ids]
        and columns["replication"] == [i % reps for i in ids]
        and seeds == [sweep.seed(i // reps) for i in ids]
    )
    return (None if sound else "its runs are not this sweep's"), ids


def _set_aside(part: Path, out: Path) -> Path:
    """Move a part into runs/damaged/ (a real folder; a link there is replaced), keeping it."""
    folder = out / RUNS / DAMAGED
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        remove_inside(folder, out)
    folder.mkdir(exist_ok=True)
    target = folder / part.name
    n = 1
    while target.exists() or target.is_symlink():
        target = folder / f"{part.stem}.{n}{part.suffix}"
        n += 1
    part.rename(target)
    return target


def start_fresh(sweep: Sweep, folder: Folder, out: Path) -> None:
    """Make the sweep's folder empty of any earlier sweep, then record this one.

    In DIR itself (--force where no results were, or none of ours) only our own names are
    removed, and never through a symbolic link: a link named like one of our files, or runs/
    itself as a link, is removed as a link. DIR/.simulate-next-sweep is ours whole."""
    path = folder.path
    if folder.replacing:
        if path.exists() or path.is_symlink():
            remove_inside(path, out)
        path.mkdir()
    for name in OUR_FILES:
        if (path / name).is_symlink() or (path / name).exists():
            remove_inside(path / name, out)
    runs = path / RUNS
    if runs.is_symlink() or (runs.exists() and not runs.is_dir()):
        remove_inside(runs, out)
    elif runs.is_dir():
        for part in [*runs.glob("part-*.parquet"), *runs.glob(f".*{PARTIAL}*")]:
            remove_inside(part, out)  # a link named like a part goes as a link
    write_text(path / "spec.yaml", sweep.text)
    write_json(path / "base_scenario.json", _plain(sweep.base))
    _write_manifest(sweep, path)


def _write_manifest(sweep: Sweep, out: Path) -> None:
    write_json(
        out / "manifest.json",
        {
            "digest": sweep.digest,
            "name": sweep.spec.name,
            "spec": str(sweep.path.resolve()),
            "scenario": str(sweep.scenario_path),
            "design": sweep.spec.design,
            "points": len(sweep.points),
            "replications": sweep.spec.replications,
            "runs": sweep.total,
            "seed": sweep.spec.seed,
            "common_random_numbers": sweep.spec.common_random_numbers,
            "parameters": sweep.parameter_names,
            "metrics": sweep.metric_columns,
        },
    )


class PartWriter:
    """Saves each finished chunk as runs/part-<first run id>-<its SHA-256>.parquet."""

    def __init__(self, sweep: Sweep, out: Path) -> None:
        self.sweep, self.folder = sweep, out / RUNS
        self.schema = _arrow_schema(sweep)

    def write(self, tasks: list[RunTask], values: list[list[float]]) -> None:
        """One row per run: its identity, parameter values and seed, then the metrics."""
        records = []
        for (run_id, point, replication, seed, overrides), metric_values in zip(
            tasks, values, strict=True
        ):
            row: dict[str, Any] = {"run_id": run_id, "point": point, **overrides}
            row.update(replication=replication, seed=seed)
            row.update(zip(self.sweep.metric_columns, metric_values, strict=True))
            records.append(row)
        frame = pd.DataFrame.from_records(records, columns=self.schema.names)
        data = _parquet_bytes(frame, self.schema)
        write_bytes(self.folder / part_name(tasks[0][0], data), data)


def part_name(first_run: int, data: bytes) -> str:
    """A part is named by its first run (names do not depend on the order chunks finish) and
    by the SHA-256 of its bytes (it is checked by its own name, whatever the manifest says)."""
    return f"part-{first_run:08d}-{hashlib.sha256(data).hexdigest()}.parquet"


def consolidate(sweep: Sweep, out: Path, into: Path | None = None) -> pd.DataFrame:
    """Gather the parts into results.parquet (in `into`, default the sweep folder), one row
    per run in run-id order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _arrow_schema(sweep)
    tables = [pq.read_table(p, schema=schema, page_checksum_verification=True) for p in _parts(out)]
    frame = pa.concat_tables(tables).to_pandas() if tables else schema.empty_table().to_pandas()
    frame = frame.sort_values("run_id", kind="stable").reset_index(drop=True)
    ids = frame["run_id"].to_numpy()
    if len(ids) != sweep.total or not np.array_equal(ids, np.arange(sweep.total)):
        raise RuntimeError(f"{out}: expected runs 0..{sweep.total - 1}, found {len(ids)} rows")
    write_bytes((into or out) / "results.parquet", _parquet_bytes(frame, schema))
    return frame


def _parts(out: Path) -> list[Path]:
    runs = out / RUNS
    if runs.is_symlink() or not runs.is_dir():
        return []
    return sorted(p for p in runs.glob("part-*.parquet") if not p.is_symlink())


def _plain(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str))


def _arrow_schema(sweep: Sweep) -> Any:
    import pyarrow as pa

    fields = [pa.field("run_id", pa.int64()), pa.field("point", pa.int64())]
    fields += [pa.field(a.name, pa.int64() if a.integer else pa.float64()) for a in sweep.axes]
    fields += [pa.field("replication", pa.int64()), pa.field("seed", pa.int64())]
    fields += [pa.field(m.column, pa.float64()) for m in sweep.metrics]
    return pa.schema(fields)


def _parquet_bytes(frame: pd.DataFrame, schema: Any) -> bytes:
    """A table as Parquet with page checksums."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, write_page_checksum=True)
    return bytes(sink.getvalue().to_pybytes())
