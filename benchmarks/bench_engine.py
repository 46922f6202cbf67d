"""CPU time of one school year of each bundled arrangement, as a ratio to a yardstick measured in
the same run: 100,000 bare SimPy timeouts (about 60 ms on the 2-core development machine).

For each arrangement: the engine and its metrics (`compute`), and `simulate.run` at one
replication (engine, metrics and the tables a Result is made of); the difference is run's own
overhead. Runs are interleaved (yardstick, then each arrangement in turn, repeated) so that all
see the same machine; we report the minimum and the median CPU time of each, and the ratio of the
medians to the yardstick's median, which does not depend on the machine. Goal: a ratio of at most
0.33 (20 ms on that yardstick) for a year of the slowest bundled arrangement, engine and metrics.

`--against COMMIT` also times the engine of an earlier commit on that commit's own bundled
scenarios, side by side (a git worktree in a temporary folder, run in a child process).

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

import simpy

import simulate
from simulate.engine import Engine
from simulate.measures.compute import compute
from simulate.schema.loading import load_scenario
from simulate.study.new import arrangements

ROOT = Path(__file__).resolve().parent.parent
# the elementary arrangements (600 students), today first
ARRANGEMENTS = sorted(arrangements(secondary=False), key=lambda n: n != "traditional")
GOAL = 0.33  # engine and metrics of the slowest arrangement, in yardsticks


def yardstick() -> float:
    """CPU seconds of 100,000 bare SimPy timeouts."""
    env = simpy.Environment()

    def ticks():  # type: ignore[no-untyped-def]
        for _ in range(100_000):
            yield env.timeout(1)

    env.process(ticks())
    start = time.process_time()
    env.run()
    return time.process_time() - start


def cpu_year(scenario, replication: int) -> float:  # type: ignore[no-untyped-def]
    """CPU seconds to simulate one year and compute its metrics."""
    start = time.process_time()
    compute(Engine(scenario, 0, replication).run())
    return time.process_time() - start


def cpu_run(scenario, replication: int) -> float:  # type: ignore[no-untyped-def]
    """CPU seconds of `simulate.run` at one replication (seeded so it is a year not yet seen)."""
    start = time.process_time()
    simulate.run(scenario, seed=replication + 1, replications=1)
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
    scenarios = {name: load_scenario(ROOT / "scenarios" / f"{name}.yaml") for name in args.names}
    for scenario in scenarios.values():  # warm caches (calibration, imports)
        cpu_year(scenario, 0)
        cpu_run(scenario, 0)
    sticks: list[float] = []
    years: dict[str, list[float]] = {name: [] for name in scenarios}
    runs: dict[str, list[float]] = {name: [] for name in scenarios}
    for rep in range(args.repeat):
        sticks.append(yardstick())
        for name, scenario in scenarios.items():
            years[name].append(cpu_year(scenario, rep))
            runs[name].append(cpu_run(scenario, rep))
    stick = statistics.median(sticks)
    print(
        f"yardstick (100,000 SimPy timeouts): min {min(sticks) * 1e3:.1f} ms, median "
        f"{stick * 1e3:.1f} ms"
    )
    print(
        f"{'arrangement':24s} {'year ms':>16s} {'ratio':>6s} {'run ms':>16s} {'ratio':>6s} "
        f"{'overhead':>8s}"
    )
    print(f"{'':24s} {'min':>7s} {'median':>8s} {'':6s} {'min':>7s} {'median':>8s}")
    worst = 0.0
    for name in scenarios:
        year, run = statistics.median(years[name]), statistics.median(runs[name])
        worst = max(worst, year / stick)
        print(
            f"{name:24s} {min(years[name]) * 1e3:7.1f} {year * 1e3:8.1f} {year / stick:6.2f} "
            f"{min(runs[name]) * 1e3:7.1f} {run * 1e3:8.1f} {run / stick:6.2f} "
            f"{(run - year) / stick:8.2f}"
        )
    verdict = "meets" if worst <= GOAL else "misses"
    print(f"slowest arrangement: {worst:.2f} yardsticks a year ({verdict} the goal of {GOAL})")


def against(args: argparse.Namespace, folder: Path) -> None:
    """The engine now against the engine of an earlier commit, arrangement by arrangement."""
    print(f"{'arrangement':24s} {'now ms':>9s} {args.against + ' ms':>14s} {'ratio':>6s}")
    for name in args.names:
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        cpu_year(scenario, 0)
        now: list[float] = []
        then: list[float] = []
        for _ in range(max(1, args.repeat // 3)):  # interleave batches of three years
            now += [cpu_year(scenario, rep) for rep in range(3)]
            then += earlier(args.against, name, 3, folder)
        print(
            f"{name:24s} {statistics.median(now) * 1e3:9.1f} "
            f"{statistics.median(then) * 1e3:14.1f} "
            f"{statistics.median(then) / statistics.median(now):6.1f}x"
        )


if __name__ == "__main__":
    main()
