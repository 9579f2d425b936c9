"""`Allow` lists every method a path serves, over both route tables.

A path is served by several routes (the plain Starlette ones placed ahead for speed, the FastAPI
table, the dated table behind its mount), and Starlette answers a method none of them takes
with the `Allow` of the first route whose path matched only. Here the methods of every route of
the path are gathered: `OPTIONS` answers 204 with them, and a 405 carries them too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, Route, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# (the mount's prefix, the path's pattern below it, its methods)
Served = tuple[str, re.Pattern[str], frozenset[str]]


def served_by(routes: Sequence[BaseRoute], prefix: str = "") -> list[Served]:
    """The path patterns and methods of the routes in a table, included routers' too (mounts are
    given separately)."""
    served: list[Served] = []
    for context in iter_route_contexts(routes):
        if isinstance(context.original_route, Route) and context.methods and context.path:
            pattern, _, _ = compile_path(context.path)
            served.append((prefix, pattern, frozenset(context.methods)))
    return served


def allowed(table: list[Served], path: str) -> list[str]:
    """Every method some route serves at `path` (with OPTIONS), or none if no route has the path."""
    methods: set[str] = set()
    for prefix, pattern, served in table:
        if path.startswith(prefix) and pattern.match(path[len(prefix) :]):
            methods |= served
    return sorted(methods | {"OPTIONS"}) if methods else []


class AllowedMethods:
    """ASGI middleware: `OPTIONS` on a served path, and the `Allow` of a 405, list every method."""

    def __init__(self, app: ASGIApp, table: list[Served]) -> None:
        self.app = app
        self.table = table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        methods = allowed(self.table, scope["path"])
        if scope["method"] == "OPTIONS" and methods:
            allow = ", ".join(methods).encode()
            await send({"type": "http.response.start", "status": 204, "headers": [(b"allow", allow)]})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405 and methods:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                message = {**message, "headers": [*headers, (b"allow", ", ".join(methods).encode())]}
            await send(message)

        await self.app(scope, receive, send_with_allow)
