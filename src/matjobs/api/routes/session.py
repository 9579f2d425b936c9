"""Login and logout, and the caller's API tokens: listed and revoked by their public ids."""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from matjobs.api import schemas
from matjobs.api.auth import authenticate, store_of
from matjobs.api.body import read_form_or_json
from matjobs.api.calls import quick_read
from matjobs.api.envelope import success
from matjobs.api.login_gate import LoginGate
from matjobs.errors import BadInput, NotFound, Unauthenticated
from matjobs.ids import ALPHABET
from matjobs.store import Store
from matjobs.store.accounts import (
    Principal,
    issue_token,
    login_candidate,
    revoke_token,
    revoke_token_by_id,
    tokens_of,
)
from matjobs.text import flaw

MAX_PASSWORD_LENGTH = 4096
_TOKEN_ID = re.compile(f"[{ALPHABET}]{{17}}")
LATER: dict[int | str, dict[str, Any]] = {
    429: {"model": schemas.ErrorEnvelope, "description": "too many failed logins for this name or address"},
    503: {"model": schemas.ErrorEnvelope, "description": "too many logins waiting for a password check"},
}
_ENTITY = {"type": "object", "properties": {"_id": {"type": "string"}}, "required": ["_id"]}
ME = {
    "type": "object",
    "properties": {
        "user": {"type": "object", "properties": {"entity": _ENTITY}, "required": ["entity"]},
        "accounts": {
            "type": "array",
            "items": {"type": "object", "properties": {"entity": _ENTITY, "isDefault": {"type": "boolean"}}},
        },
    },
    "required": ["user", "accounts"],
}


def _issue(store: Store, principal: Principal, lifetime_days: float) -> str:
    with store.writing() as conn:
        return issue_token(conn, principal, lifetime_days)


def _logout(store: Store, token: str) -> None:
    with store.writing() as conn:
        revoke_token(conn, token)


def _checked_text(name: str, value: str) -> str:
    if problem := flaw(value):
        raise BadInput(f"{name} must not contain {problem}")
    return value


def _login_fields(fields: dict[str, str]) -> tuple[str, str]:
    username, password = fields.get("username"), fields.get("password")
    if not username or not password:
        raise BadInput("login needs username and password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise BadInput(f"password is longer than {MAX_PASSWORD_LENGTH} characters")
    return _checked_text("username", username), _checked_text("password", password)


async def post_login(request: Request) -> Response:
    username, password = _login_fields(await read_form_or_json(request))
    gate: LoginGate = request.app.state.login_gate
    host = request.client.host if request.client else None
    gate.admit(username, host)
    store = store_of(request)
    # Read, check the password, then write: the check (tens of ms) holds no lock, and the
    # write that issues the token is short.
    candidate = await quick_read(store, login_candidate, store, username)
    valid = await gate.checks.verify(password, None if candidate is None else candidate.password_hash)
    if candidate is None or not valid:
        gate.failed(username, host)
        raise Unauthenticated("wrong username or password")
    gate.succeeded(username, host)
    principal = candidate.principal
    lifetime: float = request.app.state.settings.token_lifetime_days
    token = await run_in_threadpool(_issue, store, principal, lifetime)
    return success({"X-Auth-Token": token, "X-User-Id": principal.user_id, "X-Account-Id": principal.account_id})


async def post_logout(request: Request) -> Response:
    caller = await authenticate(request)
    await run_in_threadpool(_logout, caller.store, caller.token)
    return success({"message": f"user {caller.principal.username} logged out"})


async def me(request: Request) -> Response:
    caller = await authenticate(request)
    principal = caller.principal
    return success(
        {
            "user": {
                "entity": {
                    "_id": principal.user_id,
                    "username": principal.username,
                    "defaultAccountId": principal.account_id,
                }
            },
            "accounts": [
                {
                    "entity": {"_id": principal.account_id, "name": principal.account_name, "type": "personal"},
                    "isDefault": True,
                }
            ],
        }
    )


def _tokens(store: Store, user_id: str) -> list[dict[str, str]]:
    with store.reading() as conn:
        return tokens_of(conn, user_id)


def _revoke(store: Store, user_id: str, token_id: str) -> None:
    with store.writing() as conn:
        revoke_token_by_id(conn, user_id, token_id)


async def my_tokens(request: Request) -> Response:
    caller = await authenticate(request)
    found = await run_in_threadpool(_tokens, caller.store, caller.principal.user_id)
    return success([{**token, "current": token["_id"] == caller.token_id} for token in found])


async def revoke_my_token(request: Request, token_id: str) -> Response:
    caller = await authenticate(request)
    if not _TOKEN_ID.fullmatch(token_id):
        raise NotFound(f"no token {token_id!r} for this user")
    await run_in_threadpool(_revoke, caller.store, caller.principal.user_id, token_id)
    return success({"message": f"token {token_id} revoked"})
