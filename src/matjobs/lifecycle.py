"""Job statuses and the transitions between them, declared as data."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    PRE_SUBMISSION = "pre-submission"
    SUBMITTED = "submitted"
    QUEUED = "queued"
    ACTIVE = "active"
    FINISHED = "finished"
    TERMINATE_QUEUED = "terminate-queued"
    TERMINATED = "terminated"
    ERROR = "error"
    DELETED = "deleted"
    TIMEOUT = "timeout"


FINAL: frozenset[Status] = frozenset({Status.FINISHED, Status.ERROR, Status.TERMINATED, Status.TIMEOUT})
# Submitted but not yet final: a repeated submit is a no-op here, never a second run.
IN_FLIGHT: frozenset[Status] = frozenset({Status.SUBMITTED, Status.QUEUED, Status.ACTIVE, Status.TERMINATE_QUEUED})

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PRE_SUBMISSION: frozenset({Status.SUBMITTED}),
    Status.SUBMITTED: frozenset(
        {Status.QUEUED, Status.ACTIVE, Status.FINISHED, Status.ERROR, Status.TERMINATE_QUEUED, Status.TERMINATED}
    ),
    Status.QUEUED: frozenset(
        {Status.ACTIVE, Status.FINISHED, Status.ERROR, Status.TIMEOUT, Status.TERMINATE_QUEUED, Status.TERMINATED}
    ),
    Status.ACTIVE: frozenset(
        {Status.FINISHED, Status.ERROR, Status.TIMEOUT, Status.TERMINATE_QUEUED, Status.TERMINATED}
    ),
    Status.TERMINATE_QUEUED: frozenset({Status.TERMINATED, Status.FINISHED, Status.ERROR, Status.TIMEOUT}),
    Status.FINISHED: frozenset(),
    Status.ERROR: frozenset(),
    Status.TERMINATED: frozenset(),
    Status.TIMEOUT: frozenset(),
    Status.DELETED: frozenset(),
}

# Fields a user may edit whatever the status; everything else is frozen after pre-submission.
ALWAYS_EDITABLE: frozenset[str] = frozenset({"name", "title", "tags", "description"})


def can_transition(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


def is_editable(status: Status, top_level_field: str) -> bool:
    return status is Status.PRE_SUBMISSION or top_level_field in ALWAYS_EDITABLE
