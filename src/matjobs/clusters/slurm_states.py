"""SLURM's job states, as the cluster protocol names them: shared by `squeue`, `sacct` and the
completion log's readers."""

from __future__ import annotations

from matjobs.clusters.base import State

# SLURM's job states onto the cluster protocol's; anything unlisted counts as still running.
STATES: dict[str, State] = {
    "PENDING": State.QUEUED,
    "CONFIGURING": State.QUEUED,
    "REQUEUED": State.QUEUED,
    "RESV_DEL_HOLD": State.QUEUED,
    "RUNNING": State.RUNNING,
    "COMPLETING": State.RUNNING,
    "SUSPENDED": State.RUNNING,
    "STOPPED": State.RUNNING,
    "COMPLETED": State.COMPLETED,
    "FAILED": State.FAILED,
    "NODE_FAIL": State.FAILED,
    "OUT_OF_MEMORY": State.FAILED,
    "BOOT_FAIL": State.FAILED,
    "DEADLINE": State.FAILED,
    "PREEMPTED": State.FAILED,
    "TIMEOUT": State.TIMEOUT,
    "CANCELLED": State.CANCELLED,
}
