"""Seconds from `simulate serve` to its first page: the planner's wait after typing the command.

Starts the server as a user does (a new process, a fresh workspace, no browser), polls the
home page until it answers, and reports the time; then stops the server with Ctrl-C. The
target is under 2 seconds.

    python benchmarks/bench_serve.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

SIMULATE = Path(sys.executable).parent / "simulate"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def first_page(workspace: Path) -> float:
    port = free_port()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [
            str(SIMULATE),
            "serve",
            "--workspace",
            str(workspace),
            "--port",
            str(port),
            "--no-browser",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
                    reply.read()
                    return time.perf_counter() - start
            except (urllib.error.URLError, ConnectionError):
                if time.perf_counter() - start > 30 or proc.poll() is not None:
                    raise RuntimeError("the server did not answer") from None
                time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
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


if __name__ == "__main__":
    main()
