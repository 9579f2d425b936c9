"""Projects: each account starts with its default project "Default"; users list, get and create more."""

from __future__ import annotations

import json

from tests.conftest import User


def test_a_new_account_has_its_default_project_and_new_jobs_go_there(alice: User) -> None:
    listed = alice.http.get("/api/v1/projects", params={"query": json.dumps({"isDefault": True})})
    assert listed.status_code == 200
    [default] = listed.json()["data"]
    assert default["name"] == "Default" and default["slug"] == "default"
    assert default["owner"]["_id"] == alice.account_id and default["creator"]["_id"] == alice.user_id
    job = alice.http.post("/api/v1/jobs", json={"name": "x"}).json()["data"]
    assert job["_project"]["_id"] == default["_id"]
    assert alice.http.get(f"/api/v1/projects/{default['_id']}").json()["data"] == default


def test_a_created_project_is_listed_and_found_by_its_fields(alice: User) -> None:
    created = alice.http.post("/api/v1/projects", json={"name": "Silicon studies", "isDefault": True, "_id": "mine"})
    assert created.status_code == 200, created.text
    project = created.json()["data"]
    # Server fields are the server's: a create never makes a second default or picks its own id.
    assert project["isDefault"] is False and project["_id"] != "mine" and project["slug"] == "silicon-studies"
    found = alice.http.get("/api/v1/projects", params={"query": json.dumps({"name": {"$regex": "^Silicon"}})})
    assert [p["_id"] for p in found.json()["data"]] == [project["_id"]]
    newest_first = alice.http.get("/api/v1/projects", params={"projection": json.dumps({"fields": {"name": 1}})})
    assert newest_first.json()["data"][0] == {"_id": project["_id"], "name": "Silicon studies"}


def test_a_project_without_a_name_or_with_bad_fields_is_refused_and_nothing_is_stored(alice: User) -> None:
    before = alice.http.get("/api/v1/projects", params={"limit": 500}).json()["data"]
    for body, named in [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 300}, "name"),
        ({"name": "ok", "$set": {"a": 1}}, "$set"),
        ({"name": "ok", "gid": "not a number"}, "gid"),
        ([], "JSON object"),
    ]:
        refused = alice.http.post("/api/v1/projects", json=body)
        assert refused.status_code == 400, (body, refused.text)
        assert named in refused.json()["data"]["message"]
    assert alice.http.get("/api/v1/projects", params={"limit": 500}).json()["data"] == before
    bad_query = alice.http.get("/api/v1/projects", params={"query": '{"name": {"$bogus": 1}}'})
    assert bad_query.status_code == 400 and "$bogus" in bad_query.json()["data"]["message"]


def test_another_accounts_project_is_indistinguishable_from_a_missing_one(alice: User, bob: User) -> None:
    project = alice.http.post("/api/v1/projects", json={"name": "private"}).json()["data"]
    theirs = bob.http.get(f"/api/v1/projects/{project['_id']}")
    missing = bob.http.get("/api/v1/projects/NoSuchProject1234")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["data"]["message"].replace(project["_id"], "X") == missing.json()["data"]["message"].replace(
        "NoSuchProject1234", "X"
    )
    assert project["_id"] not in [p["_id"] for p in bob.http.get("/api/v1/projects").json()["data"]]
    assert bob.http.get("/api/v1/projects", params={"query": json.dumps({"_id": project["_id"]})}).json()["data"] == []


def test_a_project_can_be_renamed_but_not_deleted_nor_made_the_default(alice: User) -> None:
    project = alice.http.post("/api/v1/projects", json={"name": "first name"}).json()["data"]
    path = f"/api/v1/projects/{project['_id']}"
    assert alice.http.patch(path, json={"name": "second name"}).json()["data"]["name"] == "second name"
    refused = alice.http.patch(path, json={"isDefault": True})
    assert refused.status_code == 400 and "isDefault" in refused.json()["data"]["message"]
    # The default project holds every job created without one: projects are not deleted.
    assert alice.http.delete(path).status_code == 405
    assert alice.http.get(path).json()["data"]["name"] == "second name"
