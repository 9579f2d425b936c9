"""Every call of the user's document (spec/jobs-endpoint.md), as written there, with its answer."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.conftest import DOC_MATERIAL, DOC_PSEUDO, DOC_WORKFLOW, User, documented_ids

FINAL_OR_WAITING = {"pre-submission", "submitted"}


def create(user: User, body: dict | None = None) -> dict:
    response = user.http.post("/api/v1/jobs", json=body or {"name": "a job"})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_create_with_the_documents_body_sent_as_curl_sends_it(alice: User, spec_dir: Path) -> None:
    ids = documented_ids(alice)
    raw = (spec_dir / "create_job_v1.json").read_bytes()
    for documented, real in ids.items():
        raw = raw.replace(documented.encode(), real.encode())
    # curl -d labels the JSON as a form; the document relies on that working.
    response = alice.http.post(
        "/api/v1/jobs", content=raw, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success"
    job = body["data"]
    sent = json.loads(raw)
    assert len(job["_id"]) == 17
    assert job["status"] == "pre-submission"
    assert job["owner"]["_id"] == alice.account_id
    assert job["creator"]["_id"] == alice.user_id
    assert job["createdAt"] == job["updatedAt"]
    assert [entry["status"] for entry in job["statusTrack"]] == ["pre-submission"]
    assert job["title"] == sent["title"] and job["name"] == sent["title"]
    # The references are filled in: the material's, the pseudopotential's description, and a
    # full copy of the workflow, units and their flowchartIds included.
    assert job["_material"] == {"_id": ids[DOC_MATERIAL], "cls": "Material", "slug": job["_material"]["slug"]}
    assert job["model"]["method"]["workflow"] == {"_id": ids[DOC_WORKFLOW]}
    assert job["model"]["method"]["precision"] == sent["model"]["method"]["precision"]
    [pseudo] = job["model"]["method"]["data"]["pseudo"]
    assert pseudo["_id"] == ids[DOC_PSEUDO] and pseudo["filename"] == "Si.pz-vbc.UPF" and pseudo["element"] == "Si"
    assert job["workflow"]["_id"] == ids[DOC_WORKFLOW] and job["workflow"]["name"] == "Total Energy"
    assert job["workflow"]["subworkflows"][0]["units"][0]["flowchartId"]
    assert job["compute"] == {**sent["compute"]}
    assert job["_project"]["_id"]


def test_create_fills_compute_defaults_and_the_default_project(alice: User) -> None:
    job = create(alice, {"name": "only a name"})
    assert job["compute"] == {"queue": "D", "nodes": 1, "ppn": 1, "timeLimit": "01:00:00", "notify": "n"}
    projects = {create(alice)["_project"]["_id"] for _ in range(2)}
    assert projects == {job["_project"]["_id"]}


def test_get_by_id_answers_the_stored_job(alice: User) -> None:
    job = create(alice)
    response = alice.http.get(f"/api/v1/jobs/{job['_id']}")
    assert response.status_code == 200
    assert response.json() == {"status": "success", "data": job}


def test_list_answers_the_callers_jobs_20_by_default(alice: User) -> None:
    made = [create(alice, {"name": f"job {i}"})["_id"] for i in range(23)]
    response = alice.http.get("/api/v1/jobs")
    assert response.status_code == 200
    listed = [job["_id"] for job in response.json()["data"]]
    assert listed == list(reversed(made))[:20]


def test_get_by_property_with_the_documents_encoded_url(alice: User) -> None:
    finished = create(alice, {"name": "will look finished"})
    create(alice, {"name": "stays"})
    # A status other than pre-submission can only come from the runner; tag instead, and
    # check the document's exact URL form separately on status.
    url = "/api/v1/jobs?query%3D%7B%22status%22%3A+%22finished%22%7D"
    response = alice.http.get(url)
    assert response.status_code == 200
    assert response.json() == {"status": "success", "data": []}
    url = "/api/v1/jobs?query%3D%7B%22name%22%3A+%22will+look+finished%22%7D"
    assert [job["_id"] for job in alice.http.get(url).json()["data"]] == [finished["_id"]]


def test_update_with_the_documents_body(alice: User) -> None:
    job = create(alice)
    response = alice.http.patch(
        f"/api/v1/jobs/{job['_id']}",
        content=b'{"title": "New Job Feb 15th 2017, 18:32 PM"}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    updated = response.json()["data"]
    assert updated["title"] == "New Job Feb 15th 2017, 18:32 PM"
    assert updated["updatedAt"] >= job["updatedAt"]
    assert alice.http.get(f"/api/v1/jobs/{job['_id']}").json()["data"] == updated


def test_delete_answers_exactly_as_documented(alice: User) -> None:
    job = create(alice)
    response = alice.http.delete(f"/api/v1/jobs/{job['_id']}")
    assert response.status_code == 200
    assert response.json() == {"status": "success", "data": {"message": f"Job {job['_id']} successfully deleted"}}
    assert alice.http.get(f"/api/v1/jobs/{job['_id']}").status_code == 404


def test_submit_moves_to_submitted_and_records_it(alice: User) -> None:
    job = create(alice)
    response = alice.http.post(f"/api/v1/jobs/{job['_id']}?submit=true")
    assert response.status_code == 200, response.text
    submitted = response.json()["data"]
    assert submitted["status"] == "submitted"
    assert [entry["status"] for entry in submitted["statusTrack"]] == ["pre-submission", "submitted"]


def test_submitting_again_changes_nothing(alice: User) -> None:
    job = create(alice)
    first = alice.http.post(f"/api/v1/jobs/{job['_id']}?submit=true").json()["data"]
    again = alice.http.post(f"/api/v1/jobs/{job['_id']}?submit=true")
    assert again.status_code == 200
    assert again.json() == {"status": "success", "data": first}
    assert alice.http.get(f"/api/v1/jobs/{job['_id']}").json()["data"] == first


def test_post_to_a_job_without_submit_is_a_400(alice: User) -> None:
    job = create(alice)
    response = alice.http.post(f"/api/v1/jobs/{job['_id']}")
    assert response.status_code == 400
    assert "submit=true" in response.json()["data"]["message"]


def test_the_documents_header_pair_authenticates(alice: User, anonymous: httpx.Client) -> None:
    response = anonymous.get("/api/v1/jobs", headers={"X-Auth-Token": alice.token, "X-User-Id": alice.user_id})
    assert response.status_code == 200
