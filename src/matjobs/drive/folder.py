"""What the runner and a job's driver leave each other in the job's folder, under `.matjobs/`:
the plan (written once, before the job is handed to its cluster), the flowchart's state and each
execution unit's results (written by the driver as it goes). The runner reads files a job could
have written itself: every read is bounded and a broken file reads as absent."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FOLDER = ".matjobs"
PLAN = "plan.json"
STATE = "flowchart.json"
RESULTS = "results"
MAX_STATE_BYTES = 4 * 1024 * 1024
MAX_RESULT_BYTES = 64 * 1024 * 1024  # a band structure of a few thousand k-points and many bands


@dataclass(frozen=True)
class UnitResults:
    """One pass of one execution unit: the property data it gave."""

    subworkflow_id: str
    flowchart_id: str
    repetition: int
    properties: tuple[dict[str, Any], ...]


def write_json(path: Path, data: Any) -> None:
    """Whole or not at all: a reader never sees half a file, even if the writer is killed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, separators=(",", ":")))
    os.replace(partial, path)


def read_json(path: Path, limit: int) -> Any:
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError:
        return None
    if len(raw) > limit:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def plan_path(workdir: Path) -> Path:
    return workdir / FOLDER / PLAN


def state_path(workdir: Path) -> Path:
    return workdir / FOLDER / STATE


def read_state(workdir: Path) -> dict[str, Any] | None:
    found = read_json(state_path(workdir), MAX_STATE_BYTES)
    return found if isinstance(found, dict) else None


def write_results(workdir: Path, results: UnitResults) -> None:
    folder = workdir / FOLDER / RESULTS
    count = len(list(folder.glob("*.json"))) if folder.is_dir() else 0
    write_json(
        folder / f"{count:05d}.json",
        {
            "subworkflow": results.subworkflow_id,
            "unit": results.flowchart_id,
            "repetition": results.repetition,
            "properties": list(results.properties),
        },
    )


def read_results(workdir: Path) -> list[UnitResults]:
    """Every pass's results in the order they were written; a file the runner cannot trust is skipped."""
    folder = workdir / FOLDER / RESULTS
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.json")):
        data = read_json(path, MAX_RESULT_BYTES)
        if not isinstance(data, dict) or not isinstance(data.get("properties"), list):
            continue
        properties = tuple(item for item in data["properties"] if isinstance(item, dict))
        repetition = data.get("repetition")
        found.append(
            UnitResults(
                str(data.get("subworkflow", "")),
                str(data.get("unit", "")),
                repetition if isinstance(repetition, int) else 0,
                properties,
            )
        )
    return found
