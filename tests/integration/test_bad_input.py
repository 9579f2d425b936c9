"""Bad input gets a clear 4xx that says what was wrong, and nothing is written."""

from __future__ import annotations

import json

import pytest

from tests.conftest import User


def count(user: User) -> int:
    return len(user.http.get("/api/v1/jobs", params={"limit": 500}).json()["data"])


INVALID_JOBS = [
    ({"title": 5}, "name"),
    ({}, "name"),
    ({"name": 7}, "name"),
    ({"name": "x", "compute": {"ppn": "four"}}, "compute.ppn"),
    ({"name": "x", "compute": {"queue": "NOPE"}}, "compute.queue"),
    ({"name": "x", "compute": {"timeLimit": "an hour"}}, "compute.timeLimit"),
    ({"name": "x", "compute": {"nodes": 0}}, "compute.nodes"),
    ({"name": "x", "compute": {"notify": "xyz"}}, "compute.notify"),
    ({"name": "x", "compute": "big"}, "compute"),
    ({"name": "x", "workflow": "wf"}, "workflow"),
    ({"name": "x", "_material": {"cls": "Material"}}, "_material"),
    ({"name": "x", "status": "finished"}, "status"),
    ({"name": "x", "metadata": {"$where": 1}}, "metadata.$where"),
]


@pytest.mark.parametrize(("body", "named"), INVALID_JOBS, ids=[json.dumps(b) for b, _ in INVALID_JOBS])
def test_an_invalid_job_is_a_400_naming_the_field_and_nothing_is_written(alice: User, body: dict, named: str) -> None:
    before = count(alice)
    response = alice.http.post("/api/v1/jobs", json=body)
    assert response.status_code == 400, response.text
    assert named in response.json()["data"]["message"]
    assert count(alice) == before


@pytest.mark.parametrize(
    ("content", "content_type", "status", "named"),
    [
        (b"{not json", "application/json", 400, "not valid JSON"),
        (b"", "application/json", 400, "empty"),
        (b"[1, 2]", "application/json", 400, "JSON object"),
        (b'"a string"', "application/json", 400, "JSON object"),
        (b"<job/>", "application/xml", 415, "application/xml"),
        (b"--x--", "multipart/form-data; boundary=x", 415, "multipart/form-data"),
    ],
)
def test_unreadable_bodies(alice: User, content: bytes, content_type: str, status: int, named: str) -> None:
    before = count(alice)
    response = alice.http.post("/api/v1/jobs", content=content, headers={"Content-Type": content_type})
    assert response.status_code == status, response.text
    assert named in response.json()["data"]["message"]
    assert count(alice) == before


def test_a_body_over_the_limit_is_413(alice: User) -> None:
    big = {"name": "big", "metadata": {"blob": "x" * 1_100_000}}  # the test server's limit is 1 MB
    response = alice.http.post("/api/v1/jobs", json=big)
    assert response.status_code == 413
    assert "limit" in response.json()["data"]["message"]


def test_a_body_over_the_limit_without_a_declared_length_is_413(alice: User) -> None:
    def chunks():
        for _ in range(12):
            yield b"x" * 100_000

    response = alice.http.post("/api/v1/jobs", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "501"},
        {"limit": "0"},
        {"limit": "ten"},
        {"skip": "-1"},
        {"pageSize": "1000"},
        {"pageIndex": "-2"},
        {"projection": "{bad"},
        {"projection": '{"limit": 600}'},
        {"projection": '{"fields": {"a": 1, "b": 0}}'},
        {"projection": '{"colour": 1}'},
        {"sort": '{"createdAt": 2}'},
        {"sort": "$where"},
    ],
)
def test_bad_paging_is_400(alice: User, params: dict) -> None:
    response = alice.http.get("/api/v1/jobs", params=params)
    assert response.status_code == 400, (params, response.text)
    assert response.json()["data"]["message"]


def test_unknown_routes_and_methods_answer_in_the_envelope(alice: User) -> None:
    missing = alice.http.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["status"] == "error"
    wrong = alice.http.put("/api/v1/jobs/abc", json={})
    assert wrong.status_code == 405 and wrong.json()["status"] == "error"


@pytest.mark.parametrize(
    "body",
    [
        {"compute": {"ppn": 1e308}},
        {"name": "\u0000"},
        {"name": "x" * 10_000},
        {"tags": [None, {}, []]},
        {"name": "ok", "compute": {"nodes": 10**30}},
    ],
)
def test_odd_but_well_formed_input_never_causes_a_500(alice: User, body: dict) -> None:
    response = alice.http.post("/api/v1/jobs", json=body)
    assert response.status_code < 500, response.text
