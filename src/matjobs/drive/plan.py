"""The plan of a job's run, which the runner writes into its folder before handing the job to
its cluster: everything the driver needs that only the service knows (the material read from
the store, the pseudopotentials chosen, the cores), so that the cluster never reaches it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matjobs.applications.base import RunContext
from matjobs.drive.folder import plan_path, read_json, write_json

MAX_PLAN_BYTES = 64 * 1024 * 1024


def write_plan(workdir: Path, workflow: dict[str, Any], context: RunContext, cluster: str) -> None:
    write_json(
        plan_path(workdir),
        {
            "workflow": workflow,
            "material": context.material,
            "materials": list(context.materials),
            "pseudopotentials": list(context.pseudopotentials),
            "kpoints": list(context.kpoints) if context.kpoints is not None else None,
            "cores": context.cores,
            "cluster": cluster,
        },
    )


def read_plan(workdir: Path) -> tuple[dict[str, Any], RunContext, str]:
    """The workflow, the job's run context and its cluster's name; ValueError if there is no plan."""
    data = read_json(plan_path(workdir), MAX_PLAN_BYTES)
    if not isinstance(data, dict) or not isinstance(data.get("workflow"), dict):
        raise ValueError(f"{plan_path(workdir)} is missing or broken: the runner writes it before the job starts")
    kpoints = data.get("kpoints")
    context = RunContext(
        material=data.get("material"),
        pseudopotentials=tuple(data.get("pseudopotentials") or ()),
        kpoints=(kpoints[0], kpoints[1], kpoints[2]) if isinstance(kpoints, list) and len(kpoints) == 3 else None,
        cores=int(data.get("cores") or 1),
        cluster=str(data.get("cluster") or ""),
        materials=tuple(item for item in data.get("materials") or () if isinstance(item, dict)),
    )
    return data["workflow"], context, str(data.get("cluster") or "")
