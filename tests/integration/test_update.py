"""PATCH: plain objects, dotted keys, $set and $unset; what may change in which status."""

from __future__ import annotations

import pytest

from tests.conftest import User


def new_job(user: User, **fields) -> dict:
    response = user.http.post("/api/v1/jobs", json={"name": "editable", **fields})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def patch(user: User, job: dict, body: dict):
    return user.http.patch(f"/api/v1/jobs/{job['_id']}", json=body)


def stored(user: User, job: dict) -> dict:
    return user.http.get(f"/api/v1/jobs/{job['_id']}").json()["data"]


def test_dotted_keys_change_one_nested_field(alice: User) -> None:
    job = new_job(alice)
    updated = patch(alice, job, {"compute.ppn": 4}).json()["data"]
    assert updated["compute"] == {**job["compute"], "ppn": 4}


def test_set_and_unset(alice: User) -> None:
    job = new_job(alice, description="to go", tags=["a"])
    updated = patch(alice, job, {"$set": {"tags": ["a", "b"], "compute.nodes": 2}, "$unset": {"description": ""}})
    assert updated.status_code == 200, updated.text
    data = updated.json()["data"]
    assert data["tags"] == ["a", "b"] and data["compute"]["nodes"] == 2 and "description" not in data
    assert stored(alice, job) == data


def test_a_plain_object_replaces_the_top_level_fields_it_names(alice: User) -> None:
    job = new_job(alice)
    data = patch(alice, job, {"compute": {"queue": "OR", "nodes": 1, "ppn": 2, "timeLimit": "00:10:00"}}).json()["data"]
    assert data["compute"] == {"queue": "OR", "nodes": 1, "ppn": 2, "timeLimit": "00:10:00"}


def test_after_submission_only_name_title_tags_and_description_change(alice: User) -> None:
    job = new_job(alice)
    alice.http.post(f"/api/v1/jobs/{job['_id']}?submit=true")
    for body in ({"name": "renamed"}, {"title": "t"}, {"tags": ["x"]}, {"description": "d"}):
        assert patch(alice, job, body).status_code == 200
    before = stored(alice, job)
    refused = patch(alice, job, {"compute.ppn": 8})
    assert refused.status_code == 409
    assert "submitted" in refused.json()["data"]["message"] and "compute.ppn" in refused.json()["data"]["message"]
    mixed = patch(alice, job, {"name": "again", "compute.ppn": 8})
    assert mixed.status_code == 409
    assert stored(alice, job) == before  # nothing of a refused update is written


@pytest.mark.parametrize(
    ("body", "status", "named"),
    [
        ({"status": "finished"}, 400, "status"),
        ({"_id": "other"}, 400, "_id"),
        ({"owner._id": "someone"}, 400, "owner"),
        ({"createdAt": "2000-01-01"}, 400, "createdAt"),
        ({"statusTrack": []}, 400, "statusTrack"),
        ({"compute.ppn": "many"}, 400, "compute.ppn"),
        ({"$unset": {"name": ""}}, 400, "name"),
        ({"$inc": {"compute.ppn": 1}}, 400, "$inc"),
        ({"$set": {"a": 1}, "b": 2}, 400, "mixes"),
        ({}, 400, "non-empty"),
        ({"compute.ppn.value": 1}, 400, "compute.ppn"),
        ({"compute": 1, "compute.ppn": 2}, 400, "conflict"),
        ({"metadata": {"$x": 1}}, 400, "$x"),
    ],
)
def test_invalid_updates_are_refused_and_change_nothing(alice: User, body: dict, status: int, named: str) -> None:
    job = new_job(alice)
    response = patch(alice, job, body)
    assert response.status_code == status, response.text
    assert named in response.json()["data"]["message"]
    assert stored(alice, job) == job


def test_a_job_in_a_final_state_cannot_be_submitted_again(alice: User, backend) -> None:
    from matjobs.lifecycle import Status
    from matjobs.store.jobs import transition_job

    job = new_job(alice)
    alice.http.post(f"/api/v1/jobs/{job['_id']}?submit=true")
    with backend.writing() as conn:  # the runner's part (issue 3); here done through the store
        transition_job(conn, account_id=alice.account_id, job_id=job["_id"], target=Status.FINISHED)
    response = alice.http.post(f"/api/v1/jobs/{job['_id']}?submit=true")
    assert response.status_code == 409
    assert "finished" in response.json()["data"]["message"]
    finished = alice.http.get("/api/v1/jobs", params={"query": '{"status": "finished"}'}).json()["data"]
    assert [j["_id"] for j in finished] == [job["_id"]]
    assert [t["status"] for t in finished[0]["statusTrack"]] == ["pre-submission", "submitted", "finished"]
