"""What an account may ask for: an email address for its notices, and a webhook (its URL and
the notices it hears of). Pure checks that say what was wrong."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from matjobs.errors import BadInput
from matjobs.notify.decide import Notice

MAX_EMAIL = 254  # RFC 5321's limit on a forward path
MAX_URL = 2048
MAX_WEBHOOKS = 10  # per account: each is a request per notice
# Plain addresses only: no display names, quotes or line breaks that could reach a mail header.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
ALL_NOTICES = (Notice.BEGIN, Notice.END, Notice.ABORT)


def checked_email(value: Any) -> str | None:
    """An address to send notices to, or None to send none."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadInput("email: must be a string, or null to send no email")
    if len(value) > MAX_EMAIL:
        raise BadInput(f"email: at most {MAX_EMAIL} characters, got {len(value)}")
    if not _EMAIL.match(value):
        raise BadInput(f"email: {value!r} is not an address like name@example.org")
    return value


def checked_url(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise BadInput("url: required, an http:// or https:// URL")
    if len(value) > MAX_URL:
        raise BadInput(f"url: at most {MAX_URL} characters, got {len(value)}")
    if any(not ch.isprintable() or ch.isspace() for ch in value):
        raise BadInput("url: must not contain spaces or control characters")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as problem:
        raise BadInput(f"url: {problem}") from None
    if parts.scheme not in ("http", "https"):
        raise BadInput(f"url: the scheme must be http or https, not {parts.scheme or 'none'!r}")
    if not parts.hostname:
        raise BadInput("url: names no host")
    if parts.username is not None or parts.password is not None:
        raise BadInput("url: must not carry a user or password; the signature says the message is from matjobs")
    if parts.fragment:
        raise BadInput("url: must not have a #fragment")
    if port == 0:
        raise BadInput("url: port 0 is not a port to send to")
    return value


def checked_events(value: Any) -> tuple[Notice, ...]:
    """The notices a webhook hears of; all of them when not given."""
    if value is None:
        return ALL_NOTICES
    names = [notice.value for notice in ALL_NOTICES]
    if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
        raise BadInput(f"events: a non-empty list of {', '.join(names)}")
    unknown = sorted({item for item in value if item not in names})
    if unknown:
        raise BadInput(f"events: unknown {', '.join(map(repr, unknown))}; known: {', '.join(names)}")
    return tuple(notice for notice in ALL_NOTICES if notice.value in value)


def checked_webhook(body: Any) -> tuple[str, tuple[Notice, ...]]:
    if not isinstance(body, dict):
        raise BadInput('the webhook must be a JSON object: {"url": ..., "events": [...]}')
    extra = sorted(set(body) - {"url", "events"})
    if extra:
        raise BadInput(f"unknown fields: {', '.join(extra)}; a webhook has url and events")
    return checked_url(body.get("url")), checked_events(body.get("events"))


def checked_email_body(body: Any) -> str | None:
    if not isinstance(body, dict) or "email" not in body:
        raise BadInput('send a JSON object {"email": "name@example.org"}, or {"email": null} for none')
    extra = sorted(set(body) - {"email"})
    if extra:
        raise BadInput(f"unknown fields: {', '.join(extra)}")
    return checked_email(body["email"])
