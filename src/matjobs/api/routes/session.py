"""Login and logout: API tokens for a username and password."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from matjobs.api import schemas
from matjobs.api.auth import authenticate, store_of
from matjobs.api.body import read_form_or_json
from matjobs.api.envelope import success
from matjobs.errors import BadInput, Unauthenticated
from matjobs.store import Store
from matjobs.store.accounts import Issued, login, revoke_token

router = APIRouter(tags=["Authentication"])

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


def _login(store: Store, username: str, password: str) -> Issued | None:
    with store.writing() as conn:
        return login(conn, username=username, password=password)


def _logout(store: Store, token: str) -> None:
    with store.writing() as conn:
        revoke_token(conn, token)


@router.post(
    "/login",
    summary="Exchange a username and password for an API token",
    response_model=schemas.CredentialsEnvelope,
    responses=schemas.errors(400, 401, 413, 415, 429),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": schemas.LOGIN},
                "application/json": {"schema": schemas.LOGIN},
            },
        }
    },
)
async def post_login(request: Request) -> Response:
    fields = await read_form_or_json(request)
    username, password = fields.get("username"), fields.get("password")
    if not username or not password:
        raise BadInput("login needs username and password")
    issued = await run_in_threadpool(_login, store_of(request), username, password)
    if issued is None:
        raise Unauthenticated("wrong username or password")
    principal = issued.principal
    return success({"X-Auth-Token": issued.token, "X-User-Id": principal.user_id, "X-Account-Id": principal.account_id})


@router.post(
    "/logout",
    summary="Revoke the token this request carries",
    response_model=schemas.MessageEnvelope,
    responses=schemas.errors(401),
)
async def post_logout(request: Request) -> Response:
    caller = await authenticate(request)
    await run_in_threadpool(_logout, caller.store, caller.token)
    return success({"message": f"user {caller.principal.username} logged out"})


@router.get(
    "/users/me",
    summary="The caller and its accounts, in the shape the official client reads",
    responses={200: schemas.answer(ME), **schemas.errors(401)},
)
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
