"""The events between two versions of a job document: its status, and its units' statuses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from matjobs.events.kinds import JOB_STATUS, UNIT_STATUS, Event


def job_events(before: dict[str, Any] | None, after: dict[str, Any] | None, at: float) -> list[Event]:
    """`before` None: the job was created; `after` None: it was deleted for good."""
    current = after if after is not None else before
    if current is None:
        return []
    account_id, job_id = str(current["owner"]["_id"]), str(current["_id"])
    previous = before.get("status") if before is not None else None
    status = after.get("status") if after is not None else "deleted"
    events = []
    for passed in _passed(before, after) if status != previous else []:
        data = {"jobId": job_id, "name": current.get("name"), "status": passed, "previous": previous, "at": at}
        events.append(Event(JOB_STATUS, account_id, job_id, data, at))
        previous = passed
    if after is not None:
        seen = dict(_unit_statuses(before)) if before is not None else {}
        for key, (name, unit_status) in _unit_statuses(after):
            if before is not None and seen.get(key, (None, None))[1] != unit_status:
                subworkflow_id, unit_id = key
                data = {
                    "jobId": job_id,
                    "subworkflowId": subworkflow_id,
                    "unitId": unit_id,
                    "name": name,
                    "status": unit_status,
                    "at": at,
                }
                events.append(Event(UNIT_STATUS, account_id, job_id, data, at))
    return events


def _unit_statuses(job: dict[str, Any]) -> Iterator[tuple[tuple[str, str], tuple[Any, Any]]]:
    workflow = job.get("workflow")
    if not isinstance(workflow, dict):
        return
    for subworkflow in workflow.get("subworkflows") or []:
        if not isinstance(subworkflow, dict):
            continue
        for unit in subworkflow.get("units") or []:
            if isinstance(unit, dict) and "flowchartId" in unit:
                key = (str(subworkflow.get("_id")), str(unit["flowchartId"]))
                yield key, (unit.get("name"), unit.get("status"))


def _passed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Any]:
    """The statuses the job went through, in order: a runner that saw a job start and end between
    two looks writes both at once, and a listener (a begin notice) must see each."""
    if after is None:
        return ["deleted"]
    if before is None:
        return [after.get("status")]
    known = len(before.get("statusTrack") or [])
    added = [entry.get("status") for entry in (after.get("statusTrack") or [])[known:] if isinstance(entry, dict)]
    if added and added[-1] == after.get("status") and all(isinstance(status, str) for status in added):
        return added
    return [after.get("status")]
