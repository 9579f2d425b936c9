"""The espresso application: a pw.x unit's input rendered from its own template with the job's
material, pseudopotentials, k-points and the unit's cutoffs, run by pw.x (under mpirun when the
job has more than one core) into `<flavor>.out`, the name the platform's clients look for."""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path
from typing import Any

from matjobs.applications.base import Collected, RunContext, Unit, require
from matjobs.applications.espresso_input import pw_context, render
from matjobs.applications.pw_output import failure_reason, parse_pw_output, properties
from matjobs.errors import BadInput
from matjobs.pseudopotentials import DEBIAN_PSEUDO_DIR

DEFAULT_CUTOFFS: dict[str, float] = {"wavefunction": 40, "density": 200}  # Ry; a unit's "cutoffs" context wins
FILE_NAME = re.compile(r"^[A-Za-z0-9_.+-]+$")


class Espresso:
    name = "espresso"

    def __init__(self, pseudo_dir: Path = DEBIAN_PSEUDO_DIR) -> None:
        self.pseudo_dir = pseudo_dir

    def prepare(self, unit: Unit, workdir: Path, context: RunContext) -> list[str]:
        label = f"unit {unit.get('name')!r}"
        executable = (unit.get("executable") or {}).get("name")
        require(executable == "pw.x", f"{label}: only pw.x runs yet, not {executable!r}")
        require(context.material is not None, f"{label}: the job names no material (_material)")
        assert context.material is not None
        inputs = unit.get("input") or []
        require(bool(inputs), f"{label}: the unit has no input template")
        template = inputs[0].get("template") or {}
        input_name = _input_name(unit)
        require(bool(FILE_NAME.match(input_name)), f"{label}: bad input file name {input_name!r}")
        pseudo_files = self._copy_pseudopotentials(context, workdir / "pseudo", label)
        text = render(
            template.get("content", ""),
            pw_context(
                context.material,
                pseudo_files,
                kgrid=list(context.kpoints or _unit_kgrid(unit)),
                cutoffs=_unit_context(unit, "cutoffs") or DEFAULT_CUTOFFS,
            ),
        )
        # The platform leaves the job's folder to the run; here it is known now.
        (workdir / input_name).write_text(text.replace("{{ JOB_WORK_DIR }}", str(workdir)))
        (workdir / "outdir").mkdir(exist_ok=True)
        output_name = _output_name(input_name)
        command = ["pw.x", "-in", input_name]
        if context.cores > 1:
            root = ["--allow-run-as-root"] if os.geteuid() == 0 else []
            command = ["mpirun", *root, "-np", str(context.cores), *command]
        # One thread per MPI process: the cores are the processes', on any cluster.
        return ["sh", "-c", f"OMP_NUM_THREADS=1 {shlex.join(command)} > {shlex.quote(output_name)}"]

    def collect(self, unit: Unit, workdir: Path) -> Collected:
        try:
            text = (workdir / _output_name(_input_name(unit))).read_text(errors="replace")
        except OSError:
            text = ""
        if not text.strip():
            return Collected(problem="pw.x wrote no output: is Quantum ESPRESSO installed where the job ran? (job.err)")
        result = parse_pw_output(text)
        problem = failure_reason(result)
        return Collected(properties=tuple(properties(result)) if problem is None else (), problem=problem)

    def _copy_pseudopotentials(self, context: RunContext, folder: Path, label: str) -> dict[str, str]:
        """The registry's files, by file name only: a job's document never names a path to read."""
        folder.mkdir(exist_ok=True)
        by_element: dict[str, str] = {}
        for pseudo in context.pseudopotentials:
            file_name, element = pseudo.get("filename"), pseudo.get("element")
            if not (isinstance(file_name, str) and FILE_NAME.match(file_name) and isinstance(element, str)):
                raise BadInput(f"{label}: a pseudopotential without a proper element and file name: {pseudo!r}")
            source = self.pseudo_dir / file_name
            require(source.is_file(), f"{label}: pseudopotential {file_name} is not in {self.pseudo_dir}")
            shutil.copyfile(source, folder / file_name)
            by_element[element] = file_name
        return by_element


def _input_name(unit: Unit) -> str:
    first = (unit.get("input") or [{}])[0]
    return str((first.get("template") or {}).get("name") or first.get("name") or "pw.in")


def _output_name(input_name: str) -> str:
    """pw_scf.in -> pw_scf.out: the platform's convention, which its clients look for."""
    return Path(input_name).stem + ".out"


def _unit_context(unit: Unit, name: str) -> Any:
    for entry in unit.get("context") or []:
        if isinstance(entry, dict) and entry.get("name") == name:
            return entry.get("data")
    return None


def _unit_kgrid(unit: Unit) -> list[int]:
    data = _unit_context(unit, "kgrid") or {}
    dimensions = data.get("dimensions") if isinstance(data, dict) else None
    return list(dimensions) if isinstance(dimensions, list) and len(dimensions) == 3 else [1, 1, 1]
