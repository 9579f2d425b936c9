"""An event: what moved in one job of one account, as the stream sends it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JOB_STATUS = "job.status"
UNIT_STATUS = "unit.status"
SCF_ITERATION = "scf.iteration"
IONIC_STEP = "ionic.step"
OUTPUT = "output"  # a unit's new output lines: sent to one job's listeners, never stored
STORED = (JOB_STATUS, UNIT_STATUS, SCF_ITERATION, IONIC_STEP)


@dataclass(frozen=True)
class Event:
    type: str
    account_id: str
    job_id: str
    data: dict[str, Any] = field(default_factory=dict)
    at: float = 0.0
