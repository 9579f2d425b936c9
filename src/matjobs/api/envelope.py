"""The JSend envelope every answer is wrapped in, and the one place domain errors become HTTP codes."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Response

from matjobs import errors
from matjobs.json_text import dumps

JSON = "application/json"

STATUS_CODES: dict[type[errors.MatjobsError], int] = {
    errors.BadInput: 400,
    errors.Unauthenticated: 401,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PreconditionFailed: 412,
    errors.TooLarge: 413,
    errors.UnsupportedMedia: 415,
    errors.Throttled: 429,
    errors.Busy: 503,
}


def success(data: Any) -> Response:
    return Response(content=dumps({"status": "success", "data": data}), media_type=JSON)


def success_raw(data_json: str) -> Response:
    """Wrap JSON text that came straight from the store, without parsing it again."""
    return Response(content='{"status":"success","data":' + data_json + "}", media_type=JSON)


def failure(status_code: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"status": "error", "data": {"message": message}, "message": message}
    return Response(content=json.dumps(body), status_code=status_code, media_type=JSON, headers=headers)


def status_code_for(error: errors.MatjobsError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    return 400
