"""The runner's retries, driven by hand: a cluster that refuses submissions is tried again after
doubling delays, and the job ends in error once the cluster's attempts are spent; a cluster
that takes it at last resets the count. And a reader of results that breaks ends its job in
error instead of holding the runner. No SLURM: the cluster is a fake, named as such, that fails
on demand; the store is a real SQLite file, the runner's clock a hand-moved one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from matjobs.clusters.base import Report, RunSpec, State
from matjobs.clusters.registry import Clusters
from matjobs.runner import Runner
from matjobs.runner.records import Harvest
from matjobs.store import Store
from matjobs.store.migrate import upgrade
from tests.helpers import HandClock, stored_job, submitted_directly

FQDN = "flaky"
CONFIG = [{"fqdn": FQDN, "type": "local", "submit_attempts": 3, "retry_delay": 2.0, "sandbox": False}]


class FakeFailingCluster:
    """A fake: refuses the first `refusals` submissions with an OSError, then takes jobs and
    reports them queued. Records the runner's clock at each submission it is offered."""

    fqdn = FQDN

    def __init__(self, clock: HandClock, refusals: int, reports: State = State.QUEUED) -> None:
        self.clock = clock
        self.refusals = refusals
        self.reports = reports
        self.offered: list[float] = []

    def submit(self, spec: RunSpec) -> str:
        self.offered.append(self.clock.now)
        if len(self.offered) <= self.refusals:
            raise OSError(f"connection refused ({len(self.offered)})")
        return f"j{len(self.offered)}"

    def poll(self, jids: list[str]) -> dict[str, Report]:
        return {
            jid: Report(jid, self.reports, exit_code=0 if self.reports is State.COMPLETED else None) for jid in jids
        }

    def find(self, key: str) -> str | None:
        return None

    def cancel(self, jid: str) -> None: ...

    def release(self, jid: str) -> None: ...

    def close(self) -> None: ...


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'matjobs.sqlite3'}")
    upgrade(store)
    yield store
    store.dispose()


def submitted_job(store: Store) -> str:
    return submitted_directly(store, Clusters.from_config(CONFIG), "true", FQDN, "rita")


def runner_over(store: Store, tmp_path: Path, cluster: FakeFailingCluster, clock: HandClock) -> Runner:
    return Runner(store, Clusters.from_config(CONFIG), tmp_path, name="retrier", clock=clock, built={FQDN: cluster})


def test_a_refusing_cluster_is_tried_after_doubling_delays_then_the_job_ends_in_error(
    store: Store, tmp_path: Path
) -> None:
    job_id = submitted_job(store)
    clock = HandClock()
    cluster = FakeFailingCluster(clock, refusals=10)
    runner = runner_over(store, tmp_path, cluster, clock)
    try:
        for moment in (1000.0, 1001.9, 1002.0, 1005.9, 1006.0, 1020.0):
            clock.now = moment
            runner.step()
    finally:
        runner.stop()
    # 2 s, then 4 s; the third refusal spends the cluster's 3 attempts.
    assert cluster.offered == [1000.0, 1002.0, 1006.0]
    ended = stored_job(store, job_id)
    assert ended["status"] == "error"
    assert ended["compute"]["errors"][-1] == {
        "reason": "SubmissionFailed",
        "message": f"cluster {FQDN} did not take the job after 3 attempts: connection refused (3)",
    }


def test_a_cluster_that_takes_the_job_at_last_queues_it_and_starts_its_count_afresh(
    store: Store, tmp_path: Path
) -> None:
    job_id = submitted_job(store)
    clock = HandClock()
    cluster = FakeFailingCluster(clock, refusals=2)
    runner = runner_over(store, tmp_path, cluster, clock)
    try:
        for moment in (1000.0, 1002.0, 1006.0):
            clock.now = moment
            runner.step()
        assert runner._backoff == {}  # taken: the next failure waits 2 s again, not 8
    finally:
        runner.stop()
    assert cluster.offered == [1000.0, 1002.0, 1006.0]
    queued = stored_job(store, job_id)
    assert queued["status"] == "queued" and queued["compute"]["cluster"]["jid"] == "j3"


def fake_broken_reading(job_id: str, document: dict) -> Harvest:
    """A fake: the runner's reading of a job's results raising, as a bug would on a folder it did
    not expect."""
    raise ValueError("zip() argument 2 is longer than argument 1")


def test_a_reader_of_results_that_breaks_ends_its_job_in_error_and_holds_nothing_up(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = submitted_job(store)
    clock = HandClock()
    runner = runner_over(store, tmp_path, FakeFailingCluster(clock, refusals=0, reports=State.COMPLETED), clock)
    monkeypatch.setattr(runner.workbench, "collect", fake_broken_reading)
    try:
        for _ in range(3):
            runner.step()
    finally:
        runner.stop()
    ended = stored_job(store, job_id)
    assert ended["status"] == "error"
    assert ended["compute"]["errors"][-1] == {
        "reason": "CalculationFailed",
        "message": "matjobs could not read the results (ValueError: zip() argument 2 is longer than argument 1); "
        "the files are kept",
    }


def fake_broken_preparation(document: dict, context: object) -> RunSpec:
    """A fake: the runner's preparing of a job's folder raising, as a bug would."""
    raise KeyError("material")


def test_a_preparation_that_breaks_ends_its_job_in_error_instead_of_holding_it_submitted(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = submitted_job(store)
    clock = HandClock()
    cluster = FakeFailingCluster(clock, refusals=0)
    runner = runner_over(store, tmp_path, cluster, clock)
    monkeypatch.setattr(runner.workbench, "prepare", fake_broken_preparation)
    try:
        runner.step()
    finally:
        runner.stop()
    ended = stored_job(store, job_id)
    assert ended["status"] == "error" and cluster.offered == []
    assert ended["compute"]["errors"][-1] == {
        "reason": "PreparationFailed",
        "message": "matjobs could not prepare the job (KeyError: 'material')",
    }
