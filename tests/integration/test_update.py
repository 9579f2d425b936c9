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


def test_a_nul_in_a_field_name_is_refused_by_patch_as_by_create(alice: User) -> None:
    """It was stored by PATCH, and the job's copy then failed for ever."""
    assert alice.http.post("/api/v1/jobs", json={"name": "n", "metadata": {"a\u0000b": 1}}).status_code == 400
    job = new_job(alice)
    for body in ({"metadata.a\u0000b": 1}, {"metadata": {"a\u0000b": 1}}, {"$push": {"tags\u0000x": "t"}}):
        refused = patch(alice, job, body)
        assert refused.status_code == 400, refused.text
        assert "NUL" in refused.json()["data"]["message"]
    assert stored(alice, job) == job
    assert alice.http.post(f"/api/v1/jobs/{job['_id']}/copy").status_code == 200


LONE_SURROGATE = b'"\\ud800"'  # half of a UTF-16 pair, as a JSON escape: no character at all


@pytest.mark.parametrize("where", ["name", "a key", "a tag"])
def test_a_lone_surrogate_is_a_400_on_create_and_patch(alice: User, where: str) -> None:
    body = {
        "name": b'{"name": ' + LONE_SURROGATE + b"}",
        "a key": b'{"name": "n", "metadata": {' + LONE_SURROGATE + b": 1}}",
        "a tag": b'{"name": "n", "tags": [' + LONE_SURROGATE + b"]}",
    }[where]
    headers = {"Content-Type": "application/json"}
    refused = alice.http.post("/api/v1/jobs", content=body, headers=headers)
    assert refused.status_code == 400, refused.text
    assert "surrogate" in refused.json()["data"]["message"]
    job = new_job(alice)
    for path in (f"/api/v1/jobs/{job['_id']}", f"/api/2018-10-01/jobs/{job['_id']}"):
        refused = alice.http.patch(path, content=body, headers=headers)
        assert refused.status_code == 400, refused.text
    material = alice.http.post("/api/v1/projects", json={"name": "p"}).json()["data"]
    refused = alice.http.patch(f"/api/v1/projects/{material['_id']}", content=body, headers=headers)
    assert refused.status_code == 400, refused.text
    assert stored(alice, job) == job


def foreign_ids(bob: User) -> dict[str, str]:
    """A project, a material and a job set of another account."""
    project = bob.http.get("/api/v1/projects/default").json()["data"]
    material = bob.http.post("/api/v1/materials", json=SILICON).json()["data"]
    job_set = bob.http.post("/api/v1/jobs/create-set", json={"name": "bob's"}).json()["data"]
    return {"project": project["_id"], "material": material["_id"], "set": job_set["_id"]}


SILICON = {
    "name": "Si",
    "basis": {
        "elements": [{"id": 0, "value": "Si"}, {"id": 1, "value": "Si"}],
        "coordinates": [{"id": 0, "value": [0, 0, 0]}, {"id": 1, "value": [0.25, 0.25, 0.25]}],
        "units": "crystal",
    },
    "lattice": {
        "a": 3.867,
        "b": 3.867,
        "c": 3.867,
        "alpha": 60,
        "beta": 60,
        "gamma": 60,
        "units": {"length": "angstrom", "angle": "degree"},
        "type": "FCC",
    },
}


CREATE_NAMING = {
    "project": lambda ref: {"_project": ref},
    "material": lambda ref: {"_material": ref},
    "set": lambda ref: {"inSet": [ref]},
}


@pytest.mark.parametrize(
    ("target", "body"),
    [
        ("project", lambda ref: {"_project": ref}),
        ("project", lambda ref: {"_project._id": ref["_id"]}),
        ("material", lambda ref: {"_material": ref}),
        ("set", lambda ref: {"inSet": [ref]}),
        ("set", lambda ref: {"$push": {"inSet": ref}}),
    ],
)
def test_patch_refuses_another_accounts_documents_as_create_does(alice: User, bob: User, target: str, body) -> None:
    foreign = foreign_ids(bob)[target]
    ref = {"_id": foreign, "cls": "Ref", "slug": "theirs"}
    as_create = alice.http.post("/api/v1/jobs", json={"name": "n", **CREATE_NAMING[target](ref)})
    assert as_create.status_code == 400, as_create.text
    job = new_job(alice)
    refused = patch(alice, job, body(ref))
    assert refused.status_code == 400, refused.text
    assert foreign in refused.json()["data"]["message"] and "not found" in refused.json()["data"]["message"]
    assert stored(alice, job) == job


def test_patch_accepts_the_callers_own_documents(alice: User) -> None:
    own = foreign_ids(alice)
    job = new_job(alice)
    project = alice.http.post("/api/v1/projects", json={"name": "second"}).json()["data"]
    for body in (
        {"_project": {"_id": project["_id"], "cls": "Project", "slug": project["slug"]}},
        {"_material": {"_id": own["material"], "cls": "Material", "slug": "si"}},
        {"inSet": [{"_id": own["set"], "cls": "EntitySet", "slug": "mine"}]},
    ):
        accepted = patch(alice, job, body)
        assert accepted.status_code == 200, accepted.text
    listed = alice.http.get("/api/v1/jobs", params={"query": f'{{"_project._id": "{project["_id"]}"}}'}).json()["data"]
    assert [found["_id"] for found in listed] == [job["_id"]]


def test_a_job_keeps_a_project_reference(alice: User) -> None:
    job = new_job(alice)
    for body in ({"_project": {}}, {"$unset": {"_project": ""}}, {"_project._id": 5}):
        refused = patch(alice, job, body)
        assert refused.status_code == 400, refused.text
    assert stored(alice, job) == job
