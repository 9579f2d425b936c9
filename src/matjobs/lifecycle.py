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

# `deleted`: a job deleted while its cluster may still run it. It is gone for the API at once;
# the runner stops its work on the cluster and then removes it.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PRE_SUBMISSION: frozenset({Status.SUBMITTED}),
    Status.SUBMITTED: frozenset(
        {
            Status.QUEUED,
            Status.ACTIVE,
            Status.FINISHED,
            Status.ERROR,
            Status.TERMINATE_QUEUED,
            Status.TERMINATED,
            Status.DELETED,
        }
    ),
    Status.QUEUED: frozenset(
        {
            Status.ACTIVE,
            Status.FINISHED,
            Status.ERROR,
            Status.TIMEOUT,
            Status.TERMINATE_QUEUED,
            Status.TERMINATED,
            Status.DELETED,
        }
    ),
    Status.ACTIVE: frozenset(
        {Status.FINISHED, Status.ERROR, Status.TIMEOUT, Status.TERMINATE_QUEUED, Status.TERMINATED, Status.DELETED}
    ),
    Status.TERMINATE_QUEUED: frozenset(
        {Status.TERMINATED, Status.FINISHED, Status.ERROR, Status.TIMEOUT, Status.DELETED}
    ),
    Status.FINISHED: frozenset(),
    Status.ERROR: frozenset(),
    Status.TERMINATED: frozenset(),
    Status.TIMEOUT: frozenset(),
    Status.DELETED: frozenset(),
}

# A job is queued or running on its cluster, or about to be: terminate applies, delete must stop it.
TERMINABLE: frozenset[Status] = frozenset({Status.SUBMITTED, Status.QUEUED, Status.ACTIVE})

# Fields a user may edit whatever the status; everything else is frozen after pre-submission.
ALWAYS_EDITABLE: frozenset[str] = frozenset({"name", "title", "tags", "description"})


def can_transition(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


def is_editable(status: Status, top_level_field: str) -> bool:
    return status is Status.PRE_SUBMISSION or top_level_field in ALWAYS_EDITABLE
