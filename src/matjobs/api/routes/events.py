"""Server-Sent Events: the caller's jobs as they move (GET /jobs/events), or one job's, with its
units' new output lines if asked (GET /jobs/{id}/events?output=true). `Last-Event-ID` resumes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from matjobs import jobs
from matjobs.api.auth import Caller, authenticate
from matjobs.api.calls import quick_read
from matjobs.api.event_hub import EventHub, Listener
from matjobs.errors import BadInput, Unauthenticated
from matjobs.events.kinds import OUTPUT
from matjobs.files import job_folder
from matjobs.output_tail import OutputTail

KEEPALIVE_S = 15.0
OUTPUT_INTERVAL_S = 1.0
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
STREAM = {"content": {"text/event-stream": {"schema": {"type": "string"}}}, "description": "an event stream"}
LAST_EVENT_ID = {
    "name": "lastEventId",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 0},
    "description": "resume after this event (the Last-Event-ID header does the same)",
}
OUTPUT_PARAMETER = {
    "name": "output",
    "in": "query",
    "required": False,
    "schema": {"type": "boolean"},
    "description": "also stream the new lines of the job's unit outputs (output events, not resumable)",
}
DESCRIPTION = (
    "Server-Sent Events, one per change: `job.status`, `unit.status`, and while pw.x runs "
    "`scf.iteration` and `ionic.step` (energies in eV). Each stored event has an `id:`; send it back "
    "as `Last-Event-ID` (or `lastEventId`) to resume without loss. A comment line is sent every 15 s."
)


async def stream_events(request: Request) -> Response:
    caller = await authenticate(request)
    return _streamed(request, caller, None, _last_event_id(request), tail=None)


async def stream_job_events(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    await quick_read(caller.store, jobs.read_job, caller.store, caller.principal, job_id)  # 404 if not theirs
    output = request.query_params.get("output", "false").lower()
    if output not in ("true", "false", "1", "0"):
        raise BadInput("output: true or false")
    tail = None
    if output in ("true", "1"):
        tail = OutputTail(job_folder(Path(request.app.state.jobs_dir), job_id))
    return _streamed(request, caller, job_id, _last_event_id(request), tail)


def _last_event_id(request: Request) -> int | None:
    given = request.headers.get("last-event-id") or request.query_params.get("lastEventId")
    if given is None or given == "":
        return None
    if not given.isdigit() or len(given) > 19:
        raise BadInput(f"Last-Event-ID: {given[:40]!r} is not an event id (a whole number)")
    return int(given)


def _streamed(
    request: Request, caller: Caller, job_id: str | None, last_id: int | None, tail: OutputTail | None
) -> StreamingResponse:
    hub: EventHub = request.app.state.event_hub
    return StreamingResponse(
        _stream(request, hub, caller, job_id, last_id, tail), media_type="text/event-stream", headers=HEADERS
    )


async def _stream(
    request: Request, hub: EventHub, caller: Caller, job_id: str | None, last_id: int | None, tail: OutputTail | None
) -> AsyncIterator[str]:
    listener = await hub.listen(caller.principal.account_id, job_id)
    try:
        yield ": connected\n\n"
        cursor = Cursor(hub.head if last_id is None else last_id)
        if last_id is not None:
            async for text in _caught_up(hub, listener, cursor):
                yield text
        next_output = 0.0
        while True:
            if listener.behind:
                async for text in _caught_up(hub, listener, cursor):
                    yield text
            if tail is not None and (now := asyncio.get_running_loop().time()) >= next_output:
                next_output = now + OUTPUT_INTERVAL_S
                for name, lines in (await run_in_threadpool(tail.new_lines)).items():
                    yield _message(OUTPUT, json.dumps({"jobId": job_id, "file": name, "lines": lines}))
            wait = OUTPUT_INTERVAL_S if tail is not None else KEEPALIVE_S
            try:
                event = await asyncio.wait_for(listener.queue.get(), wait)
            except TimeoutError:
                if not await _still_allowed(request):
                    return
                yield ": keepalive\n\n"
                continue
            if event.id > cursor.last:
                cursor.last = event.id
                yield _message(event.type, event.data, event.id)
    finally:
        hub.leave(listener)


@dataclass
class Cursor:
    last: int  # the last event id this listener was sent


async def _caught_up(hub: EventHub, listener: Listener, cursor: Cursor) -> AsyncIterator[str]:
    """What the listener missed, from the table, up to what the hub has handed on (past that,
    its queue has it): after a reconnect, or once its queue overflowed."""
    listener.behind = False
    while not listener.queue.empty():
        listener.queue.get_nowait()
    head = hub.head
    while cursor.last < head:
        found = await run_in_threadpool(hub.missed, listener, cursor.last, head)
        if not found:
            break
        for event in found:
            cursor.last = event.id
            yield _message(event.type, event.data, event.id)


async def _still_allowed(request: Request) -> bool:
    """A stream outlives no revoked or expired token."""
    try:
        await authenticate(request)
    except Unauthenticated:
        return False
    return True


def _message(kind: str, data: str, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: {data}\n\n"
