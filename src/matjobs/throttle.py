"""Login throttling: how many failures a user name or a client address may have before a pause.

The decisions are pure functions of a tally and the time; `Throttle` only keeps the tallies,
bounded in number, so a flood of random names cannot grow it without limit.
"""

from __future__ import annotations

import ipaddress
import threading
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """`max_failures` failures within `window` seconds lock the key for `window` seconds."""

    max_failures: int
    window: float


@dataclass(frozen=True)
class Tally:
    """The failures of one key since `since`, and when a lock (if any) ends."""

    since: float
    failures: int
    locked_until: float = 0.0


def wait_for(tally: Tally | None, now: float) -> float:
    """Seconds until the key may try again; 0 when it may now."""
    if tally is None or tally.locked_until <= now:
        return 0.0
    return tally.locked_until - now


def after_failure(tally: Tally | None, now: float, rule: Rule) -> Tally:
    """The tally once a failure at `now` is counted; a window that ended starts afresh."""
    if tally is None or now - tally.since >= rule.window:
        tally = Tally(since=now, failures=0)
    failures = tally.failures + 1
    locked_until = now + rule.window if failures >= rule.max_failures else tally.locked_until
    return Tally(since=tally.since, failures=failures, locked_until=locked_until)


def is_stale(tally: Tally, now: float, rule: Rule) -> bool:
    """Neither locked nor counting any more: forgetting it changes no decision."""
    return tally.locked_until <= now and now - tally.since >= rule.window


def address_key(host: str) -> str:
    """One key per IPv4 address, and per /64 for IPv6, where one host holds the whole network."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class Throttle:
    """Tallies per key, at most `capacity` of them: the least recently failed are forgotten first."""

    def __init__(self, rule: Rule, capacity: int = 100_000) -> None:
        self.rule = rule
        self.capacity = capacity
        self._tallies: OrderedDict[str, Tally] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._tallies)

    def wait_for(self, keys: list[str], now: float) -> float:
        """Seconds until every one of `keys` may try again."""
        with self._lock:
            return max((wait_for(self._tallies.get(key), now) for key in keys), default=0.0)

    def failed(self, keys: list[str], now: float) -> None:
        with self._lock:
            for key in keys:
                tally = after_failure(self._tallies.pop(key, None), now, self.rule)
                self._tallies[key] = tally  # to the end: the most recent
            self._forget(now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._tallies.pop(key, None)

    def _forget(self, now: float) -> None:
        # Oldest first: stale ones go, then, past the capacity, the least recent at all.
        while self._tallies:
            key, oldest = next(iter(self._tallies.items()))
            if not is_stale(oldest, now, self.rule) and len(self._tallies) <= self.capacity:
                return
            del self._tallies[key]
