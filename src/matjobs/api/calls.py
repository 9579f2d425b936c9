"""Where a store call runs: quick reads on the event loop when the store says they are cheap
there (SQLite), everything else (scans, writes, network round trips) in the thread pool."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from matjobs.store import Store

P = ParamSpec("P")
R = TypeVar("R")


async def quick_read(store: Store, call: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """For reads an index bounds (a token, a job by id, a page of an indexed list)."""
    if store.cheap_reads_inline:
        return call(*args, **kwargs)
    return await run_in_threadpool(call, *args, **kwargs)
