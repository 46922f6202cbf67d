"""Wall and CPU time of `simulate compare` of 10 scenarios x 20 years, end to end (start-up,
simulation, tables, report.html and budget.xlsx), with one worker and with two.

The ten scenarios are the six bundled single-school arrangements and four variants of today's
staffing that differ in the substitute pool. Runs with one and two workers are interleaved;
we report the minimum and median of each, and the speed-up of two workers over one (which
depends on the cores being idle: run it on a quiet machine). Goals: under 5 s of wall time on
2 idle cores, under 10 s on one.

    python benchmarks/bench_compare.py [--repeat 3] [--replications 20]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from simulate.study.new import arrangements

ROOT = Path(__file__).resolve().parent.parent
# the elementary arrangements (600 students), today first
BUNDLED = sorted(arrangements(secondary=False), key=lambda n: n != "traditional")
VARIANTS = {  # name -> substitutes on the district's list
    "Traditional, no substitutes": 0,
    "Traditional, three substitutes": 3,
    "Traditional, seven substitutes": 7,
    "Traditional, fifteen substitutes": 15,
}


def scenarios(folder: Path) -> list[Path]:
    """The ten scenario files: the bundled six and four variants written next to them."""
    for path in (ROOT / "scenarios").glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    files = [folder / f"{name}.yaml" for name in BUNDLED]
    for k, (name, pool) in enumerate(VARIANTS.items()):
        variant = folder / f"variant_{k}.yaml"
        variant.write_text(
            f"extends: traditional.yaml\nname: {name}\nsubstitutes:\n  pool: {pool}\n",
            encoding="utf-8",
        )
        files.append(variant)
    return files


def compare(files: list[Path], out: Path, workers: int, replications: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and its workers)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    command = [sys.executable, "-m", "simulate.cli", "compare", *map(str, files)]
    command += ["--out", str(out), "--force", "-r", str(replications), "--workers", str(workers)]
    subprocess.run(command, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--replications", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = scenarios(folder)
        times: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
        for _ in range(args.repeat):
            for workers in (1, 2):
                times[workers].append(compare(files, folder / "out", workers, args.replications))
    print(f"{len(files)} scenarios x {args.replications} years, end to end")
    for workers, runs in times.items():
        walls = [w for w, _ in runs]
        cpus = [c for _, c in runs]
        # a pool's workers are children of the fork server, which getrusage does not count
        cpu = f"; CPU median {statistics.median(cpus):5.2f} s" if workers == 1 else ""
        print(
            f"  {workers} worker{'s' if workers > 1 else ' '}: wall min {min(walls):5.2f} s, "
            f"median {statistics.median(walls):5.2f} s{cpu}"
        )
    one = statistics.median(w for w, _ in times[1])
    two = statistics.median(w for w, _ in times[2])
    print(f"  two workers over one: {one / two:.2f}x (goals: 2 workers < 5 s, 1 worker < 10 s)")


if __name__ == "__main__":
    main()
