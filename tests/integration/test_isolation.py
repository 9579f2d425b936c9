"""An account never sees or changes another's jobs: their ids answer 404, like missing ones."""

from __future__ import annotations

import json

from tests.conftest import User


def test_another_accounts_job_is_indistinguishable_from_a_missing_one(alice: User, bob: User) -> None:
    job = alice.http.post("/api/v1/jobs", json={"name": "alice's"}).json()["data"]
    calls = [
        ("GET", f"/api/v1/jobs/{job['_id']}", None),
        ("PATCH", f"/api/v1/jobs/{job['_id']}", {"name": "mine now"}),
        ("DELETE", f"/api/v1/jobs/{job['_id']}", None),
        ("POST", f"/api/v1/jobs/{job['_id']}?submit=true", None),
    ]
    for method, path, body in calls:
        theirs = bob.http.request(method, path, json=body)
        missing = bob.http.request(method, path.replace(job["_id"], "NoSuchJob12345678"), json=body)
        assert theirs.status_code == missing.status_code == 404, (method, theirs.text)
        assert theirs.json()["data"]["message"].replace(job["_id"], "X") == missing.json()["data"]["message"].replace(
            "NoSuchJob12345678", "X"
        )
    assert alice.http.get(f"/api/v1/jobs/{job['_id']}").json()["data"] == job


def test_lists_hold_only_the_callers_jobs(alice: User, bob: User) -> None:
    alice.http.post("/api/v1/jobs", json={"name": "shared name"})
    mine = bob.http.post("/api/v1/jobs", json={"name": "shared name"}).json()["data"]
    listed = bob.http.get("/api/v1/jobs", params={"query": json.dumps({"name": "shared name"})}).json()["data"]
    assert [job["_id"] for job in listed] == [mine["_id"]]
    everything = bob.http.get("/api/v1/jobs", params={"limit": 500}).json()["data"]
    assert {job["owner"]["_id"] for job in everything} == {bob.account_id}


def test_a_job_cannot_be_created_in_another_account(alice: User, bob: User) -> None:
    response = bob.http.post("/api/v1/jobs", json={"name": "x", "owner": {"_id": alice.account_id}})
    assert response.status_code == 404
    own = bob.http.post("/api/v1/jobs", json={"name": "x", "owner": {"_id": bob.account_id}})
    assert own.status_code == 200
