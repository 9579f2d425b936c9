"""How far the notifier may read the event feed. Pure.

Event ids are handed out when a transaction writes one, but transactions commit in their own
order: on PostgreSQL, event 7 may be seen while event 6 is still being written. Reading past
a gap would lose 6 for good, so the cursor stops at a gap until it fills, or until the event
after it is `wait_s` old (an id given to a transaction that rolled back never fills).
"""

from __future__ import annotations

from collections.abc import Sequence

GAP_WAIT_S = 5.0


def advanced(cursor: int, seen: Sequence[tuple[int, float]], *, now: float, wait_s: float = GAP_WAIT_S) -> int:
    """The new cursor, given the events after `cursor` as (id, created_at) in id order: the
    events up to it are read, and those after it wait for the next round."""
    for event_id, created_at in seen:
        if event_id != cursor + 1 and now - created_at < wait_s:
            break
        cursor = event_id
    return cursor
