"""One operation of the API: its handler, where each API version serves it, and its description."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Response

Handler = Callable[..., Awaitable[Response]]


# Compared and hashed by identity: entries are distinct even where their fields are alike.
@dataclass(frozen=True, eq=False)
class Operation:
    """`path` is below /api/v1 (from the root if `unversioned`); `dated` is "METHOD /path" below
    /api/2018-10-01, or None where the dated API has no such call.

    A `hot` operation is served by a plain Starlette route ahead of FastAPI's table (and so is
    every operation a hot one would otherwise take). Hot and dated handlers read everything from
    the request: FastAPI's parameter solving is not there to fill their arguments.
    """

    method: str
    path: str
    handler: Handler
    tag: str
    summary: str
    dated: str | None = None
    hot: bool = False
    public: bool = False  # no credentials needed (the description then lists none)
    unversioned: bool = False
    description: str | None = None
    response_model: Any = None
    responses: dict[int | str, dict[str, Any]] | None = None
    openapi_extra: dict[str, Any] | None = None
    operation_id: str | None = None

    @property
    def dated_call(self) -> tuple[str, str] | None:
        """The dated API's (method, path below its prefix), if it serves this."""
        if self.dated is None:
            return None
        method, path = self.dated.split(" ", 1)
        return method, path
