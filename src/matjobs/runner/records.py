"""What the runner records of a job: the changes a step learned, applied to the job's document
as its lifecycle allows, and the reasons a job failed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matjobs.clusters.base import Report, State
from matjobs.documents.job import moved_to
from matjobs.drive.direct import direct_state
from matjobs.flowchart.interpreter import fail as stopped
from matjobs.flowchart.interpreter import with_statuses
from matjobs.flowchart.state import FlowchartState, scope_track
from matjobs.ids import now_epoch, now_iso
from matjobs.lifecycle import Status, can_transition
from matjobs.pseudo_choice import with_pseudopotentials
from matjobs.store.runs import Followed

STDERR_TAIL = 2000  # characters of stderr kept in compute.errors
STOPPED = (Status.ERROR, Status.TERMINATED, Status.TIMEOUT)
OUTCOMES = {
    State.COMPLETED: Status.FINISHED,
    State.FAILED: Status.ERROR,
    State.TIMEOUT: Status.TIMEOUT,
    State.CANCELLED: Status.TERMINATED,
}
# A job stopped mid-flowchart (terminated, out of time) keeps what its finished units gave.
COLLECTED = tuple(OUTCOMES)


@dataclass(frozen=True)
class Harvest:
    """What a job that ended left to store: its units' results as property documents, the
    structures its relaxations ended in as new materials of its account, and why it failed."""

    properties: tuple[dict[str, Any], ...] = ()
    materials: tuple[dict[str, Any], ...] = ()
    problem: str | None = None


@dataclass(frozen=True)
class Change:
    """What a step learned of one job, to be recorded: its statuses in the order they happened
    (those its current status no longer allows are skipped), and what goes with them."""

    job_id: str
    statuses: tuple[Status, ...] = ()
    jid: str | None = None
    work_dir: str | None = None
    errors: tuple[dict[str, str], ...] = ()
    started: bool = False
    properties: tuple[dict[str, Any], ...] = ()  # results to store with the final status
    materials: tuple[dict[str, Any], ...] = ()  # relaxed structures, stored with the final status too
    pseudopotentials: tuple[dict[str, Any], ...] = ()  # shown in the workflow: the server chose some
    flowchart: FlowchartState | None = None  # where the job's units stand, as its driver last wrote


def applied(document: dict[str, Any], change: Change) -> dict[str, Any]:
    """The job with the change recorded; statuses its lifecycle no longer allows are skipped."""
    compute = dict(document["compute"])
    if change.jid is not None:
        compute["cluster"] = {**compute.get("cluster", {}), "jid": change.jid}
    if change.errors:
        compute["errors"] = [*compute.get("errors", []), *change.errors]
    changed = {**document, "compute": compute}
    if change.work_dir is not None:
        changed["workDir"] = change.work_dir
    if change.pseudopotentials:
        changed["workflow"] = with_pseudopotentials(changed["workflow"], change.pseudopotentials)
    if change.started and "startTime" not in changed:
        changed["startTime"] = now_iso()
    for status in change.statuses:
        if can_transition(Status(changed["status"]), status):
            changed = moved_to(changed, status, tracked_at=now_epoch(), updated_at=now_iso())
    state = change.flowchart
    if state is None and changed["status"] != document["status"]:
        state = direct_state(changed["workflow"], changed.get("statusTrack", []))
    if state is not None:
        if Status(changed["status"]) in STOPPED:  # a unit cut short did not finish: it is in error
            state = stopped(changed["workflow"], state, state.message, now_epoch())
        changed["workflow"] = with_statuses(changed["workflow"], state)
        changed["scopeTrack"] = scope_track(state)
    return changed


def error(reason: str, message: str) -> dict[str, str]:
    # No `domain`: the job schema allows only the platform's own services there (rupy, alfred,
    # celim, webapp), and a job holding another could never be updated again.
    return {"reason": reason, "message": message}


def failure(report: Report, workdir: Path, problem: str | None = None) -> dict[str, str]:
    """Why the job failed: what its application made of it, then the end of its stderr."""
    reason = f"exit code {report.exit_code}" if report.exit_code is not None else f"signal {report.signal}"
    try:
        stderr = (workdir / "job.err").read_text(errors="replace")[-STDERR_TAIL:].strip()
    except OSError:
        stderr = ""
    if problem:
        return error(reason, f"{problem}; stderr: {stderr}" if stderr else problem)
    return error(reason, stderr or f"the job ended with {reason}")


def change_for(job: Followed, report: Report, collected: Harvest | None, workdir: Path) -> Change | None:
    """What the cluster's report says happened to a followed job, if anything."""
    if job.status is Status.DELETED:
        return None  # removed once it ended
    if report.state is State.RUNNING and job.status is Status.QUEUED:
        return Change(job.id, (Status.ACTIVE,), started=True)
    if report.state not in OUTCOMES:
        return None
    collected = collected or Harvest()
    outcome = OUTCOMES[report.state]
    errors: tuple[dict[str, str], ...] = ()
    if report.state is State.FAILED:
        errors = (failure(report, workdir, collected.problem),)
    elif report.state is State.COMPLETED and collected.problem:
        # The program ended well but its calculation did not give a result.
        outcome, errors = Status.ERROR, (error("CalculationFailed", collected.problem),)
    ran = report.state is not State.CANCELLED or job.status is not Status.QUEUED
    # A job that started and ended between two polls was active too: both are recorded.
    statuses = (Status.ACTIVE, outcome) if ran and job.status is Status.QUEUED else (outcome,)
    return Change(
        job.id, statuses, errors=errors, started=ran, properties=collected.properties, materials=collected.materials
    )
