"""The application protocol, and the job script that runs a workflow's units in order."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from matjobs.errors import BadInput
from matjobs.pseudo_choice import Registry, choose, pseudopotential_model

Unit = dict[str, Any]


@dataclass(frozen=True)
class RunContext:
    """What a job gives its units besides their own inputs: the material it is about, its
    pseudopotentials (registry documents: those it names, then those `chosen` for the elements
    it names none for), its k-point grid, and the cores it runs on."""

    material: dict[str, Any] | None = None
    pseudopotentials: tuple[dict[str, Any], ...] = ()
    kpoints: tuple[int, int, int] | None = None
    cores: int = 1
    chosen: tuple[dict[str, Any], ...] = ()


def run_context(job: dict[str, Any], material: dict[str, Any] | None, registry: Registry | None = None) -> RunContext:
    """The job's run context: `material` as read for it, the rest as the job holds it
    (model.method.data.pseudo, model.method.precision.kpoints.value, compute).

    When its workflow's model runs on pseudopotentials, each element of the material the job
    names none for gets one chosen from `registry` (BadInput if it has none for an element)."""
    method = (job.get("model") or {}).get("method") or {}
    pseudo = (method.get("data") or {}).get("pseudo") or []
    named = tuple(item for item in pseudo if isinstance(item, dict))
    grid = ((method.get("precision") or {}).get("kpoints") or {}).get("value")
    kpoints = None
    if isinstance(grid, dict) and all(isinstance(grid.get(axis), int) for axis in "xyz"):
        kpoints = (grid["x"], grid["y"], grid["z"])
    chosen: tuple[dict[str, Any], ...] = ()
    model = pseudopotential_model(job.get("workflow") or {})
    if material is not None and model is not None and registry is not None:
        given = {item.get("element") for item in named}
        missing = [element for element in _elements(material) if element not in given]
        chosen = tuple(choose(missing, model, registry).values())
    compute = job["compute"]
    return RunContext(
        material=material,
        pseudopotentials=named + chosen,
        kpoints=kpoints,
        cores=compute["nodes"] * compute["ppn"],
        chosen=chosen,
    )


def _elements(material: dict[str, Any]) -> list[str]:
    """The material's elements, each once, in the order of its basis."""
    entries = (material.get("basis") or {}).get("elements") or []
    found = (entry.get("value") for entry in entries if isinstance(entry, dict))
    return list(dict.fromkeys(value for value in found if isinstance(value, str)))


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
