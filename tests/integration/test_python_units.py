"""A python unit through the API on the local cluster: its script run by the machine's python3 in
the job's sandbox once its requirements are found there, and a job whose unit needs a package
that python3 lacks ending in error naming it, before the script runs."""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Iterator

import httpx
import pytest
from mat3ra.standata.workflows import WorkflowStandata

from matjobs.applications.python import stdout_name
from matjobs.store import Store
from tests.conftest import User, signed_up
from tests.helpers import FINAL, wait_for
from tests.servers import LiveServer

# The PATH a sandboxed job gets when the runner's has no more (sandbox.bubblewrap.DEFAULT_PATH):
# the machine's python3, not the venv's that runs these tests.
MACHINE_PATH = "/usr/local/bin:/usr/bin:/bin"
LIST_DISTRIBUTIONS = (
    "import importlib.metadata as m\nfor d in m.distributions(): print(d.metadata['Name'] + '>=' + d.version)"
)


@pytest.fixture
def ivan(backend: Store, running_server: LiveServer) -> Iterator[User]:
    with signed_up(backend, running_server, "ivan") as user:
        yield user


def a_package_python3_has() -> str:
    """A requirement the machine's python3 meets, pinned at least at its version: whichever
    distribution it has (Debian's python3 ships a few), or none if it has none."""
    found = subprocess.run(
        ["python3", "-c", LIST_DISTRIBUTIONS],
        env={"PATH": MACHINE_PATH},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return found[0] if found else ""


def python_job(user: User, script: str, requirements: str, results: list | None = None) -> tuple[str, dict]:
    workflow = copy.deepcopy(WorkflowStandata.get_by_name_first_match("python_script"))
    unit = workflow["subworkflows"][0]["units"][0]
    unit["input"][0]["template"]["content"] = script
    unit["input"][1]["template"]["content"] = requirements
    unit["results"] = results or []
    body = {"name": "python unit", "workflow": workflow, "compute": {"cluster": {"fqdn": "local"}}}
    created = user.http.post("/api/v1/jobs", json=body)
    assert created.status_code == 200, created.text
    job_id = created.json()["data"]["_id"]
    assert user.http.post(f"/api/v1/jobs/{job_id}?submit=true").status_code == 200
    return job_id, unit


def files_of(user: User, job_id: str) -> dict[str, str]:
    entries = user.http.get(f"/api/v1/jobs/{job_id}/files").json()["data"]
    return {entry["key"]: entry["signedUrl"] for entry in entries}


def test_a_python_unit_runs_its_script_with_the_machine_s_python3(ivan: User) -> None:
    wanted = a_package_python3_has()
    script = (
        "import json, sys\n"
        "open('hello.txt', 'w').write('hello from ' + sys.executable)\n"
        "print(json.dumps({'minima': [1.5], 'python': sys.executable}))\n"
    )
    results = [{"name": "file_content", "basename": "hello.txt", "filetype": "text"}]
    job_id, unit = python_job(ivan, script, f"# checked first\n{wanted}\n", results)
    job = wait_for(ivan, job_id, FINAL)
    assert job["status"] == "finished", job["compute"].get("errors")
    files = files_of(ivan, job_id)
    printed = json.loads(httpx.get(files[stdout_name(unit)]).text)
    assert printed["minima"] == [1.5]
    assert printed["python"].startswith("/usr/"), printed  # the machine's, not the project's venv
    selector = json.dumps({"source.info.jobId": job_id})
    found = ivan.http.get("/api/v1/properties", params={"query": selector}).json()["data"]
    assert [(item["name"], item["data"]["basename"]) for item in found] == [("file_content", "hello.txt")]


def test_a_python_unit_needing_a_package_python3_lacks_ends_the_job_in_error_naming_it(ivan: User) -> None:
    met = a_package_python3_has()
    job_id, unit = python_job(ivan, "open('ran.txt', 'w').write('ran')\n", f"{met}\npymatgen>=2024.1\n")
    job = wait_for(ivan, job_id, FINAL)
    assert job["status"] == "error"
    message = job["compute"]["errors"][-1]["message"]
    assert "unit 'python'" in message
    assert "needs the Python package 'pymatgen>=2024.1', which python3 on cluster local lacks" in message
    assert "ran.txt" not in files_of(ivan, job_id)  # the script never ran
