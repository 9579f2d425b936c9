"""A job's folder as its units need it: the run context read for it, each unit's inputs written
and the job script that runs them, and afterwards what the units left behind.

The runner decides when; this is where the applications are named and called."""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matjobs.applications.base import MISSING_MARK, RunContext, execution_steps, job_script, run_context
from matjobs.applications.catalog import PSEUDO_DIR, application_of
from matjobs.applications.shell import Shell
from matjobs.clusters.base import RunSpec
from matjobs.clusters.registry import seconds
from matjobs.documents.entity import Ref, new_document
from matjobs.documents.property import property_document
from matjobs.drive.direct import direct_unit
from matjobs.drive.folder import read_results, read_state
from matjobs.drive.plan import read_plan, write_plan
from matjobs.errors import BadInput, NotFound
from matjobs.files import job_folder
from matjobs.flowchart.state import ERROR, RUNNING
from matjobs.ids import new_id, now_iso
from matjobs.pseudo_choice import Registry
from matjobs.runner.records import Harvest
from matjobs.sandbox.bubblewrap import driver_folders
from matjobs.store import Store, runs
from matjobs.store.documents import MATERIALS, get
from matjobs.store.jobs import get_job_text

PARENTS_OWN = frozenset({".matjobs", "job.sh", "job.out", "job.err", MISSING_MARK})
REGISTRY_READ_INTERVAL_S = 60.0  # `matjobs migrate` adds the files a machine gained; seen within a minute
# The job's one process: the flowchart driver, with this very Python and matjobs (the sandbox
# shows them read-only). Isolated (-I): nothing in the job's folder or environment can stand in
# for a module of the driver's.
DRIVER = (sys.executable, "-I", "-m", "matjobs.drive")


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
        """What the job names, as its units need it: its material (and a multi-material job's
        `_materials`) read now (the job holds references), its pseudopotentials and k-points as
        the job holds them, and pseudopotentials from the registry for the elements it names none for."""
        material = None
        material_id = (document.get("_material") or {}).get("_id")
        if isinstance(material_id, str):
            material = self._material(document, material_id)
        named = [item.get("_id") for item in document.get("_materials") or [] if isinstance(item, dict)]
        materials = tuple(self._material(document, str(item_id)) for item_id in named)
        return run_context(document, material, self._pseudopotentials(), materials)

    def _start_from_parent(self, document: dict[str, Any], parent_id: str, workdir: Path) -> None:
        """A child job starts with its parent's files, as on the platform: Recalculate Bands
        continues the SCF its parent ran (its `outdir`). The parent must be the account's own and
        finished."""
        try:
            parent = json.loads(get_job_text(self.store, account_id=document["owner"]["_id"], job_id=parent_id))
        except NotFound:
            raise BadInput(f"parent job {parent_id} not found") from None
        if parent["status"] != "finished":
            raise BadInput(
                f"parent job {parent_id} is {parent['status']}: a job starts only from a finished job's files"
            )
        shutil.copytree(self.workdir(parent_id), workdir, dirs_exist_ok=True, ignore=_not_inherited, symlinks=True)

    def _material(self, document: dict[str, Any], material_id: str) -> dict[str, Any]:
        try:
            return get(self.store, MATERIALS, account_id=document["owner"]["_id"], document_id=material_id)
        except NotFound:
            raise BadInput(f"material {material_id} not found (deleted after the job was created?)") from None

    def prepare(self, document: dict[str, Any], context: RunContext) -> RunSpec:
        """The job's folder with its plan and the script that drives its flowchart; BadInput
        saying which unit cannot run. Units' inputs are rendered when each runs: they may need
        what an earlier unit gave."""
        steps = execution_steps(document["workflow"])
        if not steps:
            raise BadInput("the workflow has no execution units to run")
        needs: list[str] = []
        for _subworkflow, unit in steps:
            application = application_of(unit)
            if application is None:
                name = (unit.get("application") or {}).get("name")
                raise BadInput(f"unit {unit.get('name')!r}: application {name!r} is not supported yet")
            needs += application.executables(unit, context)
        workdir = self.workdir(document["_id"])
        workdir.mkdir(parents=True, exist_ok=True)
        parent_id = (document.get("parent") or {}).get("_id")
        if isinstance(parent_id, str):
            self._start_from_parent(document, parent_id, workdir)
        compute = document["compute"]
        fqdn = compute["cluster"]["fqdn"]
        direct = direct_unit(document["workflow"])
        reads: tuple[str, ...] = ()
        if direct is None:
            write_plan(workdir, document["workflow"], context, fqdn)
            command, reads = list(DRIVER), driver_folders()
        else:
            _subworkflow, unit = direct
            command = Shell().prepare(unit, workdir, context)
        (workdir / "job.sh").write_text(job_script([command], tuple(needs), fqdn))
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
            reads=reads,
        )

    def collect(self, job_id: str, document: dict[str, Any]) -> Harvest:
        """What the units of this job left behind, whether it ran to its end or was stopped:
        each finished unit's results as property documents, each relaxation's final structure
        as a new material of the job's account, and why the flowchart failed if it did."""
        workdir, now = self.workdir(job_id), now_iso()
        if (workdir / MISSING_MARK).is_file():
            # No unit ran: the job's stderr says which program the machine lacks.
            return Harvest()
        found, materials = [], []
        for results in read_results(workdir):
            for data in results.properties:
                if data.get("name") == "final_structure":
                    material = relaxed_material(document, data, _material_name(workdir), now)
                    materials.append(material)
                    data = {**data, "materialId": material["_id"]}
                found.append(
                    property_document(
                        data,
                        property_id=new_id(),
                        job=document,
                        unit_id=results.flowchart_id,
                        created_at=now,
                        repetition=results.repetition,
                    )
                )
        # A job run directly has no flowchart state: its exit status and stderr say what happened.
        problem = None if direct_unit(document["workflow"]) else _problem(read_state(workdir))
        return Harvest(tuple(found), tuple(materials), problem)

    def _pseudopotentials(self) -> Registry:
        if self._registry is None or self._clock() >= self._next_registry_read:
            with self.store.reading() as conn:
                self._registry = Registry(PSEUDO_DIR, tuple(runs.pseudopotential_registry(conn)))
            self._next_registry_read = self._clock() + REGISTRY_READ_INTERVAL_S
        return self._registry


def relaxed_material(job: dict[str, Any], structure: dict[str, Any], name: str, now: str) -> dict[str, Any]:
    """A relaxation's final structure as a material of the job's account, named for where it came from."""
    body = {
        "name": f"{name} (relaxed by job {job['name']})",
        "lattice": structure["lattice"],
        "basis": structure["basis"],
        "tags": ["relaxed"],
    }
    return new_document(
        "material",
        body,
        document_id=new_id(),
        owner=_ref(job["owner"], "Account"),
        creator=_ref(job["creator"], "User"),
        created_at=now,
    )


def _not_inherited(folder: str, names: list[str]) -> set[str]:
    """What a child job does not take from its parent's folder: the parent's own run."""
    return {name for name in names if name in PARENTS_OWN}


def _ref(stored: dict[str, Any], cls: str) -> Ref:
    return Ref(stored["_id"], stored.get("cls", cls), stored.get("slug", ""))


def _material_name(workdir: Path) -> str:
    try:
        _workflow, context, _cluster = read_plan(workdir)
    except ValueError:
        return "material"
    return str((context.material or {}).get("name") or "material")


def _problem(state: dict[str, Any] | None) -> str | None:
    """Why the flowchart failed, as its driver recorded it; or, if the driver itself stopped
    mid-way (its error is then in job.err), where."""
    if state is None:
        return "the flowchart driver did not start (job.err says why)"
    if state.get("outcome") == ERROR:
        return str(state.get("message") or "the flowchart ended in error")
    if state.get("outcome") == RUNNING:
        return "the flowchart driver stopped before the flowchart ended (job.err says why)"
    return None
