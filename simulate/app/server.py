"""The app (create_app: the pages' routes, the guards, one answer per error) and `serve`,
which runs it on 127.0.0.1.

Every page reads and writes the workspace (simulate.app.workspace) through the same Python
API as the command line (see simulate.app.pages). Heavy modules (pandas, the engine) are
imported when a page needs them, so the server starts in well under two seconds.
"""

from __future__ import annotations

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
from simulate.schema.errors import InputError


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
    """Serve the app on 127.0.0.1 (a free port when port is 0) until Ctrl-C."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as err:
        sock.close()
        raise InputError(None, "--port", f"{port} cannot be used ({err.strerror or err})") from None
    port = sock.getsockname()[1]
    app = create_app(workspace, port)
    site: Site = app.state.site
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=5, lifespan="off")
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

    threading.Thread(target=announce, name="announce", daemon=True).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn passes Ctrl-C on once it has shut down
        pass
    finally:
        site.jobs.stop()
        site.pool.close()
        site.ws.mark_unfinished()
        sock.close()
    echo("simulate serve: stopped")
