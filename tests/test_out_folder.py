"""One writer per --out, whole output sets, and everything a run needs checked before it starts.

A second command on a folder in use is refused (exit 2) naming the holder; a lock left by a
killed command is taken over; a set of files is all-new or all-old; a file the command will
write that is a folder, or a scheduler address that cannot work, is refused before any work.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import ROOT, SCENARIOS
from test_sweep_helpers import write_spec

from simulate.cli import main
from simulate.folderlock import LOCK_NAME, holder, locked
from simulate.output import STAGING, staged_set, write_text
from simulate.schema.errors import InputError

TRADITIONAL = SCENARIOS / "traditional.yaml"
MCL = SCENARIOS / "mcl_teams.yaml"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def short(tmp_path: Path, base: Path = TRADITIONAL, name: str = "Short") -> Path:
    path = tmp_path / f"{name.lower()}.yaml"
    fields = {"extends": str(base), "name": name, "calendar": {"school_days": 20}}
    fields["calendar"]["testing_windows"] = []
    path.write_text(yaml.safe_dump(fields), encoding="utf-8")
    return path


HOLD = """
import sys, time
from pathlib import Path
from simulate.folderlock import locked
with locked(Path(sys.argv[1]), "simulate compare a.yaml b.yaml --out busy"):
    print("held", flush=True)
    time.sleep(120)
"""


def hold(out: Path) -> subprocess.Popen[str]:
    """Another process holding the folder's lock, until it is killed."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any simulated year (here, or handed to workers) fail the test: what is refused
    must be refused before one."""
    from simulate.engine.core import Engine
    from simulate.study.executor import Executor

    def simulate(*args: object, **kwargs: object) -> None:
        raise AssertionError("a year was simulated before the check")

    monkeypatch.setattr(Engine, "run", simulate)
    monkeypatch.setattr(Executor, "run", simulate)


def test_a_second_command_on_a_folder_in_use_is_refused_naming_the_holder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_simulation(monkeypatch)
    out = tmp_path / "out"
    process = hold(out)
    try:
        for args in (
            ("run", TRADITIONAL, "--out", out, "--force"),
            ("compare", TRADITIONAL, MCL, "--out", out, "--force", "-r", "1"),
            ("budget", TRADITIONAL, "--out", out, "--force"),
            ("sweep", write_spec(tmp_path), "--out", out, "--resume"),
        ):
            result = invoke(*args)
            assert result.exit_code == 2, (args[0], result.output)
            message = result.stderr.strip()
            assert "in use by another command" in message and f"pid {process.pid}" in message
            assert "simulate compare a.yaml b.yaml --out busy" in message
            assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]
    finally:
        process.kill()
        process.wait()


def test_a_lock_left_by_a_killed_command_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "out"
    process = hold(out)
    process.send_signal(signal.SIGKILL)
    process.wait()
    left = holder(out)
    assert left is not None and left.pid == process.pid and not left.running()
    result = invoke("run", short(tmp_path), "--out", out)
    assert result.exit_code == 0, result.output
    assert f"pid {process.pid}" in result.stderr and "taken over" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "budget.csv",
        "ledger.csv",
        "metrics.csv",
        "summary.json",
    ]  # the lock file goes with its holder


def test_the_lock_is_reentrant_for_its_thread_and_refused_to_others(tmp_path: Path) -> None:
    out = tmp_path / "out"
    errors: list[BaseException] = []

    def other_thread() -> None:
        try:
            with locked(out):
                pass
        except InputError as err:
            errors.append(err)

    with locked(out, "first"):
        with locked(out), staged_set(out) as stage:  # save_run inside a command: same lock
            write_text(stage / "a.txt", "a")
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
    assert len(errors) == 1 and "in use" in str(errors[0])
    assert (out / "a.txt").read_text() == "a" and not (out / LOCK_NAME).exists()


@pytest.mark.slow
def test_two_concurrent_compares_on_one_folder_leave_one_consistent_set(tmp_path: Path) -> None:
    out = tmp_path / "out"
    a, b = short(tmp_path), short(tmp_path, MCL, "Mcl")
    command = [sys.executable, "-m", "simulate.cli", "compare", str(a), str(b), "--out", str(out)]
    processes = [
        subprocess.Popen(
            [*command, "--seed", str(seed), "-r", "2", "--workers", "1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for seed in (1, 2)
    ]
    ended = [(p.wait(timeout=300), p.communicate()) for p in processes]
    codes = sorted(code for code, _ in ended)
    assert codes == [0, 2], ended
    winner = 1 if ended[0][0] == 0 else 2
    loser_err = next(err for code, (_, err) in ended if code == 2)
    assert "in use by another command" in loser_err and "Traceback" not in loser_err
    reference = tmp_path / "reference"
    # the winner's command again, alone, in a process of its own as the winner ran
    alone = [*command[:-1], str(reference), "--seed", str(winner), "-r", "2", "--workers", "1"]
    done = subprocess.run(alone, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in reference.iterdir())
    assert sorted(p.name for p in out.iterdir()) == names
    for name in names:  # every file of the one winning command, none of the other
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name


@pytest.mark.slow
def test_two_concurrent_resumes_do_not_duplicate_or_lose_runs(tmp_path: Path) -> None:
    spec = write_spec(tmp_path)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "simulate.cli", "sweep", str(spec), "--out", str(out)]
    first = subprocess.run(
        [*command, "--workers", "1", "--chunk-size", "1"], capture_output=True, cwd=ROOT
    )
    assert first.returncode == 0
    for part in sorted((out / "runs").glob("part-*"))[::2]:
        part.unlink()  # as if the sweep had been killed with half its runs saved
    (out / "results.parquet").unlink()
    processes = [
        subprocess.Popen(
            [*command, "--resume", "--workers", "1", "--chunk-size", "1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(2)
    ]
    codes = sorted(p.wait(timeout=300) for p in processes)
    assert codes == [0, 2], [p.communicate() for p in processes]
    again = invoke("sweep", spec, "--out", out, "--resume")
    assert again.exit_code == 0 and "(0 run now)" in again.stdout  # the folder is not jammed
    import pyarrow.parquet as pq

    ids = [
        i
        for part in (out / "runs").glob("part-*.parquet")
        for i in pq.read_table(part, columns=["run_id"]).column("run_id").to_pylist()
    ]
    assert sorted(ids) == list(range(18))


# ---- all-new or all-old -------------------------------------------------------------------------
@pytest.mark.slow
def test_a_budget_set_never_keeps_a_file_of_an_older_set(tmp_path: Path) -> None:
    out = tmp_path / "out"
    seek = ["--goal-seek", "roles.teacher.supplement"]
    first = invoke("budget", short(tmp_path), "--baseline", TRADITIONAL, *seek, "--out", out)
    assert first.exit_code == 0, first.output
    assert (out / "goal_seek.csv").exists() and (out / "comparison.csv").exists()
    (out / "mine.txt").write_text("keep")
    again = invoke("budget", short(tmp_path), "--out", out, "--force")
    assert again.exit_code == 0, again.output
    assert not (out / "goal_seek.csv").exists() and not (out / "comparison.csv").exists()
    assert (out / "mine.txt").read_text() == "keep"  # only our own files are ever replaced


def test_staging_left_by_a_killed_command_is_removed_and_does_not_count_as_content(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    stale = out / f"{STAGING}12345"
    stale.mkdir(parents=True)
    (stale / "summary.json").write_text("{half")
    (out / LOCK_NAME).write_text('{"pid": 999999999}')
    result = invoke("run", short(tmp_path), "--out", out)  # no --force: nothing of ours is there
    assert result.exit_code == 0, result.output
    assert not stale.exists() and not (out / LOCK_NAME).exists()


def test_ctrl_c_while_a_set_is_staged_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_text(out / "summary.json", "old")
    with pytest.raises(KeyboardInterrupt), staged_set(out) as stage:
        write_text(stage / "summary.json", "new")
        raise KeyboardInterrupt
    assert sorted(p.name for p in out.iterdir()) == ["summary.json"]
    assert (out / "summary.json").read_text() == "old"


def _contents(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def _an_old_set_under_a_new_one(tmp_path: Path) -> tuple[Path, Path]:
    """Two runs' files (seeds 1 and 2): the first in `out`, where the second (run again with
    --force) is to go; (out, the second's own folder)."""
    old, new = tmp_path / "old", tmp_path / "new"
    for folder, seed in ((old, "1"), (new, "2")):
        made = invoke("run", short(tmp_path), "--out", folder, "--seed", seed)
        assert made.exit_code == 0, made.output
    out = tmp_path / "out"
    shutil.copytree(old, out)
    return out, new


def test_a_signal_during_the_final_moves_waits_for_the_whole_new_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the new files are being moved in: the move finishes, and the message
    says the new set is complete (it once left one new file beside three old ones and said
    nothing was written)."""
    out, new = _an_old_set_under_a_new_one(tmp_path)
    replace = os.replace

    def replace_then_signal(source: Any, target: Any) -> None:
        replace(source, target)
        if Path(source).parent.name.startswith(STAGING) and Path(target).parent == out:
            os.kill(os.getpid(), signal.SIGINT)  # arrives after the first file is in place

    monkeypatch.setattr(os, "replace", replace_then_signal)
    result = invoke("run", short(tmp_path), "--out", out, "--seed", "2", "--force")
    monkeypatch.undo()
    assert result.exit_code == 130, result.output
    assert f"interrupted: the new files are complete in {out}" in result.stderr
    assert _contents(out) == _contents(new)


@pytest.mark.parametrize("where", ["tidying the staging folder", "letting the folder go"])
def test_a_signal_just_after_the_final_moves_says_the_new_set_is_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """Ctrl-C after the set was moved in, while the command tidies up: it once said "nothing
    was written; ... is as it was" beside the new files."""
    import simulate.folderlock as folderlock
    import simulate.output as output

    out, new = _an_old_set_under_a_new_one(tmp_path)
    if where == "tidying the staging folder":
        remove = output.remove_inside

        def remove_then_stop(path: Path, root: Path) -> None:
            remove(path, root)
            if path.name.startswith(STAGING):
                raise KeyboardInterrupt

        monkeypatch.setattr(output, "remove_inside", remove_then_stop)
    else:
        release = folderlock._release

        def release_then_stop(*args: Any) -> None:
            release(*args)
            raise KeyboardInterrupt

        monkeypatch.setattr(folderlock, "_release", release_then_stop)
    result = invoke("run", short(tmp_path), "--out", out, "--seed", "2", "--force")
    monkeypatch.undo()
    assert result.exit_code == 130, result.output
    assert result.stderr.strip() == f"interrupted: the new files are complete in {out}"
    assert _contents(out) == _contents(new)


KILL_DURING_COMMIT = """
import os, signal, sys
from pathlib import Path
from simulate.output import staged_set, write_text
out, moved = Path(sys.argv[1]), []
replace = os.replace
def replace_then_die(source, target):
    replace(source, target)
    if Path(target).parent == out:
        os.kill(os.getpid(), signal.SIGKILL)  # a power cut after the first move
os.replace = replace_then_die
with staged_set(out) as stage:
    for name in ("a.csv", "b.csv", "c.csv"):
        write_text(stage / name, "new")
"""


def test_a_set_half_moved_in_by_a_killed_command_is_finished_by_the_next(tmp_path: Path) -> None:
    from simulate.output import claim_out

    out = tmp_path / "out"
    out.mkdir()
    for name in ("a.csv", "b.csv", "c.csv"):
        (out / name).write_text("old")
    killed = subprocess.run([sys.executable, "-c", KILL_DURING_COMMIT, str(out)], cwd=ROOT)
    assert killed.returncode == -signal.SIGKILL
    assert sorted(p.read_text() for p in out.glob("*.csv")) == ["new", "old", "old"]
    with claim_out(out, force=True):
        assert {p.name: p.read_text() for p in out.glob("*.csv")} == dict.fromkeys(
            ("a.csv", "b.csv", "c.csv"), "new"
        )
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "b.csv", "c.csv"]


# ---- checked before any work ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("command", "blocked"),
    [
        ("run", "summary.json"),
        ("compare", "budget.xlsx"),
        ("budget", "multiyear.csv"),
        ("sweep", "results.parquet"),
    ],
)
def test_a_folder_where_an_output_file_goes_is_refused_before_any_work(
    tmp_path: Path, command: str, blocked: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    (out / blocked).mkdir(parents=True)
    inputs = {
        "run": [short(tmp_path)],
        "compare": [short(tmp_path), short(tmp_path, MCL, "Mcl")],
        "budget": [short(tmp_path)],
        "sweep": [write_spec(tmp_path)],
    }[command]
    no_simulation(monkeypatch)
    result = invoke(command, *inputs, "--out", out, "--force")
    assert result.exit_code == 2, result.output
    assert f"{out / blocked}: --out: is a folder where the results need a file" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == [blocked]


@pytest.mark.parametrize("address", ["foo://bar", "http://localhost:8786", "tcp://"])
def test_a_scheduler_address_that_cannot_work_is_refused_before_any_work(
    tmp_path: Path, address: str
) -> None:
    out = tmp_path / "out"
    result = invoke(
        "sweep", write_spec(tmp_path), "--out", out, "--backend", "dask", "--scheduler", address
    )
    assert result.exit_code == 2, result.output
    assert "--scheduler" in result.stderr and "tcp://HOST:PORT" in result.stderr
    assert not out.exists()


def test_an_internal_error_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from simulate import outputs

    def broken(*args: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(outputs, "write_json", broken)
    out = tmp_path / "out"
    result = invoke("run", short(tmp_path), "--out", out)
    assert result.exit_code == 1
    assert result.stderr.startswith("internal error: ZeroDivisionError: a bug")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert not out.exists() or list(out.iterdir()) == []


def test_removing_a_tree_never_follows_a_link_out_of_the_folder(tmp_path: Path) -> None:
    from simulate.output import remove_inside

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("keep")
    out = tmp_path / "out"
    (out / "tree").mkdir(parents=True)
    (out / "tree" / "link").symlink_to(elsewhere)
    (out / "link").symlink_to(elsewhere)
    remove_inside(out / "tree", out)
    remove_inside(out / "link", out)
    assert (elsewhere / "keep.txt").read_text() == "keep"
    assert list(out.iterdir()) == []
    with pytest.raises(ValueError):
        remove_inside(elsewhere, out)
    shutil.rmtree(out)
