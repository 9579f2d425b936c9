"""Submitted jobs run on the embedded local cluster: the lifecycle, limits, terminate, delete."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from mat3ra.standata.workflows import WorkflowStandata

from matjobs import jobs
from matjobs.clusters.registry import Clusters
from matjobs.documents import schema
from matjobs.runner import Runner
from matjobs.store import Store
from matjobs.store.accounts import create_user
from matjobs.store.tables import jobs as job_rows
from tests.conftest import User, signed_up
from tests.helpers import FINAL, Gate, running, shell_workflow, submit, wait_for, wait_until
from tests.servers import LiveServer


@pytest.fixture
def carol(backend: Store, running_server: LiveServer) -> Iterator[User]:
    with signed_up(backend, running_server, "carol") as user:
        yield user


def test_the_hello_world_workflow_runs_to_finished(carol: User, cluster: str) -> None:
    workflow = WorkflowStandata.get_by_name_first_match("hello_world")
    body = {"name": "hello", "workflow": workflow, "compute": {"cluster": {"fqdn": cluster}}}
    created = carol.http.post("/api/v1/jobs", json=body)
    assert created.status_code == 200, created.text
    job_id = created.json()["data"]["_id"]
    carol.http.post(f"/api/v1/jobs/{job_id}?submit=true")
    job = wait_for(carol, job_id, FINAL)
    assert job["status"] == "finished", job.get("compute", {}).get("errors")
    assert [t["status"] for t in job["statusTrack"]] == ["pre-submission", "submitted", "queued", "active", "finished"]
    times = [t["trackedAt"] for t in job["statusTrack"]]
    assert times == sorted(times)
    assert job["compute"]["cluster"] == {"fqdn": cluster, "jid": job["compute"]["cluster"]["jid"]}
    assert job["startTime"]
    assert (Path(job["workDir"]) / "job.out").read_text().strip() == "Hello world!"


def test_a_failing_script_ends_in_error_with_its_exit_code_and_stderr(carol: User, cluster: str) -> None:
    job = wait_for(carol, submit(carol, "echo 'no such input' >&2; exit 3", cluster), FINAL)
    assert job["status"] == "error"
    assert job["compute"]["errors"][-1]["reason"] == "exit code 3"
    assert "no such input" in job["compute"]["errors"][-1]["message"]


def test_a_job_in_error_is_a_valid_job_and_its_tags_can_still_change(carol: User) -> None:
    failed = wait_for(carol, submit(carol, "exit 3"), FINAL)
    empty = carol.http.post("/api/v1/jobs", json={"name": "empty"}).json()["data"]["_id"]
    carol.http.post(f"/api/v1/jobs/{empty}?submit=true")
    for job in (failed, wait_for(carol, empty, FINAL)):
        assert job["status"] == "error"
        schema.validate("job", job)  # the errors the runner recorded included
        tagged = carol.http.patch(f"/api/v1/jobs/{job['_id']}", json={"$push": {"tags": "look at this"}})
        assert tagged.status_code == 200, tagged.text
        assert tagged.json()["data"]["tags"][-1] == "look at this"


def test_the_time_limit_kills_the_whole_process_group(carol: User) -> None:
    # SLURM takes whole minutes and checks every 30 s: its time limit has a module of its own.
    marker = f"sleep 31.{uuid.uuid4().int % 1000:03d}"
    job_id = submit(carol, f"{marker} & wait", timeLimit="00:00:01")
    job = wait_for(carol, job_id, FINAL)
    assert job["status"] == "timeout"
    wait_until(lambda: not running(marker), seconds=10, what=f"{marker} still runs")


def test_terminate_stops_a_running_job(carol: User, cluster: str) -> None:
    marker = f"sleep 32.{uuid.uuid4().int % 1000:03d}"
    job_id = submit(carol, f"{marker} & wait", cluster)
    wait_for(carol, job_id, {"active"})
    wait_until(lambda: running(marker), seconds=10, what=f"{marker} never started")
    response = carol.http.post(f"/api/v1/jobs/{job_id}/terminate")
    assert response.status_code == 200 and response.json()["data"]["status"] == "terminate-queued"
    job = wait_for(carol, job_id, FINAL)
    assert job["status"] == "terminated"
    assert [t["status"] for t in job["statusTrack"]][-2:] == ["terminate-queued", "terminated"]
    wait_until(lambda: not running(marker), seconds=10, what=f"{marker} still runs")
    assert carol.http.post(f"/api/v1/jobs/{job_id}/terminate").status_code == 409


def test_deleting_a_running_job_stops_its_work(carol: User, backend: Store, cluster: str) -> None:
    marker = f"sleep 33.{uuid.uuid4().int % 1000:03d}"
    job_id = submit(carol, f"{marker} & wait", cluster)
    wait_for(carol, job_id, {"active"})
    wait_until(lambda: running(marker), seconds=10, what=f"{marker} never started")
    response = carol.http.delete(f"/api/v1/jobs/{job_id}")
    assert response.json() == {"status": "success", "data": {"message": f"Job {job_id} successfully deleted"}}
    assert carol.http.get(f"/api/v1/jobs/{job_id}").status_code == 404
    wait_until(lambda: not running(marker), seconds=20, what=f"{marker} still runs")

    def removed() -> bool:
        with backend.reading() as conn:
            return conn.execute(sa.select(job_rows.c.id).where(job_rows.c.id == job_id)).first() is None

    wait_until(removed, seconds=20, what="the runner did not remove the deleted job")


def test_a_queue_holds_jobs_beyond_its_limit(carol: User) -> None:
    # Local cluster only: on SLURM the partition's own limits apply.
    gate = Gate()
    first = submit(carol, gate.wait, queue="SR")
    second = submit(carol, "true", queue="SR")
    wait_for(carol, first, {"active"})
    # The queue takes one job at a time: the second waits, accepted but not started, for as
    # long as the first holds the queue.
    assert wait_for(carol, second, {"queued", "active", *FINAL})["status"] == "queued"
    assert carol.http.get(f"/api/v1/jobs/{first}").json()["data"]["status"] == "active"
    gate.open(carol, first)
    assert wait_for(carol, first, FINAL)["status"] == "finished"
    assert wait_for(carol, second, FINAL)["status"] == "finished"


def test_a_job_with_nothing_to_run_ends_in_error_saying_so(carol: User) -> None:
    job_id = carol.http.post("/api/v1/jobs", json={"name": "empty"}).json()["data"]["_id"]
    carol.http.post(f"/api/v1/jobs/{job_id}?submit=true")
    job = wait_for(carol, job_id, FINAL)
    assert job["status"] == "error"
    assert "no execution units" in job["compute"]["errors"][-1]["message"]


def test_two_runners_on_one_store_never_take_the_same_job(backend: Store, tmp_path: Path) -> None:
    clusters = Clusters.from_config(
        [{"fqdn": "shared", "type": "local", "cores": 64, "queues": {"D": {"max_jobs": 64, "max_cores": 64}}}]
    )
    with backend.writing() as conn:
        principal = create_user(conn, username=f"race-{uuid.uuid4().hex[:8]}", password="correct horse").principal
    ids = []
    for index in range(40):
        job = jobs.create_job(
            backend,
            clusters,
            principal,
            {"name": f"race {index}", "workflow": shell_workflow("true"), "compute": {"cluster": {"fqdn": "shared"}}},
        )
        jobs.submit_job(backend, clusters, principal, job["_id"])
        ids.append(job["_id"])
    runners = [Runner(backend, clusters, tmp_path / name, name=f"race-{name}") for name in ("a", "b")]
    threads = [threading.Thread(target=runner.hand_over) for runner in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with backend.reading() as conn:
        claimed = dict(conn.execute(sa.select(job_rows.c.id, job_rows.c.runner).where(job_rows.c.id.in_(ids))).all())
    assert set(claimed) == set(ids) and set(claimed.values()) <= {r.id for r in runners}
    handed = sum(
        len(list((tmp_path / name / "jobs").iterdir())) for name in ("a", "b") if (tmp_path / name / "jobs").exists()
    )
    assert handed == len(ids)  # each job's folder was prepared by exactly one runner
    for runner in runners:
        runner.stop()


def test_submit_is_harmless_on_a_running_job(carol: User, cluster: str) -> None:
    gate = Gate()
    job_id = submit(carol, gate.wait, cluster)
    before = wait_for(carol, job_id, {"active"})
    again = carol.http.post(f"/api/v1/jobs/{job_id}?submit=true")
    assert again.status_code == 200 and again.json()["data"]["status"] == "active"
    gate.open(carol, job_id)
    assert wait_for(carol, job_id, FINAL)["status"] == "finished"
    jid = before["compute"]["cluster"]["jid"]
    assert carol.http.get(f"/api/v1/jobs/{job_id}").json()["data"]["compute"]["cluster"]["jid"] == jid


def test_files_are_listed_with_signed_links_that_need_no_credentials(carol: User) -> None:
    job_id = submit(carol, "echo result > out.txt; mkdir -p sub; echo nested > sub/deep.txt")
    assert wait_for(carol, job_id, FINAL)["status"] == "finished"
    listed = carol.http.get(f"/api/v1/jobs/{job_id}/files")
    assert listed.status_code == 200
    files = {entry["key"]: entry for entry in listed.json()["data"]}
    assert {"out.txt", "sub/deep.txt", "job.out", "job.err", "job.sh"} <= set(files)
    assert files["out.txt"]["size"] == len("result\n") and files["sub/deep.txt"]["name"] == "deep.txt"
    plain = httpx.get(files["out.txt"]["signedUrl"])  # the platform's clients send no auth headers here
    assert plain.status_code == 200 and plain.text == "result\n"
    assert httpx.get(files["sub/deep.txt"]["signedUrl"]).text == "nested\n"
    forged = files["out.txt"]["signedUrl"].replace("out.txt", "job.sh")
    assert httpx.get(forged).status_code == 404


def test_another_account_cannot_list_the_files(carol: User, backend: Store, running_server: LiveServer) -> None:
    job_id = submit(carol, "true")
    wait_for(carol, job_id, FINAL)
    with signed_up(backend, running_server, "eve") as other:
        assert other.http.get(f"/api/v1/jobs/{job_id}/files").status_code == 404


def test_purge_removes_a_final_jobs_files_and_keeps_the_job(carol: User) -> None:
    gate = Gate()
    job_id = submit(carol, f"echo x > out.txt; {gate.wait}")
    wait_for(carol, job_id, {"active"})
    refused = carol.http.post(f"/api/v1/jobs/{job_id}/purge")
    assert refused.status_code == 409 and "active" in refused.json()["data"]["message"]
    gate.open(carol, job_id)
    wait_for(carol, job_id, FINAL)
    purged = carol.http.post(f"/api/v1/jobs/{job_id}/purge")
    assert purged.status_code == 200
    job = purged.json()["data"]
    assert job["purged"] is True and job["purgedAt"] > 0 and job["status"] == "finished"
    assert carol.http.get(f"/api/v1/jobs/{job_id}/files").json()["data"] == []


def test_server_owned_fields_cannot_be_written(carol: User) -> None:
    job_id = carol.http.post("/api/v1/jobs", json={"name": "x", "workDir": "/etc"}).json()["data"]["_id"]
    assert "workDir" not in carol.http.get(f"/api/v1/jobs/{job_id}").json()["data"]
    response = carol.http.patch(f"/api/v1/jobs/{job_id}", json={"workDir": "/etc"})
    assert response.status_code == 400 and "workDir" in response.json()["data"]["message"]
