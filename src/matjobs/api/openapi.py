"""The OpenAPI description of every operation under both APIs, with the credential forms,
required by every operation but the public ones."""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.routing import compile_path

from matjobs.api.tables import Tables

DATED_TAG = "Official client API (2018-10-01)"
SCHEMES: dict[str, dict[str, Any]] = {
    "X-Auth-Token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token", "description": "API token"},
    "X-User-Id": {"type": "apiKey", "in": "header", "name": "X-User-Id", "description": "user id (the v1 form)"},
    "X-Account-Id": {"type": "apiKey", "in": "header", "name": "X-Account-Id", "description": "account id"},
    "Bearer": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <token>"},
}
# Any one of these sets of headers authenticates.
REQUIREMENT: list[dict[str, list[str]]] = [
    {"X-Auth-Token": [], "X-User-Id": []},
    {"X-Auth-Token": [], "X-Account-Id": []},
    {"Bearer": []},
]


def install(app: FastAPI, tables: Tables) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=tables.described
            )
            _describe_dated(schema, tables)
            schema.setdefault("components", {})["securitySchemes"] = SCHEMES
            v1 = [(method, route.path) for route in tables.described for method in route.methods or ()]
            dated = [(method, path) for _, method, path in tables.dated_described]
            for method, path in v1 + dated:
                if (method, path) not in tables.public:
                    schema["paths"][_template(path)][method.lower()]["security"] = REQUIREMENT
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _describe_dated(schema: dict[str, Any], tables: Tables) -> None:
    """Each dated operation is described as the same operation under v1 (copied after FastAPI's
    pass, which is also what keeps their numbers alike: it would write `minimum: 1` as 1.0)."""
    for route, method, path in tables.dated_described:
        [v1_method] = sorted(route.methods or ())
        operation = copy.deepcopy(schema["paths"][route.path_format][v1_method.lower()])
        operation["operationId"] = f"{operation['operationId']}_dated"
        operation["tags"] = [DATED_TAG]
        schema["paths"].setdefault(path, {})[method.lower()] = operation


def _template(path: str) -> str:
    """A path as the description names it: `{key:path}` is `{key}`."""
    return compile_path(path)[1]
