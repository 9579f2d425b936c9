"""Helpers the test modules share: waiting for a state with a deadline, jobs of shell scripts,
gate files a job waits on, and requirements that skip on a workstation but fail in CI."""

from __future__ import annotations

import copy
import os
import random
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import httpx
import pytest
import sqlalchemy as sa
from mat3ra.standata.workflows import WorkflowStandata

from matjobs import jobs
from matjobs.clusters.registry import Clusters
from matjobs.pseudopotentials import DEBIAN_PSEUDO_DIR
from matjobs.store import Store
from matjobs.store.accounts import create_user
from matjobs.store.tables import jobs as job_rows

if TYPE_CHECKING:
    from tests.conftest import User

T = TypeVar("T")
FINAL = {"finished", "error", "timeout", "terminated"}
POLL_S = 0.02


def wait_until(condition: Callable[[], T], *, seconds: float = 30, what: str | Callable[[], str] = "") -> T:
    """The first truthy answer of `condition`, asked until the deadline; past it, an
    AssertionError that says what was awaited (`what` may describe the last state seen)."""
    deadline = time.monotonic() + seconds
    while True:
        answer = condition()
        if answer:
            return answer
        if time.monotonic() > deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"not within {seconds} s: {said or condition}")
        time.sleep(POLL_S)


def wait_for(user: User, job_id: str, statuses: set[str], seconds: float = 30) -> dict:
    """The job once its status is one of `statuses`."""
    seen: dict = {}

    def reached() -> dict | None:
        seen.update(user.http.get(f"/api/v1/jobs/{job_id}").json()["data"])
        return dict(seen) if seen["status"] in statuses else None

    return wait_until(reached, seconds=seconds, what=lambda: f"job {job_id} in {seen.get('status')}, not {statuses}")


def random_seed() -> int:
    """The seed of a test's random choices: MATJOBS_TEST_SEED, or a fresh one. It is printed,
    and pytest shows a failed test's output, so any failure can be replayed with that seed."""
    given = os.environ.get("MATJOBS_TEST_SEED")
    seed = int(given) if given else random.randrange(1 << 30)
    print(f"random choices from MATJOBS_TEST_SEED={seed}")
    return seed


def require(available: bool, what: str) -> None:
    """Skip where `what` is missing on this machine; in CI (CI set) that is a failure."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing, and CI must run this test")
    pytest.skip(f"{what} is not installed here")


def require_pw_x() -> None:
    require(shutil.which("pw.x") is not None, "pw.x (scripts/ensure-espresso.sh)")


def require_espresso_data() -> None:
    require(DEBIAN_PSEUDO_DIR.is_dir(), "quantum-espresso-data's pseudopotentials (scripts/ensure-espresso.sh)")


def shell_workflow(script: str) -> dict:
    workflow = copy.deepcopy(WorkflowStandata.get_by_name_first_match("hello_world"))
    unit = workflow["subworkflows"][0]["units"][0]
    unit["input"][0]["template"]["content"] = "#!/bin/bash\n" + script + "\n"
    return workflow


def shell_unit(flowchart_id: str, script: str, **links: object) -> dict:
    """A shell unit running `script`, its links (next=...) as given."""
    unit = copy.deepcopy(shell_workflow(script)["subworkflows"][0]["units"][0])
    unit.update(flowchartId=flowchart_id, name=flowchart_id, head=False, **links)
    unit.pop("next", None)
    unit.update(links)
    unit["input"][0]["template"]["name"] = f"{flowchart_id}.sh"
    return unit


def with_units(workflow: dict, units: list[dict]) -> dict:
    """The workflow with its one subworkflow's units replaced by `units`, the first its head."""
    workflow = copy.deepcopy(workflow)
    units[0]["head"] = True
    workflow["subworkflows"][0]["units"] = units
    return workflow


def submit(user: User, script: str, cluster: str = "local", **compute) -> str:
    """A job running `script`, created and submitted; its id."""
    return _submitted(user.http, script, f"shell {uuid.uuid4().hex[:6]}", {"cluster": {"fqdn": cluster}, **compute})


def submit_many(user: User, scripts: list[str], cluster: str, ids: list[str]) -> None:
    """Each script as a job on `cluster`, created and submitted in order, each id appended to
    `ids` once submitted; on an HTTP client of its own, so that a thread may do it."""
    with httpx.Client(base_url=user.http.base_url, headers=user.http.headers, timeout=60) as http:
        for index, script in enumerate(scripts):
            ids.append(_submitted(http, script, f"job {index}", {"cluster": {"fqdn": cluster}}))


def _submitted(http: httpx.Client, script: str, name: str, compute: dict) -> str:
    body = {"name": name, "workflow": shell_workflow(script), "compute": compute}
    created = http.post("/api/v1/jobs", json=body)
    assert created.status_code == 200, created.text
    job_id = created.json()["data"]["_id"]
    assert http.post(f"/api/v1/jobs/{job_id}?submit=true").status_code == 200
    return job_id


def running(marker: str) -> bool:
    return subprocess.run(["pgrep", "-f", marker], capture_output=True).returncode == 0


class Gate:
    """A file a job's script waits for: the test opens the gate when it has seen what it
    needs, so that a job lasts exactly as long as the test needs it, not a guessed time.

    The file is in the job's own folder: a sandboxed job sees no other folder of the host."""

    def __init__(self) -> None:
        self.name = f"gate-{uuid.uuid4().hex[:8]}"

    @property
    def wait(self) -> str:
        """The shell command that blocks until the gate is open (the job runs in its folder)."""
        return f"while [ ! -e {self.name} ]; do sleep 0.02; done"

    def open(self, user: User, job_id: str) -> None:
        folder = wait_until(
            lambda: user.http.get(f"/api/v1/jobs/{job_id}").json()["data"].get("workDir"),
            what=f"job {job_id} has no folder yet",
        )
        self.open_in(Path(folder))

    def open_in(self, folder: Path) -> None:
        """Open it in a job's folder known without asking the API; nothing if there is none."""
        if folder.is_dir():
            (folder / self.name).touch()


class HandClock:
    """A runner's clock moved by the test: its rounds, retries and renewals come when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def submitted_directly(store: Store, clusters: Clusters, script: str, cluster: str, username: str) -> str:
    """A new user's job running `script` on `cluster`, created and submitted through the use
    cases (no server): for tests that drive a runner by hand."""
    with store.writing() as conn:
        principal = create_user(conn, username=username, password="correct horse").principal
    body = {"name": f"shell {username}", "workflow": shell_workflow(script), "compute": {"cluster": {"fqdn": cluster}}}
    job_id = str(jobs.create_job(store, clusters, principal, body)["_id"])
    jobs.submit_job(store, clusters, principal, job_id)
    return job_id


def stored_job(store: Store, job_id: str) -> dict:
    """The job's document as the store holds it, of whichever account."""
    with store.reading() as conn:
        return dict(conn.execute(sa.select(job_rows.c.doc).where(job_rows.c.id == job_id)).scalar_one())
