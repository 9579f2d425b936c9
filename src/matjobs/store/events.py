"""The events table: written in the transaction that made the change, read in id order."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from matjobs.events.derive import job_events
from matjobs.events.kinds import Event
from matjobs.ids import now_epoch
from matjobs.store.tables import events


@dataclass(frozen=True)
class StoredEvent:
    id: int
    account_id: str
    job_id: str
    type: str
    data: str  # the JSON text, sent as it is


def insert_events(conn: Connection, written: Iterable[Event]) -> None:
    rows = [
        {
            "account_id": event.account_id,
            "job_id": event.job_id,
            "type": event.type,
            "data": json.dumps(event.data, separators=(",", ":")),
            "created_at": event.at,
        }
        for event in written
    ]
    if rows:
        conn.execute(sa.insert(events), rows)


def record_job_change(conn: Connection, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    """The events between the job as it was and as it is now written."""
    insert_events(conn, job_events(before, after, now_epoch()))


def events_after(
    conn: Connection, last_id: int, *, account_id: str | None = None, job_id: str | None = None, limit: int = 1000
) -> list[StoredEvent]:
    """The events written after `last_id`, oldest first: all accounts' (the stream's one poller),
    or one account's, or one job's of one account."""
    statement = sa.select(events.c.id, events.c.account_id, events.c.job_id, events.c.type, events.c.data).where(
        events.c.id > last_id
    )
    if account_id is not None:
        statement = statement.where(events.c.account_id == account_id)
    if job_id is not None:
        statement = statement.where(events.c.job_id == job_id)
    rows = conn.execute(statement.order_by(events.c.id).limit(limit))
    return [StoredEvent(row.id, row.account_id, row.job_id, row.type, row.data) for row in rows]


def last_event_id(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.id), 0))).scalar_one())


def prune_events(conn: Connection, *, older_than: float) -> int:
    """Events past their keeping time; a listener that comes back later starts from now."""
    return conn.execute(sa.delete(events).where(events.c.created_at < older_than)).rowcount
