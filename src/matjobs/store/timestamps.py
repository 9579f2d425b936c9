"""Arithmetic on the stored timestamps (ISO 8601 UTC text with milliseconds, as `ids.now_iso` writes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def days_after(timestamp: str, days: float) -> str:
    moment = datetime.strptime(timestamp, _FORMAT).replace(tzinfo=UTC) + timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
