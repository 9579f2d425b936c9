"""Runners' leases, and taking over the jobs of a runner whose lease ran out.

Every time here is read from the database's clock (`database_now`), never a runner's.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from matjobs.lifecycle import Status
from matjobs.store.engine import database_now
from matjobs.store.tables import jobs, runners

# What a runner that died may still owe its jobs: a hand-over, a poll, a cancel or a removal.
UNFINISHED = (
    Status.SUBMITTED.value,
    Status.QUEUED.value,
    Status.ACTIVE.value,
    Status.TERMINATE_QUEUED.value,
    Status.DELETED.value,
)


@dataclass(frozen=True)
class Lease:
    name: str
    expires_at: float
    renewed_at: float
    adopted_by: str | None = None
    adopted_at: float | None = None


@dataclass(frozen=True)
class HeldJob:
    """A job a runner took over: what the loop needs to settle or follow it."""

    id: str
    status: Status
    cluster: str
    jid: str | None


# The columns a Lease is made of, in its fields' order.
_LEASES = sa.select(
    runners.c.name, runners.c.lease_expires, runners.c.renewed_at, runners.c.adopted_by, runners.c.adopted_at
)


def _now(conn: Connection) -> sa.ColumnElement[float]:
    return database_now(conn.dialect.name)


def register(conn: Connection, *, name: str, lease_s: float) -> None:
    """The runner holds a fresh lease, whatever its row said before (taken over or expired)."""
    now = _now(conn)
    values = {"lease_expires": now + lease_s, "renewed_at": now, "adopted_by": None, "adopted_at": None}
    if conn.execute(sa.update(runners).where(runners.c.name == name).values(**values)).rowcount == 0:
        conn.execute(sa.insert(runners).values(name=name, **values))


def renew(conn: Connection, *, name: str, lease_s: float) -> bool:
    """Extend the runner's lease; False if another runner took it over meanwhile."""
    now = _now(conn)
    renewed = conn.execute(
        sa.update(runners)
        .where(runners.c.name == name, runners.c.adopted_by.is_(None))
        .values(lease_expires=now + lease_s, renewed_at=now)
    )
    return renewed.rowcount == 1


def leases(conn: Connection) -> tuple[float, list[Lease]]:
    """The database's now, and every runner's lease."""
    now = conn.execute(sa.select(_now(conn))).scalar_one()
    rows = conn.execute(_LEASES.order_by(runners.c.name))
    return float(now), [Lease(*row) for row in rows]


def lease_of(conn: Connection, name: str) -> Lease | None:
    row = conn.execute(_LEASES.where(runners.c.name == name)).first()
    return Lease(*row) if row else None


def take_over(conn: Connection, *, dead: str, adopter: str, clusters: list[str]) -> list[HeldJob] | None:
    """In one transaction: mark the dead runner taken over, if its lease has run out and no one
    took it first (a compare-and-set on its row, so two survivors never both win), and give its
    unfinished jobs on these clusters to the adopter. None if another runner won, or it lives."""
    now = _now(conn)
    won = conn.execute(
        sa.update(runners)
        .where(runners.c.name == dead, runners.c.adopted_by.is_(None), runners.c.lease_expires < now)
        .values(adopted_by=adopter, adopted_at=now)
    )
    if won.rowcount != 1:
        return None
    moved = conn.execute(
        sa.update(jobs)
        .where(jobs.c.runner == dead, jobs.c.status.in_(UNFINISHED), jobs.c.cluster.in_(clusters))
        .values(runner=adopter)
        .returning(jobs.c.id, jobs.c.status, jobs.c.cluster, jobs.c.jid)
    )
    return [HeldJob(job_id, Status(status), cluster, jid) for job_id, status, cluster, jid in moved]
