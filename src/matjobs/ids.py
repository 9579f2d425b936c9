"""Entity ids in the platform's style (17 characters of an unambiguous alphabet) and timestamps."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"


def new_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(17))


def now_iso() -> str:
    """UTC, millisecond precision, fixed width: sorts as text the way it sorts as time."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def now_epoch() -> float:
    return round(time.time(), 3)
