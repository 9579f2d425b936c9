"""Jobs in the store: insert, read, list by selector, replace, delete, and status transitions."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError

from matjobs.errors import Conflict, InvalidQuery, NotFound
from matjobs.ids import now_epoch, now_iso
from matjobs.lifecycle import Status, can_transition
from matjobs.query.ast import Selector
from matjobs.query.compile import compile_selector, sort_key
from matjobs.query.paging import Page
from matjobs.store.engine import Store
from matjobs.store.tables import jobs


def _columns(document: dict[str, Any]) -> dict[str, Any]:
    """The indexed copies of document fields, kept in step with the document on every write."""
    return {
        "status": document["status"],
        "name": document["name"],
        "project_id": document["_project"]["_id"],
        "created_at": document["createdAt"],
        "updated_at": document["updatedAt"],
        "doc": document,
    }


def insert_job(conn: Connection, document: dict[str, Any]) -> None:
    conn.execute(sa.insert(jobs).values(id=document["_id"], account_id=document["owner"]["_id"], **_columns(document)))


def _job_text_by_id(store: Store) -> sa.Select[Any]:
    return sa.select(store.document_text(jobs.c.doc)).where(
        jobs.c.id == sa.bindparam("job_id"), jobs.c.account_id == sa.bindparam("account_id")
    )


def get_job_text(store: Store, *, account_id: str, job_id: str) -> str:
    """The stored JSON text of one job, as a prepared read: it is the most frequent call."""
    row = store.first(_job_text_by_id, job_id=job_id, account_id=account_id)
    if row is None:
        raise NotFound(f"job {job_id} not found")
    return str(row[0])


def lock_job(conn: Connection, *, account_id: str, job_id: str) -> dict[str, Any]:
    """The job's document, its row locked until the transaction ends."""
    document = conn.execute(
        sa.select(jobs.c.doc).where(jobs.c.id == job_id, jobs.c.account_id == account_id).with_for_update()
    ).scalar_one_or_none()
    if document is None:
        raise NotFound(f"job {job_id} not found")
    return dict(document)


def replace_job(conn: Connection, document: dict[str, Any]) -> None:
    conn.execute(
        sa.update(jobs)
        .where(jobs.c.id == document["_id"], jobs.c.account_id == document["owner"]["_id"])
        .values(**_columns(document))
    )


def delete_job(conn: Connection, *, account_id: str, job_id: str) -> None:
    deleted = conn.execute(sa.delete(jobs).where(jobs.c.id == job_id, jobs.c.account_id == account_id))
    if deleted.rowcount == 0:
        raise NotFound(f"job {job_id} not found")


def list_job_texts(
    store: Store, conn: Connection, *, account_id: str, selector: Selector | None, page: Page
) -> list[str]:
    """One page of the account's jobs matching the selector, filtered and ordered in the database."""
    target = store.job_target
    statement = sa.select(store.document_text(jobs.c.doc)).where(jobs.c.account_id == account_id)
    if selector is not None:
        statement = statement.where(compile_selector(selector, target))
    order: list[Any] = []
    for path, direction in page.sort or ((("createdAt",), -1),):
        key = sort_key(path, target)
        order.append(key.desc() if direction < 0 else key.asc())
    last_direction = (page.sort or ((("createdAt",), -1),))[-1][1]
    order.append(jobs.c.id.desc() if last_direction < 0 else jobs.c.id.asc())
    statement = statement.order_by(*order).limit(page.limit).offset(page.skip)
    try:
        return [str(text) for text in conn.execute(statement).scalars()]
    except DataError as error:
        # Values the parser accepts but the database cannot evaluate, such as a regex dialect gap.
        raise InvalidQuery(f"query could not be evaluated: {error.orig}") from None


def transition_job(
    conn: Connection, *, account_id: str, job_id: str, target: Status, document: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The one way a job's status changes: lock, check the declared transition, track, write."""
    current = document if document is not None else lock_job(conn, account_id=account_id, job_id=job_id)
    status = Status(current["status"])
    if not can_transition(status, target):
        raise Conflict(f"job {job_id} is {status.value} and cannot become {target.value}")
    changed = {
        **current,
        "status": target.value,
        "statusTrack": [*current.get("statusTrack", []), {"trackedAt": now_epoch(), "status": target.value}],
        "updatedAt": now_iso(),
    }
    replace_job(conn, changed)
    return changed
