"""Seconds from Ctrl-C (or SIGTERM) to the end of a command: the wait the README promises.

    .venv/bin/python benchmarks/bench_stop.py [--repeat 3] [--dask]

Each case starts the command as a user does (the console script, in a process group of its
own), waits for the moment named, sends the signal (Ctrl-C to the whole group, as a terminal
does; SIGTERM to the command, as `kill` does) and measures the wall time until the command has
exited; it also checks the exit code (130) and that no traceback was printed. The cases are
interleaved over the repeats, so all of them see the same load, and the yardstick is measured
in the same run: `simulate --help` from start to end, the least any command takes. Reported:
minimum and median seconds, and the median as a multiple of the yardstick's. The promise is a
stop within 2 s on an idle machine; on a busy one every figure, the yardstick included, grows.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median

import yaml

ROOT = Path(__file__).resolve().parent.parent
SIMULATE = ROOT / ".venv" / "bin" / "simulate"
FILES = [str(ROOT / "scenarios" / f) for f in ("traditional.yaml", "mcl_teams.yaml")]
HANG = 120.0


def children(pid: int) -> int:
    """Processes below pid (Linux /proc)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {c for c, p in parents.items() if p in frontier} - found
        found |= frontier
    return len(found)


def holds_signals(pid: int) -> bool:
    """Whether the command's own code runs: it holds or handles SIGTERM."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    masks = [
        int(line.split()[1], 16) for line in status.splitlines() if line[:6] in ("SigBlk", "SigCgt")
    ]
    return any(mask >> (signal.SIGTERM - 1) & 1 for mask in masks)


def stop_time(
    args: list[str], ready: Callable[[subprocess.Popen[str]], bool], signum: int
) -> float:
    process = subprocess.Popen(
        [str(SIMULATE), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + HANG
    while not ready(process):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{args[0]} ended or never got ready: {process.communicate()[1]}")
        time.sleep(0.005)
    sent = time.perf_counter()
    if signum == signal.SIGINT:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    _, stderr = process.communicate(timeout=HANG)
    took = time.perf_counter() - sent
    if process.returncode != 130 or "Traceback" in stderr:
        raise RuntimeError(f"{args[0]}: exit {process.returncode}: {stderr}")
    return took


def yardstick() -> float:
    start = time.perf_counter()
    subprocess.run([str(SIMULATE), "--help"], capture_output=True, check=True)
    return time.perf_counter() - start


def cases(folder: Path, dask: bool) -> dict[str, Callable[[], float]]:
    district = folder / "district.yaml"  # a year takes about a second
    district.write_text(
        yaml.safe_dump({"extends": FILES[0], "name": "Forty", "school": {"copies": 40}})
    )
    spec = folder / "spec.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "scenario": district.name,
                "design": "grid",
                "replications": 4,
                "parameters": {"substitutes.per_day": [0, 1, 2]},
                "metrics": ["coverage.substitute_fill_rate.value"],
            }
        )
    )
    counter = iter(range(1_000_000))

    def out() -> str:
        return str(folder / f"out{next(counter)}")

    def workers(process: subprocess.Popen[str]) -> bool:
        return children(process.pid) >= 3

    def saved(process: subprocess.Popen[str], where: list[str]) -> bool:
        return any(Path(where[0]).glob("runs/part-*"))

    def started(process: subprocess.Popen[str]) -> bool:
        return holds_signals(process.pid)

    compare = ["compare", *FILES, "-r", "200", "--workers", "2"]
    made: dict[str, Callable[[], float]] = {
        "start-up, Ctrl-C at the first instruction": lambda: stop_time(
            [*compare, "--out", out()], started, signal.SIGINT
        ),
        "compare, 2 workers, Ctrl-C": lambda: stop_time(
            [*compare, "--out", out()], workers, signal.SIGINT
        ),
        "compare, 2 workers, SIGTERM": lambda: stop_time(
            [*compare, "--out", out()], workers, signal.SIGTERM
        ),
    }

    def sweep(backend: str) -> float:
        where = [out()]
        args = ["sweep", str(spec), "--out", where[0], "--workers", "2", "--backend", backend]
        return stop_time([*args, "--chunk-size", "3"], lambda p: saved(p, where), signal.SIGINT)

    made["sweep, 2 workers, chunks longer than the grace period, Ctrl-C"] = lambda: sweep("local")

    def serve() -> float:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        opened: list[socket.socket] = []

        def upload_left_open(process: subprocess.Popen[str]) -> bool:
            try:
                stalled = socket.create_connection(("127.0.0.1", port), timeout=1)
            except OSError:
                return False  # not listening yet
            head = (
                f"POST /upload HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 100000\r\n"
                "Content-Type: multipart/form-data; boundary=b\r\n\r\n--b\r\n"
            )
            stalled.sendall(head.encode())
            opened.append(stalled)
            return True

        args = ["serve", "--workspace", out(), "--port", str(port), "--no-browser"]
        try:
            return stop_time(args, upload_left_open, signal.SIGINT)
        finally:
            for stalled in opened:
                stalled.close()

    made["serve, an upload left open, Ctrl-C"] = serve
    if dask:
        made["sweep on a local Dask cluster, 2 workers, Ctrl-C"] = lambda: sweep("dask")
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dask", action="store_true", help="also stop a sweep on Dask")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"cores: {os.cpu_count()}; load average: {load}")
    with tempfile.TemporaryDirectory() as tmp:
        made = cases(Path(tmp), args.dask)
        times: dict[str, list[float]] = {name: [] for name in ["yardstick", *made]}
        for _ in range(args.repeat):
            times["yardstick"].append(yardstick())
            for name, case in made.items():
                times[name].append(case())
    stick = median(times.pop("yardstick"))
    print(f"yardstick, `simulate --help` start to end: median {stick:.2f} s")
    print(f"{'case':66} {'min s':>6} {'median s':>9} {'x yardstick':>12}")
    for name, seconds in times.items():
        print(
            f"{name:66} {min(seconds):6.2f} {median(seconds):9.2f} {median(seconds) / stick:12.1f}"
        )


if __name__ == "__main__":
    main()
