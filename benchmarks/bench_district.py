"""CPU time and peak memory of a district year as it grows from 1 to 10 to 50 schools.

Each size runs in a fresh process so peak memory (max RSS) belongs to that size alone; each
runs `--repeat` times and we keep the minimum CPU time. Goals: a 50-school district year under
3 s of CPU, time per school at 50 schools within 1.2x of one school, and memory per school
reported.

    python benchmarks/bench_district.py [--sizes 1 10 50] [--scenario scenarios/traditional.yaml]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = """
import json, resource, sys, time
from simulate.engine.core import Engine
from simulate.schema.loading import load_data, validate
data = load_data(sys.argv[1])
n = int(sys.argv[2])
data["schools"] = [dict(data["schools"][0], copies=n)]
data["substitutes"] = dict(data.get("substitutes", {}), pool=n * data["substitutes"]["pool"])
scenario = validate(data, sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
Engine(scenario, seed=1)  # warm the calibration caches
seconds = float("inf")
for replication in range(int(sys.argv[3])):
    start = time.process_time()
    Engine(scenario, seed=1, replication=replication).run()
    seconds = min(seconds, time.process_time() - start)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"schools": n, "seconds": seconds, "peak_mb": peak / 1024,
                  "before_mb": before / 1024}))
"""


def measure(scenario: str, schools: int, repeat: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, scenario, str(schools), str(repeat)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="scenarios/traditional.yaml")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = [measure(args.scenario, n, args.repeat) for n in args.sizes]
    first = rows[0]
    print(f"{'schools':>7} {'CPU s':>8} {'s/school':>9} {'peak MB':>8} {'MB/school':>10}")
    for row in rows:
        grown = row["peak_mb"] - first["before_mb"]
        print(
            f"{row['schools']:>7} {row['seconds']:>8.2f} {row['seconds'] / row['schools']:>9.3f} "
            f"{row['peak_mb']:>8.0f} {grown / row['schools']:>10.2f}"
        )
    last = rows[-1]
    growth = (last["seconds"] / last["schools"]) / (first["seconds"] / first["schools"])
    print(
        f"time per school, {last['schools']} vs {first['schools']} schools: x{growth:.2f} "
        "(1.0 = linear)"
    )


if __name__ == "__main__":
    main()
