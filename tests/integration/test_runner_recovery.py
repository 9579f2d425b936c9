"""No job lost, none run twice: a runner killed (SIGKILL) at random moments and started again.

The runner runs as `matjobs runner` in a process of its own, so that a kill is a real kill:
no cleanup, no flush, its database connections dropped mid-transaction, its local jobs'
processes orphaned. Each job appends its own token to a ledger in its folder (the one folder a
sandboxed job sees) when it runs; the ledgers show how many times the cluster ran each job.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from matjobs.lifecycle import FINAL
from matjobs.settings import Settings
from matjobs.store import Store
from matjobs.store.tables import jobs as job_rows
from tests.conftest import User, make_user
from tests.helpers import random_seed, submit_many, wait_until
from tests.servers import LiveServer, SeparateRunner

JOBS = 500
CLUSTERS = {
    "local": {
        "fqdn": "recovery-local",
        "type": "local",
        "cores": 4,
        "queues": {"D": {"time_limit": "01:00:00", "max_jobs": 4, "max_cores": 4}},
    },
    "slurm": {
        "fqdn": "recovery-slurm",
        "type": "slurm",
        "cores": 2,
        "queues": {"D": {"time_limit": "01:00:00", "partition": "debug", "max_cores": 2}},
    },
}
IN_FLIGHT = ("submitted", "queued", "active")


@pytest.fixture(params=["local", "slurm"])
def cluster(request: pytest.FixtureRequest, slurm: Path | None) -> dict:
    if request.param == "slurm" and slurm is None:
        pytest.skip("SLURM is not available on this machine (CI requires it)")
    return CLUSTERS[str(request.param)]


@pytest.fixture
def api(backend: Store, cluster: dict, tmp_path: Path) -> Iterator[User]:
    """The API without a runner of its own: jobs are run by the runner process under test."""
    settings = Settings(data_dir=tmp_path, database_url=backend.url, clusters=[cluster])
    server = LiveServer(settings, backend)
    server.start()
    user = make_user(backend, server, "dana")
    yield user
    user.http.close()
    server.stop()


def counts(backend: Store, ids: list[str]) -> Counter[str]:
    with backend.reading() as conn:
        rows = conn.execute(sa.select(job_rows.c.status).where(job_rows.c.id.in_(ids))).scalars()
        return Counter(rows)


def ledger(folder: Path) -> list[str]:
    """The tokens a job's runs wrote, one per run."""
    try:
        return (folder / "ledger").read_text().split()
    except FileNotFoundError:
        return []


@pytest.mark.timeout(600)  # 500 jobs and eight restarts: longer than the suite's per-test limit
def test_a_runner_killed_at_random_moments_loses_no_job_and_runs_none_twice(
    api: User, backend: Store, cluster: dict, tmp_path: Path
) -> None:
    seed = random_seed()
    chance = random.Random(seed)
    tokens = [f"t{index}-{uuid.uuid4().hex[:6]}" for index in range(JOBS)]
    ids: list[str] = []

    # Every fifth job lasts a little, so that kills also find jobs running.
    scripts = [f"{'sleep 0.3; ' if index % 5 == 0 else ''}echo {token} >> ledger" for index, token in enumerate(tokens)]
    runner = SeparateRunner(backend.url, [cluster], tmp_path)
    submitter = threading.Thread(target=submit_many, args=(api, scripts, cluster["fqdn"], ids))
    kills, kills_in_flight = 0, 0
    try:
        runner.start()
        submitter.start()
        while submitter.is_alive() or kills < 8:
            runner.wait_until_at_work()
            time.sleep(chance.uniform(0.05, 1.0))
            in_flight = sum(counts(backend, list(ids))[status] for status in IN_FLIGHT)
            runner.kill()
            kills += 1
            kills_in_flight += in_flight > 0
            runner.start()
        submitter.join()
        wait_until(
            lambda: not counts(backend, ids).keys() - FINAL,
            seconds=240,
            what=lambda: f"seed {seed}: jobs still in flight: {counts(backend, ids)}",
        )
    finally:
        runner.stop()
    resumed = runner.log_path.read_text()
    print(f"seed {seed}: {kills} kills, {kills_in_flight} with jobs in flight; after restarts:")
    print("\n".join(line for line in resumed.splitlines() if "spool holds" in line or "earlier run" in line))

    assert len(ids) == JOBS
    assert kills_in_flight >= 4, f"seed {seed}: only {kills_in_flight} of {kills} kills found jobs in flight"
    with backend.reading() as conn:
        documents = list(conn.execute(sa.select(job_rows.c.doc).where(job_rows.c.id.in_(ids))).scalars())
    statuses = Counter(document["status"] for document in documents)
    assert statuses == {"finished": JOBS}, f"seed {seed}: {statuses}"
    for document in documents:
        track = [entry["status"] for entry in document["statusTrack"]]
        assert track == ["pre-submission", "submitted", "queued", "active", "finished"], (seed, document["_id"], track)
    jids = Counter(document["compute"]["cluster"]["jid"] for document in documents)
    assert len(jids) == JOBS, f"seed {seed}: a cluster job id is shared by two jobs"
    ran = Counter(token for document in documents for token in ledger(Path(document["workDir"])))
    assert set(ran) == set(tokens), f"seed {seed}: {len(set(tokens) - set(ran))} jobs never ran"
    twice = {token: times for token, times in ran.items() if times > 1}
    assert not twice, f"seed {seed}: jobs ran more than once: {twice}"
