"""Reading request bodies: size limit, content type, JSON, and form-encoded login."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request

from matjobs.errors import BadInput, TooLarge, UnsupportedMedia

FORM = "application/x-www-form-urlencoded"
# `curl -d` sends JSON labelled as a form, and the documented examples rely on that.
_JSON_READABLE = ("", "application/json", "text/plain", FORM)


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_bytes(request: Request) -> bytes:
    limit: int = request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"request body is {declared} bytes; the limit is {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"request body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request) -> Any:
    _json_readable(media_type(request))
    return _parsed_json(await read_bytes(request))


def _json_readable(kind: str) -> None:
    if kind not in _JSON_READABLE and not kind.endswith("+json"):
        raise UnsupportedMedia(f"content type {kind!r} is not supported; send application/json")


def _parsed_json(raw: bytes) -> Any:
    if not raw.strip():
        raise BadInput("request body is empty; send a JSON object")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise BadInput(f"request body is not valid JSON: {error}") from None


def _looks_like_form(raw: bytes) -> bool:
    return b"=" in raw and not raw.lstrip().startswith((b"{", b"["))


def _form_fields(raw: bytes) -> dict[str, str]:
    fields = parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {key: values[0] for key, values in fields.items()}


async def read_json_or_form(request: Request) -> Any:
    """A JSON body, or one form-encoded object: the official client hands a dict to `requests`
    unencoded, which form-encodes it under the client's own JSON content type."""
    kind = media_type(request)
    _json_readable(kind)
    raw = await read_bytes(request)
    if kind == FORM:
        return _form_fields(raw)
    if _looks_like_form(raw):
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            return _form_fields(raw)
    return _parsed_json(raw)


async def read_form_or_json(request: Request) -> dict[str, str]:
    """Login fields, form-encoded as the platform's clients send them, or as a JSON object."""
    kind = media_type(request)
    raw = await read_bytes(request)
    if kind == FORM or (kind == "" and _looks_like_form(raw)):
        return _form_fields(raw)
    if kind in ("", "application/json") or kind.endswith("+json"):
        try:
            value = json.loads(raw) if raw.strip() else {}
        except (ValueError, RecursionError) as error:
            raise BadInput(f"request body is not valid JSON: {error}") from None
        if not isinstance(value, dict):
            raise BadInput("login takes username and password")
        return {key: str(item) for key, item in value.items() if isinstance(item, str | int)}
    raise UnsupportedMedia(f"content type {kind!r} is not supported; send {FORM}")
