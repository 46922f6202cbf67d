"""Shared helpers for tests that start and stop processes (no tests here): Linux /proc."""

from __future__ import annotations

from pathlib import Path

MASKS = ("SigBlk", "SigCgt")  # signals a process blocks, and those it handles


def descendants(pid: int) -> set[int]:
    """Processes below pid, from /proc (Linux)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of pids still running (not gone, not zombies)."""
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


def signals_held_or_caught(pid: int, signum: int) -> bool:
    """Whether the process blocks or handles the signal (Linux /proc). Python handles SIGINT
    from its own start; SIGTERM only once our code has taken it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    masks = [int(line.split()[1], 16) for line in status.splitlines() if line[:6] in MASKS]
    return any(mask >> (signum - 1) & 1 for mask in masks)
