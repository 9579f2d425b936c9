"""When a failed delivery is tried again: a doubling delay, bounded, and a number of attempts
after which it is given up. Pure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Retry:
    first_delay_s: float = 5.0
    max_delay_s: float = 600.0
    attempts: int = 15  # with the defaults: about two hours of a receiver being down

    def delay(self, failures: int) -> float:
        """The wait after the `failures`-th failure in a row (1: the first)."""
        return float(min(self.first_delay_s * 2 ** max(failures - 1, 0), self.max_delay_s))

    def given_up(self, failures: int) -> bool:
        return failures >= self.attempts
