"""Runners that take over: a runner SIGKILLed and never started again leaves its jobs to another
runner of the same store, which follows them to their end, runs none twice and loses none.

The runners are `matjobs runner` processes with a short lease; the adoption moment is the dead
runner's row in the store (`adopted_at`, on the database's clock), compared with the database's
clock read just after the kill.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from matjobs.lifecycle import FINAL
from matjobs.settings import Settings
from matjobs.store import Store
from matjobs.store import leases as store_leases
from matjobs.store.engine import database_now
from matjobs.store.migrate import upgrade
from matjobs.store.tables import jobs as job_rows
from tests.conftest import User, make_user
from tests.helpers import Gate, RunnerProcess, require, shell_workflow, submit, wait_for, wait_until
from tests.servers import LiveServer

LEASE_S = 3.0
LOOK_S = LEASE_S / 3  # how often a runner looks for runners whose lease ran out
STEP_SLACK_S = 3.0  # one round of the survivor's loop (a batch of sbatch calls) on a busy machine
LOCAL = {
    "fqdn": "takeover-local",
    "type": "local",
    "cores": 2,
    "queues": {"D": {"time_limit": "01:00:00", "max_jobs": 2, "max_cores": 2}},
}
SLURM = {
    "fqdn": "takeover-slurm",
    "type": "slurm",
    "cores": 2,
    "queues": {"D": {"time_limit": "01:00:00", "partition": "debug", "max_cores": 2}},
}
SLURM_JOBS = 300


@contextlib.contextmanager
def api(store: Store, clusters: list[dict], data_dir: Path) -> Iterator[User]:
    """The API without a runner of its own: the runner processes under test run the jobs."""
    server = LiveServer(Settings(data_dir=data_dir, database_url=store.url, clusters=clusters, runner=False), store)
    server.start()
    user = make_user(store, server, "tess")
    try:
        yield user
    finally:
        user.http.close()
        server.stop()


def runner_of(store: Store, job_ids: list[str]) -> Counter[str | None]:
    with store.reading() as conn:
        return Counter(conn.execute(sa.select(job_rows.c.runner).where(job_rows.c.id.in_(job_ids))).scalars())


def database_clock(store: Store) -> float:
    with store.reading() as conn:
        return float(conn.execute(sa.select(database_now(store.dialect))).scalar_one())


def adoption(store: Store, dead: str) -> store_leases.Lease | None:
    with store.reading() as conn:
        lease = store_leases.lease_of(conn, dead)
    return lease if lease is not None and lease.adopted_at is not None else None


def test_a_local_job_of_a_killed_runner_is_followed_to_its_end_by_another_and_not_run_again(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'matjobs.sqlite3'}")
    upgrade(store)
    first = RunnerProcess(store.url, [LOCAL], tmp_path, name="first", lease_s=LEASE_S)
    second = RunnerProcess(store.url, [LOCAL], tmp_path, name="second", lease_s=LEASE_S)
    gate, ledger = Gate(tmp_path / "gates"), tmp_path / "ledger"
    try:
        with api(store, [LOCAL], tmp_path) as user:
            first.start()
            first.wait_until_at_work()
            job_id = submit(user, f"echo ran >> {ledger}; {gate.wait}", cluster=LOCAL["fqdn"])
            wait_for(user, job_id, {"active"})
            second.start()
            second.wait_until_at_work()
            first.kill()  # its job's process lives on, as a cluster's job would
            killed_at = database_clock(store)
            adopted = wait_until(lambda: adoption(store, "first"), seconds=LEASE_S * 3 + 10, what="a takeover")
            assert runner_of(store, [job_id]) == {"second": 1}
            gate.open()
            done = wait_for(user, job_id, FINAL, seconds=30)
    finally:
        gate.open()  # a job left waiting would outlive the test
        first.stop()
        second.stop()
        store.dispose()
    assert done["status"] == "finished", done.get("compute", {}).get("errors")
    assert ledger.read_text().split() == ["ran"]
    assert adopted.adopted_by == "second"
    assert adopted.adopted_at is not None and adopted.adopted_at - killed_at <= LEASE_S + LOOK_S + STEP_SLACK_S
    assert "took over runner first: 1 jobs" in second.log_path.read_text()


@pytest.fixture
def postgres_store(postgres: str) -> Iterator[Store]:
    store = Store(Settings(database_url=postgres).sqlalchemy_url)
    upgrade(store)
    yield store
    store.dispose()


@pytest.mark.timeout(600)
def test_a_runner_killed_during_300_slurm_submissions_leaves_every_job_to_the_survivor(
    postgres_store: Store, slurm: Path | None, tmp_path: Path
) -> None:
    require(slurm is not None, "SLURM (scripts/slurm.sh)")
    store = postgres_store
    names = [f"survivor-{uuid.uuid4().hex[:6]}", f"doomed-{uuid.uuid4().hex[:6]}"]
    survivor, doomed = (RunnerProcess(store.url, [SLURM], tmp_path, name=name, lease_s=LEASE_S) for name in names)
    ledger = tmp_path / "ledger"
    tokens = [f"t{index}-{uuid.uuid4().hex[:6]}" for index in range(SLURM_JOBS)]
    ids: list[str] = []
    with api(store, [SLURM], tmp_path) as user:

        def submit_all() -> None:
            with httpx.Client(base_url=user.http.base_url, headers=user.http.headers, timeout=60) as http:
                for index, token in enumerate(tokens):
                    body = {
                        "name": f"takeover {index}",
                        "workflow": shell_workflow(f"echo {token} >> {ledger}"),
                        "compute": {"cluster": {"fqdn": SLURM["fqdn"]}},
                    }
                    created = http.post("/api/v1/jobs", json=body)
                    assert created.status_code == 200, created.text
                    job_id = created.json()["data"]["_id"]
                    assert http.post(f"/api/v1/jobs/{job_id}?submit=true").status_code == 200
                    ids.append(job_id)

        submitter = threading.Thread(target=submit_all)
        try:
            for runner in (survivor, doomed):
                runner.start()
                runner.wait_until_at_work()
            submitter.start()
            # Killed while it holds jobs it is handing over or following, a third of the way in.
            wait_until(
                lambda: len(ids) >= SLURM_JOBS // 3 and runner_of(store, list(ids))[doomed.name] > 0,
                seconds=120,
                what="the runner to kill holding jobs",
            )
            doomed.kill()
            killed_at = database_clock(store)
            with store.reading() as conn:
                held = list(
                    conn.execute(
                        sa.select(job_rows.c.id).where(
                            job_rows.c.runner == doomed.name, job_rows.c.status.in_(store_leases.UNFINISHED)
                        )
                    ).scalars()
                )
            adopted = wait_until(lambda: adoption(store, doomed.name), seconds=LEASE_S * 3 + 10, what="a takeover")
            submitter.join()
            wait_until(
                lambda: not _statuses(store, ids).keys() - FINAL,
                seconds=400,
                what=lambda: f"jobs still in flight: {_statuses(store, ids)}",
            )
        finally:
            submitter.join()
            survivor.stop()
            doomed.stop()
    print(f"{len(held)} jobs held by the killed runner; adopted {adopted.adopted_at - killed_at:.2f} s after the kill")
    assert held, "the killed runner held no jobs"
    assert adopted.adopted_by == survivor.name
    assert adopted.adopted_at is not None and adopted.adopted_at - killed_at <= LEASE_S + LOOK_S + STEP_SLACK_S
    assert runner_of(store, held) == {survivor.name: len(held)}
    with store.reading() as conn:
        documents = list(conn.execute(sa.select(job_rows.c.doc).where(job_rows.c.id.in_(ids))).scalars())
    assert Counter(document["status"] for document in documents) == {"finished": SLURM_JOBS}
    jids = Counter(document["compute"]["cluster"]["jid"] for document in documents)
    assert len(jids) == SLURM_JOBS, "two jobs share a SLURM job"
    ran = Counter(ledger.read_text().split())
    assert set(ran) == set(tokens), f"{len(set(tokens) - set(ran))} jobs never ran"
    assert not {token: times for token, times in ran.items() if times > 1}, "jobs ran more than once"
    assert f"took over runner {doomed.name}: {len(held)} jobs" in survivor.log_path.read_text()


def _statuses(store: Store, ids: list[str]) -> Counter[str]:
    with store.reading() as conn:
        return Counter(conn.execute(sa.select(job_rows.c.status).where(job_rows.c.id.in_(ids))).scalars())
