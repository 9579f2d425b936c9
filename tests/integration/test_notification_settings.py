"""Where an account's job notices go, set over HTTP: its email address and its webhooks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import User

HOOK = {"url": "https://example.org/hooks/matjobs", "events": ["end", "abort"]}


def test_an_account_sets_and_clears_its_email_address(alice: User) -> None:
    assert alice.http.get("/api/v1/users/me/email").json()["data"] == {"email": None}
    put = alice.http.put("/api/v1/users/me/email", json={"email": "alice@example.org"})
    assert put.status_code == 200 and put.json()["data"] == {"email": "alice@example.org"}
    assert alice.http.get("/api/v1/users/me/email").json()["data"] == {"email": "alice@example.org"}
    assert alice.http.put("/api/v1/users/me/email", json={"email": None}).json()["data"] == {"email": None}
    assert alice.http.get("/api/v1/users/me/email").json()["data"] == {"email": None}


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ('{"email": "not an address"}', "is not an address"),
        ('{"email": "a@example.org\\r\\nBcc: b@example.org"}', "is not an address"),
        ('{"mail": "a@example.org"}', "send a JSON object"),
        ("[1]", "send a JSON object"),
        ("{", "not valid JSON"),
    ],
)
def test_a_bad_address_is_a_400_that_changes_nothing(alice: User, content: str, said: str) -> None:
    alice.http.put("/api/v1/users/me/email", json={"email": "alice@example.org"})
    answer = alice.http.put("/api/v1/users/me/email", content=content, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and said in answer.json()["message"]
    assert alice.http.get("/api/v1/users/me/email").json()["data"] == {"email": "alice@example.org"}


def test_a_webhook_is_added_listed_without_its_secret_and_deleted(alice: User) -> None:
    added = alice.http.post("/api/v1/webhooks", json=HOOK)
    assert added.status_code == 200, added.text
    hook = added.json()["data"]
    assert hook["url"] == HOOK["url"] and hook["events"] == ["end", "abort"]
    assert len(hook["secret"]) == 64  # shown this once
    everything = alice.http.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/h"}).json()["data"]
    assert everything["events"] == ["begin", "end", "abort"]
    listed = alice.http.get("/api/v1/webhooks").json()["data"]
    assert [item["_id"] for item in listed] == [hook["_id"], everything["_id"]]
    assert all("secret" not in item for item in listed)
    gone = alice.http.delete(f"/api/v1/webhooks/{hook['_id']}")
    assert gone.status_code == 200
    assert [item["_id"] for item in alice.http.get("/api/v1/webhooks").json()["data"]] == [everything["_id"]]
    assert alice.http.delete(f"/api/v1/webhooks/{hook['_id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"url": "ftp://example.org/h"}, "scheme must be http or https"),
        ({"url": "javascript:alert(1)"}, "scheme must be http or https"),
        ({"url": "https://user:pw@example.org/h"}, "must not carry a user"),
        ({"url": "https://example.org/h", "events": ["finish"]}, "unknown 'finish'"),
        ({"url": "https://example.org/h", "events": []}, "non-empty list"),
        ({"url": "https://example.org/h", "secret": "mine"}, "unknown fields: secret"),
        ({"events": ["end"]}, "url: required"),
        (["https://example.org/h"], "must be a JSON object"),
    ],
)
def test_a_bad_webhook_is_a_400_that_adds_nothing(alice: User, body: object, said: str) -> None:
    answer = alice.http.post("/api/v1/webhooks", json=body)
    assert answer.status_code == 400 and said in answer.json()["message"], answer.text
    assert alice.http.get("/api/v1/webhooks").json()["data"] == []


def test_an_account_has_a_bounded_number_of_webhooks(alice: User) -> None:
    for number in range(10):
        assert alice.http.post("/api/v1/webhooks", json={"url": f"https://example.org/{number}"}).status_code == 200
    over = alice.http.post("/api/v1/webhooks", json={"url": "https://example.org/11"})
    assert over.status_code == 400 and "at most 10 webhooks" in over.json()["message"]
    assert len(alice.http.get("/api/v1/webhooks").json()["data"]) == 10


def test_another_accounts_webhooks_are_neither_seen_nor_deleted(alice: User, bob: User) -> None:
    hook = alice.http.post("/api/v1/webhooks", json=HOOK).json()["data"]
    assert bob.http.get("/api/v1/webhooks").json()["data"] == []
    refused = bob.http.delete(f"/api/v1/webhooks/{hook['_id']}")
    assert refused.status_code == 404 and refused.json()["message"] == f"no webhook {hook['_id']!r}"
    assert bob.http.delete("/api/v1/webhooks/not-an-id").status_code == 404
    assert [item["_id"] for item in alice.http.get("/api/v1/webhooks").json()["data"]] == [hook["_id"]]


def test_notification_settings_need_credentials(anonymous: httpx.Client) -> None:
    for method, path in [("get", "/api/v1/webhooks"), ("post", "/api/v1/webhooks"), ("get", "/api/v1/users/me/email")]:
        assert anonymous.request(method, path).status_code == 401


def _matjobs(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MATJOBS_DATA_DIR": str(data_dir), "MATJOBS_CONFIG": str(data_dir / "none.toml")}
    env.pop("MATJOBS_DATABASE_URL", None)
    argv = [sys.executable, "-m", "matjobs", *args]
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)


def test_the_cli_shows_sets_and_clears_a_users_address(tmp_path: Path) -> None:
    assert _matjobs("migrate", data_dir=tmp_path).returncode == 0
    assert _matjobs("users", "create", "erin", "--password", "s3cret-enough", data_dir=tmp_path).returncode == 0
    assert _matjobs("users", "email", "erin", data_dir=tmp_path).stdout.strip() == "(none)"
    assert _matjobs("users", "email", "erin", "erin@example.org", data_dir=tmp_path).returncode == 0
    assert _matjobs("users", "email", "erin", data_dir=tmp_path).stdout.strip() == "erin@example.org"
    refused = _matjobs("users", "email", "erin", "not an address", data_dir=tmp_path)
    assert refused.returncode == 2 and "is not an address" in refused.stderr
    assert _matjobs("users", "email", "erin", data_dir=tmp_path).stdout.strip() == "erin@example.org"
    assert _matjobs("users", "email", "erin", "--clear", data_dir=tmp_path).returncode == 0
    assert _matjobs("users", "email", "erin", data_dir=tmp_path).stdout.strip() == "(none)"
    assert _matjobs("users", "email", "nobody", "x@example.org", data_dir=tmp_path).returncode == 2
