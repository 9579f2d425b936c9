"""The login throttle's decisions, at times the test chooses."""

from __future__ import annotations

import pytest

from matjobs.throttle import Rule, Tally, Throttle, address_key, after_failure, is_stale, wait_for

RULE = Rule(max_failures=3, window=60.0)


@pytest.mark.parametrize(
    ("failures_at", "asked_at", "wait"),
    [
        ([], 0.0, 0.0),
        ([0.0, 1.0], 2.0, 0.0),  # under the limit
        ([0.0, 1.0, 2.0], 2.0, 60.0),  # the third failure locks for a window from then
        ([0.0, 1.0, 2.0], 32.0, 30.0),
        ([0.0, 1.0, 2.0], 62.0, 0.0),  # the lock is over
        ([0.0, 30.0, 61.0], 61.0, 0.0),  # the first fell out of the window: a fresh count
        ([0.0, 30.0, 61.0, 62.0, 63.0], 63.0, 60.0),
    ],
)
def test_a_key_is_locked_after_max_failures_within_the_window(
    failures_at: list[float], asked_at: float, wait: float
) -> None:
    tally: Tally | None = None
    for moment in failures_at:
        tally = after_failure(tally, moment, RULE)
    assert wait_for(tally, asked_at) == pytest.approx(wait)


@pytest.mark.parametrize(
    ("tally", "now", "stale"),
    [
        (Tally(since=0.0, failures=1), 59.0, False),
        (Tally(since=0.0, failures=1), 60.0, True),
        (Tally(since=0.0, failures=3, locked_until=70.0), 65.0, False),
        (Tally(since=0.0, failures=3, locked_until=70.0), 70.0, True),
    ],
)
def test_a_tally_is_stale_once_it_neither_counts_nor_locks(tally: Tally, now: float, stale: bool) -> None:
    assert is_stale(tally, now, RULE) is stale


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("127.0.0.2", "127.0.0.2"),
        ("2001:db8::1", "2001:db8::/64"),
        ("2001:db8::ffff:1", "2001:db8::/64"),
        ("testclient", "testclient"),
    ],
)
def test_ipv6_addresses_count_per_network(host: str, key: str) -> None:
    assert address_key(host) == key


def test_the_throttle_locks_any_key_it_was_given_and_a_success_clears_only_the_name() -> None:
    throttle = Throttle(RULE)
    for moment in (0.0, 1.0, 2.0):
        throttle.failed(["name:x", "address:a"], moment)
    assert throttle.wait_for(["name:x", "address:b"], 3.0) == pytest.approx(59.0)
    assert throttle.wait_for(["name:y", "address:a"], 3.0) == pytest.approx(59.0)
    assert throttle.wait_for(["name:y", "address:b"], 3.0) == 0.0
    throttle.succeeded("name:x")
    assert throttle.wait_for(["name:x", "address:b"], 3.0) == 0.0
    assert throttle.wait_for(["name:y", "address:a"], 3.0) > 0.0


def test_a_flood_of_names_keeps_the_throttle_within_its_capacity() -> None:
    throttle = Throttle(RULE, capacity=100)
    for number in range(10_000):
        throttle.failed([f"name:{number}"], 0.0)
    assert len(throttle) == 100
    assert throttle.wait_for(["name:9999"], 0.0) == 0.0  # one failure each: none locked


def test_stale_tallies_are_dropped_as_new_failures_arrive() -> None:
    throttle = Throttle(RULE)
    for number in range(50):
        throttle.failed([f"name:{number}"], 0.0)
    throttle.failed(["name:late"], 61.0)
    assert len(throttle) == 1
