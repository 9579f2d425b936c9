"""A job's workflow runs as one flowchart inside its one submission: clients watching the job see
which unit runs now; assignments and conditions run between units; a job stopped mid-flowchart
keeps what its finished units gave. Through HTTP, on the local cluster (and SLURM where named)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from matjobs.store import Store
from tests.conftest import DOC_MATERIAL, User, documented_ids, signed_up
from tests.helpers import FINAL, Gate, shell_unit, shell_workflow, wait_for, wait_until, with_units
from tests.servers import LiveServer

CUTOFFS = {"name": "cutoffs", "isEdited": True, "data": {"wavefunction": 16, "density": 128}, "extraData": {}}


@pytest.fixture
def iris(backend: Store, running_server: LiveServer) -> Iterator[User]:
    with signed_up(backend, running_server, "iris") as user:
        yield user


@pytest.fixture
def jules(backend: Store, running_server: LiveServer) -> Iterator[User]:
    with signed_up(backend, running_server, "jules") as user:
        yield user


RUNTIME_ITEMS = {"input": [], "results": [], "monitors": [], "preProcessors": [], "postProcessors": []}


def assignment(flowchart_id: str, operand: str, value: object, **links: object) -> dict:
    return {
        **RUNTIME_ITEMS,
        "type": "assignment",
        "flowchartId": flowchart_id,
        "name": flowchart_id,
        "operand": operand,
        "value": value,
        **links,
    }


def condition(flowchart_id: str, statement: str, *, then: str, otherwise: str, bound: int, name: str = "") -> dict:
    return {
        **RUNTIME_ITEMS,
        "type": "condition",
        "flowchartId": flowchart_id,
        "name": name or flowchart_id,
        "statement": statement,
        "then": then,
        "else": otherwise,
        "maxOccurrences": bound,
    }


def created_and_submitted(user: User, workflow: dict, cluster: str = "local", **extra: object) -> str:
    body = {"name": "flowchart", "workflow": workflow, "compute": {"cluster": {"fqdn": cluster}}, **extra}
    created = user.http.post("/api/v1/jobs", json=body)
    assert created.status_code == 200, created.text
    job_id = created.json()["data"]["_id"]
    assert user.http.post(f"/api/v1/jobs/{job_id}?submit=true").status_code == 200
    return job_id


def unit_statuses(job: dict) -> dict[str, str | None]:
    return {unit["flowchartId"]: unit.get("status") for unit in job["workflow"]["subworkflows"][0]["units"]}


def test_a_client_watching_the_job_sees_which_unit_runs_now(iris: User, cluster: str) -> None:
    gate = Gate()
    workflow = with_units(
        shell_workflow("true"),
        [shell_unit("first", gate.wait, next="second"), shell_unit("second", "echo second")],
    )
    job_id = created_and_submitted(iris, workflow, cluster)
    during = wait_until(
        lambda: (
            (job := iris.http.get(f"/api/v1/jobs/{job_id}").json()["data"])
            and unit_statuses(job)["first"] == "active"
            and job
        ),
        what="the first unit shown active",
    )
    assert during["status"] == "active" and unit_statuses(during)["second"] in (None, "idle")
    gate.open(iris, job_id)
    job = wait_for(iris, job_id, FINAL)
    assert job["status"] == "finished", job["compute"].get("errors")
    assert unit_statuses(job) == {"first": "finished", "second": "finished"}
    first = job["workflow"]["subworkflows"][0]["units"][0]
    assert [event["status"] for event in first["statusTrack"]] == ["active", "finished"]
    assert [event["status"] for event in job["workflow"]["units"][0]["statusTrack"]] == ["active", "finished"]


def test_assignments_and_a_condition_loop_run_between_units(iris: User) -> None:
    """The loop runs its shell unit three times; each pass appends to a file in the job's folder."""
    workflow = with_units(
        shell_workflow("true"),
        [
            assignment("init", "N", 0, next="run"),
            shell_unit("run", "echo pass >> passes.txt", next="count"),
            assignment("count", "N", "N + 1", next="check"),
            condition("check", "N >= 3", then="", otherwise="run", bound=10),
        ],
    )
    job = wait_for(iris, created_and_submitted(iris, workflow), FINAL)
    assert job["status"] == "finished", job["compute"].get("errors")
    files = iris.http.get(f"/api/v1/jobs/{job['_id']}/files").json()["data"]
    assert "passes.txt" in {entry["name"] for entry in files}
    run = next(unit for unit in job["workflow"]["subworkflows"][0]["units"] if unit["flowchartId"] == "run")
    assert [event["repetition"] for event in run["statusTrack"] if event["status"] == "active"] == [0, 1, 2]
    assert job["scopeTrack"][-1]["scope"]["global"] == {"N": 3}  # where a workflow leaves its answer


def test_a_loop_past_max_occurrences_ends_in_error_naming_it(iris: User) -> None:
    workflow = with_units(
        shell_workflow("true"),
        [
            shell_unit("run", "true", next="check"),
            condition("check", "1 > 2", then="", otherwise="run", bound=2, name="never converges"),
        ],
    )
    job = wait_for(iris, created_and_submitted(iris, workflow), FINAL)
    assert job["status"] == "error"
    message = job["compute"]["errors"][-1]["message"]
    assert "unit 'never converges' (check): loop did not end within maxOccurrences=2" in message
    assert unit_statuses(job)["check"] == "error"


def test_a_hostile_expression_is_an_error_with_its_reason(iris: User) -> None:
    workflow = with_units(
        shell_workflow("true"),
        [
            assignment("evil", "X", "().__class__.__bases__[0].__subclasses__()", next="run"),
            shell_unit("run", "touch ran"),
        ],
    )
    job = wait_for(iris, created_and_submitted(iris, workflow), FINAL)
    assert job["status"] == "error"
    assert "unit 'evil' (evil):" in job["compute"]["errors"][-1]["message"]
    files = iris.http.get(f"/api/v1/jobs/{job['_id']}/files").json()["data"]
    assert "ran" not in {entry["name"] for entry in files}  # nothing after the failed unit ran


@pytest.mark.usefixtures("pw_x")
def test_a_job_terminated_mid_flowchart_keeps_its_finished_unit_s_results(iris: User, cluster: str) -> None:
    """pw.x's SCF finishes, then a shell unit waits for ever; terminated, the job keeps the energy."""
    query = {"query": json.dumps({"name": "Total Energy", "subworkflows.application.name": "espresso"})}
    [standard] = iris.http.get("/api/v1/bank-workflows", params=query).json()["data"]
    workflow = copy.deepcopy(standard)
    scf = workflow["subworkflows"][0]["units"][0]
    scf["context"] = [CUTOFFS]
    scf["next"] = "wait"
    workflow["subworkflows"][0]["units"] = [scf, shell_unit("wait", "sleep 600")]
    workflow.pop("_id", None)
    job_id = created_and_submitted(iris, workflow, cluster, _material={"_id": documented_ids(iris)[DOC_MATERIAL]})
    seen: dict = {}

    def waiting() -> bool:
        seen.update(iris.http.get(f"/api/v1/jobs/{job_id}").json()["data"])
        return unit_statuses(seen).get("wait") == "active"

    wait_until(waiting, seconds=120, what=lambda: f"the waiting unit active: {seen['status']}, {seen['compute']}")
    assert iris.http.post(f"/api/v1/jobs/{job_id}/terminate").status_code == 200
    job = wait_for(iris, job_id, {"terminated"}, seconds=60)
    assert unit_statuses(job) == {scf["flowchartId"]: "finished", "wait": "error"}
    found = iris.http.get("/api/v1/properties", params={"query": json.dumps({"source.info.jobId": job_id})})
    names = {(item["data"]["name"], item["source"]["info"]["unitId"]) for item in found.json()["data"]}
    assert ("total_energy", scf["flowchartId"]) in names


@pytest.mark.usefixtures("pw_x")
def test_a_relaxation_s_final_structure_becomes_a_material_of_the_account(iris: User) -> None:
    query = {"query": json.dumps({"name": "Fixed-cell Relaxation", "subworkflows.application.name": "espresso"})}
    [standard] = iris.http.get("/api/v1/bank-workflows", params=query).json()["data"]
    workflow = copy.deepcopy(standard)
    workflow.pop("_id", None)
    workflow["subworkflows"][0]["units"][0]["context"] = [CUTOFFS]
    job_id = created_and_submitted(iris, workflow, _material={"_id": documented_ids(iris)[DOC_MATERIAL]})
    job = wait_for(iris, job_id, FINAL, seconds=120)
    assert job["status"] == "finished", job["compute"].get("errors")
    found = iris.http.get("/api/v1/properties", params={"query": json.dumps({"source.info.jobId": job_id})})
    [structure] = [item["data"] for item in found.json()["data"] if item["data"]["name"] == "final_structure"]
    relaxed = iris.http.get("/api/v1/materials", params={"query": json.dumps({"tags": "relaxed"})}).json()["data"]
    assert [material["name"] for material in relaxed] == [
        f"Si, Silicon, FCC (Fd-3m) 3D (Bulk), mp-149 (relaxed by job {job['name']})"
    ]
    assert relaxed[0]["basis"] == structure["basis"] and relaxed[0]["lattice"] == structure["lattice"]
    assert relaxed[0]["owner"]["_id"] == job["owner"]["_id"]


@pytest.mark.parametrize(
    ("script", "status", "unit_status"), [("true", "finished", "finished"), ("exit 4", "error", "error")]
)
def test_a_job_of_one_shell_unit_runs_its_script_directly_and_its_unit_follows_the_job(
    iris: User, script: str, status: str, unit_status: str
) -> None:
    job = wait_for(iris, created_and_submitted(iris, shell_workflow(script)), FINAL)
    assert job["status"] == status
    [unit] = job["workflow"]["subworkflows"][0]["units"]
    assert unit["status"] == unit_status
    assert [event["status"] for event in unit["statusTrack"]] == ["active", unit_status]
    job_script = (Path(job["workDir"]) / "job.sh").read_text()
    assert "matjobs.drive" not in job_script and "hello_world.sh" in job_script  # no Python process per job


def test_a_job_names_only_its_own_account_s_materials_and_parent(iris: User, jules: User) -> None:
    """Another account's material in `_materials` is a 400, as if it did not exist; another's job as
    `parent` ends the job in error before anything runs, and nothing of that job is copied."""
    theirs = documented_ids(jules)[DOC_MATERIAL]
    refused = iris.http.post(
        "/api/v1/jobs", json={"name": "images", "workflow": shell_workflow("true"), "_materials": [{"_id": theirs}]}
    )
    assert refused.status_code == 400
    assert refused.json()["data"]["message"] == f"invalid job: _materials.0._id: material {theirs} not found"
    their_job = wait_for(jules, created_and_submitted(jules, shell_workflow("echo secret > secret.txt")), FINAL)
    assert their_job["status"] == "finished"
    workflow = with_units(shell_workflow("true"), [shell_unit("look", "cat secret.txt"), shell_unit("two", "true")])
    job = wait_for(iris, created_and_submitted(iris, workflow, parent={"_id": their_job["_id"]}), FINAL)
    assert job["status"] == "error"
    assert job["compute"]["errors"][-1]["message"] == f"parent job {their_job['_id']} not found"
    files = iris.http.get(f"/api/v1/jobs/{job['_id']}/files").json()["data"]
    assert "secret.txt" not in {entry["name"] for entry in files}
