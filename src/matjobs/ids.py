"""Entity ids in the platform's style (17 characters of an unambiguous alphabet) and timestamps."""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import UTC, datetime, timedelta

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"


_LENGTH = 17
_SPACE = len(ALPHABET) ** _LENGTH


def new_id() -> str:
    # One draw from the system's randomness, not one per character.
    return _spelled(secrets.randbelow(_SPACE))


def stable_id(text: str) -> str:
    """An id in the same style, always the same for the same text (standard data, files)."""
    return _spelled(int.from_bytes(hashlib.sha256(text.encode()).digest(), "big"))


def _spelled(number: int) -> str:
    characters = []
    for _ in range(_LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        characters.append(ALPHABET[digit])
    return "".join(characters)


_ISO = "%Y-%m-%dT%H:%M:%S.%f"


def now_iso() -> str:
    """UTC, millisecond precision, fixed width: sorts as text the way it sorts as time."""
    return _iso(datetime.now(UTC))


def days_after(timestamp: str, days: float) -> str:
    """A timestamp of `now_iso`'s form, `days` later."""
    return _iso(datetime.strptime(timestamp, _ISO + "Z").replace(tzinfo=UTC) + timedelta(days=days))


def _iso(moment: datetime) -> str:
    return moment.strftime(_ISO)[:-3] + "Z"


def now_epoch() -> float:
    return round(time.time(), 3)
