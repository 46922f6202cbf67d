"""The app (create_app: the pages' routes, the guards, one answer per error) and `serve`,
which runs it on 127.0.0.1.

Every page reads and writes the workspace (simulate.app.workspace) through the same Python
API as the command line (see simulate.app.pages). Heavy modules (pandas, the engine) are
imported when a page needs them, so the server starts in well under two seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from simulate.app.checks import from_error, readable
from simulate.app.guard import LocalOnly, SecurityHeaders
from simulate.app.pages import ROUTES
from simulate.app.site import HERE, MAX_BODY, Site
from simulate.app.workspace import Workspace
from simulate.folderlock import locked
from simulate.output import Interrupted
from simulate.schema.errors import InputError

GRACE = 1  # seconds a request still open at Ctrl-C gets to finish
WARM_UP_WAIT = 30  # at most, seconds a stop waits for the warm-up's import under way to end


def create_app(workspace: Path, port: int) -> Starlette:
    """The app, answering only at 127.0.0.1:port and localhost:port."""
    site = Site(Workspace(workspace))
    site.ws.mark_unfinished()

    async def input_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, InputError)
        status = 404 if exc.field in ("scenario", "run", "file") else 400
        if request.headers.get("content-type", "").startswith("application/json"):
            return JSONResponse({"messages": [from_error(exc).__dict__]}, status)
        return site.problem(request, readable(exc), status)

    async def not_found(request: Request, exc: Exception) -> Response:
        return site.problem(request, f"not found: {request.url.path}", 404)

    app = Starlette(
        routes=[*ROUTES, Mount("/static", StaticFiles(directory=HERE / "static"), name="static")],
        middleware=[
            Middleware(LocalOnly, port=port, max_body=MAX_BODY),
            Middleware(SecurityHeaders),
        ],
        exception_handlers={InputError: input_error, 404: not_found},
    )
    app.state.site = site
    return app


def serve(
    workspace: Path, port: int = 0, open_browser: bool = True, echo: Callable[[str], None] = print
) -> None:
    """Serve the app on 127.0.0.1 (a free port when port is 0) until Ctrl-C, which raises
    Interrupted once the server has stopped (the command line exits with 130).

    One server per workspace: the workspace's lock (simulate.folderlock) is held while the
    server runs, so a second `simulate serve` on it is refused naming the first, before it
    reads or marks anything. A request still open at Ctrl-C (a stalled upload) gets GRACE
    seconds, then is cancelled without a traceback."""
    import uvicorn

    with contextlib.ExitStack() as held:
        try:
            held.enter_context(locked(workspace))
        except InputError as err:
            raise InputError(
                str(workspace),
                "--workspace",
                err.problem,
                "stop that server (Ctrl-C where it runs), or give another --workspace",
            ) from None
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as err:
            sock.close()
            problem = f"{port} cannot be used ({err.strerror or err})"
            raise InputError(None, "--port", problem) from None
        port = sock.getsockname()[1]
        app = create_app(workspace, port)
        site: Site = app.state.site
        server = uvicorn.Server(
            uvicorn.Config(
                app, log_level="warning", timeout_graceful_shutdown=GRACE, lifespan="off"
            )
        )
        url = f"http://127.0.0.1:{port}/"

        def announce() -> None:
            while not server.started and not server.should_exit:
                threading.Event().wait(0.05)
            if server.started:
                echo(f"simulate serve: {url}  (workspace: {site.ws.root}; Ctrl-C stops it)")
                if open_browser:
                    webbrowser.open(url)
                site.pool.warm()  # the first comparison need not wait for workers and imports

        announcer = threading.Thread(target=announce, name="announce", daemon=True)
        announcer.start()
        quiet = _CancelledAtShutdown()
        logging.getLogger("uvicorn.error").addFilter(quiet)
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:  # uvicorn passes Ctrl-C on once it has shut down
            raise Interrupted(
                f"the server stopped; {site.ws.root} keeps every scenario and run (a run it "
                "cut short is marked interrupted)"
            ) from None
        finally:
            logging.getLogger("uvicorn.error").removeFilter(quiet)
            site.jobs.stop()
            site.ahead.close()
            site.pool.close()
            announcer.join(timeout=WARM_UP_WAIT)  # it ends at its next step (WarmPool.close)
            site.ahead.join(timeout=WARM_UP_WAIT)  # its step ended with the pool
            site.ws.mark_unfinished()
            sock.close()
    echo("simulate serve: stopped")


class _CancelledAtShutdown(logging.Filter):
    """A request the stopping server cancelled after GRACE seconds is not an error: neither
    uvicorn's note that it cancels it nor the request's CancelledError is shown."""

    def filter(self, record: logging.LogRecord) -> bool:
        kind = record.exc_info[0] if record.exc_info else None
        cancelled = kind is not None and issubclass(kind, asyncio.CancelledError)
        return not (cancelled or "timeout graceful shutdown" in str(record.msg))
