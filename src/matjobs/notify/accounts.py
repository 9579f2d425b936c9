"""What an account sets for its notices: its email address, and its webhooks (use cases the API
and the CLI call)."""

from __future__ import annotations

import secrets
from typing import Any

from matjobs.notify.inputs import MAX_WEBHOOKS, checked_email, checked_email_body, checked_webhook
from matjobs.store import Store
from matjobs.store import notifications as stored

SECRET_BYTES = 32


def email(store: Store, *, user_id: str) -> dict[str, Any]:
    with store.reading() as conn:
        return {"email": stored.email_of(conn, user_id=user_id)}


def set_email(store: Store, *, user_id: str, body: Any) -> dict[str, Any]:
    address = checked_email_body(body)
    with store.writing() as conn:
        stored.set_email(conn, user_id=user_id, email=address)
    return {"email": address}


def set_email_address(store: Store, *, user_id: str, address: str | None) -> None:
    checked_email(address)
    with store.writing() as conn:
        stored.set_email(conn, user_id=user_id, email=address)


def webhooks(store: Store, *, account_id: str) -> list[dict[str, Any]]:
    with store.reading() as conn:
        return stored.webhooks_of(conn, account_id=account_id)


def add_webhook(store: Store, *, account_id: str, body: Any) -> dict[str, Any]:
    """The new webhook, with its secret: shown this once, as no later answer carries it."""
    url, events = checked_webhook(body)
    secret = secrets.token_hex(SECRET_BYTES)
    with store.writing() as conn:
        created = stored.create_webhook(
            conn,
            account_id=account_id,
            url=url,
            events=[event.value for event in events],
            secret=secret,
            limit=MAX_WEBHOOKS,
        )
    return {**created, "secret": secret}


def remove_webhook(store: Store, *, account_id: str, webhook_id: str) -> None:
    with store.writing() as conn:
        stored.delete_webhook(conn, account_id=account_id, webhook_id=webhook_id)
