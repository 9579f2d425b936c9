"""Mongo's array update operators over HTTP: `$push` and `$addToSet` (with `$each`) and `$pull`
(a value, a document's fields, or `$in`), applied where the document is written, so that
writers adding to one array lose nothing without reading it first."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from matjobs.store import Store
from tests.conftest import User
from tests.servers import LiveServer


def new_job(user: User, **fields) -> dict:
    response = user.http.post("/api/v1/jobs", json={"name": "arrays", **fields})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def patch(user: User, job: dict, body: dict) -> httpx.Response:
    return user.http.patch(f"/api/v1/jobs/{job['_id']}", json=body)


def stored(user: User, job: dict) -> dict:
    return user.http.get(f"/api/v1/jobs/{job['_id']}").json()["data"]


@pytest.mark.parametrize(
    ("before", "update", "after"),
    [
        (["a"], {"$push": {"tags": "b"}}, ["a", "b"]),
        (["a"], {"$push": {"tags": "a"}}, ["a", "a"]),
        (["a"], {"$push": {"tags": {"$each": ["b", "c"]}}}, ["a", "b", "c"]),
        (None, {"$push": {"tags": "first"}}, ["first"]),
        (["a", "b"], {"$addToSet": {"tags": "b"}}, ["a", "b"]),
        (["a"], {"$addToSet": {"tags": {"$each": ["b", "a", "b", "c"]}}}, ["a", "b", "c"]),
        (["a", "b", "a"], {"$pull": {"tags": "a"}}, ["b"]),
        (["a", "b", "c"], {"$pull": {"tags": {"$in": ["a", "c", "z"]}}}, ["b"]),
        (["a"], {"$pull": {"tags": "z"}}, ["a"]),
    ],
)
def test_array_operators_change_tags(alice: User, before: list | None, update: dict, after: list) -> None:
    job = new_job(alice, **({"tags": before} if before is not None else {}))
    response = patch(alice, job, update)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["tags"] == after
    assert stored(alice, job)["tags"] == after


def test_pull_removes_the_documents_that_hold_the_fields_named(alice: User) -> None:
    """As Mongo matches an array's documents: `{_id: ...}` removes the reference with that id,
    whatever else it holds."""
    refs = [{"_id": "a", "kind": "x"}, {"_id": "b", "kind": "x"}, {"_id": "a", "kind": "y"}]
    job = new_job(alice, metadata={"refs": refs, "numbers": [1, 1.0, True, "1"]})
    response = patch(alice, job, {"$pull": {"metadata.refs": {"_id": "a"}, "metadata.numbers": 1}})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["metadata"] == {"refs": [{"_id": "b", "kind": "x"}], "numbers": [True, "1"]}


def test_operators_combine_on_different_paths(alice: User) -> None:
    job = new_job(alice, tags=["old"])
    response = patch(alice, job, {"$pull": {"tags": "old"}, "$push": {"metadata.log": "pushed"}, "$set": {"name": "n"}})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["tags"] == [] and data["metadata"] == {"log": ["pushed"]} and data["name"] == "n"


@pytest.mark.parametrize(
    ("update", "named"),
    [
        ({"$push": {"name": "x"}}, "$push name: it holds a string, not an array"),
        ({"$addToSet": {"compute": "x"}}, "$addToSet compute: it holds an object, not an array"),
        ({"$pull": {"compute.ppn": 1}}, "$pull compute.ppn: it holds a number, not an array"),
        ({"$push": {"name.x": "x"}}, "name is not an object"),
        ({"$push": {"tags": {"$each": "x"}}}, "$each takes an array"),
        ({"$push": {"tags": {"$each": ["x"], "$slice": 1}}}, "$each is supported"),
        ({"$pull": {"tags": {"$gt": "a"}}}, "$pull tags"),
        ({"$pull": {"tags": {"$in": "a"}}}, "$pull tags"),
        ({"$push": {"tags": "x"}, "$pull": {"tags": "y"}}, "conflict"),
        ({"$push": {"metadata.log": {"$x": 1}}}, "$push metadata.log: only the modifier $each"),
        ({"$push": {"metadata.log": {"a": {"$x": 1}}}}, "metadata.log.0.a.$x"),
        ({"$push": {"status": "x"}}, "status is set by the server"),
        ({"$push": {"revision": 1}}, "revision is set by the server"),
    ],
)
def test_array_operator_errors_name_the_path_and_change_nothing(alice: User, update: dict, named: str) -> None:
    job = new_job(alice, tags=["a"])
    response = patch(alice, job, update)
    assert response.status_code == 400, response.text
    assert named in response.json()["data"]["message"]
    assert stored(alice, job) == job


def test_after_submission_tags_take_array_operators_and_the_rest_does_not(alice: User) -> None:
    job = new_job(alice, tags=["a"])
    assert alice.http.post(f"/api/v1/jobs/{job['_id']}?submit=true").status_code == 200
    assert patch(alice, job, {"$addToSet": {"tags": "b"}}).json()["data"]["tags"] == ["a", "b"]
    assert patch(alice, job, {"$push": {"metadata.log": "x"}}).status_code == 409


def test_array_operators_on_documents_of_both_route_tables(alice: User) -> None:
    project = alice.http.post("/api/v1/projects", json={"name": "tagged", "tags": ["a"]}).json()["data"]
    v1 = alice.http.patch(f"/api/v1/projects/{project['_id']}", json={"$push": {"tags": "b"}})
    assert v1.status_code == 200, v1.text
    dated = alice.http.patch(f"/api/2018-10-01/projects/{project['_id']}", json={"$addToSet": {"tags": "c"}})
    assert dated.status_code == 200, dated.text
    assert dated.json()["data"]["tags"] == ["a", "b", "c"]


WRITERS, EACH = 8, 25


@pytest.mark.parametrize("operator", ["$push", "$addToSet"])
def test_concurrent_writers_adding_tags_lose_none(
    backend: Store, server: LiveServer, alice: User, operator: str
) -> None:
    """No precondition, no read: 8 writers each add 25 tags of their own at once, and every
    one of the 200 is in the job afterwards."""
    job = new_job(alice)
    path = f"/api/v1/jobs/{job['_id']}"

    def writer(number: int) -> list[int]:
        with httpx.Client(base_url=server.url, headers=alice.http.headers, timeout=60) as http:
            return [http.patch(path, json={operator: {"tags": f"w{number}-{i}"}}).status_code for i in range(EACH)]

    with ThreadPoolExecutor(WRITERS) as pool:
        answers = [code for codes in pool.map(writer, range(WRITERS)) for code in codes]
    assert answers == [200] * (WRITERS * EACH)
    tags = stored(alice, job)["tags"]
    assert sorted(tags) == sorted(f"w{number}-{i}" for number in range(WRITERS) for i in range(EACH))
