"""Materials and workflows: an account's documents, created, listed with the query language,
read, updated and deleted over HTTP; valid against the platform's schemas; private to the account."""

from __future__ import annotations

import copy
import json

import pytest
from mat3ra.standata.materials import Materials
from mat3ra.standata.workflows import WorkflowStandata

from tests.conftest import User

SI = "Si-[Silicon]-FCC_[Fd-3m]_3D_[Bulk]-[mp-149]"


def standard(plural: str) -> dict:
    """The platform's standard data (mat3ra-standata): Si, and the QE total energy workflow."""
    if plural == "materials":
        return copy.deepcopy(Materials.get_by_name_first_match(SI))
    return copy.deepcopy(WorkflowStandata.find_by_application_and_name("espresso", "Total Energy"))


@pytest.fixture(params=["materials", "workflows"])
def plural(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_a_standard_document_is_created_read_and_listed(alice: User, plural: str) -> None:
    body = standard(plural)
    created = alice.http.post(f"/api/v1/{plural}", json=body)
    assert created.status_code == 200, created.text
    document = created.json()["data"]
    assert document["name"] == body["name"] and document["owner"]["_id"] == alice.account_id
    assert document["isDefault"] is False and document["createdAt"] == document["updatedAt"]
    assert alice.http.get(f"/api/v1/{plural}/{document['_id']}").json()["data"] == document
    by_name = alice.http.get(f"/api/v1/{plural}", params={"query": json.dumps({"name": body["name"]})})
    assert document["_id"] in [found["_id"] for found in by_name.json()["data"]]
    fields = alice.http.get(
        f"/api/v1/{plural}",
        params={"query": json.dumps({"_id": document["_id"]}), "projection": json.dumps({"fields": {"name": 1}})},
    )
    assert fields.json()["data"] == [{"_id": document["_id"], "name": body["name"]}]


def test_materials_are_found_by_nested_fields(alice: User) -> None:
    si = alice.http.post("/api/v1/materials", json=standard("materials")).json()["data"]
    query = {"basis.elements.value": "Si", "lattice.a": {"$gt": 3.0}, "_id": si["_id"]}
    found = alice.http.get("/api/v1/materials", params={"query": json.dumps(query)}).json()["data"]
    assert [material["_id"] for material in found] == [si["_id"]]
    none = {"basis.elements.value": "Fe", "_id": si["_id"]}
    assert alice.http.get("/api/v1/materials", params={"query": json.dumps(none)}).json()["data"] == []


def test_updates_are_flat_dotted_or_set_and_checked_against_the_schema(alice: User) -> None:
    material = alice.http.post("/api/v1/materials", json=standard("materials")).json()["data"]
    path = f"/api/v1/materials/{material['_id']}"
    assert alice.http.patch(path, json={"name": "renamed"}).json()["data"]["name"] == "renamed"
    assert alice.http.patch(path, json={"lattice.a": 4.0}).json()["data"]["lattice"]["a"] == 4.0
    updated = alice.http.patch(path, json={"$set": {"tags": ["semiconductor"]}}).json()["data"]
    # Milliseconds: an update in the same one as the create ties, and is still no older.
    assert updated["tags"] == ["semiconductor"] and updated["updatedAt"] >= material["updatedAt"]
    for body, named in [
        ({"lattice": "cubic"}, "lattice"),
        ({"$unset": {"basis": ""}}, "basis"),
        ({"owner._id": "someone else"}, "owner"),
        ({"isDefault": True}, "isDefault"),
        ({"name": ""}, "name"),
    ]:
        refused = alice.http.patch(path, json=body)
        assert refused.status_code == 400, (body, refused.text)
        assert named in refused.json()["data"]["message"]
    assert alice.http.get(path).json()["data"] == updated


def test_a_document_the_schema_refuses_is_not_stored(alice: User, plural: str) -> None:
    before = alice.http.get(f"/api/v1/{plural}", params={"limit": 500}).json()["data"]
    missing = "basis" if plural == "materials" else "subworkflows"
    body = standard(plural)
    del body[missing]
    refused = alice.http.post(f"/api/v1/{plural}", json=body)
    assert refused.status_code == 400 and missing in refused.json()["data"]["message"]
    assert alice.http.post(f"/api/v1/{plural}", json={"name": "x", "$where": "1"}).status_code == 400
    assert alice.http.post(f"/api/v1/{plural}", json=[1, 2]).status_code == 400
    assert alice.http.get(f"/api/v1/{plural}", params={"limit": 500}).json()["data"] == before


def test_a_deleted_document_is_gone(alice: User, plural: str) -> None:
    document = alice.http.post(f"/api/v1/{plural}", json=standard(plural)).json()["data"]
    path = f"/api/v1/{plural}/{document['_id']}"
    deleted = alice.http.delete(path)
    assert deleted.status_code == 200 and "successfully deleted" in deleted.json()["data"]["message"]
    assert alice.http.get(path).status_code == 404
    assert alice.http.delete(path).status_code == 404
    listed = alice.http.get(f"/api/v1/{plural}", params={"query": json.dumps({"_id": document["_id"]})})
    assert listed.json()["data"] == []


def test_another_accounts_document_is_indistinguishable_from_a_missing_one(alice: User, bob: User, plural: str) -> None:
    document = alice.http.post(f"/api/v1/{plural}", json=standard(plural)).json()["data"]
    for method, body in [("GET", None), ("PATCH", {"name": "mine now"}), ("DELETE", None)]:
        theirs = bob.http.request(method, f"/api/v1/{plural}/{document['_id']}", json=body)
        missing = bob.http.request(method, f"/api/v1/{plural}/NoSuchDocument123", json=body)
        assert theirs.status_code == missing.status_code == 404, (method, theirs.text)
        assert theirs.json()["data"]["message"].replace(document["_id"], "X") == missing.json()["data"][
            "message"
        ].replace("NoSuchDocument123", "X")
    assert (
        bob.http.get(f"/api/v1/{plural}", params={"query": json.dumps({"_id": document["_id"]})}).json()["data"] == []
    )
    assert alice.http.get(f"/api/v1/{plural}/{document['_id']}").json()["data"] == document
