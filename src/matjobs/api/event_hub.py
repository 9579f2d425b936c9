"""One reader of the events table per server process, handing each new event to the listeners
of its account (and job). A listener's queue is bounded: a slow listener is marked behind, never
waited for, and catches up from the table itself."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool

from matjobs.events.sequence import Sequence
from matjobs.store import Store
from matjobs.store.events import StoredEvent, events_after, last_event_id

POLL_INTERVAL_S = 0.25
QUEUE_SIZE = 512
BATCH = 1000
CATCH_UP_BATCH = 500


@dataclass(eq=False)
class Listener:
    account_id: str
    job_id: str | None
    queue: asyncio.Queue[StoredEvent] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    behind: bool = False  # its queue overflowed: it reads what it missed from the table

    def offer(self, event: StoredEvent) -> None:
        if self.behind or event.account_id != self.account_id:
            return
        if self.job_id is not None and event.job_id != self.job_id:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.behind = True


class EventHub:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._listeners: set[Listener] = set()
        self._sequence: Sequence | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    @property
    def head(self) -> int:
        """The last id handed on: listeners have everything up to it, or read it from the table."""
        return self._sequence.last if self._sequence is not None else 0

    async def listen(self, account_id: str, job_id: str | None) -> Listener:
        if self._sequence is None or not self._listeners:
            # Nobody listened: no one needs what was written meanwhile from this reader.
            self._sequence = Sequence(await run_in_threadpool(self._read_head))
        listener = Listener(account_id, job_id)
        self._listeners.add(listener)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        self._wake.set()
        return listener

    def leave(self, listener: Listener) -> None:
        self._listeners.discard(listener)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def missed(self, listener: Listener, last: int, head: int) -> list[StoredEvent]:
        """The listener's events after `last` up to `head` (past that, its queue has them)."""
        with self.store.reading() as conn:
            found = events_after(
                conn, last, account_id=listener.account_id, job_id=listener.job_id, limit=CATCH_UP_BATCH
            )
        return [event for event in found if event.id <= head]

    def _read_head(self) -> int:
        with self.store.reading() as conn:
            return last_event_id(conn)

    def _read_after(self, last: int) -> list[StoredEvent]:
        with self.store.reading() as conn:
            return events_after(conn, last, limit=BATCH)

    async def _run(self) -> None:
        while True:
            if not self._listeners:
                self._wake.clear()
                await self._wake.wait()
                continue
            sequence = self._sequence
            assert sequence is not None
            try:
                found = await run_in_threadpool(self._read_after, sequence.last)
            except Exception:  # noqa: BLE001 - a database hiccup: listeners wait, the next look retries
                found = []
            ready = sequence.take([event.id for event in found], time.monotonic())
            for event in found[:ready]:
                for listener in list(self._listeners):
                    listener.offer(event)
            if len(found) < BATCH or ready < len(found):
                await asyncio.sleep(POLL_INTERVAL_S)
