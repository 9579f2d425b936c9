"""Who is calling: the platform's header pairs or a bearer token, checked against hashed tokens."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from matjobs.api.calls import quick_read
from matjobs.errors import Unauthenticated
from matjobs.store import Store
from matjobs.store.accounts import Principal, principal_for_token

_token_header = APIKeyHeader(name="X-Auth-Token", scheme_name="X-Auth-Token", auto_error=False, description="API token")
_user_header = APIKeyHeader(
    name="X-User-Id", scheme_name="X-User-Id", auto_error=False, description="user id (v1 form)"
)
_account_header = APIKeyHeader(
    name="X-Account-Id", scheme_name="X-Account-Id", auto_error=False, description="account id"
)
_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <token>")


def get_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


StoreDep = Annotated[Store, Depends(get_store)]


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


async def current_principal(
    request: Request,
    store: StoreDep,
    token: Annotated[str | None, Depends(_token_header)],
    user_id: Annotated[str | None, Depends(_user_header)],
    account_id: Annotated[str | None, Depends(_account_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if token is None and bearer is not None:
        token = bearer.credentials
    elif token is not None and user_id is None and account_id is None:
        raise Unauthenticated("X-Auth-Token needs X-User-Id or X-Account-Id beside it")
    if not token:
        raise Unauthenticated(
            "credentials required: X-Auth-Token with X-User-Id or X-Account-Id, or Authorization: Bearer <token>"
        )
    principal = await quick_read(store, principal_for_token, store, token)
    if principal is None:
        raise Unauthenticated("invalid or revoked token")
    if user_id is not None and not _same(user_id, principal.user_id):
        raise Unauthenticated("X-User-Id does not match the token")
    if account_id is not None and not _same(account_id, principal.account_id):
        raise Unauthenticated("X-Account-Id does not match the token")
    request.state.token = token
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
