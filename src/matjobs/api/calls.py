"""Where a store call runs: cheap point reads on the event loop when the store says so,
everything else (scans, writes, network round trips) in the thread pool."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from matjobs.store import Store

P = ParamSpec("P")
R = TypeVar("R")


async def point_read(store: Store, call: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    if store.point_reads_inline:
        return call(*args, **kwargs)
    return await run_in_threadpool(call, *args, **kwargs)
