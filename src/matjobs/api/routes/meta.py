"""Health and the interactive API page (Swagger UI served from the package, no CDN)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["Service"])  # the page; health is in `api.operations`

_HEALTHY = b'{"status":"success","data":{"status":"ok"}}'
DOCS_STATIC = "/api/docs/static"


async def health() -> Response:
    return Response(content=_HEALTHY, media_type="application/json")


@router.get("/api/docs", include_in_schema=False)
async def api_page() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/api/openapi.json",
        title="matjobs: REST API Test Framework",
        swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_STATIC}/favicon-32x32.png",
        swagger_ui_parameters={"persistAuthorization": True, "displayRequestDuration": True},
    )
