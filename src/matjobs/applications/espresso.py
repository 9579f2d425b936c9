"""The espresso application: every Quantum ESPRESSO unit's input rendered from its own template
with the context the platform's providers give it (`matjobs.flowchart.context`), run as the
platform runs each executable (`<exe> -in <input> > <output>`, under mpirun when the job has more
than one core and the executable runs in parallel), and its results read by `espresso_results`."""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

from matjobs.applications.base import Collected, RunContext, Unit, require
from matjobs.applications.espresso_render import render_unit_input
from matjobs.applications.espresso_results import UnitFiles, collect_unit
from matjobs.errors import BadInput
from matjobs.flowchart.context import unit_context
from matjobs.flowchart.context.species import unique_elements
from matjobs.pseudopotentials import DEBIAN_PSEUDO_DIR

FILE_NAME = re.compile(r"^[A-Za-z0-9_.+-]+$")
# Debian's quantum-espresso 6.7 builds all of these with MPI; those left serial gain nothing from it.
PARALLEL = frozenset({"pw.x", "ph.x", "cp.x", "neb.x", "projwfc.x", "pp.x", "bands.x", "dos.x", "epsilon.x"})
SERIAL = frozenset({"q2r.x", "matdyn.x", "average.x"})
# average.x reads its input from standard input only; neb.x names its input with -inp.
STDIN_INPUT = frozenset({"average.x"})
INPUT_FLAG = {"neb.x": "-inp"}
# Executables that read the pseudopotentials: each element of the material needs one.
READS_PSEUDOPOTENTIALS = frozenset({"pw.x", "cp.x", "neb.x"})


class Espresso:
    name = "espresso"

    def __init__(self, pseudo_dir: Path = DEBIAN_PSEUDO_DIR) -> None:
        self.pseudo_dir = pseudo_dir

    def executables(self, unit: Unit, context: RunContext) -> tuple[str, ...]:
        """What the unit's command needs on the node's PATH."""
        executable = _executable(unit)
        mpi = ("mpirun",) if context.cores > 1 and executable in PARALLEL else ()
        return (*mpi, executable)

    def prepare(self, unit: Unit, workdir: Path, context: RunContext) -> list[str]:
        executable = _executable(unit)
        label = f"unit {unit.get('name')!r}"
        require(bool(FILE_NAME.match(executable)), f"{label}: bad executable name {executable!r}")
        require(context.material is not None, f"{label}: the job names no material (_material)")
        assert context.material is not None
        inputs = unit.get("input") or []
        require(bool(inputs), f"{label}: the unit has no input template")
        input_name = _input_name(unit)
        require(bool(FILE_NAME.match(input_name)), f"{label}: bad input file name {input_name!r}")
        by_element = self._copy_pseudopotentials(context, workdir / "pseudo", label)
        if executable in READS_PSEUDOPOTENTIALS:
            for element in unique_elements(context.material):
                require(element in by_element, f"no pseudopotential given for {element}")
        stored = list(unit.get("context") or [])
        if context.kpoints is not None:  # the job's own k-points win, as its method precision says
            grid = {"dimensions": list(context.kpoints), "shifts": [0, 0, 0]}
            stored = [entry for entry in stored if entry.get("name") != "kgrid"]
            stored.append({"name": "kgrid", "isEdited": True, "data": grid})
        variables = unit_context(
            {**unit, "context": stored},
            context.material,
            context.method,
            pseudopotentials=[{"element": e, "filename": f} for e, f in by_element.items()],
            subworkflow_context=dict(context.assignments),
            materials=list(context.materials) or None,
        )
        template = (inputs[0].get("template") or {}).get("content", "")
        text = render_unit_input(
            template, variables, label=f"{label} ({input_name})", workdir=workdir, scope=context.scope
        )
        # Fortran's namelist reader fails on a last line with no newline ("/" at the end of file).
        (workdir / input_name).write_text(text if text.endswith("\n") else text + "\n")
        (workdir / "outdir").mkdir(exist_ok=True)
        output_name = _output_name(input_name)
        if executable in STDIN_INPUT:
            command = [executable]
            redirect = f"< {shlex.quote(input_name)} > {shlex.quote(output_name)}"
        else:
            command = [executable, INPUT_FLAG.get(executable, "-in"), input_name]
            redirect = f"> {shlex.quote(output_name)}"
        if context.cores > 1 and executable in PARALLEL:
            root = ["--allow-run-as-root"] if os.geteuid() == 0 else []
            command = ["mpirun", *root, "-np", str(context.cores), *command]
        # One thread per MPI process: the cores are the processes', on any cluster.
        return ["sh", "-c", f"OMP_NUM_THREADS=1 {shlex.join(command)} {redirect}"]

    def collect(self, unit: Unit, workdir: Path) -> Collected:
        input_name = _input_name(unit)
        return collect_unit(
            UnitFiles(
                executable=_executable(unit),
                input_text=_read(workdir / input_name),
                output_text=_read(workdir / _output_name(input_name)),
                workdir=workdir,
            )
        )

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
            if not (folder / file_name).is_file():
                shutil.copyfile(source, folder / file_name)
            by_element[element] = file_name
        return by_element


def _executable(unit: Unit) -> str:
    return str((unit.get("executable") or {}).get("name") or "pw.x")


def _input_name(unit: Unit) -> str:
    first = (unit.get("input") or [{}])[0]
    return str((first.get("template") or {}).get("name") or first.get("name") or "pw.in")


def _output_name(input_name: str) -> str:
    """pw_scf.in -> pw_scf.out: the platform's convention, which its clients look for."""
    return Path(input_name).stem + ".out"


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""
