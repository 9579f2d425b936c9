"""Who is calling: the platform's header pairs or a bearer token, checked against hashed tokens.

Routes call `authenticate(request)` first thing rather than declaring a dependency: FastAPI's
per-request dependency solving cost more than the token lookup itself (measured; see the
README's performance section). The security schemes are declared for the API page in
`api/openapi.py`.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from fastapi import Request

from matjobs.api.calls import quick_read
from matjobs.clusters.registry import Clusters
from matjobs.errors import Unauthenticated
from matjobs.ids import now_iso
from matjobs.store import Store
from matjobs.store.accounts import Principal, token_holder


@dataclass(frozen=True)
class Caller:
    """An authenticated request: who, with which token, against which store and clusters."""

    principal: Principal
    token: str
    token_id: str
    store: Store
    clusters: Clusters


def store_of(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _token(request: Request) -> str:
    headers = request.headers
    token = headers.get("x-auth-token")
    if token is not None:
        if headers.get("x-user-id") is None and headers.get("x-account-id") is None:
            raise Unauthenticated("X-Auth-Token needs X-User-Id or X-Account-Id beside it")
        return token
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    raise Unauthenticated(
        "credentials required: X-Auth-Token with X-User-Id or X-Account-Id, or Authorization: Bearer <token>"
    )


async def authenticate(request: Request) -> Caller:
    token = _token(request)
    store = store_of(request)
    holder = await quick_read(store, token_holder, store, token)
    if holder is None:
        raise Unauthenticated("invalid or revoked token")
    if holder.expired(now_iso()):
        raise Unauthenticated("token expired; log in again for a new one")
    principal = holder.principal
    user_id, account_id = request.headers.get("x-user-id"), request.headers.get("x-account-id")
    if user_id is not None and not _same(user_id, principal.user_id):
        raise Unauthenticated("X-User-Id does not match the token")
    if account_id is not None and not _same(account_id, principal.account_id):
        raise Unauthenticated("X-Account-Id does not match the token")
    return Caller(principal, token, holder.token_id, store, request.app.state.clusters)
