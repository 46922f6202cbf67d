"""Events per second of a school-year run against bare SimPy timeouts, in one process.

The ratio (ours / bare SimPy) is what we track: it does not depend on the machine. A year of
the bundled 600-student school should also take well under a second.

    python benchmarks/bench_engine.py [--scenario scenarios/traditional.yaml] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time

import simpy

from simulate.engine.core import Engine
from simulate.schema.loading import load_scenario


def count_events(build) -> int:  # type: ignore[no-untyped-def]
    """Events one run processes, counted by stepping the environment by hand."""
    engine = build()
    events = 0
    while True:
        try:
            engine.env.step()
        except simpy.core.EmptySchedule:
            return events
        events += 1


def bare_simpy(events: int) -> float:
    """Seconds for bare SimPy to process `events` timeouts in 40 looping processes."""
    env = simpy.Environment()
    per_process = events // 40

    def loop(env: simpy.Environment):  # type: ignore[no-untyped-def]
        for _ in range(per_process):
            yield env.timeout(1)

    for _ in range(40):
        env.process(loop(env))
    start = time.perf_counter()
    env.run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="scenarios/mcl_residents_tutors.yaml")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    events = count_events(lambda: Engine(scenario, seed=1))
    ours = []
    for rep in range(args.repeat):
        start = time.perf_counter()
        Engine(scenario, seed=1, replication=rep).run()
        ours.append(time.perf_counter() - start)
    bare = min(bare_simpy(events) for _ in range(args.repeat))
    best = min(ours)
    print(f"scenario: {scenario.name} ({scenario.enrollment} students)")
    print(f"events per school year: {events:,}")
    print(f"school year (best of {args.repeat}): {best * 1000:.0f} ms, including set-up")
    print(
        f"ours: {events / best:,.0f} events/s; bare SimPy timeouts: {events / bare:,.0f} events/s"
    )
    print(f"ratio ours / bare SimPy: {bare / best:.2f} (1.0 would mean no cost beyond SimPy)")


if __name__ == "__main__":
    main()
