"""The application protocol, and the job script that runs a workflow's units in order."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from matjobs.errors import BadInput
from matjobs.pseudo_choice import Registry, choose, pseudopotential_model

Unit = dict[str, Any]


@dataclass(frozen=True)
class RunContext:
    """What a job gives its units besides their own inputs: the material it is about, its
    pseudopotentials (registry documents: those it names, then those `chosen` for the elements
    it names none for), its k-point grid, and the cores it runs on; per subworkflow, its model's
    method and its assignments (`subworkflowContext`), which the workbench sets for each unit."""

    material: dict[str, Any] | None = None
    pseudopotentials: tuple[dict[str, Any], ...] = ()
    kpoints: tuple[int, int, int] | None = None
    cores: int = 1
    chosen: tuple[dict[str, Any], ...] = ()
    method: dict[str, Any] | None = None
    assignments: Mapping[str, Any] = field(default_factory=dict)
    # The flowchart's scope when the unit runs: what its `{% raw %}` parts are rendered with.
    scope: Mapping[str, Any] = field(default_factory=dict)
    cluster: str = ""  # the fqdn of the cluster the job runs on, for messages about its machine
    # A multi-material job's materials (`_materials`: a NEB's first and last images), read for it.
    materials: tuple[dict[str, Any], ...] = ()


def run_context(
    job: dict[str, Any],
    material: dict[str, Any] | None,
    registry: Registry | None = None,
    materials: tuple[dict[str, Any], ...] = (),
) -> RunContext:
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
        every = [element for each in (material, *materials) for element in _elements(each)]
        missing = [element for element in dict.fromkeys(every) if element not in given]
        chosen = tuple(choose(missing, model, registry).values())
    compute = job["compute"]
    return RunContext(
        material=material,
        pseudopotentials=named + chosen,
        kpoints=kpoints,
        cores=compute["nodes"] * compute["ppn"],
        chosen=chosen,
        cluster=str((compute.get("cluster") or {}).get("fqdn") or ""),
        materials=materials,
    )


def _elements(material: dict[str, Any]) -> list[str]:
    """The material's elements, each once, in the order of its basis."""
    entries = (material.get("basis") or {}).get("elements") or []
    found = (entry.get("value") for entry in entries if isinstance(entry, dict))
    return list(dict.fromkeys(value for value in found if isinstance(value, str)))


@dataclass(frozen=True)
class Collected:
    """What a unit's run left behind: its results (property data), values for later units'
    scope beyond them (a python unit's `STDOUT`), and why it failed if it did."""

    properties: tuple[dict[str, Any], ...] = ()
    problem: str | None = None
    scope: Mapping[str, Any] = field(default_factory=dict)
    global_scope: Mapping[str, Any] = field(default_factory=dict)  # values it sets for every later unit


class Application(Protocol):
    name: str

    def prepare(self, unit: Unit, workdir: Path, context: RunContext) -> list[str]:
        """Write the unit's input files into workdir; return the command that runs it there."""
        ...

    def collect(self, unit: Unit, workdir: Path) -> Collected:
        """Read the unit's results from workdir after the job has ended."""
        ...

    def executables(self, unit: Unit, context: RunContext) -> tuple[str, ...]:
        """The programs the unit's command needs on the PATH of the node that runs it."""
        ...


def execution_units(workflow: dict[str, Any]) -> list[Unit]:
    """The workflow's execution units in the order they run: subworkflows as the workflow lists
    them, and within each, from its head unit along `next`."""
    return [unit for _, unit in execution_steps(workflow)]


def execution_steps(workflow: dict[str, Any]) -> list[tuple[dict[str, Any], Unit]]:
    """The execution units in the order they run, each with its subworkflow."""
    subworkflows = {sub.get("_id"): sub for sub in workflow.get("subworkflows", [])}
    ordered: list[tuple[dict[str, Any], Unit]] = []
    for step in workflow.get("units", []):
        sub = subworkflows.get(step.get("_id"))
        if sub is not None:
            ordered.extend((sub, unit) for unit in _chain(sub.get("units", [])))
    if not workflow.get("units"):
        for sub in workflow.get("subworkflows", []):
            ordered.extend((sub, unit) for unit in _chain(sub.get("units", [])))
    return [(sub, unit) for sub, unit in ordered if unit.get("type") == "execution"]


def _chain(units: list[Unit]) -> list[Unit]:
    by_id = {unit.get("flowchartId"): unit for unit in units}
    head = next((unit for unit in units if unit.get("head")), units[0] if units else None)
    chain: list[Unit] = []
    while head is not None and head not in chain:
        chain.append(head)
        head = by_id.get(head.get("next"))
    return chain if len(chain) == len(units) else units


MISSING_EXECUTABLE = "{executable} is not installed on cluster {cluster}"
MISSING_MARK = "missing-executable.txt"  # written by the check, so that collecting knows nothing ran


def job_script(commands: list[list[str]], needs: tuple[str, ...] = (), cluster: str = "") -> str:
    """One script running each unit's command in order, stopping at the first that fails.

    First it checks that the node has every program in `needs`, inside the job's sandbox where
    the units run: a job whose machine lacks one (gw.x is in no Debian package) ends before any
    unit runs, saying which. The last command replaces the script's shell (`exec`): one process
    fewer per job, and its exit status is the job's all the same."""
    lines = ["#!/bin/bash", "set -e"]
    for program in dict.fromkeys(needs):
        message = shlex.quote(MISSING_EXECUTABLE.format(executable=program, cluster=cluster))
        lines.append(
            f"command -v {shlex.quote(program)} >/dev/null 2>&1 || "
            f"{{ echo {message} | tee {MISSING_MARK} >&2; exit 127; }}"
        )
    first_command = len(lines)
    lines += [" ".join(shlex.quote(part) for part in command) for command in commands]
    if len(lines) > first_command:
        lines[-1] = "exec " + lines[-1]
    return "\n".join(lines) + "\n"


def require(condition: bool, message: str) -> None:
    if not condition:
        raise BadInput(message)
