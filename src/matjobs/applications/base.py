"""The application protocol, and the job script that runs a workflow's units in order."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from matjobs.errors import BadInput

Unit = dict[str, Any]


@dataclass(frozen=True)
class RunContext:
    """What a job gives its units besides their own inputs: the material it is about, its
    pseudopotentials (registry documents), its k-point grid, and the cores it runs on."""

    material: dict[str, Any] | None = None
    pseudopotentials: tuple[dict[str, Any], ...] = ()
    kpoints: tuple[int, int, int] | None = None
    cores: int = 1


def run_context(job: dict[str, Any], material: dict[str, Any] | None) -> RunContext:
    """The job's run context: `material` as read for it, the rest as the job holds it
    (model.method.data.pseudo, model.method.precision.kpoints.value, compute)."""
    method = (job.get("model") or {}).get("method") or {}
    pseudo = (method.get("data") or {}).get("pseudo") or []
    grid = ((method.get("precision") or {}).get("kpoints") or {}).get("value")
    kpoints = None
    if isinstance(grid, dict) and all(isinstance(grid.get(axis), int) for axis in "xyz"):
        kpoints = (grid["x"], grid["y"], grid["z"])
    compute = job["compute"]
    return RunContext(
        material=material,
        pseudopotentials=tuple(item for item in pseudo if isinstance(item, dict)),
        kpoints=kpoints,
        cores=compute["nodes"] * compute["ppn"],
    )


@dataclass(frozen=True)
class Collected:
    """What a unit's run left behind: its results (property data), and why it failed if it did."""

    properties: tuple[dict[str, Any], ...] = ()
    problem: str | None = None


class Application(Protocol):
    name: str

    def prepare(self, unit: Unit, workdir: Path, context: RunContext) -> list[str]:
        """Write the unit's input files into workdir; return the command that runs it there."""
        ...

    def collect(self, unit: Unit, workdir: Path) -> Collected:
        """Read the unit's results from workdir after the job has ended."""
        ...


def execution_units(workflow: dict[str, Any]) -> list[Unit]:
    """The workflow's execution units in the order they run: subworkflows as the workflow lists
    them, and within each, from its head unit along `next`."""
    subworkflows = {sub.get("_id"): sub for sub in workflow.get("subworkflows", [])}
    ordered: list[Unit] = []
    for step in workflow.get("units", []):
        sub = subworkflows.get(step.get("_id"))
        if sub is not None:
            ordered.extend(_chain(sub.get("units", [])))
    if not workflow.get("units"):
        for sub in workflow.get("subworkflows", []):
            ordered.extend(_chain(sub.get("units", [])))
    return [unit for unit in ordered if unit.get("type") == "execution"]


def _chain(units: list[Unit]) -> list[Unit]:
    by_id = {unit.get("flowchartId"): unit for unit in units}
    head = next((unit for unit in units if unit.get("head")), units[0] if units else None)
    chain: list[Unit] = []
    while head is not None and head not in chain:
        chain.append(head)
        head = by_id.get(head.get("next"))
    return chain if len(chain) == len(units) else units


def job_script(commands: list[list[str]]) -> str:
    """One script running each unit's command in order, stopping at the first that fails.

    The last command replaces the script's shell (`exec`): one process fewer per job, and its
    exit status is the job's all the same."""
    lines = ["#!/bin/bash", "set -e"]
    lines += [" ".join(shlex.quote(part) for part in command) for command in commands]
    if len(lines) > 2:
        lines[-1] = "exec " + lines[-1]
    return "\n".join(lines) + "\n"


def require(condition: bool, message: str) -> None:
    if not condition:
        raise BadInput(message)
