"""A job's folder as its units need it: the run context read for it, each unit's inputs written
and the job script that runs them, and afterwards what the units left behind.

The runner decides when; this is where the applications are named and called."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matjobs.applications.base import (
    MISSING_MARK,
    Application,
    Collected,
    RunContext,
    execution_steps,
    execution_units,
    job_script,
    run_context,
)
from matjobs.applications.espresso import Espresso
from matjobs.applications.python import Python
from matjobs.applications.shell import Shell
from matjobs.clusters.base import RunSpec
from matjobs.clusters.registry import seconds
from matjobs.documents.property import property_document
from matjobs.errors import BadInput, NotFound
from matjobs.files import job_folder
from matjobs.flowchart.context import subworkflow_context
from matjobs.ids import new_id, now_iso
from matjobs.pseudo_choice import Registry
from matjobs.pseudopotentials import DEBIAN_PSEUDO_DIR
from matjobs.store import Store, runs
from matjobs.store.documents import MATERIALS, get

# The folder `matjobs migrate` reads the registry from, and the one units copy its files from.
PSEUDO_DIR = DEBIAN_PSEUDO_DIR
APPLICATIONS: dict[str, Application] = {"shell": Shell(), "espresso": Espresso(PSEUDO_DIR), "python": Python()}
REGISTRY_READ_INTERVAL_S = 60.0  # `matjobs migrate` adds the files a machine gained; seen within a minute


class Workbench:
    def __init__(self, store: Store, jobs_dir: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.jobs_dir = jobs_dir
        self._clock = clock
        self._registry: Registry | None = None
        self._next_registry_read = 0.0

    def workdir(self, job_id: str) -> Path:
        """Always derived from the job's id, never read from its document, which users write."""
        return job_folder(self.jobs_dir, job_id)

    def run_context(self, document: dict[str, Any]) -> RunContext:
        """What the job names, as its units need it: its material read now (the job holds a
        reference), its pseudopotentials and k-points as the job holds them, and pseudopotentials
        from the registry for the elements it names none for."""
        material = None
        material_id = (document.get("_material") or {}).get("_id")
        if isinstance(material_id, str):
            try:
                material = get(self.store, MATERIALS, account_id=document["owner"]["_id"], document_id=material_id)
            except NotFound:
                raise BadInput(f"material {material_id} not found (deleted after the job was created?)") from None
        return run_context(document, material, self._pseudopotentials())

    def prepare(self, document: dict[str, Any], context: RunContext) -> RunSpec:
        """The job's folder with each unit's inputs and the script running them; BadInput saying
        which unit cannot run."""
        steps = execution_steps(document["workflow"])
        if not steps:
            raise BadInput("the workflow has no execution units to run")
        workdir = self.workdir(document["_id"])
        workdir.mkdir(parents=True, exist_ok=True)
        commands: list[list[str]] = []
        needs: list[str] = []
        for subworkflow, unit in steps:
            name = (unit.get("application") or {}).get("name")
            application = APPLICATIONS.get(name or "")
            if application is None:
                raise BadInput(f"unit {unit.get('name')!r}: application {name!r} is not supported yet")
            unit_context = dataclasses.replace(
                context,
                method=(subworkflow.get("model") or {}).get("method"),
                assignments=subworkflow_context(subworkflow),
            )
            needs += application.executables(unit, unit_context)
            commands.append(application.prepare(unit, workdir, unit_context))
        compute = document["compute"]
        (workdir / "job.sh").write_text(job_script(commands, tuple(needs), compute["cluster"]["fqdn"]))
        return RunSpec(
            key=document["_id"],
            name=document["name"],
            workdir=workdir,
            command=["bash", "job.sh"],
            queue=compute["queue"],
            nodes=compute["nodes"],
            ppn=compute["ppn"],
            time_limit_s=seconds(compute["timeLimit"]),
            account=document["owner"]["_id"],
        )

    def collect(self, job_id: str, document: dict[str, Any]) -> Collected:
        """What the units of this job, which ran to its end, left behind: results as property
        documents, or why they failed."""
        workdir, now = self.workdir(job_id), now_iso()
        found: list[dict[str, Any]] = []
        problem = None
        if (workdir / MISSING_MARK).is_file():
            # No unit ran: the job's stderr says which program the machine lacks.
            return Collected()
        for unit in execution_units(document["workflow"]):
            application = APPLICATIONS.get((unit.get("application") or {}).get("name") or "")
            if application is None:
                continue
            result = application.collect(unit, workdir)
            problem = problem or (f"unit {unit.get('name')!r}: {result.problem}" if result.problem else None)
            found += [
                property_document(
                    data, property_id=new_id(), job=document, unit_id=unit.get("flowchartId", ""), created_at=now
                )
                for data in result.properties
            ]
        return Collected(tuple(found), problem)

    def _pseudopotentials(self) -> Registry:
        if self._registry is None or self._clock() >= self._next_registry_read:
            with self.store.reading() as conn:
                self._registry = Registry(PSEUDO_DIR, tuple(runs.pseudopotential_registry(conn)))
            self._next_registry_read = self._clock() + REGISTRY_READ_INTERVAL_S
        return self._registry
