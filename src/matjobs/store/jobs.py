"""Jobs in the store: insert, read, list by selector, replace, delete, and status transitions."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from matjobs.documents.job import moved_to
from matjobs.documents.revisions import FIELD as REVISION
from matjobs.documents.revisions import FIRST, advance, as_read, revision_of
from matjobs.errors import NotFound, PreconditionFailed
from matjobs.ids import now_epoch, now_iso
from matjobs.lifecycle import Status
from matjobs.query.ast import And, Eq, Field, In, Selector
from matjobs.query.paging import Page
from matjobs.store.engine import Store
from matjobs.store.events import record_job_change
from matjobs.store.listing import DEFAULT_SORT, list_statement, listed_texts
from matjobs.store.prepared import parameter
from matjobs.store.tables import jobs

MAX_BOUNDED_SKIP = 1000


def _columns(document: dict[str, Any]) -> dict[str, Any]:
    """The indexed copies of document fields, kept in step with the document on every write."""
    return {
        "status": document["status"],
        "name": document["name"],
        "cluster": (document["compute"].get("cluster") or {}).get("fqdn"),
        "jid": (document["compute"].get("cluster") or {}).get("jid"),
        "queue": document["compute"]["queue"],
        "project_id": document["_project"]["_id"],
        "created_at": document["createdAt"],
        "updated_at": document["updatedAt"],
        "revision": revision_of(document),
        "doc": document,
    }


def insert_job(conn: Connection, document: dict[str, Any]) -> None:
    """The new job, at its first revision (written into the caller's dict, which answers)."""
    document[REVISION] = FIRST
    conn.execute(sa.insert(jobs).values(id=document["_id"], account_id=document["owner"]["_id"], **_columns(document)))
    record_job_change(conn, None, document)


VISIBLE = jobs.c.status != Status.DELETED.value  # deleted jobs wait only for their runner


def _job_text_by_id(store: Store) -> sa.Select[Any]:
    return sa.select(store.document_text(jobs.c.doc), jobs.c.revision).where(
        jobs.c.id == parameter("job_id"),
        jobs.c.account_id == parameter("account_id"),
        VISIBLE,
    )


def get_job_text(store: Store, *, account_id: str, job_id: str) -> str:
    """The stored JSON text of one job, as a prepared read: it is the most frequent call."""
    return read_job(store, account_id=account_id, job_id=job_id)[0]


def read_job(store: Store, *, account_id: str, job_id: str) -> tuple[str, int]:
    """The stored JSON text of one job and its revision."""
    row = store.first(_job_text_by_id, job_id=job_id, account_id=account_id)
    if row is None:
        raise NotFound(f"job {job_id} not found")
    return str(row[0]), int(row[1])


def _status_by_id(_store: Store) -> sa.Select[Any]:
    return sa.select(jobs.c.status).where(jobs.c.id == parameter("job_id"), VISIBLE)


def status_of(store: Store, job_id: str) -> str | None:
    """A job's status, whoever owns it: for signed links, whose signature names the job."""
    row = store.first(_status_by_id, job_id=job_id)
    return None if row is None else str(row[0])


def lock_job(conn: Connection, *, account_id: str, job_id: str) -> dict[str, Any]:
    """The job's document, its row locked until the transaction ends."""
    found = conn.execute(
        sa.select(jobs.c.doc, jobs.c.revision)
        .where(jobs.c.id == job_id, jobs.c.account_id == account_id, VISIBLE)
        .with_for_update()
    ).one_or_none()
    if found is None:
        raise NotFound(f"job {job_id} not found")
    return as_read(found.doc, found.revision)


def replace_job(conn: Connection, document: dict[str, Any]) -> None:
    """Write the job, read with `lock_job` in this transaction, at its next revision. The
    revision it was read at must still be the row's."""
    read_at = advance(document)
    written = conn.execute(
        sa.update(jobs)
        .where(jobs.c.id == document["_id"], jobs.c.account_id == document["owner"]["_id"], jobs.c.revision == read_at)
        .values(**_columns(document))
    )
    if written.rowcount != 1:
        raise PreconditionFailed(f"job {document['_id']} changed while it was written; nothing was written")


def delete_job(conn: Connection, *, account_id: str, job_id: str) -> None:
    deleted = conn.execute(sa.delete(jobs).where(jobs.c.id == job_id, jobs.c.account_id == account_id, VISIBLE))
    if deleted.rowcount == 0:
        raise NotFound(f"job {job_id} not found")


def list_job_texts(
    store: Store, *, account_id: str, selector: Selector | None, selector_key: str | None, page: Page
) -> list[str]:
    """One page of the account's jobs matching the selector, filtered and ordered in the database.

    `selector_key` is the selector's source text: with the page, it keys the prepared statement.
    """
    scope = sa.and_(jobs.c.account_id == parameter("account_id"), VISIBLE)
    return listed_texts(
        store,
        ("jobs.list", selector_key, page),
        lambda: list_statement(store, jobs, store.job_target, scope, selector, page),
        {"account_id": account_id},
        budget_ms=page.budget_ms,
    )


def is_index_bounded(selector: Selector | None, page: Page) -> bool:
    """Whether an index bounds the rows this list reads to about limit + skip.

    Conservative and deliberately small: no selector or an equality on status (the
    (account, status, createdAt, id) index yields rows in order), or `_id` equality or `$in`
    (primary-key reads); ordered by createdAt or updatedAt alone; a modest skip.
    """
    if page.skip > MAX_BOUNDED_SKIP:
        return False
    clauses = selector.clauses if isinstance(selector, And) else (selector,) if selector else ()
    if any(isinstance(c, Field) and c.path == ("_id",) and isinstance(c.test, Eq | In) for c in clauses):
        return True
    sort = page.sort or DEFAULT_SORT
    if len(sort) != 1 or sort[0][0] not in (("createdAt",), ("updatedAt",)):
        return False
    if not clauses:
        return True
    return all(
        isinstance(c, Field) and c.path in (("status",), ("owner", "_id")) and isinstance(c.test, Eq) for c in clauses
    ) and sort[0][0] == ("createdAt",)


def transition_job(
    conn: Connection, *, account_id: str, job_id: str, target: Status, document: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The one way a job's status changes: lock, check the declared transition, track, write."""
    current = document if document is not None else lock_job(conn, account_id=account_id, job_id=job_id)
    changed = moved_to(current, target, tracked_at=now_epoch(), updated_at=now_iso())
    replace_job(conn, changed)
    record_job_change(conn, current, changed)
    return changed


def lock_jobs(conn: Connection, job_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Several jobs by id, of any account, locked for an update (the runner's batches)."""
    rows = conn.execute(
        sa.select(jobs.c.id, jobs.c.doc, jobs.c.revision).where(jobs.c.id.in_(job_ids)).with_for_update()
    )
    return {row.id: as_read(row.doc, row.revision) for row in rows}


def replace_jobs(conn: Connection, documents: list[dict[str, Any]]) -> None:
    """One statement for many documents, each read with `lock_jobs` in this transaction and
    written at its next revision: compiled once, run with each one's values."""
    if not documents:
        return
    statement = sa.update(jobs).where(jobs.c.id == sa.bindparam("match_id"))
    values = []
    for document in documents:
        advance(document)
        values.append({"match_id": document["_id"], **_columns(document)})
    conn.execute(statement, values)


RUNNING = (Status.ACTIVE.value, Status.TERMINATE_QUEUED.value)
WAITING = (Status.SUBMITTED.value, Status.QUEUED.value)


def count_jobs_in_flight(conn: Connection) -> dict[tuple[str, str], tuple[int, int]]:
    """(cluster, queue) -> (running, waiting) over all accounts: a cluster's load is shared."""
    rows = conn.execute(
        sa.select(jobs.c.cluster, jobs.c.queue, jobs.c.status, sa.func.count())
        .where(jobs.c.status.in_(RUNNING + WAITING))
        .group_by(jobs.c.cluster, jobs.c.queue, jobs.c.status)
    ).all()
    load: dict[tuple[str, str], tuple[int, int]] = {}
    for cluster, queue, status, count in rows:
        running, waiting = load.get((cluster, queue), (0, 0))
        load[(cluster, queue)] = (running + count, waiting) if status in RUNNING else (running, waiting + count)
    return load
