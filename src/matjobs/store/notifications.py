"""What notifications keep: users' email addresses, accounts' webhooks, the notifier's cursor
over the event feed, and the outbox of notices being delivered."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from matjobs.errors import BadInput, NotFound
from matjobs.ids import new_id, now_iso
from matjobs.store.engine import database_now
from matjobs.store.tables import events, jobs, notify_cursors, notify_outbox, properties, users, webhooks

PENDING, DELIVERED, GIVEN_UP = "pending", "delivered", "given-up"
EMAIL = "email"  # an outbox row's target when it is an email; otherwise a webhook's id
RESULT_NAMES = ("total_energy", "band_gaps")


# -- email addresses ----------------------------------------------------------------------------


def set_email(conn: Connection, *, user_id: str, email: str | None) -> None:
    conn.execute(sa.update(users).where(users.c.id == user_id).values(email=email))


def email_of(conn: Connection, *, user_id: str) -> str | None:
    return conn.execute(sa.select(users.c.email).where(users.c.id == user_id)).scalar()


def owner_email(conn: Connection, *, account_id: str) -> str | None:
    """The address of the user whose personal account this is."""
    return conn.execute(
        sa.select(users.c.email).where(users.c.account_id == account_id).order_by(users.c.created_at).limit(1)
    ).scalar()


# -- webhooks -----------------------------------------------------------------------------------


def _shown(row: Any) -> dict[str, Any]:
    return {"_id": row.id, "url": row.url, "events": row.events.split(","), "createdAt": row.created_at}


def create_webhook(
    conn: Connection, *, account_id: str, url: str, events: Sequence[str], secret: str, limit: int
) -> dict[str, Any]:
    count = conn.execute(sa.select(sa.func.count()).where(webhooks.c.account_id == account_id)).scalar_one()
    if count >= limit:
        raise BadInput(f"an account has at most {limit} webhooks; delete one first")
    row = {"id": new_id(), "account_id": account_id, "url": url, "secret": secret, "events": ",".join(events)}
    conn.execute(sa.insert(webhooks).values(**row, created_at=now_iso()))
    found = conn.execute(sa.select(webhooks).where(webhooks.c.id == row["id"])).one()
    return _shown(found)


def webhooks_of(conn: Connection, *, account_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(webhooks).where(webhooks.c.account_id == account_id).order_by(webhooks.c.created_at, webhooks.c.id)
    )
    return [_shown(row) for row in rows]


def delete_webhook(conn: Connection, *, account_id: str, webhook_id: str) -> None:
    """Another account's webhook is as unknown as a made-up id; what it had yet to deliver goes too."""
    gone = conn.execute(sa.delete(webhooks).where(webhooks.c.id == webhook_id, webhooks.c.account_id == account_id))
    if gone.rowcount == 0:
        raise NotFound(f"no webhook {webhook_id!r}")
    conn.execute(sa.delete(notify_outbox).where(notify_outbox.c.target == webhook_id, notify_outbox.c.state == PENDING))


def listening(conn: Connection, *, account_id: str) -> list[tuple[str, frozenset[str]]]:
    """The account's webhooks, and the notices each hears of."""
    rows = conn.execute(sa.select(webhooks.c.id, webhooks.c.events).where(webhooks.c.account_id == account_id))
    return [(row.id, frozenset(row.events.split(","))) for row in rows]


# -- the event feed and the cursor ----------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    id: int
    account_id: str
    job_id: str | None
    type: str
    data: dict[str, Any]
    created_at: float


def read_cursor(conn: Connection, name: str) -> int | None:
    return conn.execute(sa.select(notify_cursors.c.event_id).where(notify_cursors.c.name == name)).scalar()


def lock_cursor(conn: Connection, name: str) -> int:
    """The cursor, held until the transaction ends: two notifiers never read the same events."""
    found = conn.execute(
        sa.select(notify_cursors.c.event_id).where(notify_cursors.c.name == name).with_for_update()
    ).scalar()
    if found is not None:
        return int(found)
    conn.execute(sa.insert(notify_cursors).values(name=name, event_id=0))
    return 0


def move_cursor(conn: Connection, name: str, event_id: int) -> None:
    conn.execute(sa.update(notify_cursors).where(notify_cursors.c.name == name).values(event_id=event_id))


def events_after(conn: Connection, event_id: int, *, limit: int, types: Sequence[str]) -> list[Event]:
    """The events after `event_id`, oldest first; the data only of those of `types` (the others,
    SCF iterations for one, are many, and only their ids matter here)."""
    data = sa.case((events.c.type.in_(types), events.c.data), else_=sa.null()).label("data")
    rows = conn.execute(
        sa.select(events.c.id, events.c.account_id, events.c.job_id, events.c.type, data, events.c.created_at)
        .where(events.c.id > event_id)
        .order_by(events.c.id)
        .limit(limit)
    )
    return [Event(row.id, row.account_id, row.job_id, row.type, _json(row.data), float(row.created_at)) for row in rows]


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    parsed = json.loads(value) if value else {}
    return parsed if isinstance(parsed, dict) else {}


def job_documents(conn: Connection, job_ids: set[str]) -> dict[str, dict[str, Any]]:
    if not job_ids:
        return {}
    rows = conn.execute(sa.select(jobs.c.id, jobs.c.doc).where(jobs.c.id.in_(sorted(job_ids))))
    return {row.id: dict(row.doc) for row in rows}


def results_of(conn: Connection, *, account_id: str, job_id: str) -> list[dict[str, Any]]:
    """The data of the job's results a notice tells of, in the order they were stored."""
    rows = conn.execute(
        sa.select(properties.c.doc)
        .where(
            properties.c.account_id == account_id,
            properties.c.job_id == job_id,
            properties.c.data_name.in_(RESULT_NAMES),
        )
        .order_by(properties.c.created_at, properties.c.id)
    )
    return [dict(doc.get("data") or {}) for doc in rows.scalars()]


# -- the outbox ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """A notice to write to the outbox."""

    event_id: int
    account_id: str
    job_id: str
    notice: str
    target: str
    body: str
    recipient: str | None = None
    subject: str | None = None


def add_deliveries(conn: Connection, deliveries: Sequence[Delivery]) -> None:
    if not deliveries:
        return
    now = database_now(conn.dialect.name)
    for delivery in deliveries:
        conn.execute(
            sa.insert(notify_outbox).values(
                event_id=delivery.event_id,
                account_id=delivery.account_id,
                job_id=delivery.job_id,
                notice=delivery.notice,
                target=delivery.target,
                recipient=delivery.recipient,
                subject=delivery.subject,
                body=delivery.body,
                state=PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )


@dataclass(frozen=True)
class Due:
    """A delivery a notifier has claimed: what to send, and where (a webhook's, as it is now)."""

    id: int
    event_id: int
    target: str
    attempts: int
    body: str
    recipient: str | None
    subject: str | None
    url: str | None
    secret: str | None
    events: str | None


def _due(now: sa.ColumnElement[float]) -> sa.ColumnElement[bool]:
    """Pending, its time come, claimed by no one, and the first of its receiver's: each receiver
    hears of a job's begin before its end, however long it was down."""
    first = (
        sa.select(sa.func.min(notify_outbox.c.id))
        .where(notify_outbox.c.state == PENDING)
        .group_by(notify_outbox.c.target, notify_outbox.c.recipient)
    )
    return sa.and_(
        notify_outbox.c.id.in_(first),
        notify_outbox.c.next_attempt_at <= now,
        sa.or_(notify_outbox.c.claimed_until.is_(None), notify_outbox.c.claimed_until < now),
    )


def any_due(conn: Connection) -> bool:
    now = database_now(conn.dialect.name)
    return conn.execute(sa.select(notify_outbox.c.id).where(_due(now)).limit(1)).first() is not None


def claim_due(conn: Connection, *, limit: int, lease_s: float) -> list[Due]:
    """Up to `limit` deliveries that are due, each taken for `lease_s`: another notifier leaves
    them alone meanwhile, and takes them up if this one died sending."""
    now = database_now(conn.dialect.name)
    ids = list(
        conn.execute(
            sa.select(notify_outbox.c.id)
            .where(_due(now))
            .order_by(notify_outbox.c.next_attempt_at, notify_outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).scalars()
    )
    if not ids:
        return []
    conn.execute(sa.update(notify_outbox).where(notify_outbox.c.id.in_(ids)).values(claimed_until=now + lease_s))
    rows = conn.execute(
        sa.select(
            notify_outbox.c.id,
            notify_outbox.c.event_id,
            notify_outbox.c.target,
            notify_outbox.c.attempts,
            notify_outbox.c.body,
            notify_outbox.c.recipient,
            notify_outbox.c.subject,
            webhooks.c.url,
            webhooks.c.secret,
            webhooks.c.events,
        )
        .outerjoin(webhooks, webhooks.c.id == notify_outbox.c.target)
        .where(notify_outbox.c.id.in_(ids))
        .order_by(notify_outbox.c.id)
    )
    return [Due(**row._asdict()) for row in rows]


def mark_delivered(conn: Connection, delivery_id: int) -> None:
    now = database_now(conn.dialect.name)
    conn.execute(
        sa.update(notify_outbox)
        .where(notify_outbox.c.id == delivery_id)
        .values(
            state=DELIVERED,
            attempts=notify_outbox.c.attempts + 1,
            done_at=now,
            claimed_until=None,
            last_error=None,
        )
    )


def mark_failed(conn: Connection, delivery_id: int, *, problem: str, retry_in_s: float | None) -> None:
    """Tried again in `retry_in_s`, or given up (None)."""
    now = database_now(conn.dialect.name)
    values: dict[str, Any] = {
        "attempts": notify_outbox.c.attempts + 1,
        "claimed_until": None,
        "last_error": problem[:2000],
    }
    if retry_in_s is None:
        values |= {"state": GIVEN_UP, "done_at": now}
    else:
        values["next_attempt_at"] = now + retry_in_s
    conn.execute(sa.update(notify_outbox).where(notify_outbox.c.id == delivery_id).values(**values))


def forget_done(conn: Connection, *, older_than_s: float) -> int:
    """Deliveries done (delivered or given up) longer ago than that."""
    now = database_now(conn.dialect.name)
    gone = conn.execute(
        sa.delete(notify_outbox).where(notify_outbox.c.state != PENDING, notify_outbox.c.done_at < now - older_than_s)
    )
    return int(gone.rowcount or 0)
