"""What a cluster does for the runner, in plain data: take a prepared job, report, cancel.

A cluster knows nothing of the job schema: it runs a command in a folder with some cores for
some time, and says how that went.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class RunSpec:
    """One job as a cluster sees it."""

    key: str  # the matjobs job's id: how a cluster finds the job again after a runner restart
    name: str
    workdir: Path
    command: list[str]  # run in workdir; stdout and stderr go to the files below
    queue: str
    nodes: int
    ppn: int
    time_limit_s: int
    account: str | None = None  # whose job it is: a cluster with account_users runs it as that account's user
    reads: tuple[str, ...] = ()  # folders the job reads besides the system's (the flowchart driver's code)

    @property
    def cores(self) -> int:
        return self.nodes * self.ppn

    @property
    def stdout(self) -> Path:
        return self.workdir / "job.out"

    @property
    def stderr(self) -> Path:
        return self.workdir / "job.err"


class Refused(Exception):
    """The cluster cannot run this job, and trying again will not change that; the message says
    what an administrator must do."""


class State(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Report:
    """What the cluster says of one job it was given."""

    jid: str
    state: State
    exit_code: int | None = None
    signal: int | None = None


class Cluster(Protocol):
    fqdn: str

    def submit(self, spec: RunSpec) -> str:
        """Accept the job; returns the cluster's id for it."""
        ...

    def poll(self, jids: list[str]) -> dict[str, Report]:
        """The state of each of these jobs (one call for all of them)."""
        ...

    def find(self, key: str) -> str | None:
        """The id of a job this cluster received with this key, if it did: after a runner died
        between a submit and recording its answer, this says whether to submit again."""
        ...

    def cancel(self, jid: str) -> None:
        """Stop the job, queued or running; a job already ended is left alone."""
        ...

    def release(self, jid: str) -> None:
        """The runner has recorded how the job ended; the cluster may forget it."""
        ...

    def close(self) -> None:
        """The runner is stopping."""
        ...
