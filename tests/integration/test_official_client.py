"""The platform's official Python client (`mat3ra-api-client`), unmodified, against a live
matjobs on loopback: it speaks the dated API (`/api/2018-10-01`), logs in with a form, creates
with `PUT`, submits (and terminates, and purges) with `POST jobs/{id}/submit`, and reads every
answer's `data`. The sequences are those of the platform's example notebooks; the jobs really
run pw.x, on the local cluster and on SLURM. The client's older name, `exabyte-api-client`, runs
the first sequence too."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from exabyte_api_client.endpoints.jobs import JobEndpoints as ExabyteJobs
from exabyte_api_client.endpoints.login import LoginEndpoint as ExabyteLogin
from exabyte_api_client.endpoints.materials import MaterialEndpoints as ExabyteMaterials
from exabyte_api_client.endpoints.properties import PropertiesEndpoints as ExabyteProperties
from exabyte_api_client.endpoints.workflows import WorkflowEndpoints as ExabyteWorkflows
from mat3ra.api_client import APIClient
from mat3ra.api_client.endpoints.login import LoginEndpoint
from mat3ra.api_client.endpoints.logout import LogoutEndpoint
from mat3ra.standata.materials import Materials

from matjobs.store import Store
from tests.conftest import User, signed_up
from tests.helpers import wait_until
from tests.servers import LiveServer

STRUCTURES = Path(__file__).parents[1] / "data" / "structures"
RUNNING = {"pre-submission", "submitted", "queued", "active"}  # what the examples keep polling on
RYDBERG_EV = 13.605693122994017  # pw.x's own conversion


@pytest.fixture
def researcher(backend: Store, running_server: LiveServer) -> Iterator[User]:
    with signed_up(backend, running_server, "hana") as user:
        yield user


@pytest.fixture
def client(researcher: User, running_server: LiveServer) -> APIClient:
    """Logged in as the notebooks do: username and password for a token, then the client."""
    options = LoginEndpoint.get_endpoint_options(
        "127.0.0.1", running_server.port, researcher.username, researcher.password, secure=False
    )
    assert options["account_id"] == researcher.account_id
    return APIClient.authenticate(
        host="127.0.0.1",
        port=running_server.port,
        secure=False,
        account_id=options["account_id"],
        auth_token=options["auth_token"],
    )


def account_defaults(client: APIClient, account_id: str) -> tuple[dict, dict]:
    """The account's default material and workflow, found as the notebooks find them."""
    [material] = client.materials.list({"isDefault": True, "owner._id": account_id})
    [workflow] = client.workflows.list({"isDefault": True, "owner._id": account_id})
    return material, workflow


def job_from(client: APIClient, account_id: str, material: dict, workflow: dict, name: str) -> dict:
    """A job created as the notebooks create one: owner, material, workflow and name only."""
    body = {"owner": {"_id": account_id}, "_material": {"_id": material["_id"]}, "workflow": {"_id": workflow["_id"]}}
    return client.jobs.create({**body, "name": name})


def finished(client: APIClient, job_ids: list[str], seconds: float = 240) -> list[dict]:
    """Polled as the examples poll: the jobs' statuses only, until none is still on its way."""
    seen: list[dict] = []

    def ended() -> list[dict] | None:
        seen[:] = client.jobs.list({"_id": {"$in": job_ids}}, {"fields": {"status": 1}})
        return list(seen) if seen and all(job["status"] not in RUNNING for job in seen) else None

    return wait_until(ended, seconds=seconds, what=lambda: f"jobs still running: {seen}")


def output_text(client: APIClient, job_id: str) -> str:
    """The pw.x output, fetched through its signed link plainly, as the examples do."""
    [output] = [entry for entry in client.jobs.list_files(job_id) if entry["name"] == "pw_scf.out"]
    answer = requests.get(output["signedUrl"], timeout=30)
    assert answer.status_code == 200
    return answer.text


def printed_energy_ev(output: str) -> float:
    [rydberg] = re.findall(r"^!\s+total energy\s+=\s+(-?\d+\.\d+) Ry", output, re.MULTILINE)
    return float(rydberg) * RYDBERG_EV


@pytest.mark.usefixtures("pw_x")
def test_create_from_the_account_defaults_submit_and_finish(
    client: APIClient, running_server: LiveServer, researcher: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A client that knows only its bearer token learns its account from /api/v1/users/me.
    monkeypatch.delenv("ACCOUNT_ID", raising=False)
    bearer = APIClient.authenticate(
        host="127.0.0.1", port=running_server.port, secure=False, access_token=researcher.token
    )
    account_id = bearer.account.id
    assert account_id == researcher.account_id
    [account] = bearer.list_accounts()
    assert account == {"_id": account_id, "name": bearer.account.name, "type": "personal", "isDefault": True}

    material, workflow = account_defaults(client, account_id)
    job = job_from(client, account_id, material, workflow, "Si from the defaults")
    # Filled in by the server: status, project, compute; the workflow is embedded whole.
    assert job["status"] == "pre-submission" and job["_material"]["_id"] == material["_id"]
    [project] = client.projects.list({"isDefault": True, "owner._id": account_id})
    assert job["_project"]["_id"] == project["_id"]
    assert {"queue", "nodes", "ppn", "timeLimit"} <= set(job["compute"])
    assert job["workflow"]["_id"] == workflow["_id"]
    assert all(unit["flowchartId"] for sub in job["workflow"]["subworkflows"] for unit in sub["units"])

    client.jobs.submit(job["_id"])
    [done] = finished(client, [job["_id"]])
    final = client.jobs.get(job["_id"])
    assert done["status"] == final["status"] == "finished", final["compute"].get("errors")
    # Units and printed values agree: the property is the output's, converted to eV.
    unit_id = final["workflow"]["subworkflows"][0]["units"][0]["flowchartId"]
    energy = client.properties.get_property(job["_id"], unit_id, "total_energy")["data"]
    assert energy["units"] == "eV"
    assert energy["value"] == pytest.approx(printed_energy_ev(output_text(client, job["_id"])), abs=1e-4)


@pytest.mark.usefixtures("pw_x")
def test_a_set_of_materials_and_a_set_of_jobs_run_and_give_their_total_energies(client: APIClient) -> None:
    account_id = client.account.id
    [project] = client.projects.list({"isDefault": True, "owner._id": account_id})
    materials = [
        # deep-copied: the client writes `owner` into the dict it is given, and standata hands out its own
        client.materials.create(copy.deepcopy(Materials.get_by_name_first_match(name)), owner_id=account_id)
        for name in ("mp-149", "Diamond")
    ]
    material_set = client.materials.create_set({"name": "Si and C", "isEntitySet": True})
    for material in materials:
        client.materials.move_to_set(material["_id"], "", material_set["_id"])
    members = client.materials.list({"inSet._id": material_set["_id"]})
    assert sorted(m["_id"] for m in members) == sorted(m["_id"] for m in materials)

    [bank_workflow] = client.bank_workflows.list({"name": "Total Energy", "subworkflows.application.name": "espresso"})
    workflow = client.bank_workflows.copy(bank_workflow["_id"], account_id)
    assert workflow["_id"] != bank_workflow["_id"] and workflow["owner"]["_id"] == account_id

    jobs = []
    for material, cluster in zip(materials, ("local", "slurm"), strict=True):
        compute = client.jobs.build_compute_config(cluster=cluster, ppn=1, queue="D", time_limit="00:10:00")
        config = client.jobs.build_config(
            [material["_id"]],
            workflow["_id"],
            project["_id"],
            account_id,
            f"Total energy {material['formula']}",
            compute,
        )
        jobs.append(client.jobs.create(config))
    job_set = client.jobs.create_set({"name": "total energies", "isEntitySet": True})
    for job in jobs:
        client.jobs.move_to_set(job["_id"], "", job_set["_id"])
    ids = [job["_id"] for job in jobs]
    assert sorted(j["_id"] for j in client.jobs.list({"inSet._id": job_set["_id"]})) == sorted(ids)

    for job_id in ids:
        client.jobs.submit(job_id)
    assert {job["status"] for job in finished(client, ids)} == {"finished"}

    energies = {}
    for job in jobs:
        unit_id = job["workflow"]["subworkflows"][0]["units"][0]["flowchartId"]
        selector = client.properties.build_property_selector(job["_id"], unit_id, "total_energy")
        [energy] = client.properties.list(selector)
        assert energy["data"]["value"] == pytest.approx(printed_energy_ev(output_text(client, job["_id"])), abs=1e-4)
        energies[job["name"]] = energy["data"]["value"]
    # Two different solids: the energies differ, each per its own material.
    assert len(set(energies.values())) == 2


@pytest.mark.usefixtures("pw_x")
def test_the_output_file_is_fetched_through_its_signed_link_without_credentials(client: APIClient) -> None:
    account_id = client.account.id
    job = job_from(client, account_id, *account_defaults(client, account_id), "files")
    client.jobs.submit(job["_id"])
    assert finished(client, [job["_id"]])[0]["status"] == "finished"
    names = {entry["name"] for entry in client.jobs.list_files(job["_id"])}
    assert {"pw_scf.in", "pw_scf.out"} <= names
    assert "!    total energy" in output_text(client, job["_id"])

    # The client's terminate() and purge() post to submit: harmless on a finished job.
    client.jobs.terminate(job["_id"])
    client.jobs.purge(job["_id"])
    assert client.jobs.get(job["_id"])["status"] == "finished"


def test_update_copy_and_delete_jobs_materials_and_workflows(client: APIClient) -> None:
    account_id = client.account.id
    material, workflow = account_defaults(client, account_id)

    for endpoints, original in ((client.materials, material), (client.workflows, workflow)):
        copy = endpoints.copy(original["_id"])
        assert copy["_id"] != original["_id"] and copy["name"] == original["name"] and not copy["isDefault"]
        assert endpoints.update(copy["_id"], {"name": "renamed"})["name"] == "renamed"
        assert endpoints.update(copy["_id"], {"$set": {"tags": ["client"]}})["tags"] == ["client"]
        endpoints.delete(copy["_id"])
        assert endpoints.list({"_id": copy["_id"]}) == []
        with pytest.raises(requests.HTTPError, match=f"Error 404: .* {copy['_id']} not found"):
            endpoints.get(copy["_id"])
    moved = client.materials.update(material["_id"], {"lattice.a": 3.9})
    assert moved["lattice"]["a"] == 3.9

    job = job_from(client, account_id, material, workflow, "draft")
    updated = client.jobs.update(job["_id"], {"name": "draft 2", "compute.ppn": 2})
    assert updated["name"] == "draft 2" and updated["compute"]["ppn"] == 2
    copy = client.jobs.copy(job["_id"])
    assert copy["_id"] != job["_id"] and copy["status"] == "pre-submission" and copy["compute"]["ppn"] == 2
    client.jobs.delete(copy["_id"])
    assert [j["_id"] for j in client.jobs.list({"_id": {"$in": [job["_id"], copy["_id"]]}})] == [job["_id"]]

    # The server's own words reach the caller through the client's exceptions.
    with pytest.raises(requests.HTTPError, match="Error 400: invalid job: compute.ppn: must be at least 1, got 0"):
        client.jobs.update(job["_id"], {"compute.ppn": 0})
    with pytest.raises(requests.HTTPError, match="Error 400: invalid job: material nowhere not found"):
        client.jobs.create({"name": "x", "_material": {"_id": "nowhere"}, "workflow": {"_id": workflow["_id"]}})
    assert client.jobs.get(job["_id"])["compute"]["ppn"] == 2  # a refused change changes nothing


@pytest.mark.usefixtures("pw_x")
def test_the_older_exabyte_api_client_runs_the_same_job(researcher: User, running_server: LiveServer) -> None:
    # Its endpoints are built from the login's options; it sends the X- headers only, and its
    # get_config writes `_project: {"_id": null}` when given no project.
    options = ExabyteLogin.get_endpoint_options(
        "127.0.0.1", running_server.port, researcher.username, researcher.password, secure=False
    )
    endpoint_args = [options[key] for key in ("host", "port", "account_id", "auth_token", "version", "secure")]
    jobs, materials, workflows, properties = (
        endpoints(*endpoint_args) for endpoints in (ExabyteJobs, ExabyteMaterials, ExabyteWorkflows, ExabyteProperties)
    )
    account_id = options["account_id"]
    [material] = materials.list({"isDefault": True, "owner._id": account_id})
    [workflow] = workflows.list({"isDefault": True, "owner._id": account_id})
    job = jobs.create(jobs.get_config([material["_id"]], workflow["_id"], None, account_id, "older client"))
    assert job["_project"]["slug"] == "default" and job["workflow"]["subworkflows"]
    jobs.submit(job["_id"])
    wait_until(lambda: jobs.get(job["_id"])["status"] not in RUNNING, seconds=240, what="the job still runs")
    assert jobs.get(job["_id"])["status"] == "finished"
    unit_id = job["workflow"]["subworkflows"][0]["units"][0]["flowchartId"]
    assert properties.get_property(job["_id"], unit_id, "total_energy")["data"]["units"] == "eV"
    with pytest.raises(requests.HTTPError, match="404"):
        jobs.get("no-such-job")


def test_logout_revokes_the_token(client: APIClient, running_server: LiveServer) -> None:
    endpoint = LogoutEndpoint(
        "127.0.0.1",
        running_server.port,
        client.auth.account_id,
        client.auth.auth_token,
        version="2018-10-01",
        secure=False,
    )
    endpoint.logout()
    with pytest.raises(requests.HTTPError, match="Error 401"):
        client.jobs.list()


def test_import_a_poscar_and_copy_a_bank_material(client: APIClient) -> None:
    account_id = client.account.id
    poscar = (STRUCTURES / "Si.poscar").read_text()
    imported = client.materials.import_from_file("imported Si", poscar, owner_id=account_id, tags=("poscar",))
    assert imported["name"] == "imported Si" and imported["owner"]["_id"] == account_id
    assert imported["formula"] == "Si" and imported["unitCellFormula"] == "Si2"
    assert imported["lattice"]["a"] == pytest.approx(3.81645, abs=1e-4) and imported["tags"] == ["poscar"]
    assert client.materials.get(imported["_id"]) == imported

    [diamond] = client.bank_materials.list({"name": {"$regex": "Diamond"}})
    copied = client.bank_materials.copy(diamond["_id"], account_id)
    assert copied["_id"] != diamond["_id"] and copied["owner"]["_id"] == account_id
    assert copied["formula"] == diamond["formula"] == "C" and copied["lattice"] == diamond["lattice"]
    assert [m["_id"] for m in client.materials.list({"_id": copied["_id"]})] == [copied["_id"]]


def test_set_default_moves_the_accounts_default(client: APIClient, researcher: User) -> None:
    account_id = client.account.id
    for endpoints, kind in ((client.materials, "material"), (client.workflows, "workflow")):
        [before] = endpoints.list({"isDefault": True, "owner._id": account_id})
        copied = endpoints.copy(before["_id"])
        assert endpoints.set_default(copied["_id"]) is None  # the client drops the answer
        [after] = endpoints.list({"isDefault": True, "owner._id": account_id})
        assert after["_id"] == copied["_id"], kind
        assert endpoints.get(before["_id"])["isDefault"] is False
    [project] = client.projects.list({"isDefault": True, "owner._id": account_id})
    other = researcher.http.post("/api/v1/projects", json={"name": "second"}).json()["data"]  # the client cannot
    client.projects.set_default(other["_id"])
    assert [p["_id"] for p in client.projects.list({"isDefault": True, "owner._id": account_id})] == [other["_id"]]
    assert client.projects.get(project["_id"])["isDefault"] is False


def test_upload_through_presigned_urls_then_insert_output_files(client: APIClient) -> None:
    account_id = client.account.id
    job = job_from(client, account_id, *account_defaults(client, account_id), "uploads")
    links = client.jobs.get_presigned_urls(job["_id"], ["notes.txt", "inputs/extra.in"])
    assert [link["file"] for link in links] == ["notes.txt", "inputs/extra.in"]
    for link in links:  # no credentials, as with S3's links
        assert requests.put(link["URL"], data=f"content of {link['file']}".encode(), timeout=30).status_code == 200
    # The client hands `data` to requests as it is: a JSON text goes as the body.
    assert client.jobs.insert_output_files(job["_id"], json.dumps([{"name": "inputs/extra.in"}])) is None
    listed = {entry["key"]: entry for entry in client.jobs.list_files(job["_id"])}
    assert set(listed) == {"notes.txt", "inputs/extra.in"}
    assert listed["inputs/extra.in"]["size"] == len("content of inputs/extra.in")
    assert requests.get(listed["notes.txt"]["signedUrl"], timeout=30).text == "content of notes.txt"
    # A file the job's folder does not hold is refused, in the server's words.
    with pytest.raises(requests.HTTPError, match="Error 404: no file 'missing.txt' for this job"):
        client.jobs.insert_output_files(job["_id"], json.dumps({"name": "missing.txt"}))


def test_insert_output_files_with_a_dict_as_the_client_sends_it(client: APIClient) -> None:
    account_id = client.account.id
    job = job_from(client, account_id, *account_defaults(client, account_id), "a dict of records")
    [link] = client.jobs.get_presigned_urls(job["_id"], ["notes.txt"])
    assert requests.put(link["URL"], data=b"notes", timeout=30).status_code == 200
    assert client.jobs.insert_output_files(job["_id"], {"name": "notes.txt"}) is None


def test_clusters_list_names_the_servers_clusters_and_their_queues(
    client: APIClient, running_server: LiveServer
) -> None:
    clusters = {cluster["fqdn"]: cluster for cluster in client.clusters.list()}
    configured = {cluster["fqdn"] for cluster in running_server.settings.clusters}
    assert set(clusters) == configured
    assert {queue["name"] for queue in clusters["local"]["queues"]} == {"D", "SR"}
