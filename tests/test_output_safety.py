"""Outputs are never truncated and never land outside --out.

write_atomic writes to a hidden temporary file beside the target and renames it into place:
a writer that fails (or a process that is killed) leaves the previous complete file or none.
Every command is run in an empty working folder with its own HOME and TMPDIR, and nothing may
appear anywhere but --out.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from conftest import ROOT

from simulate import output
from simulate.cli import main
from simulate.output import PARTIAL, prepare_out, write_atomic, write_csv, write_json
from simulate.schema.errors import InputError

TRADITIONAL = ROOT / "scenarios" / "traditional.yaml"
MCL = ROOT / "scenarios" / "mcl_teams.yaml"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if PARTIAL in p.name)


# ---- write_atomic -------------------------------------------------------------------------------
def test_a_writer_that_fails_midway_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    write_json(target, {"run": "old", "complete": True})
    old = target.read_bytes()

    def half_then_fail(tmp: Path) -> None:
        tmp.write_text('{"run": "new", "comp')  # half a file
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_atomic(target, half_then_fail)
    assert target.read_bytes() == old
    assert leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


def test_ctrl_c_midway_through_a_new_file_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "metrics.csv"

    def interrupted(tmp: Path) -> None:
        tmp.write_text("replication,metric\n0,")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, interrupted)
    assert list(tmp_path.iterdir()) == []


def test_the_writer_gets_a_temporary_in_the_same_folder_with_the_same_suffix(
    tmp_path: Path,
) -> None:
    seen: list[Path] = []

    def record(tmp: Path) -> None:
        seen.append(tmp)
        assert tmp.exists() and tmp.parent == tmp_path
        pd.DataFrame({"a": [1, 2]}).to_excel(tmp, index=False)  # the engine comes from .xlsx

    write_atomic(tmp_path / "budget.xlsx", record)
    assert seen[0].suffix == ".xlsx" and seen[0].name.startswith(".budget.")
    assert pd.read_excel(tmp_path / "budget.xlsx")["a"].tolist() == [1, 2]
    assert leftovers(tmp_path) == []


def test_written_files_get_the_usual_permissions(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", pd.DataFrame({"a": [1]}))
    assert path.stat().st_mode & 0o777 == output.FILE_MODE
    assert output.FILE_MODE & 0o444 == 0o444  # readable by others, as open() would make it


def test_json_outputs_refuse_nan(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_json(tmp_path / "s.json", {"x": float("nan")})
    assert list(tmp_path.iterdir()) == []


def test_a_killed_process_leaves_the_old_file_whole(tmp_path: Path) -> None:
    """SIGKILL while writing: the target keeps its old bytes; --force cleans the leftover."""
    out = tmp_path / "out"
    out.mkdir()
    target = out / "ledger.csv"
    target.write_text("old,complete\n")
    script = f"""
import sys, time
from pathlib import Path
from simulate.output import write_atomic
def slow(tmp):
    with open(tmp, "w") as f:
        f.write("new,partial\\n" * 1000)
        f.flush()
        print("writing", flush=True)
        time.sleep(60)
write_atomic(Path({str(target)!r}), slow)
"""
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "writing"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert target.read_text() == "old,complete\n"
    assert len(leftovers(out)) == 1  # a kill cannot clean up; the name marks it as partial
    prepare_out(out, force=True)
    assert leftovers(out) == [] and target.read_text() == "old,complete\n"


def test_a_run_that_crashes_while_writing_keeps_the_previous_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk on the second file: the previous set stays whole (all-old), one message."""
    out = tmp_path / "out"
    first = CliRunner().invoke(main, ["run", str(TRADITIONAL), "--out", str(out), "--seed", "1"])
    assert first.exit_code == 0, first.output
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    calls = {"n": 0}
    real = pd.DataFrame.to_csv

    def to_csv_that_dies(self: pd.DataFrame, path: Path, *args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the second file: write half of it, then the disk is full
            Path(path).write_text(real(self, None, *args, **kwargs)[:100])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv_that_dies)
    crashed = CliRunner().invoke(
        main, ["run", str(TRADITIONAL), "--out", str(out), "--seed", "2", "--force"]
    )
    assert crashed.exit_code == 1
    assert crashed.stderr.count("\n") == 1 and "Traceback" not in crashed.output
    assert "No space left on device" in crashed.stderr and "unchanged" in crashed.stderr
    monkeypatch.undo()
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before  # every file as it was, nothing added (no staging, no lock)


def test_prepare_out_rules(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        prepare_out(tmp_path / "file")
    with pytest.raises(InputError, match="cannot use this folder"):
        prepare_out(tmp_path / "file" / "sub")
    full = tmp_path / "full"
    full.mkdir()
    (full / "mine.txt").write_text("keep")
    with pytest.raises(InputError, match="not empty"):
        prepare_out(full)
    assert prepare_out(full, force=True) == full
    assert (full / "mine.txt").read_text() == "keep"  # --force writes over, never deletes
    assert prepare_out(tmp_path / "new" / "deep").is_dir()


# ---- nothing outside --out --------------------------------------------------------------------
def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"<dir>")
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def sandbox(tmp_path: Path) -> dict[str, Path]:
    """Inputs in one folder, an empty working folder, HOME and TMPDIR of their own."""
    places = {name: tmp_path / name for name in ("inputs", "work", "home", "tmp")}
    for place in places.values():
        place.mkdir()
    short = {
        "extends": str(TRADITIONAL),
        "name": "Short year",
        "calendar": {"school_days": 20, "testing_windows": []},
    }
    (places["inputs"] / "short.yaml").write_text(yaml.safe_dump(short))
    other = {**short, "extends": str(MCL), "name": "Short MCL year"}
    (places["inputs"] / "mcl.yaml").write_text(yaml.safe_dump(other))
    spec = {
        "name": "tiny sweep",
        "scenario": "short.yaml",
        "design": "grid",
        "replications": 1,
        "seed": 3,
        "parameters": {"substitutes.pool": [0, 1]},
        "metrics": ["coverage.absences.count"],
    }
    (places["inputs"] / "spec.yaml").write_text(yaml.safe_dump(spec))
    return places


def commands(inputs: Path, out: Path) -> dict[str, list[str]]:
    short, mcl, spec = (str(inputs / n) for n in ("short.yaml", "mcl.yaml", "spec.yaml"))
    wanted = {
        "run": ["run", short, "--out", str(out)],
        "validate": ["validate", short, mcl],
        "schema": ["schema"],
        "compare": ["compare", short, mcl, "--out", str(out), "-r", "2", "--workers", "1"],
        "budget": ["budget", short, "--out", str(out), "--years", "3"],
        "budget to the terminal": ["budget", short, "--years", "3"],
        "sweep": ["sweep", spec, "--out", str(out), "--workers", "1"],
        "sweep on dask": ["sweep", spec, "--out", str(out), "--backend", "dask", "--workers", "1"],
    }
    return {k: v for k, v in wanted.items() if v[0] in main.commands}


@pytest.mark.slow
def test_no_command_writes_outside_out(sandbox: dict[str, Path]) -> None:
    """Real processes, so caches and temporary files anywhere would be seen."""
    env = {**os.environ, "HOME": str(sandbox["home"]), "TMPDIR": str(sandbox["tmp"])}
    env.pop("XDG_CACHE_HOME", None)
    env.pop("XDG_CONFIG_HOME", None)
    inputs_before = snapshot(sandbox["inputs"])
    ran = commands(sandbox["inputs"], sandbox["work"] / "out")
    assert {"run", "validate", "schema"} <= set(ran)
    for name, args in ran.items():
        out = sandbox["work"] / "out"
        proc = subprocess.run(
            [sys.executable, "-m", "simulate.cli", *args],
            cwd=sandbox["work"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, (name, proc.stderr)
        written = snapshot(sandbox["work"])
        expected_out = "--out" in args
        assert all(k == "out" or k.startswith("out/") for k in written), (name, written)
        assert bool(written) == expected_out, (name, written)
        assert not [k for k in written if PARTIAL in k], name
        assert snapshot(sandbox["home"]) == {}, (name, snapshot(sandbox["home"]))
        assert snapshot(sandbox["tmp"]) == {}, (name, snapshot(sandbox["tmp"]))
        assert snapshot(sandbox["inputs"]) == inputs_before, name
        if expected_out:
            for path in out.rglob("*.json"):
                json.loads(path.read_text())
            for path in out.rglob("*"):
                if path.is_file():
                    path.unlink()
            for path in sorted(out.rglob("*"), reverse=True):
                path.rmdir()
            out.rmdir()


def test_an_out_folder_we_cannot_write_fails_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(output.tempfile, "TemporaryFile", denied)
    with pytest.raises(InputError, match="--out: cannot use this folder \\(Permission denied\\)"):
        prepare_out(tmp_path / "locked")
    result = CliRunner().invoke(main, ["run", str(TRADITIONAL), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "Permission denied" in result.stderr
