"""Which runners are dead, and what becomes of the jobs a runner takes over from one: pure
decisions on plain data; `custody.py` applies them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from matjobs.lifecycle import Status
from matjobs.runner.records import Change, error
from matjobs.store.leases import HeldJob, Lease


def expired(leases: list[Lease], *, me: str, now: float) -> list[Lease]:
    """Runners whose lease ran out (on the database's clock) and that no one took over yet."""
    return [lease for lease in leases if lease.name != me and lease.adopted_by is None and lease.expires_at < now]


class Whereabouts(StrEnum):
    """Where a runner whose lease ran out was, as this runner's data folder shows it."""

    GONE_HERE = "gone-here"  # same data folder, and its lock was free: its process is gone
    ALIVE_HERE = "alive-here"  # same data folder, and its lock is held: it lives, only late
    ELSEWHERE = "elsewhere"  # not in this data folder: another machine, or another folder


def may_take_over(whereabouts: Whereabouts) -> bool:
    """A runner whose process still holds its lock is late, not dead: its local jobs are
    followed by it, and taking them would follow them twice."""
    return whereabouts is not Whereabouts.ALIVE_HERE


class Fate(StrEnum):
    FOLLOW = "follow"  # the normal loop polls it, or resumes it through `cluster.find`
    FAIL = "fail"  # a local job whose outcome no one can learn
    TERMINATE = "terminate"  # the user asked to stop it, and no one can learn how it ended
    REMOVE = "remove"  # the user deleted it, and no one can learn how it ended


@dataclass(frozen=True)
class Settled:
    """A job taken over, and what becomes of it (with why, for those that cannot be followed)."""

    job: HeldJob
    fate: Fate
    reason: str = ""


def fate(job: HeldJob, *, local: bool, in_spool: bool, spool_readable: bool) -> Fate:
    """What becomes of one job taken over.

    SLURM jobs are found again by the cluster (by id, or by job name), so they are followed. A
    local job is followed where its spool can be read: by its id if the spool holds it; if it
    was never recorded as handed over, `find` asks the spool. Otherwise its process ran (or
    runs) on a machine no one watches any more, and its outcome is unknown."""
    if not local:
        return Fate.FOLLOW
    if in_spool or (job.jid is None and spool_readable):
        return Fate.FOLLOW
    if job.status is Status.DELETED:
        return Fate.REMOVE
    if job.status is Status.TERMINATE_QUEUED:
        return Fate.TERMINATE
    return Fate.FAIL


def unknown_outcome(dead: str, whereabouts: Whereabouts) -> str:
    if whereabouts is Whereabouts.ELSEWHERE:
        return f"its runner {dead} died on another machine; the local job's outcome is unknown"
    return f"its runner {dead} died and its local cluster's records of the job are gone; the outcome is unknown"


def unknown_outcome_change(item: Settled) -> Change | None:
    """What to record of a job taken over that no one can follow: it ends here, saying why."""
    if item.fate is Fate.TERMINATE:
        return Change(item.job.id, (Status.TERMINATED,))
    if item.fate is Fate.FAIL:
        return Change(item.job.id, (Status.ERROR,), errors=(error("RunnerDied", item.reason),))
    return None
