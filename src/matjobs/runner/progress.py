"""Where running jobs' flowcharts stand, read from their folders only when their driver wrote
something new (its state file's size and time), so that following many jobs stays cheap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matjobs.drive.folder import read_state, state_path
from matjobs.flowchart.state import FlowchartState


class Progress:
    def __init__(self) -> None:
        self._seen: dict[str, tuple[int, int]] = {}

    def moved(self, job_id: str, workdir: Path, *, ended: bool = False) -> FlowchartState | None:
        """The job's flowchart state if it changed since the last look (or, once the job
        `ended`, in any case); None if it did not, or if the file cannot be trusted."""
        try:
            seen = state_path(workdir).stat()
        except OSError:
            return None
        mark = (seen.st_mtime_ns, seen.st_size)
        if ended:
            self._seen.pop(job_id, None)
        elif self._seen.get(job_id) == mark:
            return None
        else:
            self._seen[job_id] = mark
        return parsed(read_state(workdir))

    def forget(self, job_id: str) -> None:
        self._seen.pop(job_id, None)


def parsed(data: dict[str, Any] | None) -> FlowchartState | None:
    """The state, if it is one: the job's own processes could have written anything there."""
    if data is None:
        return None
    try:
        state = FlowchartState.from_dict(data)
    except TypeError:
        return None
    statuses_ok = isinstance(state.statuses, dict) and all(
        isinstance(key, str) and isinstance(status, str) for key, status in state.statuses.items()
    )
    track_ok = isinstance(state.track, list) and all(
        isinstance(event, dict)
        and isinstance(event.get("unit"), str)
        and isinstance(event.get("status"), str)
        and isinstance(event.get("trackedAt"), int | float)
        for event in state.track
    )
    return state if statuses_ok and track_ok and isinstance(state.message, str) else None
