"""Retrying a cluster that failed to answer: a doubling delay, bounded, and a number of attempts
after which the jobs waiting for it end in error. Pure: the clock's reading is passed in."""

from __future__ import annotations

from dataclasses import dataclass

MAX_RETRY_DELAY_S = 60.0


@dataclass(frozen=True)
class Backoff:
    """A cluster that failed `failures` times in a row: tried again once `due`."""

    failures: int
    due: float  # on the runner's clock
    delay_s: float


def after_failure(previous: Backoff | None, *, retry_delay_s: float, now: float) -> Backoff:
    """The back-off after one more failure: the first waits `retry_delay_s`, each next twice as
    long, never more than a minute."""
    failures = previous.failures + 1 if previous is not None else 1
    delay = min(retry_delay_s * 2 ** (failures - 1), MAX_RETRY_DELAY_S)
    return Backoff(failures, now + delay, delay)


def exhausted(backoff: Backoff, *, attempts: int) -> bool:
    """Whether the jobs waiting for the cluster now end in error."""
    return backoff.failures >= attempts


def ready(backoff: Backoff | None, *, now: float) -> bool:
    return backoff is None or backoff.due <= now
