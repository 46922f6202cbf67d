"""Requests the app answers: only from this machine's own pages, and not too large.

The server listens on 127.0.0.1, but a web page elsewhere can still aim a browser at it: by
DNS rebinding (a foreign name that resolves to 127.0.0.1: its Host header is that name) or
by a cross-site form post (its Origin is the other site). Both are refused. Bodies are
limited in size before anything reads them, and JSON bodies in depth before anything walks them
(json_value).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from simulate.schema.errors import InputError
from simulate.schema.limits import MAX_DEPTH, at_most

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class TooLarge(Exception):
    pass


class LocalOnly:
    """ASGI middleware: Host and Origin must be this server's own address; bodies are capped."""

    def __init__(self, app: ASGIApp, port: int, max_body: int) -> None:
        self.app = app
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        self.origins = {f"http://{host}" for host in self.hosts}
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self.refusal(scope["method"], headers)
        if refusal is not None:
            await PlainTextResponse(refusal, status_code=403)(scope, receive, send)
            return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            await self.too_large(scope, receive, send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except TooLarge:
            if not started:
                await self.too_large(scope, receive, send)

    def refusal(self, method: str, headers: dict[str, str]) -> str | None:
        """Why a request is refused, or None."""
        host = headers.get("host", "")
        if host not in self.hosts:
            return f"refused: this server answers only at {sorted(self.hosts)[0]}, not {host!r:.80}"
        origin = headers.get("origin")
        if origin is not None and origin not in self.origins:
            return f"refused: a request from another site ({origin!r:.80})"
        if headers.get("sec-fetch-site") == "cross-site":
            return "refused: a request from another site"
        if method in UNSAFE and origin is None and "referer" in headers:
            referer = urlsplit(headers["referer"])
            if f"{referer.scheme}://{referer.netloc}" not in self.origins:
                return "refused: a form sent from another site"
        return None

    async def too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = f"{self.max_body / 1_000_000:g} MB"
        response: Any = PlainTextResponse(f"too large: at most {limit}", status_code=413)
        await response(scope, receive, send)


PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-src 'self'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'; frame-ancestors 'self'"
)
# report.html carries its own scripts inline (it opens offline from a file too); it may run
# them, and nothing else: it cannot load or send anything.
REPORT_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'"
)


class SecurityHeaders:
    """ASGI middleware: every response says what the browser may do with it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = {
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"same-origin",  # no-referrer would make Origin null
                    b"x-frame-options": b"SAMEORIGIN",
                    b"content-security-policy": PAGE_POLICY.encode(),
                }
                if not scope["path"].startswith("/static/"):  # pages change; vendor files do not
                    extra[b"cache-control"] = b"no-store"
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def json_value(body: bytes) -> Any:
    """A request's JSON (the full form's data), nested no deeper than a scenario file may be
    (schema.limits.MAX_DEPTH); an InputError (a 400 answer) otherwise. Text nested deeper than
    the parser's own recursion is refused the same way, never a RecursionError."""
    too_deep = InputError(None, None, "the data is nested too deeply", at_most(MAX_DEPTH, "levels"))
    try:
        value = json.loads(body)
    except RecursionError:
        raise too_deep from None
    except ValueError:
        raise InputError(None, None, "the request is not JSON") from None
    level, nodes = 0, [value]
    while nodes:
        level += 1
        if level > MAX_DEPTH:
            raise too_deep
        nodes = [
            child
            for node in nodes
            if isinstance(node, (dict, list))
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, (dict, list))
        ]
    return value
