"""create_app(): the FastAPI application over one store, with every error in the JSend envelope."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import swagger_ui_bundle
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Mount, Router

from matjobs.api import openapi
from matjobs.api.allow import AllowedMethods, served_by
from matjobs.api.dialect import DATED, Speaking
from matjobs.api.envelope import failure, status_code_for
from matjobs.api.event_hub import EventHub
from matjobs.api.login_gate import LoginGate
from matjobs.api.operations import OPERATIONS
from matjobs.api.routes import meta
from matjobs.api.tables import build
from matjobs.clusters.registry import Clusters
from matjobs.documents import schema
from matjobs.documents.job import ENTITY
from matjobs.errors import MatjobsError, TryLater
from matjobs.files import Signer
from matjobs.settings import Settings
from matjobs.store import Store
from matjobs.web.routes import install as install_web_app

log = logging.getLogger("matjobs.api")

DESCRIPTION = """
matjobs serves the jobs REST API of the Exabyte/Mat3ra materials platform.

Authenticate with `POST /api/v1/login`, then send `X-Auth-Token` with `X-User-Id`
(or `X-Account-Id`), or `Authorization: Bearer <token>`. Every answer is
`{"status": "success", "data": ...}`; every failure
`{"status": "error", "data": {"message": ...}, "message": ...}`.

The same service answers under `/api/2018-10-01/`, the dated API of the platform's official
Python client (`mat3ra-api-client`): create is `PUT {entity}/create`, submit is
`POST jobs/{id}/submit`, sets are `PUT {entity}/create-set`, clusters are `GET other/clusters`,
and a list's page is 50 by default. Its paths are listed under their own heading below.
"""


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    settings = settings or Settings.load()
    owned_store = store is None
    store = store or Store(settings.sqlalchemy_url)

    registry = Clusters.from_config(settings.clusters)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        warm_up()
        yield
        app.state.login_gate.close()
        await app.state.event_hub.close()
        if owned_store:
            store.dispose()

    app = FastAPI(
        title="matjobs",
        version="0.1.0",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.clusters = registry
    app.state.jobs_dir = (settings.data_dir / "jobs").resolve()
    app.state.signer = Signer.for_data_dir(settings.data_dir)
    app.state.login_gate = LoginGate(settings)
    app.state.event_hub = EventHub(store)

    tables = build(OPERATIONS)
    app.router.routes.extend(tables.unversioned)
    app.include_router(meta.router)
    app.router.routes.extend(tables.direct)
    app.router.routes.append(Mount(DATED.prefix, app=Speaking(Router(tables.dated), DATED)))
    app.router.routes.extend(tables.fastapi)
    app.mount(meta.DOCS_STATIC, StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger-ui")
    install_web_app(app)  # last: API requests never walk the web app's routes
    _install_error_handlers(app)
    openapi.install(app, tables)
    app.add_middleware(AllowedMethods, table=served_by(app.router.routes) + served_by(tables.dated, DATED.prefix))
    return app


def warm_up() -> None:
    """Load what the first requests would otherwise pay for, then tune the garbage collector.

    Requests allocate many short-lived objects; with the long-lived ones (schemas, routes,
    compiled statements) frozen out of the collector's sight and a larger first generation,
    collections cost less per request (measured in-process: about 20% of a get by id; under
    wrk within the noise, see the README).
    """
    schema.validator_for(ENTITY)
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(MatjobsError)
    async def domain_error(_request: Request, error: MatjobsError) -> Response:
        code = status_code_for(error)
        headers = {"WWW-Authenticate": "Bearer"} if code == 401 else None
        if isinstance(error, TryLater):
            headers = {"Retry-After": str(error.retry_after)}
        return failure(code, error.message, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> Response:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return failure(400, f"{where}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> Response:
        message = error.detail if isinstance(error.detail, str) else "request failed"
        return failure(error.status_code, message, getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
        return failure(500, "internal error; the server log has the details")
