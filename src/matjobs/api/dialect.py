"""The two generations of the platform's API one set of handlers serves: the documented
`/api/v1` and the dated `/api/2018-10-01` that the official client speaks. They differ in
paths (each has its own route table) and in a few defaults, which handlers read from here."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

SCOPE_KEY = "matjobs.dialect"


@dataclass(frozen=True)
class Dialect:
    prefix: str
    default_limit: int | None  # a list's page size when none is asked for; None: the settings' (v1: 20)


V1 = Dialect("/api/v1", None)
DATED = Dialect("/api/2018-10-01", 50)


def dialect_of(request: Request) -> Dialect:
    dialect: Dialect = request.scope.get(SCOPE_KEY, V1)
    return dialect


class Speaking:
    """An ASGI app (a route table) whose requests are marked with the dialect they came in."""

    def __init__(self, app: ASGIApp, dialect: Dialect) -> None:
        self.app = app
        self.dialect = dialect

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[SCOPE_KEY] = self.dialect
        await self.app(scope, receive, send)
