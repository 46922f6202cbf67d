"""Shared fixtures: bundled scenarios as data, and a way to switch friction off."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulate.schema.loading import load_data, validate
from simulate.schema.model import Scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
SIMULATE = Path(sys.executable).parent / "simulate"
HANG = 120  # seconds that only bound a hang
BUNDLED = sorted(SCENARIOS.glob("*.yaml"))


# How pytest-xdist shares the tests between its workers when the command line does not say:
# a file to a worker, so a module's fixtures (a comparison, a browser) are made once, not once
# per worker as under "load" or "worksteal". No file is near half the suite (the longest took
# about 4 of 46 minutes on a busy machine), so a last file leaves the other worker idle briefly.
DIST = "loadfile"


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """The tests run across the machine's cores unless the command line says otherwise: `-n auto`
    by default, `-n 0` or `-p no:xdist` for one process (and --pdb, which needs one). Set here,
    not in pyproject's addopts, where `-n` would be an unknown option under `-p no:xdist`."""
    if not config.pluginmanager.has_plugin("xdist") or hasattr(config, "workerinput"):
        return  # pytest-xdist switched off, or this is one of its workers
    if config.option.numprocesses is None and not config.option.usepdb:
        config.option.numprocesses = "auto"
    if config.option.dist == "no":
        config.option.dist = DIST


@pytest.fixture(scope="session", autouse=True)
def _at_the_root() -> Any:
    """Tests name the bundled scenarios as the README does (scenarios/..., from the repository's
    root): run from anywhere, they run there."""
    before = Path.cwd()
    os.chdir(ROOT)
    yield
    os.chdir(before)


def data(name: str) -> dict[str, Any]:
    """A bundled scenario as plain data (extends and include applied)."""
    return load_data(SCENARIOS / f"{name}.yaml")


def build(d: dict[str, Any]) -> Scenario:
    return validate(d, "<test>")


def short(folder: Path, base: str, name: str, days: int) -> Path:
    """A bundled scenario renamed and cut to `days` school days without testing windows, as a
    file in `folder` (a quick year for command-line tests)."""
    path = folder / f"{base}.yaml"
    fields = {
        "extends": str(SCENARIOS / f"{base}.yaml"),
        "name": name,
        "calendar": {"school_days": days, "testing_windows": []},
    }
    path.write_text(yaml.safe_dump(fields), encoding="utf-8")
    return path


def announced(line: str) -> tuple[str, int]:
    """The address `simulate serve` announces on its first line: (http://127.0.0.1:PORT, PORT).
    Tests let the server pick its free port: a port probed first and passed as --port could be
    taken in between by another test running beside it (pytest-xdist)."""
    found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert found, f"no address in the server's first line: {line!r}"
    return found[0].rstrip("/"), int(found[1])


class Server:
    """`simulate serve --no-browser` in a subprocess of its own process group, on the free port
    of 127.0.0.1 it picks and announces (`announced`), stopped with Ctrl-C as a terminal sends
    it: to the whole group."""

    def __init__(self, workspace: Path) -> None:
        self.proc = subprocess.Popen(
            [str(SIMULATE), "serve", "--workspace", str(workspace), "--no-browser"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        self.first = self.proc.stdout.readline()
        if "http://127.0.0.1:" not in self.first:
            self.first += self.proc.communicate(timeout=HANG)[0]
        self.url, self.port = announced(self.first)

    def ctrl_c(self) -> str:
        """Ctrl-C; the rest of the output once the server ended."""
        os.killpg(self.proc.pid, signal.SIGINT)
        out, _ = self.proc.communicate(timeout=HANG)
        return out

    def stop(self) -> str:
        """Ctrl-C: the server stops with 130 and one line saying the workspace keeps all."""
        out = self.ctrl_c()
        assert self.proc.returncode == 130, out
        return out


def frictionless(d: dict[str, Any]) -> dict[str, Any]:
    """The same arrangement in a year with no absences, attrition, closures or testing."""
    d = dict(d)
    d["roles"] = {
        name: {**role, "absence_rate": 0.0, "attrition_rate": 0.0}
        for name, role in d["roles"].items()
    }
    d["calendar"] = {**d.get("calendar", {}), "closure_rate": 0.0, "testing_windows": []}
    for school in d["schools"]:
        school.pop("devices", None)  # one device per student
        school.pop("attendance", None)  # students never absent
        if "periods" in school:  # nor miss a class in a period day
            school["periods"] = {**school["periods"], "class_absence_rates": []}
    return d


@pytest.fixture
def traditional() -> dict[str, Any]:
    return data("traditional")
