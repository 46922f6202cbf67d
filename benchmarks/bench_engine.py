"""CPU time of one school year of each bundled arrangement: the engine against the reference
engine (the same model day by day, one SimPy process per adult), measured side by side.

Runs are interleaved (engine, reference, engine, ...) so that both see the same machine; we
report the minimum and the median CPU time of each and the ratio reference / engine, which does
not depend on the machine. Goal: at most 40 ms of CPU for a year of any bundled arrangement
(the 600-student school, metrics included), and at least 5x the reference.

    python benchmarks/bench_engine.py [--repeat 7] [names ...]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from simulate.engine import Engine, ReferenceEngine
from simulate.measures.compute import compute
from simulate.schema.loading import load_scenario

ROOT = Path(__file__).resolve().parent.parent
ARRANGEMENTS = [
    "traditional",
    "mcl_teams",
    "mcl_residents_tutors",
    "mcl_within_budget",
    "lab_rotation",
    "subject_specialization",
]


def cpu_year(engine_class, scenario, replication: int) -> float:  # type: ignore[no-untyped-def]
    """CPU seconds to simulate one year and compute its metrics."""
    start = time.process_time()
    compute(engine_class(scenario, 0, replication).run())
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", default=ARRANGEMENTS)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
