"""Same seed, same bytes: two identical runs of every command write identical files.

The runs are two seconds apart (the resolution of a zip entry's time), so a timestamp
anywhere (a workbook's properties, its zip entries, a report) would show.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import short
from test_sweep_helpers import write_spec

from simulate.cli import main


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_two_identical_runs_of_every_command_give_identical_bytes(tmp_path: Path) -> None:
    a = short(tmp_path, "traditional", "Today", 20)
    b = short(tmp_path, "mcl_within_budget", "Within budget", 20)
    spec = write_spec(tmp_path)
    commands = {
        "run": ["run", a, "-r", "2", "--seed", "3"],
        "compare": ["compare", a, b, "-r", "3", "--seed", "3", "--workers", "2"],
        "budget": ["budget", b, "--baseline", a, "--goal-seek", "roles.mcl.supplement"],
        "sweep": ["sweep", spec, "--workers", "2", "--chunk-size", "2"],
    }
    written: dict[str, list[dict[str, bytes]]] = {name: [] for name in commands}
    for attempt in ("first", "second"):
        for name, args in commands.items():
            out = tmp_path / attempt / name
            result = CliRunner().invoke(main, [str(x) for x in [*args, "--out", out]])
            assert result.exit_code == 0, (name, result.output)
            written[name].append(files(out))
        if attempt == "first":
            time.sleep(2.1)
    for name, (first, second) in written.items():
        assert first, name
        assert sorted(first) == sorted(second), name
        different = [f for f in first if first[f] != second[f]]
        assert different == [], (name, different)
    assert "budget.xlsx" in written["compare"][0] and "budget.xlsx" in written["budget"][0]
    assert any(f.startswith("runs/part-") for f in written["sweep"][0])
