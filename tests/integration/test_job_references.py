"""A job names its material, workflow and pseudopotentials by id: each must lead to a document
the caller may use, and the job keeps its own copy of the workflow."""

from __future__ import annotations

import pytest

from tests.conftest import DOC_MATERIAL, DOC_PSEUDO, DOC_WORKFLOW, User, documented_ids


def body(ids: dict[str, str], *, top_level_workflow: bool = False) -> dict:
    method = {
        "data": {"pseudo": [{"_id": ids[DOC_PSEUDO]}]},
        "precision": {"kpoints": {"value": {"x": 2, "y": 2, "z": 2}, "shift": {"x": 0, "y": 0, "z": 0}}},
    }
    job = {"name": "si scf", "_material": {"_id": ids[DOC_MATERIAL]}, "model": {"method": method}}
    if top_level_workflow:  # the platform's newer body
        job["workflow"] = {"_id": ids[DOC_WORKFLOW]}
    else:
        method["workflow"] = {"_id": ids[DOC_WORKFLOW]}
    return job


@pytest.mark.parametrize("top_level_workflow", [False, True])
def test_references_are_resolved_and_the_workflow_copied(alice: User, top_level_workflow: bool) -> None:
    ids = documented_ids(alice)
    created = alice.http.post("/api/v1/jobs", json=body(ids, top_level_workflow=top_level_workflow))
    assert created.status_code == 200, created.text
    job = created.json()["data"]
    workflow = alice.http.get(f"/api/v1/workflows/{ids[DOC_WORKFLOW]}").json()["data"]
    assert job["workflow"] == workflow
    assert job["_material"]["_id"] == ids[DOC_MATERIAL]
    assert job["model"]["method"]["data"]["pseudo"][0]["filename"] == "Si.pz-vbc.UPF"


def test_a_later_change_to_the_workflow_leaves_the_job_as_it_was(alice: User) -> None:
    ids = documented_ids(alice)
    job = alice.http.post("/api/v1/jobs", json=body(ids)).json()["data"]
    alice.http.patch(f"/api/v1/workflows/{ids[DOC_WORKFLOW]}", json={"name": "Total Energy, edited"})
    assert alice.http.get(f"/api/v1/jobs/{job['_id']}").json()["data"]["workflow"]["name"] == "Total Energy"


@pytest.mark.parametrize(
    ("named", "entity"), [(DOC_MATERIAL, "material"), (DOC_WORKFLOW, "workflow"), (DOC_PSEUDO, "pseudopotential")]
)
def test_a_reference_that_leads_nowhere_is_refused_naming_it(alice: User, named: str, entity: str) -> None:
    ids = {**documented_ids(alice), named: "NoSuchThing12345"}
    before = alice.http.get("/api/v1/jobs", params={"limit": 500}).json()["data"]
    refused = alice.http.post("/api/v1/jobs", json=body(ids))
    assert refused.status_code == 400
    assert refused.json()["data"]["message"] == f"invalid job: {entity} NoSuchThing12345 not found"
    assert alice.http.get("/api/v1/jobs", params={"limit": 500}).json()["data"] == before


def test_another_accounts_material_or_workflow_cannot_be_used(alice: User, bob: User) -> None:
    theirs = documented_ids(bob)
    for named, entity in [(DOC_MATERIAL, "material"), (DOC_WORKFLOW, "workflow")]:
        ids = {**documented_ids(alice), named: theirs[named]}
        refused = alice.http.post("/api/v1/jobs", json=body(ids))
        assert refused.status_code == 400
        assert refused.json()["data"]["message"] == f"invalid job: {entity} {theirs[named]} not found"
