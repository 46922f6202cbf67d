"""A sweep's folder: the manifest, one Parquet file per finished chunk, resumption, results.

Each finished chunk is written at once to DIR/runs/part-NNNNN.parquet (atomically), so a
crash loses at most the chunks in flight and `--resume` carries on where it stopped
(DIR/manifest.json holds a hash of the spec and the base scenario, so a changed spec cannot
be resumed into). At the end the parts are consolidated into DIR/results.parquet.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

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


def open_out(sweep: Sweep, out: Path, resume: bool, force: bool) -> bool:
    """Check the folder and the options; create the folder. True when resuming in it."""
    from simulate.output import PARTIAL, prepare_out

    if resume and force:
        raise InputError(None, "--resume", "give --resume or --force, not both")
    manifest = out / "manifest.json"
    resuming = resume and out.is_dir() and any(out.iterdir())
    if resuming:
        if not manifest.is_file():
            raise InputError(str(out), "--resume", "is not a sweep folder (no manifest.json)")
        old = json.loads(manifest.read_text(encoding="utf-8"))
        if old.get("digest") != sweep.digest:
            raise InputError(
                str(out),
                "--resume",
                "holds a different sweep (the spec, its base scenario or the simulate version "
                "changed)",
                "the same spec, or a new --out",
            )
    prepare_out(out, force=force, resume=resume)
    if resuming:
        for tmp in (out / "runs").glob(f".*{PARTIAL}*"):  # a write cut short by a crash
            tmp.unlink()
    return bool(resuming)


def start_fresh(sweep: Sweep, out: Path) -> None:
    """Remove our own files from an earlier sweep (--force), then record this one."""
    from simulate.output import PARTIAL, write_json, write_text

    for name in OUR_FILES:
        (out / name).unlink(missing_ok=True)
    for part in [*_parts(out), *(out / "runs").glob(f".*{PARTIAL}*")]:
        part.unlink()
    write_text(out / "spec.yaml", sweep.text)
    write_json(out / "base_scenario.json", json.loads(json.dumps(sweep.base, default=str)))
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


def finished_runs(out: Path) -> set[int]:
    """Run ids already on disk; a run saved twice would mean a bug, so it is an error."""
    import pyarrow.parquet as pq

    seen: set[int] = set()
    for part in _parts(out):
        ids = pq.read_table(part, columns=["run_id"]).column("run_id").to_pylist()
        if seen.intersection(ids) or len(set(ids)) != len(ids):
            raise RuntimeError(f"{part}: run ids saved twice")
        seen.update(ids)
    return seen


class PartWriter:
    """Saves each finished chunk as the next runs/part-NNNNN.parquet, after those on disk."""

    def __init__(self, sweep: Sweep, out: Path) -> None:
        self.sweep, self.folder = sweep, out / "runs"
        self.schema = _arrow_schema(sweep)
        self.number = max((int(p.stem.split("-")[1]) for p in _parts(out)), default=-1) + 1

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
        path = self.folder / f"part-{self.number:05d}.parquet"
        self.number += 1
        _write_parquet(path, frame, self.schema)


def consolidate(sweep: Sweep, out: Path) -> pd.DataFrame:
    """Gather the parts into results.parquet, one row per run in run-id order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _arrow_schema(sweep)
    tables = [pq.read_table(p, schema=schema) for p in _parts(out)]
    frame = pa.concat_tables(tables).to_pandas() if tables else schema.empty_table().to_pandas()
    frame = frame.sort_values("run_id", kind="stable").reset_index(drop=True)
    ids = frame["run_id"].to_numpy()
    if len(ids) != sweep.total or not np.array_equal(ids, np.arange(sweep.total)):
        raise RuntimeError(f"{out}: expected runs 0..{sweep.total - 1}, found {len(ids)} rows")
    _write_parquet(out / "results.parquet", frame, schema)
    return frame


def _parts(out: Path) -> list[Path]:
    return sorted((out / "runs").glob("part-*.parquet"))


def _arrow_schema(sweep: Sweep) -> Any:
    import pyarrow as pa

    fields = [pa.field("run_id", pa.int64()), pa.field("point", pa.int64())]
    fields += [pa.field(a.name, pa.int64() if a.integer else pa.float64()) for a in sweep.axes]
    fields += [pa.field("replication", pa.int64()), pa.field("seed", pa.int64())]
    fields += [pa.field(m.column, pa.float64()) for m in sweep.metrics]
    return pa.schema(fields)


def _write_parquet(path: Path, frame: pd.DataFrame, schema: Any) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from simulate.output import write_atomic

    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    write_atomic(path, lambda tmp: pq.write_table(table, tmp))
