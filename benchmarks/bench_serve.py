"""The planner's waits in `simulate serve`, measured as a user meets them (a new server
process, a fresh workspace, requests over HTTP):

- from the command to its first page (target: under 2 s);
- a lever change on a warm app: the first answer to a newly ticked set of levers (target:
  at most 1 s);
- a comparison of two scenarios over 20 years, from the click to the run's page with its
  results, its progress asked for as the page asks (target: at most 2 s on a warm app; the
  first in a fresh server is shown apart). The app keeps the
  years it has simulated (study.kept), so three cases are shown: both scenarios new to the
  app (on a seed not run before: the target's case), one of them run before (a changed
  scenario against its baseline, the planner's usual next question), and the same
  comparison again. A fourth case is the planner's way there: the two scenarios ticked on the
  compare page THINK seconds before the click, while the app simulates their years ahead
  (app.ahead), on a seed not run before.

Wall times (what the planner waits), min and median of several runs, each also as a ratio to
a yardstick measured in the same run: one simulated year of today's staffing in this
process, so a busy machine shows as a slow yardstick rather than a slow app.

    python benchmarks/bench_serve.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import itertools
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

SIMULATE = Path(sys.executable).parent / "simulate"
THINK = 3.0  # seconds between ticking the last scenario and clicking Compare [assumption]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(workspace: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    """A server on a free port: the process, its address and the seconds to its first page."""
    port = free_port()
    begun = time.perf_counter()
    proc = subprocess.Popen(
        [str(SIMULATE), "serve", "--workspace", str(workspace), "--port", str(port)]
        + ["--no-browser"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            get(url + "/")
            return proc, url, time.perf_counter() - begun
        except (urllib.error.URLError, ConnectionError):
            if time.perf_counter() - begun > 30 or proc.poll() is not None:
                stop(proc)
                raise RuntimeError("the server did not answer") from None
            time.sleep(0.02)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=120) as reply:
        return str(reply.read().decode("utf-8"))


def post(url: str, form: dict[str, str | list[str]]) -> tuple[str, str]:
    """(final address after redirects, page) of a form sent as a browser sends it."""
    body = urllib.parse.urlencode(form, doseq=True).encode()
    with urllib.request.urlopen(urllib.request.Request(url, body), timeout=120) as reply:
        return reply.geturl(), reply.read().decode("utf-8")


def yardstick() -> float:
    """Seconds of one simulated year of today's staffing, in this process."""
    from simulate.schema import bundled
    from simulate.schema.loading import load_scenario
    from simulate.study.run import run_replication

    scenario = load_scenario(bundled.path(bundled.TODAY))
    run_replication(scenario, 0, 1)  # warm: the engine's compiled seating loads at first use
    begun = time.perf_counter()
    run_replication(scenario, 0, 0)
    return time.perf_counter() - begun


def comparison(url: str, slugs: list[str], seed: int = 0) -> float:
    """Seconds from sending the compare form (2 scenarios x 20 years) to the run's page with
    its results, asked for as the page does: the progress it shows, held by the server until
    the run moves on, then the page again once the run has ended."""
    begun = time.perf_counter()
    form = {"scenario": slugs, "replications": "20", "seed": str(seed)}
    where, page = post(url + "/compare", form)
    while asked := re.search(r'hx-get="([^"]+/progress\?seen=\d+)"', page):
        page = get(url + asked.group(1))
    get(where)
    return time.perf_counter() - begun


def point_of_use(repeat: int) -> None:
    """Lever changes and comparisons on one server, after it has warmed up."""
    with tempfile.TemporaryDirectory() as folder:
        proc, url, _ = start(Path(folder))
        try:
            form = {"name": "Bench", "enrollment": "600", "classrooms": "24"}
            post(url + "/new", {**form, "arrangement": ["traditional", "mcl_teams"]})
            slugs = sorted(set(re.findall(r'href="/scenarios/([a-z0-9-]+)"', get(url + "/"))))
            first = comparison(url, slugs)
            today = next(s for s in slugs if "traditional" in s)
            # a changed scenario: today's staffing with a second building coach
            post(f"{url}/levers/{today}/save", {"lever": ["building_coach_up"], "name": "Coach"})
            changed = sorted(set(re.findall(r'href="/scenarios/([a-z0-9-]+)"', get(url + "/"))))
            changed = [today, *(s for s in changed if s not in slugs)]
            # every set of levers a new one (an answer kept from before would take no time)
            names = ["tutor_per_team", "class_size_plus_two", "resident_per_team"]
            names += ["grades_3_5_mcl"]
            sets = [list(c) for n in range(1, 5) for c in itertools.combinations(names, n)]
            levers, sticks = [], []
            compares: dict[str, list[float]] = {"new": [], "one": [], "again": [], "ticked": []}
            for k in range(repeat):
                sticks.append(yardstick())
                for chosen in sets[5 * k : 5 * k + 5]:
                    time.sleep(0.5)  # a planner between two clicks
                    begun = time.perf_counter()
                    post(f"{url}/levers/{today}/effects", {"lever": chosen})
                    levers.append(time.perf_counter() - begun)
                time.sleep(25)  # let the background refinements finish
                seed = k + 1  # never run before: no year of it is kept
                compares["new"].append(comparison(url, slugs, seed))
                compares["one"].append(comparison(url, changed, seed))  # today's years kept
                compares["again"].append(comparison(url, slugs, seed))
                seed = 100 + k  # never run before either
                form = {"scenario": slugs, "replications": "20", "seed": str(seed)}
                post(url + "/compare/check", form)  # the last box ticked
                time.sleep(THINK)
                compares["ticked"].append(comparison(url, slugs, seed))
        finally:
            stop(proc)
    stick = statistics.median(sticks)
    print(f"yardstick (one simulated year here): {stick:.3f} s")
    report("lever change (first answer)", levers, 1.0, stick)
    print(f"first comparison in a fresh server: {first:.2f} s")
    what = "comparison, 2 scenarios x 20 years (warm)"
    report(f"{what}, both new to the app", compares["new"], 2.0, stick)
    report(f"{what}, one run before", compares["one"], 2.0, stick)
    report(f"{what}, the same again", compares["again"], 2.0, stick)
    report(f"{what}, ticked {THINK:g} s before the click", compares["ticked"], 2.0, stick)


def report(what: str, times: list[float], target: float, stick: float) -> None:
    best, middle = min(times), statistics.median(times)
    verdict = "ok" if middle <= target else "SLOW"
    print(
        f"{what}: min {best:.2f} s, median {middle:.2f} s ({middle / stick:.1f} yardsticks; "
        f"target {target:g} s): {verdict}"
    )


def first_page(workspace: Path) -> float:
    proc, _, seconds = start(workspace)
    stop(proc)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, choices=[1, 2, 3])
    args = parser.parse_args()
    times = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            times.append(first_page(Path(folder)))
    best, worst = min(times), max(times)
    verdict = "ok" if worst < 2 else "SLOW"
    print(
        f"startup to first page: best {best:.2f} s, worst {worst:.2f} s (target < 2 s): {verdict}"
    )
    point_of_use(args.repeat)


if __name__ == "__main__":
    main()
