"""Accounts and credentials: login, logout, the accepted header forms, and hashed tokens."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa

from matjobs.store import Store
from matjobs.store.tables import tokens
from tests.conftest import User


def login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("/api/v1/login", data={"username": username, "password": password})


def test_login_form_encoded_answers_the_three_credentials(alice: User, anonymous: httpx.Client) -> None:
    response = login(anonymous, alice.username, alice.password)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["X-User-Id"] == alice.user_id
    assert data["X-Account-Id"] == alice.account_id
    assert data["X-Auth-Token"] and data["X-Auth-Token"] != alice.token
    jobs = anonymous.get("/api/v1/jobs", headers={"X-Auth-Token": data["X-Auth-Token"], "X-User-Id": alice.user_id})
    assert jobs.status_code == 200


def test_login_with_a_wrong_password_is_401(alice: User, anonymous: httpx.Client) -> None:
    response = login(anonymous, alice.username, "not the password")
    assert response.status_code == 401
    assert response.json()["data"]["message"] == "wrong username or password"
    assert login(anonymous, "nobody-at-all", "whatever1").status_code == 401


def test_login_without_fields_is_400(anonymous: httpx.Client) -> None:
    assert anonymous.post("/api/v1/login", data={"username": "x"}).status_code == 400


@pytest.mark.parametrize(
    "headers",
    [
        lambda u: {"X-Auth-Token": u.token, "X-User-Id": u.user_id},
        lambda u: {"X-Auth-Token": u.token, "X-Account-Id": u.account_id},
        lambda u: {"Authorization": f"Bearer {u.token}"},
    ],
    ids=["token+user", "token+account", "bearer"],
)
def test_each_credential_form_is_accepted(alice: User, anonymous: httpx.Client, headers) -> None:
    assert anonymous.get("/api/v1/jobs", headers=headers(alice)).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        lambda u: {},
        lambda u: {"X-Auth-Token": u.token},
        lambda u: {"X-Auth-Token": "forged", "X-User-Id": u.user_id},
        lambda u: {"X-Auth-Token": u.token, "X-User-Id": "someone-else"},
        lambda u: {"X-Auth-Token": u.token, "X-Account-Id": "another-account"},
        lambda u: {"Authorization": "Bearer forged"},
        lambda u: {"Authorization": f"Basic {u.token}"},
    ],
    ids=["none", "token-alone", "forged-token", "wrong-user", "wrong-account", "forged-bearer", "basic"],
)
def test_missing_or_bad_credentials_are_401(alice: User, anonymous: httpx.Client, headers) -> None:
    for method, path in [
        ("GET", "/api/v1/jobs"),
        ("POST", "/api/v1/jobs"),
        ("GET", "/api/v1/jobs/x"),
        ("PATCH", "/api/v1/jobs/x"),
        ("DELETE", "/api/v1/jobs/x"),
        ("POST", "/api/v1/logout"),
    ]:
        response = anonymous.request(method, path, headers=headers(alice), json={"name": "x"})
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["status"] == "error"
        assert response.json()["data"]["message"]


def test_logout_revokes_the_token_it_was_sent_with(alice: User, anonymous: httpx.Client) -> None:
    data = login(anonymous, alice.username, alice.password).json()["data"]
    headers = {"X-Auth-Token": data["X-Auth-Token"], "X-User-Id": alice.user_id}
    response = anonymous.post("/api/v1/logout", headers=headers)
    assert response.status_code == 200
    assert response.json()["status"] == "success"
    assert anonymous.get("/api/v1/jobs", headers=headers).status_code == 401
    assert alice.http.get("/api/v1/jobs").status_code == 200  # other tokens live on


def test_health_and_the_api_page_need_no_credentials(anonymous: httpx.Client) -> None:
    assert anonymous.get("/api/health").json() == {"status": "success", "data": {"status": "ok"}}
    assert anonymous.get("/api/docs").status_code == 200
    assert anonymous.get("/api/openapi.json").status_code == 200


def test_tokens_are_stored_hashed(alice: User, backend: Store) -> None:
    with backend.reading() as conn:
        stored = conn.execute(sa.select(tokens.c.token_hash)).scalars().all()
    assert alice.token not in stored
    assert all(len(value) == 64 for value in stored)


@pytest.mark.parametrize(
    "body",
    [
        '{"username": "x", "password": ' + "[" * 10_000 + "]" * 10_000 + "}",
        "[" * 10_000 + "]" * 10_000,
        '{"username": "\\ud800", "password": "whatever1"}',
        '{"username": "x", "password": "\\udfff-whatever"}',
        '{"username": "x\\u0000y", "password": "whatever1"}',
        '{"username": "x", "password": "what\\u0000ever"}',
    ],
    ids=["nested-password", "nested-body", "surrogate-username", "surrogate-password", "nul-username", "nul-password"],
)
def test_a_login_body_a_client_mangled_is_400(anonymous: httpx.Client, body: str) -> None:
    response = anonymous.post("/api/v1/login", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["status"] == "error" and response.json()["data"]["message"]


def test_an_unknown_user_and_a_wrong_password_answer_alike(alice: User, anonymous: httpx.Client) -> None:
    unknown = login(anonymous, f"{alice.username}-nobody", "not the password")
    wrong = login(anonymous, alice.username, "not the password")
    assert (unknown.status_code, unknown.json()) == (wrong.status_code, wrong.json())


def expire(backend: Store, token: str) -> None:
    with backend.writing() as conn:
        conn.execute(
            sa.update(tokens)
            .where(tokens.c.token_hash == hashlib.sha256(token.encode()).hexdigest())
            .values(expires_at="2001-01-01T00:00:00.000Z")
        )


def test_an_expired_token_is_401_token_expired(alice: User, backend: Store) -> None:
    assert alice.http.get("/api/v1/jobs").status_code == 200
    expire(backend, alice.token)
    response = alice.http.get("/api/v1/jobs")
    assert response.status_code == 401
    assert "token expired" in response.json()["data"]["message"]


def test_a_new_token_expires_after_the_default_lifetime(alice: User) -> None:
    (listed,) = alice.http.get("/api/v1/users/me/tokens").json()["data"]
    created = datetime.fromisoformat(listed["createdAt"])
    assert datetime.fromisoformat(listed["expiresAt"]) - created == timedelta(days=30)


def test_owners_list_their_tokens_without_the_secret_and_revoke_one_by_id(
    alice: User, bob: User, anonymous: httpx.Client, backend: Store
) -> None:
    second = login(anonymous, alice.username, alice.password).json()["data"]["X-Auth-Token"]
    listed = alice.http.get("/api/v1/users/me/tokens")
    assert listed.status_code == 200
    found = listed.json()["data"]
    assert len(found) == 2 and [token["current"] for token in found] == [True, False]
    with backend.reading() as conn:
        digests = conn.execute(sa.select(tokens.c.token_hash)).scalars().all()
    for secret in (alice.token, second, *digests):
        assert secret not in listed.text
    other_id = found[1]["_id"]
    assert bob.http.delete(f"/api/v1/users/me/tokens/{other_id}").status_code == 404
    assert anonymous.get("/api/v1/jobs", headers={"Authorization": f"Bearer {second}"}).status_code == 200
    revoked = alice.http.delete(f"/api/v1/users/me/tokens/{other_id}")
    assert revoked.status_code == 200, revoked.text
    assert anonymous.get("/api/v1/jobs", headers={"Authorization": f"Bearer {second}"}).status_code == 401
    assert [token["_id"] for token in alice.http.get("/api/v1/users/me/tokens").json()["data"]] == [found[0]["_id"]]
    assert alice.http.delete(f"/api/v1/users/me/tokens/{other_id}").status_code == 404


@pytest.mark.parametrize("token_id", ["made-up", "%00", "%ED%A0%80", "a" * 500])
def test_revoking_a_token_id_that_cannot_exist_is_404(alice: User, token_id: str) -> None:
    response = alice.http.delete(f"/api/v1/users/me/tokens/{token_id}")
    assert response.status_code == 404, response.text
    assert response.json()["data"]["message"]
