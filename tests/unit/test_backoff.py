"""Retrying a cluster that failed: the delays double from the cluster's `retry_delay`, stop
growing at a minute, and the attempts run out at its `submit_attempts`."""

from __future__ import annotations

import pytest

from matjobs.runner.backoff import MAX_RETRY_DELAY_S, Backoff, after_failure, exhausted, ready


def failures(count: int, *, retry_delay_s: float, start: float = 100.0) -> list[Backoff]:
    """The back-offs after `count` failures in a row, each failure when the previous was due."""
    found: list[Backoff] = []
    now = start
    for _ in range(count):
        found.append(after_failure(found[-1] if found else None, retry_delay_s=retry_delay_s, now=now))
        now = found[-1].due
    return found


@pytest.mark.parametrize(
    ("retry_delay_s", "delays"),
    [
        (2.0, [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]),
        (0.5, [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0]),
        (0.0, [0.0, 0.0, 0.0]),
        (90.0, [MAX_RETRY_DELAY_S, MAX_RETRY_DELAY_S]),
    ],
)
def test_each_failure_doubles_the_delay_up_to_a_minute(retry_delay_s: float, delays: list[float]) -> None:
    seen = failures(len(delays), retry_delay_s=retry_delay_s)
    assert [backoff.delay_s for backoff in seen] == delays
    assert [backoff.failures for backoff in seen] == list(range(1, len(delays) + 1))


def test_the_next_try_is_due_its_delay_after_the_failure() -> None:
    backoff = after_failure(None, retry_delay_s=2.0, now=100.0)
    assert backoff.due == 102.0
    assert not ready(backoff, now=101.9)
    assert ready(backoff, now=102.0) and ready(None, now=0.0)


@pytest.mark.parametrize(("count", "attempts", "spent"), [(1, 1, True), (4, 5, False), (5, 5, True), (6, 5, True)])
def test_the_attempts_run_out_at_the_clusters_limit(count: int, attempts: int, spent: bool) -> None:
    assert exhausted(failures(count, retry_delay_s=1.0)[-1], attempts=attempts) is spent
