"""The OpenAPI description: the credential forms, required on every route but a few, and the
dated API's paths, each described as the v1 route with the same handler."""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute, Route

PUBLIC = {"/api/v1/login", "/api/2018-10-01/login", "/api/health", "/api/v1/files/{job_id}/{key}"}
DATED_TAG = "Official client API (2018-10-01)"  # links carry their own signature
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


def install(app: FastAPI, dated_prefix: str, dated_routes: list[BaseRoute]) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            _describe_dated(schema, app.routes, dated_prefix, dated_routes)
            schema.setdefault("components", {})["securitySchemes"] = SCHEMES
            for path, operations in schema["paths"].items():
                if path not in PUBLIC:
                    for operation in operations.values():
                        operation["security"] = REQUIREMENT
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _describe_dated(schema: dict[str, Any], v1: list[BaseRoute], prefix: str, dated: list[BaseRoute]) -> None:
    """Each dated route gets the description of the v1 route that has the same handler."""
    # By handler alone: the dated API creates with PUT what v1 creates with POST.
    described: dict[Any, dict[str, Any]] = {}
    for context in iter_route_contexts(v1):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema and context.path_format:
            for method in route.methods or ():
                operation = schema["paths"].get(context.path_format, {}).get(method.lower())
                if operation is not None:
                    described[route.endpoint] = operation
    for route in dated:
        if not isinstance(route, Route):
            continue
        for method in sorted((route.methods or set()) - {"HEAD"}):
            found = described.get(route.endpoint)
            if found is None:
                continue
            operation = copy.deepcopy(found)
            operation["operationId"] = f"{operation.get('operationId', route.name)}_dated"
            operation["tags"] = [DATED_TAG]
            schema["paths"].setdefault(prefix + route.path, {})[method.lower()] = operation
