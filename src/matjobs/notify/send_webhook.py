"""A webhook's POST: the one adapter that speaks HTTP to receivers. Redirects are not followed
(a receiver that moved says so in its answer, which becomes the delivery's error)."""

from __future__ import annotations

import http.client
import ssl
import time
from urllib.parse import urlsplit

from matjobs.notify.sign import DELIVERY, EVENT, signed_headers

TIMEOUT_S = 5.0
ANSWER_CHARS = 200  # of a refusing receiver's answer, kept as the delivery's error


class Refused(Exception):
    """The receiver answered, but not with a 2xx."""


def post_webhook(url: str, secret: str, body: bytes, *, delivery: str, event: str, timeout_s: float = TIMEOUT_S) -> int:
    """POST the body, signed now; returns the receiver's status. Raises Refused for an answer
    outside 2xx, OSError (and http.client's errors) when it cannot be reached."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(host, port, timeout=timeout_s, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout_s)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "matjobs-webhook/1",
        DELIVERY: delivery,
        EVENT: event,
        **signed_headers(secret, int(time.time()), body),
    }
    try:
        connection.request("POST", target, body=body, headers=headers)
        answer = connection.getresponse()
        said = answer.read(ANSWER_CHARS).decode(errors="replace")
    finally:
        connection.close()
    if not 200 <= answer.status < 300:
        raise Refused(f"HTTP {answer.status}: {said}".strip())
    return answer.status
