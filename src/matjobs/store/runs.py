"""Jobs as the runner sees them: claiming submitted ones, and the ones it follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from matjobs.lifecycle import Status
from matjobs.store.engine import Store
from matjobs.store.prepared import parameter
from matjobs.store.tables import jobs, pseudopotentials

FOLLOWED = (Status.QUEUED.value, Status.ACTIVE.value, Status.TERMINATE_QUEUED.value, Status.DELETED.value)
STOPPING = (Status.TERMINATE_QUEUED.value, Status.DELETED.value)


def unclaimed_submitted(conn: Connection, *, clusters: list[str], limit: int) -> list[str]:
    """Ids of submitted jobs for these clusters that no runner has taken; oldest first."""
    return list(
        conn.execute(
            sa.select(jobs.c.id)
            .where(jobs.c.status == Status.SUBMITTED.value, jobs.c.runner.is_(None), jobs.c.cluster.in_(clusters))
            .order_by(jobs.c.created_at, jobs.c.id)
            .limit(limit)
        ).scalars()
    )


def claim(conn: Connection, *, runner: str, candidates: list[str]) -> list[dict[str, Any]]:
    """The candidates this runner won, as documents.

    A claim is a compare-and-set on the row, so two runners on one store never both win it.
    """
    claimed = []
    for job_id in candidates:
        won = conn.execute(
            sa.update(jobs)
            .where(jobs.c.id == job_id, jobs.c.runner.is_(None), jobs.c.status == Status.SUBMITTED.value)
            .values(runner=runner)
        )
        if won.rowcount == 1:
            claimed.append(job_id)
    if not claimed:
        return []
    rows = conn.execute(sa.select(jobs.c.doc).where(jobs.c.id.in_(claimed)).order_by(jobs.c.created_at, jobs.c.id))
    return [dict(doc) for doc in rows.scalars()]


UNSENT = (Status.SUBMITTED.value, Status.TERMINATE_QUEUED.value, Status.DELETED.value)


def claimed_unsent(conn: Connection, *, runner: str) -> list[dict[str, Any]]:
    """Jobs this runner took whose cluster's answer it has not recorded: waiting for a retry,
    or left by a run of this runner that died between a claim and the answer."""
    rows = conn.execute(
        sa.select(jobs.c.doc)
        .where(jobs.c.runner == runner, jobs.c.jid.is_(None), jobs.c.status.in_(UNSENT))
        .order_by(jobs.c.created_at, jobs.c.id)
    )
    return [dict(doc) for doc in rows.scalars()]


def documents_of(conn: Connection, job_ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = conn.execute(sa.select(jobs.c.id, jobs.c.doc).where(jobs.c.id.in_(job_ids)))
    return {row.id: dict(row.doc) for row in rows}


@dataclass(frozen=True)
class Followed:
    """What a runner needs each round of a job it follows; the document only when it changes."""

    id: str
    status: Status
    cluster: str
    jid: str
    account_id: str


def followed_jobs(store: Store, *, runner: str) -> list[Followed]:
    """This runner's jobs that its clusters hold, or held until a terminate or delete.

    Read every round, so prepared once and run on the driver's cursor."""
    rows = store.all_rows(_followed_statement, runner=runner)
    return [Followed(job_id, Status(status), cluster, jid, account) for job_id, status, cluster, jid, account in rows]


def stopping_jobs(store: Store, *, runner: str) -> list[Followed]:
    """This runner's jobs that users asked to stop (terminate or delete) while a cluster has them."""
    rows = store.all_rows(_stopping_statement, runner=runner)
    return [Followed(job_id, Status(status), cluster, jid, account) for job_id, status, cluster, jid, account in rows]


def _followed_statement(_store: Store) -> sa.Select[Any]:
    return _held_by(FOLLOWED)


def _stopping_statement(_store: Store) -> sa.Select[Any]:
    return _held_by(STOPPING)


def _held_by(statuses: tuple[str, ...]) -> sa.Select[Any]:
    return sa.select(jobs.c.id, jobs.c.status, jobs.c.cluster, jobs.c.jid, jobs.c.account_id).where(
        jobs.c.runner == parameter("runner"), jobs.c.status.in_(statuses), jobs.c.jid.is_not(None)
    )


def remove_job(conn: Connection, *, job_id: str) -> None:
    conn.execute(sa.delete(jobs).where(jobs.c.id == job_id))


# Deleted or terminated before any runner took them: no cluster has them, nothing to stop.
STOPPED_UNCLAIMED = sa.and_(
    jobs.c.status.in_((Status.DELETED.value, Status.TERMINATE_QUEUED.value)), jobs.c.runner.is_(None)
)


def any_stopped_unclaimed(conn: Connection) -> bool:
    return conn.execute(sa.select(jobs.c.id).where(STOPPED_UNCLAIMED).limit(1)).first() is not None


def stopped_unclaimed(conn: Connection) -> list[tuple[str, Status]]:
    rows = conn.execute(sa.select(jobs.c.id, jobs.c.status).where(STOPPED_UNCLAIMED))
    return [(row.id, Status(row.status)) for row in rows]


def pseudopotential_registry(conn: Connection) -> list[dict[str, Any]]:
    """The registry's pseudopotentials (`matjobs migrate` loads them), by id: what the runner
    chooses from for the elements a job names none for."""
    rows = conn.execute(sa.select(pseudopotentials.c.doc).order_by(pseudopotentials.c.id)).scalars()
    return [dict(doc) for doc in rows]
