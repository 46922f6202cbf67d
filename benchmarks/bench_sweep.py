"""Sweep throughput: runs per second per core, and the speed-up from 1 to 2 workers.

    .venv/bin/python benchmarks/bench_sweep.py [--runs 800] [--dask]
    .venv/bin/python benchmarks/bench_sweep.py --check   # checking a 250,000-point grid

A Latin hypercube over teacher absence and the substitute pool on scenarios/traditional.yaml
(a full 180-day year per run), runs/2 points x 2 replications. Each configuration runs the whole
`simulate.sweep` call (chunks, Parquet parts, consolidation, sensitivity, report), so fixed
costs (pool start-up, report) count against the speed-up, as they do for a user. One worker
runs in-process; two use a process pool. The results must be identical row for row.
The goal (issue 7): at least 1.8x on 2 cores. The speed-up can only be as large as the CPU
the machine gives two busy processes, so that is measured before and after and printed: on a
machine shared with other jobs (or one that shares CPU between sessions) it is the ceiling.

`--check` times what a sweep does before its first run: reading and checking a grid of 500 x 500
points (the most runs a sweep may have), in CPU seconds over interleaved repeats, against the
yardstick of a full validation per point (measured on a sample of points in the same run), which
is what checking cost before each point was validated only where it changes.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

from simulate.outputs import sweep
from simulate.study.executor import available_cpus
from simulate.study.sweep.loop import load_sweep

ROOT = Path(__file__).resolve().parent.parent


def spec_file(folder: Path, runs: int) -> Path:
    spec = {
        "name": "benchmark",
        "scenario": str(ROOT / "scenarios" / "traditional.yaml"),
        "design": "lhs",
        "samples": max(1, runs // 2),
        "replications": 2,
        "seed": 1,
        "parameters": {
            "roles.teacher.absence_rate": {"low": 0.01, "high": 0.08},
            "substitutes.pool": {"low": 0, "high": 10},
        },
        "metrics": [
            "coverage.substitute_fill_rate.value",
            "small_group.minutes_per_student_week.mean",
            "coaching.observations_per_teacher_week.realized",
        ],
    }
    path = folder / "bench.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def timed(label: str, folder: Path, **options: object) -> tuple[float, pd.DataFrame]:
    spec = load_sweep(folder / "bench.yaml")  # the probe run is outside the timing
    start = time.perf_counter()
    result = sweep(spec, folder / label, progress=False, **options)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    assert result.results is not None
    return seconds, result.results


def _spin(seconds: float) -> float:
    """Busy-loop for `seconds` of wall time; return the CPU time this process got."""
    end, start = time.perf_counter() + seconds, time.process_time()
    while time.perf_counter() < end:
        pass
    return time.process_time() - start


def cores_we_get(workers: int = 2, seconds: float = 2.0) -> float:
    """CPU time two busy processes actually get per second of wall time: the ceiling on any
    speed-up (other jobs, or a scheduler that groups processes by session, take the rest)."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers) as pool:
        return sum(pool.map(_spin, [seconds] * workers)) / seconds


def grid_file(folder: Path, levels: int) -> Path:
    spec = {
        "name": "large grid",
        "scenario": str(ROOT / "scenarios" / "traditional.yaml"),
        "design": "grid",
        "parameters": {
            "roles.teacher.absence_rate": {"low": 0.0, "high": 0.1, "levels": levels},
            "substitutes.per_day": {"low": 0, "high": levels - 1, "levels": levels},
        },
        "metrics": ["coverage.substitute_fill_rate.value"],
    }
    path = folder / "grid.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def check_times(repeats: int, levels: int = 500, sample: int = 1_000) -> None:
    from statistics import median

    from simulate.schema.loading import apply_overrides, validate

    with tempfile.TemporaryDirectory() as tmp:
        path = grid_file(Path(tmp), levels)
        checking, full = [], []
        for _ in range(repeats):  # interleaved: both see the same load
            start = time.process_time()
            sw = load_sweep(path)
            checking.append(time.process_time() - start)
            start = time.process_time()
            for point in sw.points[:: max(1, len(sw.points) // sample)][:sample]:
                overrides = dict(zip(sw.parameter_names, point, strict=True))
                validate(apply_overrides(sw.base, overrides), "")
            full.append((time.process_time() - start) / sample * len(sw.points))
    points = len(sw.points)
    print(f"checking a grid of {points:,} points, CPU seconds over {repeats} repeats:")
    print(
        f"  as a sweep checks it now:     min {min(checking):6.1f}  median {median(checking):6.1f}"
    )
    print(f"  a full validation per point:  min {min(full):6.1f}  median {median(full):6.1f}")
    print(f"  ratio (now / full, medians):  {median(checking) / median(full):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # a year takes about 20 ms: enough runs that start-up does not decide the speed-up
    parser.add_argument("--runs", type=int, default=800)
    parser.add_argument("--dask", action="store_true", help="also time a 2-worker LocalCluster")
    parser.add_argument("--check", action="store_true", help="time checking a large grid")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.check:
        check_times(args.repeat)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        spec_file(folder, args.runs)
        runs = load_sweep(folder / "bench.yaml").total
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"{runs} runs; cores: {available_cpus()}; load average: {load}")
        print(f"CPU two busy processes get right now: {cores_we_get():.2f} cores")
        configs: list[tuple[str, int, dict[str, str]]] = [
            ("1 worker (in-process)", 1, {}),
            ("2 workers (processes)", 2, {}),
        ]
        if args.dask:
            configs.append(("2 workers (dask LocalCluster)", 2, {"backend": "dask"}))
        base_seconds, base = None, None
        print(
            f"{'configuration':32} {'seconds':>8} {'runs/s':>8} {'runs/s/core':>12} {'speed-up':>9}"
        )
        for i, (label, workers, extra) in enumerate(configs):
            seconds, frame = timed(f"out{i}", folder, workers=workers, **extra)
            if base is None:
                base_seconds, base = seconds, frame
            else:
                pd.testing.assert_frame_equal(base, frame)  # identical, row for row
            assert base_seconds is not None
            rate = runs / seconds
            print(
                f"{label:32} {seconds:8.1f} {rate:8.2f} {rate / workers:12.2f} "
                f"{base_seconds / seconds:8.2f}x"
            )
        print("results identical across configurations: yes")
        print(f"CPU two busy processes get afterwards: {cores_we_get():.2f} cores")


if __name__ == "__main__":
    main()
