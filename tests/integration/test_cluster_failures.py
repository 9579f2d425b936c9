"""A cluster that refuses a job or cannot be reached: bounded retries, then an error saying why.

The faults are real SLURM ones: a queue mapped to a partition the cluster does not have, and a
SLURM config whose controller address has nothing listening.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from matjobs.store import Store
from tests.conftest import User, signed_up
from tests.helpers import FINAL, submit, wait_for, wait_until
from tests.servers import LiveServer, free_port, serving_with_runner

RETRIES = {"submit_attempts": 3, "retry_delay": 0.2}


@pytest.fixture(scope="module")
def confs(slurm: Path | None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if slurm is None:
        pytest.skip("SLURM is not available on this machine (CI requires it)")
    folder = tmp_path_factory.mktemp("slurm-confs")
    working = slurm.read_text()
    # Nothing listens there; a short message timeout makes each failed call quick.
    broken = "".join(line + "\n" for line in working.splitlines() if not line.startswith("SlurmctldPort"))
    broken += f"SlurmctldPort={free_port()}\nMessageTimeout=1\n"
    (folder / "unreachable.conf").write_text(broken)
    (folder / "flaky.conf").write_text(broken)
    (folder / "working.conf").write_text(working)
    return {name: folder / f"{name}.conf" for name in ("unreachable", "flaky", "working")}


@pytest.fixture(scope="module")
def server(backend: Store, confs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    queue = {"D": {"time_limit": "01:00:00", "partition": "debug"}}
    clusters = [
        {"fqdn": "refusing", "type": "slurm", **RETRIES, "queues": {"D": {"partition": "no-such-partition"}}},
        {"fqdn": "unreachable", "type": "slurm", **RETRIES, "slurm_conf": str(confs["unreachable"]), "queues": queue},
        {"fqdn": "flaky", "type": "slurm", "submit_attempts": 5, "retry_delay": 0.5, "queues": queue}
        | {"slurm_conf": str(confs["flaky"])},
    ]
    with serving_with_runner(backend, tmp_path_factory.mktemp("failures"), clusters) as live:
        yield live


@pytest.fixture
def erin(backend: Store, server: LiveServer) -> Iterator[User]:
    with signed_up(backend, server, "erin") as user:
        yield user


def test_a_refused_submission_is_retried_then_ends_in_error_with_slurms_reason(erin: User) -> None:
    job = wait_for(erin, submit(erin, "true", "refusing"), FINAL)
    assert job["status"] == "error"
    assert [entry["status"] for entry in job["statusTrack"]] == ["pre-submission", "submitted", "error"]
    error = job["compute"]["errors"][-1]
    assert error["reason"] == "SubmissionFailed"
    assert "did not take the job after 3 attempts" in error["message"]
    assert "Invalid partition name specified" in error["message"]


def test_an_unreachable_cluster_ends_its_waiting_jobs_in_error_saying_so(erin: User) -> None:
    first, second = submit(erin, "true", "unreachable"), submit(erin, "true", "unreachable")
    for job_id in (first, second):
        job = wait_for(erin, job_id, FINAL)
        assert job["status"] == "error"
        assert "Unable to contact slurm controller" in job["compute"]["errors"][-1]["message"]


def test_a_job_survives_a_cluster_that_comes_back_within_the_retries(
    erin: User, confs: dict[str, Path], server: LiveServer
) -> None:
    assert server.runner is not None
    shutil.copyfile(confs["unreachable"], confs["flaky"])  # the controller is away
    job_id = submit(erin, "echo back", "flaky")
    wait_until(
        lambda: "cluster flaky failed" in server.runner.log_path.read_text(),
        seconds=20,
        what="the runner never tried the unreachable cluster",
    )
    assert erin.http.get(f"/api/v1/jobs/{job_id}").json()["data"]["status"] == "submitted"
    shutil.copyfile(confs["working"], confs["flaky"])  # the controller is reachable again
    job = wait_for(erin, job_id, FINAL)
    assert job["status"] == "finished", job["compute"].get("errors")
    assert (Path(job["workDir"]) / "job.out").read_text().strip() == "back"
