"""Runners that take over: a runner SIGKILLed and never started again leaves its jobs to another
runner of the same store, which follows them to their end, runs none twice and loses none.

The runners are `matjobs runner` processes with a short lease; the adoption moment is the dead
runner's row in the store (`adopted_at`, on the database's clock), compared with the database's
clock read just after the kill.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from matjobs.clusters.registry import Clusters
from matjobs.lifecycle import FINAL
from matjobs.runner import Runner
from matjobs.settings import Settings
from matjobs.store import Store
from matjobs.store import leases as store_leases
from matjobs.store.engine import database_now
from matjobs.store.migrate import upgrade
from matjobs.store.tables import jobs as job_rows
from tests.conftest import User, make_user
from tests.helpers import (
    Gate,
    HandClock,
    require,
    stored_job,
    submit,
    submit_many,
    submitted_directly,
    wait_for,
    wait_until,
)
from tests.servers import LiveServer, SeparateRunner

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
    server = LiveServer(Settings(data_dir=data_dir, database_url=store.url, clusters=clusters), store)
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
    first = SeparateRunner(store.url, [LOCAL], tmp_path, name="first", lease_s=LEASE_S)
    second = SeparateRunner(store.url, [LOCAL], tmp_path, name="second", lease_s=LEASE_S)
    gate, job_id = Gate(), ""
    try:
        with api(store, [LOCAL], tmp_path) as user:
            first.start()
            first.wait_until_at_work()
            # The ledger is in the job's folder: a sandboxed job writes nowhere else.
            job_id = submit(user, f"echo ran >> ledger; {gate.wait}", cluster=LOCAL["fqdn"])
            wait_for(user, job_id, {"active"})
            second.start()
            second.wait_until_at_work()
            first.kill()  # its job's process lives on, as a cluster's job would
            killed_at = database_clock(store)
            adopted = wait_until(lambda: adoption(store, "first"), seconds=LEASE_S * 3 + 10, what="a takeover")
            assert runner_of(store, [job_id]) == {"second": 1}
            gate.open(user, job_id)
            done = wait_for(user, job_id, FINAL, seconds=30)
    finally:
        gate.open_in(tmp_path / "jobs" / job_id)  # a job left waiting would outlive the test
        first.stop()
        second.stop()
        store.dispose()
    assert done["status"] == "finished", done.get("compute", {}).get("errors")
    assert (tmp_path / "jobs" / job_id / "ledger").read_text().split() == ["ran"]
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
    survivor, doomed = (SeparateRunner(store.url, [SLURM], tmp_path, name=name, lease_s=LEASE_S) for name in names)
    tokens = [f"t{index}-{uuid.uuid4().hex[:6]}" for index in range(SLURM_JOBS)]
    ids: list[str] = []
    with api(store, [SLURM], tmp_path) as user:
        # The ledger is in the job's folder: a sandboxed job writes nowhere else.
        scripts = [f"echo {token} >> ledger" for token in tokens]
        submitter = threading.Thread(target=submit_many, args=(user, scripts, SLURM["fqdn"], ids))
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
    ledgers = [tmp_path / "jobs" / job_id / "ledger" for job_id in ids]
    ran = Counter(token for ledger in ledgers if ledger.exists() for token in ledger.read_text().split())
    assert set(ran) == set(tokens), f"{len(set(tokens) - set(ran))} jobs never ran"
    assert not {token: times for token, times in ran.items() if times > 1}, "jobs ran more than once"
    assert f"took over runner {doomed.name}: {len(held)} jobs" in survivor.log_path.read_text()


def _statuses(store: Store, ids: list[str]) -> Counter[str]:
    with store.reading() as conn:
        return Counter(conn.execute(sa.select(job_rows.c.status).where(job_rows.c.id.in_(ids))).scalars())


def test_a_runner_whose_lease_ran_out_and_was_taken_over_forgets_its_jobs_and_registers_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The late runner's data folder is not the survivor's: to the survivor it ran on another
    machine, so its local job's outcome is unknown and ends in error, saying so; the late
    runner, once it sees it was taken over, records nothing more of that job."""
    caplog.set_level(logging.WARNING, logger="matjobs.runner")
    store = Store(f"sqlite:///{tmp_path / 'matjobs.sqlite3'}")
    upgrade(store)
    clusters = Clusters.from_config([LOCAL])
    gate = Gate()
    job_id = submitted_directly(store, clusters, gate.wait, LOCAL["fqdn"], "late")
    clock = HandClock()
    late = Runner(store, clusters, tmp_path / "late", name="late", lease_s=0.5, clock=clock)
    survivor = Runner(store, clusters, tmp_path / "survivor", name="survivor", lease_s=0.5)
    try:
        wait_until(lambda: late.step() is not None and status(store, job_id) == "active", what="the job running")
        with store.reading() as conn:
            held_until = store_leases.lease_of(conn, "late")
        assert held_until is not None
        wait_until(lambda: database_clock(store) > held_until.expires_at, what="the late runner's lease to run out")
        survivor.keep_custody()
        job = wait_until(lambda: status(store, job_id) == "error" and stored_job(store, job_id), what="the takeover")
        assert job["compute"]["errors"][-1] == {
            "reason": "RunnerDied",
            "message": "its runner late died on another machine; the local job's outcome is unknown",
        }
        clock.now += 1.0  # the late runner's next round renews its lease, and finds it taken over
        gate.open_in(tmp_path / "late" / "jobs" / job_id)
        for _ in range(20):
            late.step()
        assert "runner late: its lease ran out and survivor took over its jobs" in caplog.text
        assert late._following == {}
        assert status(store, job_id) == "error"
        with store.reading() as conn:
            again = store_leases.lease_of(conn, "late")
        assert again is not None and again.adopted_by is None and again.expires_at > held_until.expires_at
    finally:
        gate.open_in(tmp_path / "late" / "jobs" / job_id)
        late.stop()
        survivor.stop()
        store.dispose()


def status(store: Store, job_id: str) -> str:
    return str(stored_job(store, job_id)["status"])
