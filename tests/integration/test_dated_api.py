"""The dated API (`/api/2018-10-01`) on the wire, for what the official client's own calls do not
show: its paging defaults and flat parameters, sets, defaults, upload links, output files, the
client's habits (JSON content type on empty bodies), and that accounts stay apart on every new
call."""

from __future__ import annotations

import json

import httpx
import pytest

from matjobs.api.operations import OPERATIONS
from matjobs.api.tables import build
from tests.conftest import User

API = "/api/2018-10-01"
JSON = {"Content-Type": "application/json"}


def dated(user: User) -> httpx.Client:
    """The client's headers: the account id beside the token, and a JSON content type always."""
    return httpx.Client(
        base_url=str(user.http.base_url),
        headers={"X-Account-Id": user.account_id, "X-Auth-Token": user.token, **JSON},
        timeout=30,
    )


@pytest.fixture
def ann(alice: User) -> httpx.Client:
    with dated(alice) as client:
        yield client


@pytest.fixture
def ben(bob: User) -> httpx.Client:
    with dated(bob) as client:
        yield client


def data(response: httpx.Response) -> object:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success"
    return body["data"]


def new_job(client: httpx.Client, name: str = "job") -> dict:
    return data(client.put(f"{API}/jobs/create", json={"name": name}))


def test_the_same_job_is_served_under_both_prefixes(ann: httpx.Client, alice: User) -> None:
    job = new_job(ann)
    assert data(alice.http.get(f"/api/v1/jobs/{job['_id']}")) == data(ann.get(f"{API}/jobs/{job['_id']}")) == job
    assert job["status"] == "pre-submission" and job["_project"]["slug"] == "default"


def test_a_workflow_named_by_id_alone_is_embedded_whole(ann: httpx.Client) -> None:
    # Clients before 2026.10.7 send only the id; the answer must carry units with flowchartIds.
    workflow = data(ann.get(f"{API}/workflows/default"))
    job = data(ann.put(f"{API}/jobs/create", json={"name": "by id", "workflow": {"_id": workflow["_id"]}}))
    assert job["workflow"]["subworkflows"] == workflow["subworkflows"]
    assert all(unit["flowchartId"] for unit in job["workflow"]["subworkflows"][0]["units"])


def test_a_project_named_by_id_must_be_the_callers_and_none_means_the_default(
    ann: httpx.Client, ben: httpx.Client
) -> None:
    # exabyte-api-client's get_config writes {"_id": null} when it is given no project.
    job = data(ann.put(f"{API}/jobs/create", json={"name": "no project", "_project": {"_id": None}}))
    default = data(ann.get(f"{API}/projects/default"))
    assert job["_project"]["_id"] == default["_id"]
    other = data(ann.post(f"{API}/projects/{default['_id']}/copy"))
    assert (
        data(ann.put(f"{API}/jobs/create", json={"name": "x", "_project": {"_id": other["_id"]}}))["_project"]["_id"]
        == other["_id"]
    )
    refused = ben.put(f"{API}/jobs/create", json={"name": "x", "_project": {"_id": other["_id"]}})
    assert refused.status_code == 400 and f"project {other['_id']} not found" in refused.json()["data"]["message"]


def test_a_page_is_50_by_default_and_at_most_500(ann: httpx.Client) -> None:
    for index in range(55):
        new_job(ann, f"paged {index}")
    everything = {"query": json.dumps({"name": {"$regex": "^paged "}})}
    assert len(data(ann.get(f"{API}/jobs", params={**everything, "projection": "{}"}))) == 50
    assert len(data(ann.get("/api/v1/jobs", params=everything))) == 20  # the v1 document's default
    projection = json.dumps({"limit": 10, "skip": 50, "sort": {"name": 1}, "fields": {"name": 1}})
    page = data(ann.get(f"{API}/jobs", params={**everything, "projection": projection}))
    assert [job["name"] for job in page] == sorted(f"paged {i}" for i in range(55))[50:]
    assert set(page[0]) == {"_id", "name"}
    too_many = ann.get(f"{API}/jobs", params={"projection": json.dumps({"limit": 501})})
    assert too_many.status_code == 400 and "500" in too_many.json()["data"]["message"]


def test_flat_parameters_set_id_advanced_searches_and_global_search(ann: httpx.Client) -> None:
    jobs = [new_job(ann, name) for name in ("flat a", "flat b", "flat c")]
    job_set = data(ann.put(f"{API}/jobs/create-set", json={"name": "flat set", "isEntitySet": True}))
    assert job_set["isEntitySet"] is True and job_set["entityCls"] == "Job"
    for job in jobs[:2]:
        data(ann.post(f"{API}/jobs/{job['_id']}/move-to-set", params={"oldSetId": "", "newSetId": job_set["_id"]}))
    members = data(ann.get(f"{API}/jobs", params={"setId": job_set["_id"], "sort": "name"}))
    assert [job["name"] for job in members] == ["flat a", "flat b"]
    narrowed = data(
        ann.get(
            f"{API}/jobs",
            params={
                "setId": job_set["_id"],
                "advancedSearches": json.dumps([{"name": "flat b"}]),
                "globalSearch": "true",
            },
        )
    )
    assert [job["name"] for job in narrowed] == ["flat b"]
    # Leaving the set: oldSetId alone.
    data(ann.post(f"{API}/jobs/{jobs[0]['_id']}/move-to-set", params={"oldSetId": job_set["_id"]}))
    assert [j["name"] for j in data(ann.get(f"{API}/jobs", params={"setId": job_set["_id"]}))] == ["flat b"]
    bad = ann.get(f"{API}/jobs", params={"advancedSearches": "{not json"})
    assert bad.status_code == 400 and "advancedSearches" in bad.json()["data"]["message"]


def test_sets_are_found_again_by_name(ann: httpx.Client, alice: User, ben: httpx.Client) -> None:
    job_set = data(ann.put(f"{API}/jobs/create-set", json={"name": "found again"}))
    material_set = data(ann.put(f"{API}/materials/create-set", json={"name": "found again"}))
    by_name = {"query": json.dumps({"name": "found again"})}
    assert data(ann.get(f"{API}/jobs/sets", params=by_name)) == [job_set]
    assert data(alice.http.get("/api/v1/materials/sets", params=by_name)) == [material_set]
    assert data(alice.http.get(f"/api/v1/jobs/sets/{job_set['_id']}")) == job_set
    assert data(ben.get(f"{API}/jobs/sets", params=by_name)) == []
    assert ben.get(f"{API}/jobs/sets/{job_set['_id']}").status_code == 404


def test_set_membership_changes_after_submission_but_the_job_does_not(ann: httpx.Client) -> None:
    job = new_job(ann)
    data(ann.post(f"{API}/jobs/{job['_id']}/submit"))
    job_set = data(ann.put(f"{API}/jobs/create-set", json={"name": "late"}))
    moved = data(ann.post(f"{API}/jobs/{job['_id']}/move-to-set", params={"newSetId": job_set["_id"]}))
    assert [ref["_id"] for ref in moved["inSet"]] == [job_set["_id"]] and moved["status"] == "submitted"
    again = data(ann.post(f"{API}/jobs/{job['_id']}/move-to-set", params={"newSetId": job_set["_id"]}))
    assert len(again["inSet"]) == 1  # joining twice is joining once


def test_submit_is_harmless_on_a_job_already_on_its_way_or_done(ann: httpx.Client, alice: User) -> None:
    job = new_job(ann)
    # The client posts with a JSON content type and no body at all.
    first = data(ann.post(f"{API}/jobs/{job['_id']}/submit", headers={"Content-Length": "0"}))
    second = data(ann.post(f"{API}/jobs/{job['_id']}/submit"))
    assert first["status"] == second["status"] == "submitted"
    assert len(second["statusTrack"]) == 2


def test_defaults_are_one_per_account_and_kind(ann: httpx.Client) -> None:
    before = data(ann.get(f"{API}/materials/default"))
    copy = data(ann.post(f"{API}/materials/{before['_id']}/copy"))
    assert copy["isDefault"] is False and copy["name"] == before["name"] and copy["formula"] == "Si"
    chosen = data(ann.post(f"{API}/materials/{copy['_id']}/set-default"))
    assert chosen["isDefault"] is True
    assert data(ann.get(f"{API}/materials/default"))["_id"] == copy["_id"]
    defaults = data(ann.get(f"{API}/materials", params={"query": json.dumps({"isDefault": True})}))
    assert [m["_id"] for m in defaults] == [copy["_id"]]
    assert data(ann.get(f"{API}/materials/{before['_id']}"))["isDefault"] is False
    project = data(ann.get(f"{API}/projects/default"))
    assert project["isDefault"] is True and project["slug"] == "default"


def test_files_are_uploaded_through_signed_links_before_submission_only(
    ann: httpx.Client, anonymous: httpx.Client
) -> None:
    job = new_job(ann)
    links = data(ann.post(f"{API}/jobs/{job['_id']}/presigned-urls", json={"files": ["inputs/notes.txt"]}))
    [link] = links["presignedURLs"]
    assert link["file"] == "inputs/notes.txt"
    assert anonymous.put(link["URL"], content=b"hello").status_code == 200  # no credentials, as S3 links
    [entry] = data(ann.post(f"{API}/jobs/{job['_id']}/output-files", json={"name": "inputs/notes.txt"}))
    assert entry["size"] == 5 and entry["key"] == "inputs/notes.txt"
    assert anonymous.get(entry["signedUrl"]).content == b"hello"
    # The client sends a dict of records form-encoded (under a JSON content type, with requests).
    form = ann.post(
        f"{API}/jobs/{job['_id']}/output-files",
        content=b"name=inputs%2Fnotes.txt&size=5",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert data(form)[0]["name"] == "notes.txt"

    # A download link does not write; a path may not lead out of the job's folder.
    assert anonymous.put(entry["signedUrl"], content=b"overwritten").status_code == 404
    escape = ann.post(f"{API}/jobs/{job['_id']}/presigned-urls", json={"files": ["../other/x"]})
    assert escape.status_code == 400 and "outside" in escape.json()["data"]["message"]
    for clash in ("inputs", "inputs/notes.txt/under"):  # a folder, and a file as a folder
        refused = ann.post(f"{API}/jobs/{job['_id']}/presigned-urls", json={"files": [clash]})
        assert refused.status_code == 400 and "share a name" in refused.json()["data"]["message"]
    missing = ann.post(f"{API}/jobs/{job['_id']}/output-files", json=[{"name": "nothing.txt"}])
    assert missing.status_code == 404

    data(ann.post(f"{API}/jobs/{job['_id']}/submit"))
    late = ann.post(f"{API}/jobs/{job['_id']}/presigned-urls", json={"files": ["later.txt"]})
    assert late.status_code == 409
    assert anonymous.put(link["URL"], content=b"too late").status_code == 409
    assert anonymous.get(entry["signedUrl"]).content == b"hello"


def test_a_client_adds_a_property_of_its_own_which_is_checked_and_private(ann: httpx.Client, ben: httpx.Client) -> None:
    job = new_job(ann)
    body = {
        "data": {"name": "total_energy", "value": -212.99, "units": "eV"},
        "source": {"type": "job", "info": {"jobId": job["_id"], "unitId": "elsewhere"}},
        "exabyteId": [],
        "repetition": 0,
    }
    created = data(ann.put(f"{API}/properties/create", json=body))
    assert created["name"] == "total_energy" and created["data"] == body["data"]
    found = data(ann.get(f"{API}/properties", params={"query": json.dumps({"data.value": -212.99})}))
    assert [p["_id"] for p in found] == [created["_id"]]
    copy = data(ann.post(f"{API}/properties/{created['_id']}/copy"))
    assert copy["_id"] != created["_id"] and copy["data"] == created["data"]
    bad = ann.put(f"{API}/properties/create", json={**body, "data": {"name": "total_energy", "value": "low"}})
    assert bad.status_code == 400 and "invalid property" in bad.json()["data"]["message"]
    assert len(data(ann.get(f"{API}/properties", params={"query": json.dumps({"source.info.jobId": job["_id"]})}))) == 2
    assert ben.post(f"{API}/properties/{created['_id']}/copy").status_code == 404
    theirs = ben.put(f"{API}/properties/create", json=body)  # naming another account's job
    assert theirs.status_code == 400 and f"job {job['_id']} not found" in theirs.json()["data"]["message"]
    assert ben.get(f"{API}/properties/{created['_id']}").status_code == 404


def test_users_me_and_clusters_answer_in_the_clients_shape(ann: httpx.Client, alice: User) -> None:
    me = data(alice.http.get("/api/v1/users/me"))
    assert me["user"]["entity"]["defaultAccountId"] == alice.account_id
    assert me["accounts"] == [
        {"entity": {"_id": alice.account_id, "name": alice.username, "type": "personal"}, "isDefault": True}
    ]
    clusters = data(ann.get(f"{API}/other/clusters"))
    assert {cluster["fqdn"] for cluster in clusters} and all(cluster["queues"] for cluster in clusters)


def test_login_gives_the_keys_the_client_reads(anonymous: httpx.Client, alice: User) -> None:
    answer = data(anonymous.post(f"{API}/login", data={"username": alice.username, "password": alice.password}))
    assert answer["X-Account-Id"] == alice.account_id and answer["X-Auth-Token"]


def test_unknown_paths_and_methods_answer_in_the_envelope(ann: httpx.Client) -> None:
    missing = ann.get(f"{API}/no-such-thing")
    assert missing.status_code == 404 and missing.json()["status"] == "error"
    wrong = ann.delete(f"{API}/projects/anything")
    assert wrong.status_code == 405 and wrong.json()["data"]["message"]


def test_another_account_sees_none_of_it(ann: httpx.Client, ben: httpx.Client, alice: User) -> None:
    job = new_job(ann, "ann's")
    material = data(ann.get(f"{API}/materials/default"))
    job_set = data(ann.put(f"{API}/jobs/create-set", json={"name": "ann's set"}))
    material_set = data(ann.put(f"{API}/materials/create-set", json={"name": "ann's materials"}))
    own_job = new_job(ben, "ben's")
    own_material = data(ben.get(f"{API}/materials/default"))
    calls = [
        ("POST", f"{API}/jobs/{job['_id']}/submit", {}),
        ("POST", f"{API}/jobs/{job['_id']}/copy", {}),
        ("POST", f"{API}/jobs/{job['_id']}/presigned-urls", {"json": {"files": ["x"]}}),
        ("POST", f"{API}/jobs/{job['_id']}/output-files", {"json": {"name": "x"}}),
        ("POST", f"{API}/materials/{material['_id']}/copy", {}),
        ("POST", f"{API}/materials/{material['_id']}/set-default", {}),
        # Into another account's set: the set is not there, for this caller.
        ("POST", f"{API}/jobs/{own_job['_id']}/move-to-set", {"params": {"newSetId": job_set["_id"]}}),
        ("POST", f"{API}/materials/{own_material['_id']}/move-to-set", {"params": {"newSetId": material_set["_id"]}}),
        ("PUT", f"{API}/materials/create", {"json": {**material, "owner": {"_id": alice.account_id}}}),
        ("GET", f"{API}/materials/default", {"params": {"accountId": alice.account_id}}),
    ]
    for method, path, extra in calls:
        answer = ben.request(method, path, **extra)
        assert answer.status_code == 404, (method, path, answer.text)
    bank = data(ben.get(f"{API}/bank-materials", params={"projection": json.dumps({"limit": 1})}))
    other = ben.post(f"{API}/bank-materials/{bank[0]['_id']}/copy", params={"accountId": alice.account_id})
    assert other.status_code == 404
    assert data(ben.get(f"{API}/jobs", params={"setId": job_set["_id"]})) == []
    assert data(ann.get(f"{API}/jobs/{job['_id']}")) == job
    assert data(ann.get(f"{API}/materials/{material['_id']}")) == material


GARBAGE = [b"", b"[]", b'"text"', b"not json", b'{"name": [], "files": 5, "_id": {}, "data": 3, "owner": "x"}']


def test_no_dated_route_answers_garbage_with_a_500(ann: httpx.Client, alice: User) -> None:
    job = new_job(ann)
    material = data(ann.get(f"{API}/materials/default"))
    seen = set()
    for route in build(OPERATIONS).dated:
        if route.path == "/logout":  # would end this client's session: tested on its own
            continue
        if route.path.endswith("/events"):  # an answered stream never ends: see test_event_stream.py
            continue
        for method in sorted(route.methods - {"HEAD"}):
            for document_id in ("nope", job["_id"], material["_id"]):
                path = API + route.path.replace("{job_id}", document_id).replace("{document_id}", document_id)
                for body in GARBAGE:
                    answer = ann.request(method, path, content=body, params={"newSetId": "nope"})
                    assert answer.status_code < 500, (method, path, body, answer.text)
                    envelope = answer.json()
                    assert envelope["status"] == ("success" if answer.status_code == 200 else "error")
                    if answer.status_code >= 400:
                        assert envelope["data"]["message"], (method, path, body)
                    seen.add(answer.status_code)
    assert 401 not in seen and {200, 400, 404} <= seen
