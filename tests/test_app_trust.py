"""The web app under the misuse a shared laptop sees: uploads of one name at the same moment, a
second server on the same workspace, deeply nested JSON, Ctrl-C with an upload left open.

Servers are started as a user starts them (`simulate serve`, in a process group of its own).
"""

from __future__ import annotations

import socket
import subprocess
import threading
import urllib.request
from pathlib import Path

import pytest
import yaml
from conftest import HANG, SCENARIOS, SIMULATE, Server
from starlette.testclient import TestClient

from simulate.app.server import create_app
from simulate.app.workspace import Workspace
from simulate.schema.limits import MAX_DEPTH


def yaml_file(name: str, note: str) -> bytes:
    data = yaml.safe_load((SCENARIOS / "traditional.yaml").read_text(encoding="utf-8"))
    data.pop("extends", None)
    data["name"], data["description"] = name, note
    return yaml.safe_dump(data).encode("utf-8")


def upload(url: str, filename: str, content: bytes) -> int:
    boundary = "----simulate-test"
    part = f'Content-Disposition: form-data; name="file"; filename="{filename}"'
    head = f"--{boundary}\r\n{part}\r\nContent-Type: application/octet-stream\r\n\r\n"
    body = head.encode() + content + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"{url}/upload",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Origin": url},
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=HANG) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as answer:
        return int(answer.code)


@pytest.mark.slow
def test_eight_uploads_of_one_name_at_once_are_each_kept(tmp_path: Path) -> None:
    """They once all answered "Uploaded" while 2 to 6 files survived: each upload checked
    that a file name was free, then wrote it."""
    server = Server(tmp_path / "ws")
    try:
        files = [yaml_file("Same name", f"upload {k}") for k in range(8)]
        start = threading.Barrier(len(files))
        codes: list[int] = []

        def send(content: bytes) -> None:
            start.wait()
            codes.append(upload(server.url, "same.yaml", content))

        threads = [threading.Thread(target=send, args=(f,)) for f in files]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(HANG)
    finally:
        server.ctrl_c()
    assert codes == [303] * 8, codes  # each answered "Uploaded" (a redirect to its page)
    kept = sorted((tmp_path / "ws" / "scenarios").glob("*.yaml"))
    assert len(kept) == 8 and all(p.stem.startswith("same-name") for p in kept)
    notes = sorted(yaml.safe_load(p.read_text())["description"] for p in kept)
    assert notes == [f"upload {k}" for k in range(8)]  # none overwritten, none lost


def test_names_are_claimed_whole_and_once_by_threads_at_once(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    start = threading.Barrier(16)
    slugs: list[str] = []

    def add(k: int) -> None:
        start.wait()
        slugs.append(workspace.add_scenario("Lincoln Elementary", f"name: Lincoln {k}\n"))

    threads = [threading.Thread(target=add, args=(k,)) for k in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG)
    assert sorted(slugs) == sorted(
        ["lincoln-elementary", *(f"lincoln-elementary-{k}" for k in range(2, 17))]
    )
    texts = sorted(workspace.scenario_file(slug).read_text() for slug in slugs)
    assert texts == sorted(f"name: Lincoln {k}\n" for k in range(16))
    assert sorted(p.name for p in workspace.scenarios.iterdir()) == sorted(
        f"{slug}.yaml" for slug in slugs
    )  # no temporary file left


@pytest.mark.slow
@pytest.mark.parametrize("how", ["duplicate", "rename", "restore"])
def test_copies_renames_and_restores_at_once_are_each_kept(tmp_path: Path, how: str) -> None:
    """Eight copies of one scenario made at once once kept five: each took a free file name,
    then wrote it. So did renames to names of one file name and restores of one file name."""
    from simulate.app import manage

    workspace = Workspace(tmp_path / "ws")
    slugs, kept = [], []
    for k in range(1 if how == "duplicate" else 8):
        slugs.append(manage.add(workspace, yaml_file("Alpha", f"file {k}").decode(), "Alpha"))
        if how == "restore":
            kept.append(manage.delete(workspace, slugs[-1]))
    start = threading.Barrier(8)
    failed: list[BaseException] = []

    def act(k: int) -> None:
        start.wait()
        try:
            if how == "duplicate":
                manage.duplicate(workspace, slugs[0])
            elif how == "rename":
                manage.rename(workspace, slugs[k], "Beta" + "!?.,:;+="[k])  # all file name beta
            else:
                manage.restore(workspace, kept[k])
        except BaseException as err:  # a rename that failed leaves its file: notes still match
            failed.append(err)

    threads = [threading.Thread(target=act, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG)
    assert failed == []
    files = sorted(workspace.scenarios.glob("*.yaml"))
    notes = sorted(yaml.safe_load(p.read_text())["description"] for p in files)
    if how == "duplicate":
        assert notes == ["file 0"] * 9  # none overwritten, none lost
    else:
        assert notes == [f"file {k}" for k in range(8)]


@pytest.mark.slow
def test_a_second_server_on_a_workspace_is_refused_and_leaves_the_first_alone(
    tmp_path: Path,
) -> None:
    """A second server once marked the first one's live run interrupted and ran a second
    job at once."""
    first = Server(tmp_path / "ws")
    try:
        live = Workspace(tmp_path / "ws").new_run({"kind": "compare", "status": "running"})
        second = subprocess.run(
            [str(SIMULATE), "serve", "--workspace", str(tmp_path / "ws"), "--no-browser"],
            capture_output=True,
            text=True,
            timeout=HANG,
        )
        assert second.returncode == 2, second.stdout + second.stderr
        line = second.stderr.strip()
        assert "\n" not in line and "Traceback" not in line
        assert line.startswith(f"error: {tmp_path / 'ws'}: --workspace: is in use by another")
        assert f"pid {first.proc.pid}" in line and "simulate serve" in line
        assert "give another --workspace" in line
        assert Workspace(tmp_path / "ws").record(live)["status"] == "running"
        with urllib.request.urlopen(f"{first.url}/", timeout=HANG) as page:
            assert page.status == 200  # the first still serves
    finally:
        first.ctrl_c()


@pytest.fixture
def app(tmp_path: Path) -> tuple[TestClient, str]:
    c = TestClient(create_app(tmp_path / "ws", 8765), base_url="http://127.0.0.1:8765")
    c.post("/bundled", data={"bundled": "traditional"}, follow_redirects=False)
    slug = sorted(p.stem for p in (tmp_path / "ws" / "scenarios").glob("*.yaml"))[0]
    return c, slug


@pytest.mark.parametrize("route", ["validate", "data"])
@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,  # beyond the JSON parser's own recursion
        '{"a":' * 5_000 + "1" + "}" * 5_000,
        "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
    ],
    ids=["lists-100000", "mappings-5000", "just-too-deep"],
)
def test_deeply_nested_json_is_a_clean_400(
    app: tuple[TestClient, str], route: str, body: str
) -> None:
    """It once gave a 500 with a RecursionError traceback."""
    c, slug = app
    answer = c.post(
        f"/scenarios/{slug}/{route}", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400, answer.text[:300]
    [message] = answer.json()["messages"]
    assert "nested too deeply" in message["line"] and f"at most {MAX_DEPTH}" in message["line"]


def test_json_as_deep_as_a_scenario_may_be_is_read(app: tuple[TestClient, str]) -> None:
    c, slug = app
    body = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    answer = c.post(
        f"/scenarios/{slug}/validate", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 200  # read, then checked as a scenario (it is not one)
    assert "nested too deeply" not in answer.text


@pytest.mark.slow
def test_ctrl_c_with_a_stalled_upload_open_stops_with_130_and_one_line(tmp_path: Path) -> None:
    """It once waited 5 s for the upload, printed a CancelledError traceback and exited 0."""
    server = Server(tmp_path / "ws")
    stalled = socket.create_connection(("127.0.0.1", server.port))
    try:
        head = (
            f"POST /upload HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n"
            '--b\r\nContent-Disposition: form-data; name="file"; filename="a.yaml"\r\n\r\n'
        )
        stalled.sendall(head.encode() + b"name: half an upload\n")
        with urllib.request.urlopen(f"{server.url}/", timeout=HANG) as page:
            assert page.status == 200  # the server is reading the upload meanwhile
        out = server.ctrl_c()
    finally:
        stalled.close()
    assert server.proc.returncode == 130, out
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("interrupted: the server stopped; "), out
    assert "keeps every scenario and run" in lines[0]


def test_a_stopping_server_warms_no_further_and_starts_no_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The warm-up (imports, then the workers) stops at its next step once the pool is
    closed, so the server can wait for it before the process ends: a thread left inside an
    extension's import at exit once aborted the process (exit -6, 'FATAL: exception not
    rethrown') instead of 130."""
    import importlib

    from simulate.app import pool as pool_module

    warm = pool_module.WarmPool()
    imported: list[str] = []

    real = importlib.import_module

    def importing(name: str, package: str | None = None) -> object:
        if name not in pool_module.WARM_IMPORTS:
            return real(name, package)
        imported.append(name)
        warm.close()  # Ctrl-C arrives while the first import runs
        return None

    monkeypatch.setattr(importlib, "import_module", importing)
    warm.warm()
    assert imported == [pool_module.WARM_IMPORTS[0]]
    assert warm._executor is None  # no workers started after the close
    with warm.use() as executor:
        assert executor is None
