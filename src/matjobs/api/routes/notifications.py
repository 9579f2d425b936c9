"""Where the caller's job notices go: its email address and its account's webhooks."""

from __future__ import annotations

import re

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from matjobs.api.auth import authenticate
from matjobs.api.body import read_json
from matjobs.api.envelope import success
from matjobs.errors import NotFound
from matjobs.ids import ALPHABET
from matjobs.notify import accounts

_ID = re.compile(f"[{ALPHABET}]{{17}}")
EMAIL = {"type": "object", "properties": {"email": {"type": ["string", "null"]}}, "required": ["email"]}
WEBHOOK_IN = {
    "type": "object",
    "properties": {
        "url": {"type": "string", "description": "http:// or https://"},
        "events": {
            "type": "array",
            "items": {"type": "string", "enum": ["begin", "end", "abort"]},
            "description": "the notices it hears of (compute.notify's b, e and a); default: all",
        },
    },
    "required": ["url"],
}
WEBHOOK = {
    "type": "object",
    "properties": {
        "_id": {"type": "string"},
        "url": {"type": "string"},
        "events": {"type": "array", "items": {"type": "string"}},
        "createdAt": {"type": "string"},
        "secret": {"type": "string", "description": "only in the answer to its creation"},
    },
    "required": ["_id", "url", "events", "createdAt"],
}
HOOK_EXAMPLE = {
    "_id": "RhCFP2WuehvG4hCLp",
    "url": "https://example.org/hooks/matjobs",
    "events": ["begin", "end", "abort"],
    "createdAt": "2026-01-01T00:00:00.000Z",
}
SIGNING = (
    "Each notice is POSTed as JSON with `X-Matjobs-Timestamp` (Unix seconds) and "
    "`X-Matjobs-Signature: sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<raw body>` keyed with the "
    "webhook's secret; check both, and that the timestamp is recent. `X-Matjobs-Delivery` is the same "
    "for every attempt at one notice. A receiver that does not answer 2xx is tried again, waiting longer "
    "each time. A job sends the notices its `compute.notify` asks for: `b` begin, `e` end, `a` abort."
)


async def my_email(request: Request) -> Response:
    caller = await authenticate(request)
    return success(await run_in_threadpool(accounts.email, caller.store, user_id=caller.principal.user_id))


async def set_my_email(request: Request) -> Response:
    caller = await authenticate(request)
    body = await read_json(request)
    return success(
        await run_in_threadpool(accounts.set_email, caller.store, user_id=caller.principal.user_id, body=body)
    )


async def list_webhooks(request: Request) -> Response:
    caller = await authenticate(request)
    return success(await run_in_threadpool(accounts.webhooks, caller.store, account_id=caller.principal.account_id))


async def add_webhook(request: Request) -> Response:
    caller = await authenticate(request)
    body = await read_json(request)
    return success(
        await run_in_threadpool(accounts.add_webhook, caller.store, account_id=caller.principal.account_id, body=body)
    )


async def delete_webhook(request: Request) -> Response:
    caller = await authenticate(request)
    webhook_id = request.path_params["webhook_id"]
    if not _ID.fullmatch(webhook_id):
        raise NotFound(f"no webhook {webhook_id!r}")
    await run_in_threadpool(
        accounts.remove_webhook, caller.store, account_id=caller.principal.account_id, webhook_id=webhook_id
    )
    return success({"message": f"webhook {webhook_id} deleted"})
