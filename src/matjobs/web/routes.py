"""The web app's routes: the shell at `/` and its static files, registered after the API's tables."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from matjobs.web.vendor import STATIC, missing

log = logging.getLogger("matjobs.web")

# The shell is small and changes with each release; the files it names revalidate by ETag.
NO_STORE = {"Cache-Control": "no-cache"}


def install(app: FastAPI) -> None:
    """Serve the web app. Call it last: a request walks the routes in order, and the API's come first."""
    absent = missing()
    if absent:
        log.warning("the web app's npm files are missing (make install fetches them): %s", ", ".join(absent))

    async def shell() -> Response:
        return FileResponse(STATIC / "index.html", headers=NO_STORE)

    app.add_api_route("/", shell, methods=["GET"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="web-static")
