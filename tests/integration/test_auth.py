"""Accounts and credentials: login, logout, the accepted header forms, and hashed tokens."""

from __future__ import annotations

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
