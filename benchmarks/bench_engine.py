"""CPU time of one school year of each bundled arrangement: the engine against the reference
engine (the same model day by day, one SimPy process per adult), measured side by side.

Runs are interleaved (engine, reference, engine, ...) so that both see the same machine; we
report the minimum and the median CPU time of each and the ratio reference / engine, which does
not depend on the machine. Goal: at most 40 ms of CPU for a year of any bundled arrangement
(the 600-student school, metrics included), and at least 5x the engine before the speed work.

`--against COMMIT` also times the engine of an earlier commit on that commit's own bundled
scenarios, side by side (a git worktree in a temporary folder, run in a child process): e.g.
`--against 94bd597`, the engine before the speed work.

    python benchmarks/bench_engine.py [--repeat 7] [--against COMMIT] [names ...]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from simulate.engine import Engine, ReferenceEngine
from simulate.measures.compute import compute
from simulate.schema.loading import load_scenario
from simulate.schema.new import arrangements

ROOT = Path(__file__).resolve().parent.parent
ARRANGEMENTS = sorted(arrangements(), key=lambda name: name != "traditional")  # today first


def cpu_year(engine_class, scenario, replication: int) -> float:  # type: ignore[no-untyped-def]
    """CPU seconds to simulate one year and compute its metrics."""
    start = time.process_time()
    compute(engine_class(scenario, 0, replication).run())
    return time.process_time() - start


OLD_YEAR = """
import json, sys, time
from simulate.engine.core import Engine
from simulate.measures.compute import compute
from simulate.schema.loading import load_scenario
scenario = load_scenario(sys.argv[1])
compute(Engine(scenario, 0, 0).run())
times = []
for rep in range(int(sys.argv[2])):
    start = time.process_time()
    compute(Engine(scenario, 0, rep).run())
    times.append(time.process_time() - start)
print(json.dumps(times))
"""


def earlier(commit: str, name: str, repeat: int, folder: Path) -> list[float]:
    """CPU seconds of `repeat` years of the engine at `commit`, on its own scenario file."""
    tree = folder / commit
    if not tree.exists():
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit],
            check=True,
            capture_output=True,
        )
    out = subprocess.run(
        [sys.executable, "-c", OLD_YEAR, str(tree / "scenarios" / f"{name}.yaml"), str(repeat)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", default=ARRANGEMENTS)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--against", metavar="COMMIT", help="also time this commit's engine")
    args = parser.parse_args()
    if args.against:
        try:
            with tempfile.TemporaryDirectory() as tmp:
                against(args, Path(tmp))
        finally:  # the temporary worktree is gone: forget it
            subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], check=False)
        return
    print(f"{'arrangement':24s} {'engine ms':>18s} {'reference ms':>18s} {'ratio':>6s}")
    print(f"{'':24s} {'min':>8s} {'median':>9s} {'min':>8s} {'median':>9s}")
    worst = 0.0
    for name in args.names:
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        cpu_year(Engine, scenario, 0)  # warm caches (calibration, imports)
        fast, slow = [], []
        for rep in range(args.repeat):
            fast.append(cpu_year(Engine, scenario, rep))
            slow.append(cpu_year(ReferenceEngine, scenario, rep))
        worst = max(worst, min(fast))
        print(
            f"{name:24s} {min(fast) * 1e3:8.1f} {statistics.median(fast) * 1e3:9.1f} "
            f"{min(slow) * 1e3:8.1f} {statistics.median(slow) * 1e3:9.1f} "
            f"{statistics.median(slow) / statistics.median(fast):6.1f}x"
        )
    verdict = "meets" if worst <= 0.040 else "misses"
    print(f"slowest arrangement: {worst * 1e3:.1f} ms of CPU a year ({verdict} the 40 ms goal)")


def against(args: argparse.Namespace, folder: Path) -> None:
    """The engine now against the engine of an earlier commit, arrangement by arrangement."""
    print(f"{'arrangement':24s} {'now ms':>9s} {args.against + ' ms':>14s} {'ratio':>6s}")
    for name in args.names:
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        cpu_year(Engine, scenario, 0)
        now: list[float] = []
        then: list[float] = []
        for _ in range(max(1, args.repeat // 3)):  # interleave batches of three years
            now += [cpu_year(Engine, scenario, rep) for rep in range(3)]
            then += earlier(args.against, name, 3, folder)
        print(
            f"{name:24s} {statistics.median(now) * 1e3:9.1f} "
            f"{statistics.median(then) * 1e3:14.1f} "
            f"{statistics.median(then) / statistics.median(now):6.1f}x"
        )


if __name__ == "__main__":
    main()
