"""Which events a reader may hand on, in id order, when ids can commit out of order.

PostgreSQL gives ids at insert and makes rows visible at commit: a later id can be seen before
an earlier one that is still being committed. Handing on past such a gap would lose the earlier
event for good, so the reader waits for it; an id that never appears (its transaction rolled
back) is given up after `patience` seconds."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Sequence:
    last: int  # every id up to this one has been handed on, or given up
    patience: float = 2.0
    _missing_since: dict[int, float] = field(default_factory=dict)

    def take(self, ids: list[int], now: float) -> int:
        """How many of `ids` (sorted, all > last) may be handed on now; `last` moves past them."""
        expected = self.last + 1
        for count, event_id in enumerate(ids):
            while expected < event_id:
                since = self._missing_since.setdefault(expected, now)
                if now - since < self.patience:
                    return count
                del self._missing_since[expected]
                expected += 1
            self._missing_since.pop(event_id, None)
            self.last = event_id
            expected = event_id + 1
        return len(ids)
