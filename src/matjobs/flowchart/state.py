"""Where a job's flowchart stands, as plain data that survives a stop: JSON in, JSON out."""

from __future__ import annotations

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
