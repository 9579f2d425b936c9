"""Jobs run without the driver: a workflow of one shell unit and nothing else (the platform's
Shell Script, the most common job by far) needs no flowchart at run time, and a Python process
per job would cost ten times the job itself. Its script is the job's script; its unit's status
follows the job's."""

from __future__ import annotations

from typing import Any

from matjobs.flowchart.interpreter import WORKFLOW, run_order
from matjobs.flowchart.state import ERROR, FINISHED, RUNNING, FlowchartState, unit_key

UNIT_STATUS = {"active": "active", "finished": "finished", "error": "error", "terminated": "error", "timeout": "error"}


def direct_unit(workflow: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(subworkflow, unit) when the workflow is one shell unit and nothing else."""
    order = run_order(workflow)
    if len(order) != 1 or order[0].get("type") != "subworkflow":
        return None
    found = [sub for sub in workflow.get("subworkflows") or [] if sub.get("_id") == order[0].get("_id")]
    units = found[0].get("units") or [] if len(found) == 1 else []
    if len(units) != 1 or units[0].get("type") != "execution":
        return None
    if (units[0].get("application") or {}).get("name") != "shell":
        return None
    return found[0], units[0]


def direct_state(workflow: dict[str, Any], job_track: list[dict[str, Any]]) -> FlowchartState | None:
    """The flowchart state of a job run directly, from its own status track; None for other jobs."""
    found = direct_unit(workflow)
    if found is None:
        return None
    subworkflow, unit = found
    keys = (
        unit_key(WORKFLOW, str(run_order(workflow)[0].get("flowchartId"))),
        unit_key(subworkflow["_id"], unit["flowchartId"]),
    )
    state = FlowchartState()
    for event in job_track:
        status = UNIT_STATUS.get(str(event.get("status")))
        if status is None:
            continue
        for key in keys:
            state.statuses[key] = status
            state.track.append({"unit": key, "status": status, "trackedAt": event.get("trackedAt", 0)})
        state.outcome = {"active": RUNNING, "finished": FINISHED}.get(status, ERROR)
    return state if state.track else None
