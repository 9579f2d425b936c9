"""Drive one job's flowchart to its end in the job's folder: the interpreter decides which unit
runs next; each execution unit's input is rendered with the scope of that moment, its program
run, its output read into properties. The state is saved after every step, so the runner (and a
person looking at the folder) sees where the flowchart stands, and what finished units gave
stays when the job is stopped."""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matjobs.applications.base import Application, Collected, RunContext
from matjobs.applications.catalog import application_of
from matjobs.drive.folder import UnitResults, read_state, state_path, write_json, write_results
from matjobs.drive.plan import read_plan
from matjobs.errors import BadInput
from matjobs.flowchart.interpreter import Done, Execute, advance, deliver, fail, start
from matjobs.flowchart.state import FINISHED, FlowchartState
from matjobs.flowchart.subworkflows import subworkflow_context

Run = Callable[[list[str], Path], int]


# Open MPI started without mpirun (a singleton: a one-core Quantum ESPRESSO unit) forks an
# `orted` daemon in MPI_Init and waits for it: 0.2-0.5 s per program (measured with bands.x,
# `benchmarks/flowchart.py`), none of it in the program's own WALL time. Isolated, it starts alone;
# nothing the bank's programs do needs the daemon (no MPI_Comm_spawn). A value the job's
# environment already sets stands; ranks under mpirun are no singletons and ignore it.
PROGRAM_ENVIRONMENT = {"OMPI_MCA_ess_singleton_isolated": "1"}


def run_in(command: list[str], workdir: Path) -> int:
    """The unit's program, with the driver's own standard output and error (the job's)."""
    return subprocess.run(command, cwd=workdir, check=False, env=PROGRAM_ENVIRONMENT | dict(os.environ)).returncode


def drive(
    workdir: Path,
    *,
    run: Run = run_in,
    clock: Callable[[], float] = time.time,
    applications: Callable[[dict[str, Any]], Application | None] = application_of,
) -> int:
    """0 when the flowchart finished; when it ended in error (its state says why), the exit
    status of the program that failed, or 1."""
    workflow, base, _cluster = read_plan(workdir)
    run = warming_up(workflow, run)
    saved = read_state(workdir)
    state = FlowchartState.from_dict(saved) if saved is not None else start()
    material = base.material
    passes: dict[str, int] = {}
    exit_status = 1
    while True:
        state, step = advance(workflow, state, clock())
        write_json(state_path(workdir), state.to_dict())
        if isinstance(step, Done):
            return 0 if step.outcome == FINISHED else exit_status
        key = f"{step.subworkflow_id}/{step.flowchart_id}"
        passes[key] = passes.get(key, -1) + 1
        context = _unit_context(workflow, step, dataclasses.replace(base, material=material))
        status, problem, collected = _execute(applications(step.unit), step.unit, workdir, context, run)
        if problem is not None:
            exit_status = status or 1
            state = fail(workflow, state, f"unit {step.unit.get('name')!r}: {problem}", clock())
            continue
        properties = collected.properties
        write_results(workdir, UnitResults(step.subworkflow_id, step.flowchart_id, passes[key], properties))
        material = _relaxed(material, properties)
        state = deliver(
            workflow, state, {**scope_of(properties), **collected.scope}, clock(), dict(collected.global_scope)
        )


# A k-path is classified by ASE, whose import (scipy with it) takes half a second: loaded in the
# background while the first unit's program runs, it is ready when a path is needed. Only while a
# program runs: two threads importing one package can each find it half-initialised.
PATH_NAMES = ("kpath", "qpath", "ipath", "explicitKPath")


def warming_up(workflow: dict[str, Any], run: Run) -> Run:
    templates = json.dumps(workflow.get("subworkflows") or [])
    if not any(name in templates for name in PATH_NAMES):
        return run
    pending = [True]

    def running(command: list[str], workdir: Path) -> int:
        if not pending:
            return run(command, workdir)
        pending.clear()
        loading = threading.Thread(target=importlib.import_module, args=("ase.lattice",), daemon=True)
        loading.start()
        try:
            return run(command, workdir)
        finally:
            loading.join()

    return running


def scope_of(properties: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    """A unit's results as later units' expressions see them: scalars by value (`total_energy`),
    the rest whole."""
    return {str(item["name"]): item.get("value", item) for item in properties if "name" in item}


def _unit_context(workflow: dict[str, Any], step: Execute, base: RunContext) -> RunContext:
    subworkflow: dict[str, Any] = next(
        (sub for sub in workflow.get("subworkflows") or [] if sub.get("_id") == step.subworkflow_id), {}
    )
    # The first stage sees the subworkflow's assignments as the flowchart has made them so far.
    assignments = subworkflow_context(subworkflow) | {
        name: value for name, value in step.scope.items() if name != "scopes"
    }
    method = (subworkflow.get("model") or {}).get("method")
    return dataclasses.replace(base, method=method, assignments=assignments, scope=step.scope)


def _execute(
    application: Application | None, unit: dict[str, Any], workdir: Path, context: RunContext, run: Run
) -> tuple[int, str | None, Collected]:
    """The exit status of the unit's program (0 if none ran), why the unit failed (None if it
    did not), and what it left."""
    if application is None:
        name = (unit.get("application") or {}).get("name")
        return 0, f"application {name!r} is not supported", Collected()
    try:
        command = application.prepare(unit, workdir, context)
    except BadInput as refused:
        return 0, refused.message, Collected()
    status = run(command, workdir)
    try:
        collected: Collected = application.collect(unit, workdir)
    except Exception as broken:  # noqa: BLE001 - a reader's bug ends this job, saying so, not the driver unseen
        reason = f"matjobs could not read its results ({type(broken).__name__}: {broken}); the files are kept"
        return status, reason, Collected()
    if status != 0:
        return status, collected.problem or f"its program ended with exit code {status}", collected
    if collected.problem:
        return status, collected.problem, collected
    return 0, None, collected


def _relaxed(material: dict[str, Any] | None, properties: tuple[dict[str, Any], ...]) -> dict[str, Any] | None:
    """Units after a relaxation work on its final structure, as on the platform."""
    final = next((item for item in properties if item.get("name") == "final_structure"), None)
    if final is None or material is None:
        return material
    return {**material, "lattice": final["lattice"], "basis": final["basis"]}
