"""Which runners are dead, and what becomes of each job a runner takes over from one."""

from __future__ import annotations

import pytest

from matjobs.lifecycle import Status
from matjobs.runner.takeover import (
    Fate,
    Settled,
    Whereabouts,
    expired,
    fate,
    may_take_over,
    unknown_outcome,
    unknown_outcome_change,
)
from matjobs.store.leases import HeldJob, Lease

NOW = 1_000.0


@pytest.mark.parametrize(
    ("lease", "dead"),
    [
        (Lease("other", expires_at=NOW - 0.001, renewed_at=NOW - 30), True),
        (Lease("other", expires_at=NOW + 5, renewed_at=NOW - 25), False),  # still held
        (Lease("other", expires_at=NOW, renewed_at=NOW - 30), False),  # runs out at this very moment
        (Lease("me", expires_at=NOW - 100, renewed_at=NOW - 130), False),  # never oneself
        (Lease("other", expires_at=NOW - 100, renewed_at=NOW - 130, adopted_by="third", adopted_at=NOW - 90), False),
    ],
)
def test_a_runner_is_dead_once_its_lease_ran_out_and_no_one_took_it_over(lease: Lease, dead: bool) -> None:
    assert (expired([lease], me="me", now=NOW) == [lease]) is dead


@pytest.mark.parametrize(
    ("whereabouts", "allowed"),
    [(Whereabouts.GONE_HERE, True), (Whereabouts.ELSEWHERE, True), (Whereabouts.ALIVE_HERE, False)],
)
def test_a_runner_that_still_holds_its_lock_here_is_late_not_dead(whereabouts: Whereabouts, allowed: bool) -> None:
    assert may_take_over(whereabouts) is allowed


def job(status: Status, jid: str | None) -> HeldJob:
    return HeldJob("J", status, "cluster", jid)


@pytest.mark.parametrize(
    ("held", "local", "in_spool", "readable", "expected"),
    [
        # SLURM finds its jobs again by id or by name, wherever the runner died.
        (job(Status.ACTIVE, "17"), False, False, False, Fate.FOLLOW),
        (job(Status.SUBMITTED, None), False, False, False, Fate.FOLLOW),
        # A local job in a spool this runner can read: followed, or asked for by key.
        (job(Status.ACTIVE, "ab12"), True, True, True, Fate.FOLLOW),
        (job(Status.SUBMITTED, None), True, False, True, Fate.FOLLOW),
        (job(Status.DELETED, None), True, False, True, Fate.FOLLOW),
        # A local job no spool here holds: its outcome is unknown.
        (job(Status.ACTIVE, "ab12"), True, False, False, Fate.FAIL),
        (job(Status.QUEUED, "ab12"), True, False, True, Fate.FAIL),
        (job(Status.SUBMITTED, None), True, False, False, Fate.FAIL),
        (job(Status.TERMINATE_QUEUED, "ab12"), True, False, False, Fate.TERMINATE),
        (job(Status.DELETED, "ab12"), True, False, False, Fate.REMOVE),
    ],
)
def test_what_becomes_of_a_job_taken_over(
    held: HeldJob, local: bool, in_spool: bool, readable: bool, expected: Fate
) -> None:
    assert fate(held, local=local, in_spool=in_spool, spool_readable=readable) is expected


def test_a_job_that_cannot_be_followed_says_why() -> None:
    assert unknown_outcome("r1", Whereabouts.ELSEWHERE) == (
        "its runner r1 died on another machine; the local job's outcome is unknown"
    )
    assert "r1" in unknown_outcome("r1", Whereabouts.GONE_HERE)


def test_a_job_no_one_can_follow_ends_in_error_saying_why_or_terminated_if_it_was_being_stopped() -> None:
    reason = unknown_outcome("r1", Whereabouts.ELSEWHERE)
    failed = unknown_outcome_change(Settled(job(Status.ACTIVE, "ab12"), Fate.FAIL, reason))
    assert failed is not None and failed.statuses == (Status.ERROR,)
    assert failed.errors == ({"reason": "RunnerDied", "message": reason},)
    stopped = unknown_outcome_change(Settled(job(Status.TERMINATE_QUEUED, "ab12"), Fate.TERMINATE, reason))
    assert stopped is not None and stopped.statuses == (Status.TERMINATED,)
    assert unknown_outcome_change(Settled(job(Status.ACTIVE, "17"), Fate.FOLLOW)) is None
