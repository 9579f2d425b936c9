"""The OpenAPI description's security: the credential forms, required on every route but a few."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PUBLIC = {"/api/v1/login", "/api/health", "/api/v1/files/{job_id}/{key}"}  # links carry their own signature
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


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schema.setdefault("components", {})["securitySchemes"] = SCHEMES
            for path, operations in schema["paths"].items():
                if path not in PUBLIC:
                    for operation in operations.values():
                        operation["security"] = REQUIREMENT
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
