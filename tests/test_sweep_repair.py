"""Resume never trusts a part blindly: damaged parts are named, set aside and run again.

A sweep saves each chunk as a Parquet part with page checksums, named by its first run and its
SHA-256. These tests damage a finished sweep's folder in the ways a crash, a full disk or a bad
copy do, and check that `--resume` ends with every run exactly once and the same results as an
untouched sweep, whatever manifest.json says.
"""

from __future__ import annotations

import base64
import re
import shutil
import struct
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result
from test_sweep_helpers import results, write_spec

from simulate.cli import main
from simulate.folderlock import LOCK_NAME
from simulate.outputs import sweep
from simulate.study.sweep.spec import load_sweep
from simulate.study.sweep.store import NEXT, PartWriter, part_name


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


def damage_the_footer(part: Path) -> None:
    """Flip one bit of the pandas metadata (JSON) inside the footer's Arrow schema (base64),
    so that the text no longer decodes as UTF-8; the file keeps its length."""
    data = part.read_bytes()
    key = data.index(b"ARROW:schema")
    found = re.compile(rb"[A-Za-z0-9+/]{100,}=*").search(data, key)
    assert found is not None
    schema = bytearray(base64.b64decode(found.group()))
    schema[bytes(schema).index(b'"pandas_version"') + 3] ^= 0x80
    encoded = base64.b64encode(bytes(schema))
    assert len(encoded) == len(found.group())
    part.write_bytes(data[: found.start()] + encoded + data[found.end() :])


def damaged_line(result: Result, part: Path) -> str:
    lines = [line for line in result.stderr.splitlines() if part.name in line]
    assert len(lines) == 1, result.stderr
    assert "damaged" in lines[0] and "run again" in lines[0]
    return lines[0]


def test_a_flipped_value_byte_is_caught_by_the_part_checksum(
    copy: tuple[Path, Path], finished: tuple[Path, Path]
) -> None:
    spec, out = copy
    part = sorted((out / "runs").glob("part-*.parquet"))[2]
    flip_a_value(part)
    result = resume(spec, out, finished[1])
    assert "checksum does not match its name" in damaged_line(result, part)
    assert (out / "runs" / "damaged" / part.name).is_file()  # kept, for a look
    assert "(3 run now)" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("manifest", ["missing", "junk", "flipped"])
@pytest.mark.parametrize("where", ["value", "footer"])
def test_a_flipped_bit_is_caught_whatever_the_manifest_says(
    copy: tuple[Path, Path], finished: tuple[Path, Path], manifest: str, where: str
) -> None:
    """A damaged manifest once left parts checked by their page checksums alone: a flipped
    value bit passed into results.parquet, and a flip in the footer's metadata crashed resume
    (UnicodeDecodeError, JSONDecodeError)."""
    spec, out = copy
    recorded = out / "manifest.json"
    if manifest == "missing":
        recorded.unlink()
    elif manifest == "junk":
        recorded.write_bytes(b"\xff\xfe{")
    else:
        data = bytearray(recorded.read_bytes())
        data[len(data) // 2] ^= 0x80  # no longer UTF-8
        recorded.write_bytes(bytes(data))
    part = sorted((out / "runs").glob("part-*.parquet"))[3]
    if where == "value":
        flip_a_value(part)
    else:
        damage_the_footer(part)
    result = resume(spec, out, finished[1])
    assert "damaged" in damaged_line(result, part)
    assert "(3 run now)" in result.stdout


def test_a_flipped_bit_in_the_manifest_digest_is_refused_saying_it_may_be_damaged(
    copy: tuple[Path, Path],
) -> None:
    """One bit of the digest flipped (manifest.json still valid JSON) once said the spec had
    changed, though spec.yaml and base_scenario.json were this sweep's."""
    spec, out = copy
    recorded = out / "manifest.json"
    text = recorded.read_text(encoding="utf-8")
    at = text.index('"digest": "') + len('"digest": "')
    recorded.write_text(text[:at] + chr(ord(text[at]) ^ 0x01) + text[at + 1 :], encoding="utf-8")
    before = sorted(p.name for p in (out / "runs").iterdir())
    result = invoke("sweep", spec, "--out", out, "--resume")
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "manifest.json is damaged" in line and "simulate version changed" in line
    assert sorted(p.name for p in (out / "runs").iterdir()) == before  # nothing touched


def test_no_flipped_bit_anywhere_in_a_part_is_accepted_or_crashes(
    finished: tuple[Path, Path], tmp_path: Path
) -> None:
    """Bytes all through a part (header, pages, footer), one bit flipped at a time: always
    refused with a reason."""
    from simulate.study.sweep.store import _arrow_schema, _read_part

    spec, out = finished
    sw = load_sweep(spec)
    schema = _arrow_schema(sw)
    part = sorted((out / "runs").glob("part-*.parquet"))[0]
    good = part.read_bytes()
    assert _read_part(part, sw, schema) == (None, [0, 1, 2])
    copy = tmp_path / part.name
    for at in [*range(0, len(good), 29), len(good) - 1]:
        data = bytearray(good)
        data[at] ^= 1 << (at % 8)
        copy.write_bytes(bytes(data))
        problem, _ = _read_part(copy, sw, schema)
        assert problem is not None, at


def test_a_part_without_its_own_checksum_is_run_again(
    copy: tuple[Path, Path], finished: tuple[Path, Path]
) -> None:
    spec, out = copy
    part = sorted((out / "runs").glob("part-*.parquet"))[5]
    unnamed = part.with_name("part-00000015.parquet")  # as an older simulate named parts
    part.rename(unnamed)
    result = resume(spec, out, finished[1])
    assert "its name carries no checksum" in damaged_line(result, unnamed)
    assert "(3 run now)" in result.stdout


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
    """Two writers once saved runs twice, in chunks of different sizes: each run stays once."""
    spec, out = copy
    first = sorted((out / "runs").glob("part-*.parquet"))[0]
    table = pq.read_table(first).slice(0, 2)  # runs 0 and 1, saved again
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, write_page_checksum=True)
    data = sink.getvalue().to_pybytes()
    twin = out / "runs" / part_name(0, data)
    twin.write_bytes(data)
    result = resume(spec, out, finished[1])
    repeated = [line for line in result.stderr.splitlines() if "repeats runs" in line]
    assert len(repeated) == 1 and (first.name in repeated[0] or twin.name in repeated[0])


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


def tree(out: Path) -> dict[str, bytes]:
    """Every file below `out` (but the lock and a sweep started with --force) by path."""
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and NEXT not in p.parts and p.name != LOCK_NAME
    }


@pytest.mark.slow
@pytest.mark.parametrize("saved", [0, 2])
def test_force_over_a_finished_sweep_keeps_it_until_the_new_one_is_complete(
    finished: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, saved: int
) -> None:
    """Ctrl-C (a crash, a full disk) before the new sweep is done once left no results at
    all: --force removed the old ones first."""
    _, done = finished
    out = tmp_path / "out"
    shutil.copytree(done, out)
    before = tree(out)
    (tmp_path / "other").mkdir()
    other = write_spec(tmp_path / "other", seed=12)
    written = PartWriter.write

    def write_then_stop(self: PartWriter, *args: object) -> None:
        if len(list(self.folder.glob("part-*"))) == saved:
            raise KeyboardInterrupt
        written(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(PartWriter, "write", write_then_stop)
    stopped = invoke("sweep", other, "--out", out, "--force", "--workers", "1", "--chunk-size", "3")
    monkeypatch.undo()
    assert stopped.exit_code == 130, stopped.output
    message = stopped.stderr.strip()
    assert message.startswith(f"interrupted: the earlier results in {out} are as they were; ")
    if saved:
        runs = out / NEXT / "runs"
        assert f"{3 * saved} of 18 runs of the new sweep are saved in {runs}" in message
        assert message.endswith(f"continue with: simulate sweep {other} --out {out} --resume")
    else:
        assert message.endswith("no run of the new sweep was saved")
    assert tree(out) == before
    resumed = invoke("sweep", other, "--out", out, "--resume", "--workers", "1")
    assert resumed.exit_code == 0, resumed.output
    assert f"({18 - 3 * saved} run now)" in resumed.stdout
    reference = sweep(other, tmp_path / "reference", workers=1, chunk_size=3, progress=False)
    assert sorted(run_ids(out)) == list(range(18))  # the new sweep's parts only
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in reference.out.iterdir())
    pd.testing.assert_frame_equal(results(out), results(reference.out))
    assert (out / "spec.yaml").read_text() == other.read_text()


def test_a_signal_just_after_a_forced_sweep_is_moved_in_says_it_is_complete(
    finished: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the moved-in sweep's folder was removed once said the earlier results
    were as they were and the new runs saved in a folder that was gone."""
    import simulate.outputs as outputs

    _, done = finished
    out = tmp_path / "out"
    shutil.copytree(done, out)
    (tmp_path / "other").mkdir()
    other = write_spec(tmp_path / "other", seed=12)
    remove = outputs.remove_inside

    def remove_then_stop(path: Path, root: Path) -> None:
        remove(path, root)
        if path.name == NEXT:
            raise KeyboardInterrupt

    monkeypatch.setattr(outputs, "remove_inside", remove_then_stop)
    stopped = invoke("sweep", other, "--out", out, "--force", "--workers", "1", "--chunk-size", "3")
    monkeypatch.undo()
    assert stopped.exit_code == 130, stopped.output
    assert stopped.stderr.strip() == f"interrupted: the sweep is complete in {out}"
    assert not (out / NEXT).exists() and (out / "spec.yaml").read_text() == other.read_text()
    reference = sweep(other, tmp_path / "reference", workers=1, chunk_size=3, progress=False)
    pd.testing.assert_frame_equal(results(out), results(reference.out))


def test_ctrl_c_while_the_points_are_checked_says_nothing_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import simulate.study.sweep.spec as spec_module

    def stop(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(spec_module, "_check_points", stop)
    out = tmp_path / "out"
    result = invoke("sweep", write_spec(tmp_path), "--out", out)
    assert result.exit_code == 130, result.output
    assert result.stderr.strip() == "interrupted: nothing was written"
    assert not out.exists()
