"""Where a job's flowchart stands, as plain data that survives a stop: JSON in, JSON out."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

RUNNING, FINISHED, ERROR = "running", "finished", "error"


@dataclass
class FlowchartState:
    """The interpreter's whole memory. `subworkflow` indexes the workflow's run order; `unit` is the
    flowchartId of the unit to run next (None: the subworkflow's head); `pending` marks an
    execution unit handed to the caller whose results have not come back."""

    subworkflow: int = 0
    unit: str | None = None
    pending: bool = False
    outcome: str = RUNNING
    message: str = ""
    global_scope: dict[str, Any] = field(default_factory=dict)
    unit_scopes: dict[str, dict[str, Any]] = field(default_factory=dict)  # results by flowchartId
    occurrences: dict[str, int] = field(default_factory=dict)  # condition arrivals by unit key
    statuses: dict[str, str] = field(default_factory=dict)  # by unit key: "<subworkflow _id>/<flowchartId>"
    track: list[dict[str, Any]] = field(default_factory=list)  # status events, in order

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FlowchartState:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)


def unit_key(subworkflow_id: str, flowchart_id: str) -> str:
    """Units are named by subworkflow and flowchartId: the bank repeats flowchartIds across subworkflows."""
    return f"{subworkflow_id}/{flowchart_id}"


SCOPE_VALUE_LIMIT = 2000  # characters of JSON: a band structure stays a property, not a scope entry


def scope_track(state: FlowchartState) -> list[dict[str, Any]]:
    """The flowchart's scope as the job schema's `scopeTrack` holds it: the global scope (where
    a workflow leaves its answer, e.g. K-point Convergence's converged PARAMETER) and each
    unit's results, those small enough to read at a glance."""
    local = {
        unit: {name: value for name, value in values.items() if _small(value)}
        for unit, values in state.unit_scopes.items()
    }
    global_scope = {name: value for name, value in state.global_scope.items() if _small(value)}
    return [{"repetition": 0, "scope": {"global": global_scope, "local": local}}]


def _small(value: Any) -> bool:
    try:
        return len(json.dumps(value)) <= SCOPE_VALUE_LIMIT
    except (TypeError, ValueError):
        return False
