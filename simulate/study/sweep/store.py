"""A sweep's folder: the manifest, one Parquet file per finished chunk, resumption, results.

Each finished chunk is written at once to DIR/runs/part-<first run id>.parquet (atomically),
so a crash loses at most the chunks in flight and `--resume` carries on where it stopped.
DIR/manifest.json holds a hash of the spec and the base scenario (a changed spec cannot be
resumed into) and the SHA-256 of every part; each part also carries Parquet page checksums.
On resume every part is checked: one that is damaged (a flipped byte, cut short, junk) or that
repeats runs of another is named, moved to DIR/runs/damaged/ and its runs are run again, so a
resumed sweep always ends with every run exactly once. A damaged manifest is rebuilt when the
folder's copies of the spec and base scenario match the sweep being resumed. At the end the
parts are consolidated into DIR/results.parquet.

Nothing here follows a symbolic link out of DIR: runs/ must be a real folder inside it.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulate.output import (
    PARTIAL,
    holds_results,
    remove_inside,
    write_atomic,
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
DAMAGED = "damaged"  # runs/damaged/: parts set aside on resume
MANIFEST_EVERY = 1.0  # seconds between manifest updates while parts are written


@dataclass
class Folder:
    """What a sweep found in its folder: runs already saved, and notes for the user."""

    resuming: bool
    finished: set[int] = field(default_factory=set)
    parts: dict[str, str] = field(default_factory=dict)  # part file name -> SHA-256
    notes: list[str] = field(default_factory=list)


def open_folder(sweep: Sweep, out: Path, resume: bool) -> Folder:
    """Check the folder (its lock is held); when resuming, check every saved part.

    The folder must already be claimed (simulate.output.claim_out)."""
    runs = out / "runs"
    if resume and (runs.is_symlink() or (runs.exists() and not runs.is_dir())):
        raise InputError(
            str(runs),
            "--resume",
            "is not a folder inside --out (a symbolic link or a file)",
            "a sweep folder whose runs/ is a real folder",
        )
    if not (resume and holds_results(out)):
        return Folder(False)
    for tmp in runs.glob(f".*{PARTIAL}*"):  # a write cut short by a crash
        remove_inside(tmp, out)
    folder = Folder(True)
    recorded = _read_manifest(sweep, out, folder.notes)
    _check_parts(sweep, out, recorded, folder)
    _write_manifest(sweep, out, folder.parts)
    return folder


def _read_manifest(sweep: Sweep, out: Path, notes: list[str]) -> dict[str, str]:
    """The part checksums of a manifest of this sweep; a damaged one is rebuilt if the
    folder's spec.yaml and base_scenario.json show it holds this sweep."""
    manifest = out / "manifest.json"
    try:
        old = json.loads(manifest.read_text(encoding="utf-8"))
        digest, parts = old["digest"], old.get("parts", {})
        if not (isinstance(parts, dict) and all(isinstance(v, str) for v in parts.values())):
            raise ValueError("parts is not a mapping of checksums")
    except FileNotFoundError:
        problem = "has no manifest.json"
    except (OSError, ValueError, KeyError, TypeError) as err:
        problem = f"has a damaged manifest.json ({type(err).__name__})"
    else:
        if digest != sweep.digest:
            raise InputError(
                str(out),
                "--resume",
                "holds a different sweep (the spec, its base scenario or the simulate version "
                "changed)",
                "the same spec, or a new --out",
            )
        return dict(parts)
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
    return {}


def _holds(sweep: Sweep, out: Path) -> bool:
    """Whether the folder's copies of spec and base scenario are this sweep's."""
    try:
        spec = (out / "spec.yaml").read_text(encoding="utf-8")
        base = json.loads((out / "base_scenario.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return spec == sweep.text and base == _plain(sweep.base)


def _check_parts(sweep: Sweep, out: Path, recorded: dict[str, str], folder: Folder) -> None:
    """Accept every sound part (in name order); set the others aside, saying why."""
    schema = _arrow_schema(sweep)
    for part in _parts(out):
        data = part.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        expected = recorded.get(part.name)
        problem: str | None
        if expected is not None and expected != digest:
            problem = "its checksum does not match the manifest"
        else:
            problem, ids = _read_part(part, sweep, schema)
            if problem is None and folder.finished.intersection(ids):
                problem = "it repeats runs saved in another part"
            if problem is None:
                folder.finished.update(ids)
                folder.parts[part.name] = digest
                continue
        moved = _set_aside(part, out)
        folder.notes.append(
            f"{part} is damaged ({problem}); moved to {moved.parent}, its runs will run again"
        )


def _read_part(part: Path, sweep: Sweep, schema: Any) -> tuple[str | None, list[int]]:
    """(problem, run ids): a part must read with its page checksums, have this sweep's
    columns, and hold runs of this sweep each once with their own point, replication and seed."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(part, page_checksum_verification=True)
    except Exception as err:  # noqa: BLE001 - any failure to read means a damaged file
        return f"cannot be read: {str(err).splitlines()[0][:120]}", []
    if not table.schema.equals(schema, check_metadata=False):
        return "its columns are not this sweep's", []
    frame = table.select(["run_id", "point", "replication", "seed"]).to_pandas()
    ids = frame["run_id"].tolist()
    reps = sweep.spec.replications
    seeds = {point: sweep.seed(point) for point in {i // reps for i in ids}}
    sound = (
        len(ids) > 0
        and len(set(ids)) == len(ids)
        and all(0 <= i < sweep.total for i in ids)
        and frame["point"].tolist() == [i // reps for i in ids]
        and frame["replication"].tolist() == [i % reps for i in ids]
        and frame["seed"].tolist() == [seeds[i // reps] for i in ids]
    )
    return (None if sound else "its runs are not this sweep's"), ids


def _set_aside(part: Path, out: Path) -> Path:
    """Move a part into runs/damaged/ (a real folder; a link there is replaced), keeping it."""
    folder = out / "runs" / DAMAGED
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


def start_fresh(sweep: Sweep, out: Path) -> None:
    """Remove our own files of an earlier sweep (--force), then record this one.

    Only our own names are removed, and never through a symbolic link: a link named like one
    of our files, or runs/ itself as a link, is removed as a link."""
    for name in OUR_FILES:
        if (out / name).is_symlink() or (out / name).exists():
            remove_inside(out / name, out)
    runs = out / "runs"
    if runs.is_symlink() or (runs.exists() and not runs.is_dir()):
        remove_inside(runs, out)
    elif runs.is_dir():
        for part in [*runs.glob("part-*.parquet"), *runs.glob(f".*{PARTIAL}*")]:
            remove_inside(part, out)  # a link named like a part goes as a link
    write_text(out / "spec.yaml", sweep.text)
    write_json(out / "base_scenario.json", _plain(sweep.base))
    _write_manifest(sweep, out, {})


def _write_manifest(sweep: Sweep, out: Path, parts: dict[str, str]) -> None:
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
            "parts": dict(sorted(parts.items())),
        },
    )


class PartWriter:
    """Saves each finished chunk as runs/part-<first run id>.parquet and records its SHA-256
    in the manifest (at most once a second, and on close)."""

    def __init__(self, sweep: Sweep, out: Path, parts: dict[str, str]) -> None:
        self.sweep, self.out, self.folder = sweep, out, out / "runs"
        self.schema = _arrow_schema(sweep)
        self.parts = dict(parts)
        self.recorded = time.monotonic()
        self.unrecorded = False

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
        path = self.folder / part_name(tasks[0][0])
        self.parts[path.name] = _write_parquet(path, frame, self.schema)
        self.unrecorded = True
        if time.monotonic() - self.recorded >= MANIFEST_EVERY:
            self.close()

    def close(self) -> None:
        """Record every part written so far in the manifest."""
        if self.unrecorded:
            _write_manifest(self.sweep, self.out, self.parts)
            self.recorded, self.unrecorded = time.monotonic(), False


def part_name(first_run: int) -> str:
    """A part is named by its first run, so names do not depend on the order chunks finish."""
    return f"part-{first_run:08d}.parquet"


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
    _write_parquet((into or out) / "results.parquet", frame, schema)
    return frame


def _parts(out: Path) -> list[Path]:
    runs = out / "runs"
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


def _write_parquet(path: Path, frame: pd.DataFrame, schema: Any) -> str:
    """Write a table with page checksums; return the file's SHA-256."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    digest: list[str] = []

    def write(tmp: Path) -> None:
        pq.write_table(table, tmp, write_page_checksum=True)
        digest.append(hashlib.sha256(tmp.read_bytes()).hexdigest())

    write_atomic(path, write)
    return digest[0]
