"""report.html in a real headless Chromium: no console errors, no network, charts drawn,
injected script in user text does not run.

Chromium is driven over the DevTools protocol on a pipe (--remote-debugging-pipe: commands on
fd 3, replies on fd 4, NUL-terminated JSON), so no port and no extra package are needed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import SCENARIOS
from test_compare import readme_compare_args

import simulate
from simulate.cli import main
from simulate.output import prepare_out
from simulate.outputs import save_comparison
from simulate.study.compare import compare

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,2000",
]
EVIL = (
    '</script><script>window.__pwned=1;document.title="pwned"</script>'
    '<img src=x onerror="window.__pwned=2">'
)


def need_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing in CI (.ci/chromium.sh should install it)")
    pytest.skip(f"{CHROMIUM} is not installed (run .ci/chromium.sh); browser tests skipped")


class Browser:
    """A tiny DevTools-protocol client over Chromium's debugging pipe."""

    def __init__(self, profile: Path) -> None:
        to_child, self._to_child = os.pipe()
        self._from_child, from_child = os.pipe()

        def wire_fds() -> None:  # in the child: its fd 3 reads our commands, fd 4 replies
            a = fcntl.fcntl(to_child, fcntl.F_DUPFD_CLOEXEC, 10)  # out of the way of 3 and 4
            b = fcntl.fcntl(from_child, fcntl.F_DUPFD_CLOEXEC, 10)
            os.dup2(a, 3)  # inheritable; every other fd Python opened is close-on-exec
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,  # closing would happen after wire_fds and take fds 3 and 4
            preexec_fn=wire_fds,
        )
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float = 30.0,
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            for reply in self._read(deadline):
                if reply.get("id") == self._next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply["result"]

    def wait_for(self, method: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for event in self.events[seen:]:
                if event.get("method") == method:
                    return event
            seen = len(self.events)
            list(self._read(deadline))

    def _read(self, deadline: float) -> Iterator[dict[str, Any]]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("Chromium did not answer in time")
        ready, _, _ = select.select([self._from_child], [], [], left)
        if not ready:
            raise TimeoutError("Chromium did not answer in time")
        chunk = os.read(self._from_child, 1 << 20)
        if not chunk:
            raise RuntimeError("Chromium closed the debugging pipe")
        self._buffer += chunk
        *messages, self._buffer = self._buffer.split(b"\0")
        for raw in messages:
            message = json.loads(raw)
            if "method" in message:
                self.events.append(message)
            yield message

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_child)
        os.close(self._from_child)


def load(page: Path, profile: Path) -> dict[str, Any]:
    """Open a page, let it settle, and return what a test needs to know about it."""
    browser = Browser(profile)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Runtime", "Log", "Network", "Page"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired", timeout=60)

        def evaluate(expression: str) -> Any:
            reply = browser.send(
                "Runtime.evaluate",
                {"expression": expression, "returnByValue": True},
                session=session,
            )
            return reply["result"].get("value")

        deadline = time.monotonic() + 120  # plotly draws after load; bounds a hang only
        while time.monotonic() < deadline:
            drawn = evaluate(
                "document.querySelectorAll('.plot .main-svg').length > 0 && "
                "[...document.querySelectorAll('.plot')].every("
                "d => d.querySelector('.main-svg'))"
            )
            if drawn:
                break
            time.sleep(0.2)
        facts = {
            "plots": evaluate("document.querySelectorAll('.plot').length"),
            "drawn": evaluate(
                "[...document.querySelectorAll('.plot')]"
                ".filter(d => d.querySelector('.main-svg')).length"
            ),
            "bars": evaluate("document.querySelectorAll('.plot .main-svg .bars path').length"),
            "title": evaluate("document.title"),
            "pwned": evaluate("window.__pwned === undefined ? null : window.__pwned"),
            "text": evaluate("document.body.innerText"),
            "scripts": evaluate("document.scripts.length"),
        }
        time.sleep(0.3)  # late console messages
        browser.send("Runtime.evaluate", {"expression": "1"}, session=session)
        events = browser.events
    finally:
        browser.close()
    facts["errors"] = [
        e["params"]
        for e in events
        if e["method"] == "Runtime.exceptionThrown"
        or (e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] == "error")
        or (e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")
    ]
    facts["requests"] = [
        e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"
    ]
    return facts


@pytest.fixture(scope="module")
def bundled_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """report.html made by the README's command (with 3 replications to stay quick)."""
    need_chromium()
    out = tmp_path_factory.mktemp("report") / "out"
    result = CliRunner().invoke(main, [*readme_compare_args(out), "--replications", "3"])
    assert result.exit_code == 0, result.stderr
    return out / "report.html"


@pytest.mark.slow
def test_report_loads_offline_without_errors_and_draws_every_chart(
    bundled_report: Path, tmp_path: Path
) -> None:
    facts = load(bundled_report, tmp_path / "profile")
    assert facts["errors"] == []
    outside = [u for u in facts["requests"] if not u.startswith(("file:", "data:"))]
    assert outside == []
    assert facts["requests"], "the page itself should show up as a file: request"
    assert facts["plots"] >= 8
    assert facts["drawn"] == facts["plots"]
    assert facts["bars"] > 0
    assert facts["scripts"] == 2 + facts["plots"]  # plotly, the loader, one JSON spec per chart
    for heading in (
        "Executive summary",
        "Coaching",
        "Small-group minutes",
        "Relationships",
        "Coverage and losses",
        "Budget",
        "Assumptions that differ",
    ):
        assert heading in facts["text"]


@pytest.mark.slow
def test_script_in_a_scenario_name_is_shown_not_run(tmp_path: Path) -> None:
    need_chromium()
    base = simulate.load_scenario(SCENARIOS / "traditional.yaml")
    other = simulate.load_scenario(SCENARIOS / "mcl_teams.yaml")
    roles = dict(other.roles)
    roles["mcl"] = roles["mcl"].model_copy(update={"title": EVIL})
    evil = other.model_copy(update={"name": EVIL, "description": EVIL, "roles": roles})
    out = prepare_out(tmp_path / "out")
    save_comparison(compare([base, evil], seed=1, replications=2), out)
    facts = load(out / "report.html", tmp_path / "profile")
    assert facts["pwned"] is None
    assert facts["title"] != "pwned" and facts["title"].startswith("Staffing arrangements")
    assert EVIL in facts["text"]  # shown as text, verbatim
    assert facts["errors"] == []
    assert [u for u in facts["requests"] if not u.startswith(("file:", "data:"))] == []
    assert facts["drawn"] == facts["plots"]


@pytest.mark.slow
def test_sweep_report_draws_every_chart_and_shows_user_text_as_text(tmp_path: Path) -> None:
    """The sweep page is built from the same shell and kit: offline, escaped, every chart drawn."""
    need_chromium()
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        json.dumps(
            {
                "name": EVIL,
                "description": EVIL,
                "scenario": str(SCENARIOS / "traditional.yaml"),
                "design": "grid",
                "parameters": {
                    "substitutes.pool": [0, 2],
                    "roles.teacher.absence_rate": [0.02, 0.06],
                },
                "metrics": [
                    "coverage.substitute_fill_rate.value",
                    "ledger[activity=instruction].lost",
                ],
            }
        ),
        encoding="utf-8",
    )
    simulate.sweep(spec, tmp_path / "out", workers=1, progress=False)
    facts = load(tmp_path / "out" / "report.html", tmp_path / "profile")
    assert facts["pwned"] is None and facts["title"] != "pwned"
    assert EVIL in facts["text"]
    assert facts["errors"] == []
    assert [u for u in facts["requests"] if not u.startswith(("file:", "data:"))] == []
    assert facts["plots"] == 2 * 2  # a tornado and the main effects per metric
    assert facts["drawn"] == facts["plots"] and facts["bars"] > 0
