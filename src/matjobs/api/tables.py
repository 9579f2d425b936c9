"""The route tables and the described routes, generated from the list of operations.

- `direct`: hot v1 operations as plain Starlette routes, placed ahead of everything else (FastAPI's
  per-request machinery cost more than their work: get by id from about 0.4 to 0.6 of the health
  route's rate), with any operation they would otherwise take;
- `dated`: every operation the dated API serves, as plain routes at its paths (mounted ahead of the
  v1 FastAPI table: behind it, a dated get by id ran at about half the rate of the same v1 get);
- `fastapi`: the remaining v1 operations as FastAPI routes;
- `described`: every v1 operation as a FastAPI route, only for the OpenAPI description, which
  describes each dated one as its v1 one (`dated_described`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from fastapi.routing import APIRoute
from starlette.routing import Route, compile_path

from matjobs.api.dialect import DATED, V1
from matjobs.api.operation import Operation

T = TypeVar("T")
PARAMETER = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True)
class Tables:
    direct: list[Route]
    dated: list[Route]
    fastapi: list[APIRoute]
    unversioned: list[APIRoute]  # outside both APIs (health): first in the app's table
    described: list[APIRoute]  # the v1 operations, and the unversioned
    dated_described: list[tuple[APIRoute, str, str]]  # (the v1 route, the dated method and full path)
    public: frozenset[tuple[str, str]]  # (method, path) of the operations that need no credentials


def v1_path(operation: Operation) -> str:
    return operation.path if operation.unversioned else V1.prefix + operation.path


def build(operations: Sequence[Operation]) -> Tables:
    versioned = [operation for operation in operations if not operation.unversioned]
    direct = _served_directly(versioned)
    dated = [(operation, *call) for operation in operations if (call := operation.dated_call)]
    v1_described = {operation: _described(operation, v1_path(operation)) for operation in operations}
    public = {(operation.method, v1_path(operation)) for operation in operations if operation.public}
    public |= {(method, DATED.prefix + path) for operation, method, path in dated if operation.public}
    return Tables(
        direct=[
            Route(v1_path(operation), operation.handler, methods=[operation.method])
            for operation in unshadowed(direct, lambda operation: (operation.method, v1_path(operation)))
        ],
        dated=[
            Route(path, operation.handler, methods=[method])
            for operation, method, path in unshadowed(dated, lambda entry: (entry[1], entry[2]))
        ],
        fastapi=[
            v1_described[operation]
            for operation in unshadowed(versioned, lambda operation: (operation.method, operation.path))
            if operation not in direct
        ],
        unversioned=[v1_described[operation] for operation in operations if operation.unversioned],
        described=list(v1_described.values()),
        dated_described=[(v1_described[operation], method, DATED.prefix + path) for operation, method, path in dated],
        public=frozenset(public),
    )


def _served_directly(operations: list[Operation]) -> list[Operation]:
    """The hot operations and those a hot one would take if it were ahead of them (`GET /jobs/sets`
    behind `GET /jobs/{job_id}`), in the list's order."""
    direct = {operation for operation in operations if operation.hot}
    while True:
        taken = {
            operation
            for operation in operations
            if operation not in direct
            and any(takes((ahead.method, ahead.path), (operation.method, operation.path)) for ahead in direct)
        }
        if not taken:
            return [operation for operation in operations if operation in direct]
        direct |= taken


def unshadowed(entries: Iterable[T], call: Callable[[T], tuple[str, str]]) -> list[T]:
    """The entries in their order, except that each goes ahead of the first earlier one that
    would take its paths (Starlette answers with the first route that matches)."""
    table: list[T] = []
    for entry in entries:
        at = next((i for i, ahead in enumerate(table) if takes(call(ahead), call(entry))), len(table))
        table.insert(at, entry)
    return table


def takes(ahead: tuple[str, str], behind: tuple[str, str]) -> bool:
    """Whether a route for `ahead` (method, path) would answer the requests meant for `behind`."""
    (ahead_method, ahead_path), (behind_method, behind_path) = ahead, behind
    if ahead_method != behind_method or ahead_path == behind_path:
        return False
    pattern, _, _ = compile_path(ahead_path)
    return pattern.match(_example(behind_path)) is not None


def _example(path: str) -> str:
    """A concrete path the template matches: each parameter becomes one plain segment."""
    return PARAMETER.sub("1", path)


def _described(operation: Operation, path: str) -> APIRoute:
    return APIRoute(
        path,
        operation.handler,
        methods=[operation.method],
        tags=[operation.tag],
        summary=operation.summary,
        description=operation.description,
        response_model=operation.response_model,
        responses=operation.responses,
        openapi_extra=operation.openapi_extra,
        operation_id=operation.operation_id,
    )
