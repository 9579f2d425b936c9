"""The runner's timing and exclusion, on a clock the test moves by hand: a failing cluster is
retried after doubling delays up to a cap, a job terminated before any runner took it is
settled by the clean-up round, and one data folder holds one runner of a name at a time.

The failing cluster is a real SLURM fault: a config file that names no cluster, which sbatch
and squeue refuse at once (where SLURM is not installed, the missing commands fail alike)."""

from __future__ import annotations

import logging
import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from matjobs import jobs
from matjobs.clusters.registry import Clusters
from matjobs.runner import Runner
from matjobs.runner.runner import RunnerBusy
from matjobs.store import Store
from matjobs.store.accounts import Principal, create_user
from matjobs.store.tables import jobs as job_rows
from tests.helpers import shell_workflow

FAILED = re.compile(r"cluster (\S+) failed \((\d+) in a row\): .*; next try in ([\d.]+) s", re.DOTALL)


class Clock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def principal(backend: Store) -> Principal:
    with backend.writing() as conn:
        return create_user(conn, username=f"timing-{uuid.uuid4().hex[:8]}", password="correct horse").principal


def submitted(backend: Store, clusters: Clusters, principal: Principal, fqdn: str) -> str:
    body = {"name": "timed", "workflow": shell_workflow("true"), "compute": {"cluster": {"fqdn": fqdn}}}
    job = jobs.create_job(backend, clusters, principal, body)
    jobs.submit_job(backend, clusters, principal, job["_id"])
    return str(job["_id"])


def stored(backend: Store, job_id: str) -> dict:
    with backend.reading() as conn:
        return dict(conn.execute(sa.select(job_rows.c.doc).where(job_rows.c.id == job_id)).scalar_one())


def test_a_failing_cluster_is_retried_after_doubling_delays_up_to_the_cap_then_its_job_ends_in_error(
    backend: Store, principal: Principal, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="matjobs.runner")
    (tmp_path / "no-cluster.conf").write_text("# names no ClusterName: sbatch and squeue refuse it\n")
    fqdn = f"down-{uuid.uuid4().hex[:6]}"
    table = {"fqdn": fqdn, "type": "slurm", "slurm_conf": str(tmp_path / "no-cluster.conf")}
    clusters = Clusters.from_config([table | {"submit_attempts": 6, "retry_delay": 10, "queues": {"D": {}}}])
    job_id = submitted(backend, clusters, principal, fqdn)
    clock = Clock()
    runner = Runner(backend, clusters, tmp_path / "data", name=f"timing-{fqdn}", clock=clock)

    def delays() -> list[float]:
        found = [FAILED.search(record.getMessage()) for record in caplog.records]
        return [float(match[3]) for match in found if match and match[1] == fqdn]

    try:
        # Doubling from 10 s, capped at a minute; the sixth failure spends the attempts.
        expected = [10.0, 20.0, 40.0, 60.0, 60.0, 60.0]
        runner.hand_over()
        assert delays() == expected[:1]
        for tries, delay in enumerate(expected[:-1], start=1):
            clock.advance(delay - 0.01)  # not a moment early...
            runner.hand_over()
            assert delays() == expected[:tries]
            assert stored(backend, job_id)["status"] == "submitted"
            clock.advance(0.01)  # ...and on time
            runner.hand_over()
            assert delays() == expected[: tries + 1]
        job = stored(backend, job_id)
        assert job["status"] == "error"
        assert f"cluster {fqdn} did not take the job after 6 attempts" in job["compute"]["errors"][-1]["message"]
    finally:
        runner.stop()


def test_a_job_terminated_before_any_runner_took_it_is_settled_without_running(
    backend: Store, principal: Principal, tmp_path: Path
) -> None:
    fqdn = f"idle-{uuid.uuid4().hex[:6]}"
    clusters = Clusters.from_config([{"fqdn": fqdn, "type": "local", "cores": 1}])
    clock = Clock()
    runner = Runner(backend, clusters, tmp_path / "data", name=f"timing-{fqdn}", clock=clock)
    try:
        runner.step()  # an idle round: the next clean-up is half a second away
        job_id = submitted(backend, clusters, principal, fqdn)
        jobs.terminate_job(backend, principal, job_id)
        # The runner claims only submitted jobs: this one is not taken, and not yet settled.
        runner.step()
        assert stored(backend, job_id)["status"] == "terminate-queued"
        clock.advance(0.5)
        runner.step()
        job = stored(backend, job_id)
        assert [entry["status"] for entry in job["statusTrack"]][-3:] == ["submitted", "terminate-queued", "terminated"]
        assert job["compute"]["cluster"].get("jid") is None and "workDir" not in job
        assert not (tmp_path / "data" / "jobs" / job_id).exists()  # nothing was prepared or run
    finally:
        runner.stop()


def test_one_runner_of_a_name_at_a_time_per_data_folder(backend: Store, tmp_path: Path) -> None:
    clusters = Clusters.from_config([{"fqdn": "lock", "type": "local", "cores": 1}])
    first = Runner(backend, clusters, tmp_path, name="only")
    with pytest.raises(RunnerBusy, match="a runner named 'only' is already running"):
        Runner(backend, clusters, tmp_path, name="only")
    other = Runner(backend, clusters, tmp_path, name="another")  # another name is another runner
    other.stop()
    first.stop()
    # The lock goes with the runner that held it.
    Runner(backend, clusters, tmp_path, name="only").stop()
