"""Webhook signatures: HMAC-SHA256 over the attempt's timestamp and the raw body. Pure.

The signed string is `<timestamp>.<body>`, so a captured request cannot be replayed later
with a fresh timestamp: a receiver checks the signature, then that the timestamp is recent
(`verify` does both). Each attempt is signed anew, with the time it is sent at.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE = "X-Matjobs-Signature"
TIMESTAMP = "X-Matjobs-Timestamp"
DELIVERY = "X-Matjobs-Delivery"
EVENT = "X-Matjobs-Event"
SCHEME = "sha256="
TOLERANCE_S = 300  # what `verify` allows between sending and checking, by default


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return SCHEME + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signed_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {TIMESTAMP: str(timestamp), SIGNATURE: signature(secret, timestamp, body)}


def verify(secret: str, headers: dict[str, str], body: bytes, *, now: float, tolerance_s: float = TOLERANCE_S) -> bool:
    """What a receiver checks: the signature over this body and timestamp, and a timestamp
    within `tolerance_s` of `now`. (`headers`: names as sent, any case.)"""
    found = {name.lower(): value for name, value in headers.items()}
    stamp, given = found.get(TIMESTAMP.lower(), ""), found.get(SIGNATURE.lower(), "")
    if not stamp.isdigit() or abs(now - int(stamp)) > tolerance_s:
        return False
    return hmac.compare_digest(given, signature(secret, int(stamp), body))
