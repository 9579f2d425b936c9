"""SLURM enforces a job's time limit, and the job ends in `timeout`.

SLURM takes whole minutes and looks at time limits every 30 s, so this takes 60 to 90 s; it
runs once, on SQLite (what it pins is the cluster's behaviour, not the store's).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from matjobs.store import Store
from matjobs.store.migrate import upgrade
from tests.conftest import User, make_user
from tests.helpers import FINAL, running, submit, wait_for, wait_until
from tests.servers import serving_with_runner

SLURM = {"fqdn": "slurm-limits", "type": "slurm", "queues": {"D": {"time_limit": "01:00:00", "partition": "debug"}}}


@pytest.fixture(scope="module")
def frank(slurm: Path | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[User]:
    if slurm is None:
        pytest.skip("SLURM is not available on this machine (CI requires it)")
    data = tmp_path_factory.mktemp("slurm-limits")
    store = Store(f"sqlite:///{data / 'matjobs.sqlite3'}")
    upgrade(store)
    with serving_with_runner(store, data, [SLURM]) as server:
        user = make_user(store, server, "frank")
        yield user
        user.http.close()
    store.dispose()


def test_a_job_past_its_time_limit_is_stopped_by_slurm_and_ends_in_timeout(frank: User) -> None:
    marker = f"sleep 340.{uuid.uuid4().int % 1000:03d}"
    job_id = submit(frank, f"{marker} & wait", "slurm-limits", timeLimit="00:01:00")
    wait_for(frank, job_id, {"active"})
    wait_until(lambda: running(marker), seconds=10, what=f"{marker} never started")
    job = wait_for(frank, job_id, FINAL, seconds=180)
    assert job["status"] == "timeout"
    assert [entry["status"] for entry in job["statusTrack"]][-2:] == ["active", "timeout"]
    wait_until(lambda: not running(marker), seconds=10, what=f"{marker} still runs")
