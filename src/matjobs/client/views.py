"""Pure decisions of the CLI: the list's selector, table rows, key results, exit codes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FINAL = ("finished", "error", "timeout", "terminated")
# `jobs watch`'s exit codes; 1 and 2 stay the CLI's own (a failed call, a usage error).
EXIT_CODES = {"finished": 0, "error": 3, "timeout": 4, "terminated": 5}
EXIT_HELP = (
    "Exit code: 0 finished, 3 error, 4 timeout, 5 terminated; of several jobs, 3 if any ended in error, "
    "else 4 if any timed out, else 5 if any was terminated; 1 if the server could not tell."
)
# Several jobs' outcome is the most telling one: an error before a timeout before a termination.
_SEVERITY = ("error", "timeout", "terminated", "finished")


def exit_code(statuses: Iterable[str]) -> int:
    """The exit code for the final statuses of the jobs watched."""
    seen = set(statuses)
    for status in _SEVERITY:
        if status in seen:
            return EXIT_CODES[status]
    raise ValueError(f"no final status among {sorted(seen)}")


def selector(
    *, status: list[str], project_id: str | None, query: str | None, name: str | None
) -> dict[str, Any] | None:
    """The Mongo selector of `jobs list`'s filters, all of which must hold; ValueError for bad JSON."""
    parts: list[dict[str, Any]] = []
    if query:
        try:
            given = json.loads(query)
        except ValueError as error:
            raise ValueError(f"--query is not JSON: {error}") from None
        if not isinstance(given, dict):
            raise ValueError("--query must be a JSON object (a Mongo selector)")
        if given:
            parts.append(given)
    if status:
        parts.append({"status": status[0]} if len(status) == 1 else {"status": {"$in": status}})
    if project_id:
        parts.append({"_project._id": project_id})
    if name:
        parts.append({"name": {"$regex": re.escape(name), "$options": "i"}})
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}


def when(stamp: Any) -> str:
    """An ISO time as the tables show it, to the minute, UTC."""
    if not isinstance(stamp, str) or len(stamp) < 16:
        return ""
    return stamp[:10] + " " + stamp[11:16]


def job_row(job: dict[str, Any]) -> tuple[str, str, str, str, str]:
    """id, name, status, cluster, created."""
    compute = job.get("compute") if isinstance(job.get("compute"), dict) else {}
    cluster = (compute or {}).get("cluster") or {}
    fqdn = cluster.get("fqdn", "") if isinstance(cluster, dict) else ""
    return (
        str(job.get("_id", "")),
        str(job.get("name", "")),
        str(job.get("status", "")),
        str(fqdn or ""),
        when(job.get("createdAt")),
    )


def units(job: dict[str, Any]) -> list[dict[str, str]]:
    """The job's units in the workflow's order: flowchartId, name, status."""
    workflow = job.get("workflow") if isinstance(job.get("workflow"), dict) else None
    found = []
    for subworkflow in (workflow or {}).get("subworkflows") or []:
        for unit in subworkflow.get("units") or [] if isinstance(subworkflow, dict) else []:
            if isinstance(unit, dict):
                found.append(
                    {
                        "flowchartId": str(unit.get("flowchartId", "")),
                        "name": str(unit.get("name", "")),
                        "status": str(unit.get("status") or "idle"),
                    }
                )
    return found


LEADING = ("total_energy", "band_gaps")


def key_results(properties: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    """(name, value) of the total energy, the band gaps and the other scalar results, then one
    row naming the rest (arrays such as band structures: the API has them)."""
    shown: list[tuple[str, str]] = []
    others: list[str] = []
    for prop in properties:
        data = prop.get("data") if isinstance(prop.get("data"), dict) else None
        name = str((data or {}).get("name", ""))
        if not data or not name:
            continue
        if isinstance(data.get("value"), int | float):
            shown.append((name, f"{data['value']:.10g} {data.get('units', '')}".strip()))
        elif name == "band_gaps":
            gaps = [gap for gap in data.get("values") or [] if isinstance(gap, dict)]
            shown.append((name, ", ".join(_gap(gap) for gap in gaps)))
        elif name not in others:
            others.append(name)
    shown.sort(key=lambda row: LEADING.index(row[0]) if row[0] in LEADING else len(LEADING))
    return shown + ([("also", ", ".join(others))] if others else [])


def _gap(gap: dict[str, Any]) -> str:
    value = gap.get("value")
    shown = f"{value:.4g}" if isinstance(value, int | float) else "?"
    return f"{gap.get('type', '')} {shown} {gap.get('units', '')}".strip()


def structure_format(path: Path) -> str:
    """The import format of a structure file, by its name: a CIF or a POSCAR."""
    name = path.name.lower()
    if name.endswith(".cif"):
        return "cif"
    if name.endswith((".vasp", ".poscar")) or name.startswith(("poscar", "contcar")):
        return "poscar"
    raise ValueError(f"{path.name}: name a .cif file or a POSCAR (POSCAR, CONTCAR, *.vasp, *.poscar)")


def size(count: Any) -> str:
    if not isinstance(count, int):
        return ""
    if count < 1024:
        return f"{count} B"
    value, unit = count / 1024, 0
    while value >= 1024 and unit < 2:
        value, unit = value / 1024, unit + 1
    return f"{value:.1f} {('KiB', 'MiB', 'GiB')[unit]}"


def unit_outputs(job: dict[str, Any]) -> dict[str, str]:
    """Each unit's own output file (pw_scf.out for pw_scf.in) and the unit's flowchartId, in the
    workflow's order."""
    found: dict[str, str] = {}
    workflow = job.get("workflow") if isinstance(job.get("workflow"), dict) else None
    for subworkflow in (workflow or {}).get("subworkflows") or []:
        for unit in (subworkflow.get("units") or []) if isinstance(subworkflow, dict) else []:
            for item in (unit.get("input") or []) if isinstance(unit, dict) else []:
                template = item.get("template") if isinstance(item, dict) else None
                input_name = (template or {}).get("name") or (item.get("name") if isinstance(item, dict) else None)
                if isinstance(input_name, str) and input_name:
                    found.setdefault(str(Path(input_name).with_suffix(".out")), str(unit.get("flowchartId", "")))
    return found


def output_names(job: dict[str, Any], present: Iterable[str]) -> list[str]:
    """The files that hold the job's output, in the order it wrote them: each unit's own
    output, then the job's standard output and error."""
    have = set(present)
    return [name for name in [*unit_outputs(job), "job.out", "job.err"] if name in have]


def applications(workflow: dict[str, Any]) -> list[str]:
    subworkflows = [item for item in workflow.get("subworkflows") or [] if isinstance(item, dict)]
    return sorted({str((item.get("application") or {}).get("name", "")) for item in subworkflows} - {""})


def workflow_row(workflow: dict[str, Any]) -> tuple[str, str, str, str]:
    """id, name, applications, number of units."""
    subworkflows = [item for item in workflow.get("subworkflows") or [] if isinstance(item, dict)]
    count = sum(len(item.get("units") or []) for item in subworkflows)
    return str(workflow.get("_id", "")), str(workflow.get("name", "")), ", ".join(applications(workflow)), str(count)


def pick_workflow(matches: list[dict[str, Any]], application: str) -> dict[str, Any] | None:
    """Of the bank's workflows found by a name, the one to use: the only one, or the only one of
    `application` (the bank names one workflow of each application alike: "Band Structure" is
    both espresso's and vasp's). ValueError when that leaves several."""
    if len(matches) <= 1:
        return matches[0] if matches else None
    of_application = [workflow for workflow in matches if application in applications(workflow)]
    if len(of_application) == 1:
        return of_application[0]
    listed = "; ".join(f"{workflow.get('_id')} ({', '.join(applications(workflow))})" for workflow in matches)
    raise ValueError(
        f"{len(matches)} of the bank's workflows have that name: {listed}; give one's id, or --application"
    )
