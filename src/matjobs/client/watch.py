"""`jobs watch`: the jobs followed live on the event stream, reconnecting where it stopped
(Last-Event-ID), until each has ended; returns the exit code of their final statuses."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

from matjobs.client.remote import OPEN, ClientError, Missing, Server, Unreachable
from matjobs.client.views import exit_code
from matjobs.client.watching import Watched

RETRY_S = (0.5, 1.0, 2.0, 4.0)
GIVE_UP_S = 120.0  # a server unreachable this long ends the watch with an error


def watch(api: Server, job_ids: list[str], *, plain: bool, console: Console) -> int:
    jobs = {job_id: Watched.of(api.job(job_id)) for job_id in job_ids}
    if plain:
        for job in jobs.values():
            console.print(f"{job.job_id} {job.name}: {job.status}", highlight=False)
        _follow(api, jobs, lambda line: console.print(line, highlight=False))
    else:
        with Live(_view(jobs), console=console, auto_refresh=False) as live:
            _follow(api, jobs, lambda _line: live.update(_view(jobs), refresh=True))
    return exit_code(job.status for job in jobs.values())


def _follow(api: Server, jobs: dict[str, Watched], tell: Callable[[str], None]) -> None:
    """Apply the stream's events until every job is final."""
    after: int | None = None
    failing_since: float | None = None
    attempt = 0
    while not all(job.final for job in jobs.values()):
        try:
            for event in api.events([job_id for job_id, job in jobs.items() if not job.final], after):
                failing_since, attempt = None, 0
                if event.kind == OPEN:
                    # What changed before the stream opened is in the documents, not on the stream.
                    _refresh(api, jobs, tell)
                else:
                    after = event.id if event.id is not None else after
                    job = jobs.get(str(event.data.get("jobId")))
                    line = job.apply(event.kind, event.data) if job else None
                    if line:
                        tell(line)
                if all(job.final for job in jobs.values()):
                    return
        except Unreachable:
            failing_since = failing_since or time.monotonic()
            if time.monotonic() - failing_since > GIVE_UP_S:
                raise
        except Missing:
            for job_id in jobs:
                api.job(job_id)  # a job deleted meanwhile is the one to name
            server = api.connection.server
            raise ClientError(f"server {server} has no event stream (a matjobs from before it)") from None
        time.sleep(RETRY_S[min(attempt, len(RETRY_S) - 1)])
        attempt += 1


def _refresh(api: Server, jobs: dict[str, Watched], tell: Callable[[str], None]) -> None:
    for job_id, job in jobs.items():
        if job.final:
            continue
        fresh = Watched.of(api.job(job_id))
        for unit_id, (name, status) in fresh.units.items():
            if line := job.apply("unit.status", {"unitId": unit_id, "name": name, "status": status}):
                tell(line)
        if line := job.apply("job.status", {"status": fresh.status}):
            tell(line)


def _view(jobs: dict[str, Watched]) -> Group:
    tables = []
    for job in jobs.values():
        done, total = job.progress()
        title = f"{job.job_id} {job.name}: {job.status} ({done}/{total} units)"
        table = Table("unit", "status", "SCF", "energy (eV)", "accuracy", title=title)
        for unit_id, (name, status) in job.units.items():
            scf = job.scf.get(unit_id)
            ionic = job.ionic.get(unit_id)
            table.add_row(
                name,
                status,
                "" if scf is None else f"#{scf.iteration}" + ("" if ionic is None else f" (step {ionic[0]})"),
                "" if scf is None else f"{scf.energy:.8f}",
                "" if scf is None or scf.accuracy is None else f"{scf.accuracy:.2e}",
            )
        tables.append(table)
    return Group(*tables)
