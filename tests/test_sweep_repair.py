"""Resume never trusts a part blindly: damaged parts are named, set aside and run again.

A sweep saves each chunk as a Parquet part with page checksums and records every part's
SHA-256 in manifest.json. These tests damage a finished sweep's folder in the ways a crash, a
full disk or a bad copy do, and check that `--resume` ends with every run exactly once and the
same results as an untouched sweep.
"""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result
from test_sweep_helpers import results, write_spec

from simulate.cli import main
from simulate.outputs import sweep


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A finished 18-run sweep in chunks of 3 (six parts): (spec, folder), never modified."""
    folder = tmp_path_factory.mktemp("sweep")
    spec = write_spec(folder)
    sweep(spec, folder / "out", workers=1, chunk_size=3, progress=False)
    return spec, folder / "out"


@pytest.fixture
def copy(finished: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    spec, out = finished
    target = tmp_path / "out"
    shutil.copytree(out, target)
    (target / "results.parquet").unlink()  # as if the sweep had been stopped before the end
    return spec, target


def run_ids(out: Path) -> list[int]:
    ids: list[int] = []
    for part in sorted((out / "runs").glob("part-*.parquet")):
        ids += pq.read_table(part, columns=["run_id"]).column("run_id").to_pylist()
    return ids


def resume(spec: Path, out: Path, reference: Path) -> Result:
    """Resume; every run must be on disk exactly once, with the untouched sweep's results."""
    result = invoke("sweep", spec, "--out", out, "--resume", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert sorted(run_ids(out)) == list(range(18))
    pd.testing.assert_frame_equal(results(out), results(reference))
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["parts"]) == sorted(p.name for p in (out / "runs").glob("part-*"))
    return result


def flip_a_value(part: Path) -> float:
    """Double one metric value in place (one bit of its exponent), as a bad disk might."""
    table = pq.read_table(part)
    value = table.column("coverage.absences.count")[0].as_py()
    data = bytearray(part.read_bytes())
    at = bytes(data).index(struct.pack("<d", value))
    data[at + 6] ^= 0x10  # the lowest exponent bit: the value doubles
    part.write_bytes(bytes(data))
    return value


def damaged_line(result: Result, part: Path) -> str:
    lines = [line for line in result.stderr.splitlines() if part.name in line]
    assert len(lines) == 1, result.stderr
    assert "damaged" in lines[0] and "run again" in lines[0]
    return lines[0]


def test_a_flipped_value_byte_is_caught_by_the_manifest_checksum(
    copy: tuple[Path, Path], finished: tuple[Path, Path]
) -> None:
    spec, out = copy
    part = sorted((out / "runs").glob("part-*.parquet"))[2]
    flip_a_value(part)
    result = resume(spec, out, finished[1])
    assert "checksum does not match the manifest" in damaged_line(result, part)
    assert (out / "runs" / "damaged" / part.name).is_file()  # kept, for a look
    assert "(3 run now)" in result.stdout


def test_a_flipped_byte_in_a_part_the_manifest_never_recorded_fails_its_page_checksum(
    copy: tuple[Path, Path], finished: tuple[Path, Path]
) -> None:
    """A crash between writing a part and recording it: the Parquet checksums still guard."""
    spec, out = copy
    part = sorted((out / "runs").glob("part-*.parquet"))[1]
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["parts"][part.name]
    (out / "manifest.json").write_text(json.dumps(manifest))
    flip_a_value(part)
    result = resume(spec, out, finished[1])
    assert "cannot be read" in damaged_line(result, part)


@pytest.mark.parametrize("damage", ["truncated", "junk", "empty"])
def test_truncated_junk_and_empty_parts_are_set_aside_and_run_again(
    copy: tuple[Path, Path], finished: tuple[Path, Path], damage: str
) -> None:
    spec, out = copy
    part = sorted((out / "runs").glob("part-*.parquet"))[4]
    data = part.read_bytes()
    part.write_bytes(
        {"truncated": data[: len(data) // 2], "junk": b"\x00junk" * 100, "empty": b""}[damage]
    )
    result = resume(spec, out, finished[1])
    damaged_line(result, part)
    assert "(3 run now)" in result.stdout


def test_a_part_that_repeats_saved_runs_is_set_aside(
    copy: tuple[Path, Path], finished: tuple[Path, Path]
) -> None:
    """Two writers once saved the same runs twice: the copy goes, each run stays once."""
    spec, out = copy
    first = sorted((out / "runs").glob("part-*.parquet"))[0]
    twin = out / "runs" / "part-00000099.parquet"
    shutil.copy(first, twin)
    result = resume(spec, out, finished[1])
    assert "repeats runs" in damaged_line(result, twin)
    assert "(0 run now)" in result.stdout


@pytest.mark.parametrize("damage", ["junk", "missing", "not a mapping"])
def test_a_broken_manifest_is_rebuilt_when_the_folder_holds_this_sweep(
    copy: tuple[Path, Path], finished: tuple[Path, Path], damage: str
) -> None:
    spec, out = copy
    manifest = out / "manifest.json"
    if damage == "missing":
        manifest.unlink()
    else:
        manifest.write_text({"junk": '{"digest": "ab', "not a mapping": "[1, 2]"}[damage])
    result = resume(spec, out, finished[1])
    assert "manifest.json was missing or damaged; rebuilt" in result.stderr
    assert "(0 run now)" in result.stdout


def test_a_broken_manifest_of_another_sweep_is_reported_with_a_way_forward(
    copy: tuple[Path, Path], tmp_path: Path
) -> None:
    spec, out = copy
    (out / "manifest.json").write_text("{")
    (tmp_path / "other").mkdir()
    other = write_spec(tmp_path / "other", seed=12)
    before = sorted(p.name for p in (out / "runs").iterdir())
    result = invoke("sweep", other, "--out", out, "--resume")
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert "damaged manifest.json" in message and "spec.yaml" in message
    assert "new --out" in message and "--force" not in message
    assert sorted(p.name for p in (out / "runs").iterdir()) == before  # nothing touched


def test_force_never_deletes_or_writes_through_a_symbolic_link(
    finished: tuple[Path, Path], tmp_path: Path
) -> None:
    spec, _ = finished
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "part-00000000.parquet").write_text("someone else's file")
    (elsewhere / "notes.txt").write_text("keep")
    out = tmp_path / "out"
    out.mkdir()
    (out / "runs").symlink_to(elsewhere)
    (out / "report.html").symlink_to(elsewhere / "notes.txt")
    refused = invoke("sweep", spec, "--out", out, "--resume")
    assert refused.exit_code == 2 and "symbolic link" in refused.stderr
    result = invoke("sweep", spec, "--out", out, "--force", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in elsewhere.iterdir()) == ["notes.txt", "part-00000000.parquet"]
    assert (elsewhere / "notes.txt").read_text() == "keep"
    assert (elsewhere / "part-00000000.parquet").read_text() == "someone else's file"
    assert not (out / "runs").is_symlink() and len(run_ids(out)) == 18
    assert not (out / "report.html").is_symlink()
