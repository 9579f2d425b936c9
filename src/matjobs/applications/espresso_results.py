"""What each Quantum ESPRESSO executable's unit left in the job's folder, as the platform's
properties: a table from executable to the reader of its files. pw.x is read by its `calculation`
(scf and relaxations: energies, forces, a final structure; nscf: band gaps; bands: the band
structure and its gaps). Pure over the files' text, which the caller reads."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matjobs.applications.bands_output import band_gaps, band_properties, parse_bands_output
from matjobs.applications.bands_xml import BANDS_NOT_PRINTED, parse_bands_xml
from matjobs.applications.base import Collected
from matjobs.applications.dos_output import dos_properties, parse_dos_file, parse_projwfc_files
from matjobs.applications.epsilon_output import epsilon_properties, parse_epsilon_files
from matjobs.applications.neb_output import neb_properties, parse_neb_output
from matjobs.applications.phonon_output import (
    CM1_TO_EV,
    parse_dispersions,
    parse_ph_output,
    parse_phonon_dos,
    phonon_properties,
)
from matjobs.applications.potential_output import parse_average_file, potential_properties
from matjobs.applications.pw_output import failure_reason, parse_pw_output, properties
from matjobs.applications.qe_text import crystal_axes_alat
from matjobs.applications.structure_output import parse_final_structure, structure_properties

_ERROR_BAR = re.compile(r"^\s*%{20,}\s*$", re.MULTILINE)
_JOB_DONE = re.compile(r"^\s*JOB DONE\.\s*$", re.MULTILINE)
_CALCULATION = re.compile(r"""^\s*calculation\s*=\s*['"]([\w-]+)['"]""", re.MULTILINE | re.IGNORECASE)
_NAMELIST_VALUE = r"""^\s*{key}\s*=\s*['"]([^'"]+)['"]"""
_GAMMA_TOLERANCE = 1e-6
# ph.x told to stop before the first irreducible representation (Phonon Map's first ph.x lists the
# q-points and leaves): it ends after the list, without JOB DONE.
_INIT_ONLY = re.compile(r"^\s*last_irr\s*=\s*0\s*,?\s*$", re.MULTILINE | re.IGNORECASE)
_QPOINT_LIST = re.compile(r"Dynamical matrices for \(.*\)\s+uniform grid of q-points")


@dataclass(frozen=True)
class UnitFiles:
    """A finished unit's view of the job's folder: its rendered input, its standard output."""

    executable: str
    input_text: str
    output_text: str
    workdir: Path

    def named(self, key: str, default: str) -> str:
        """A file name the input sets (`flfrq = 'x.freq'`), or the executable's default."""
        found = re.search(_NAMELIST_VALUE.format(key=re.escape(key)), self.input_text, re.MULTILINE | re.IGNORECASE)
        return found.group(1) if found else default

    def read(self, name: str) -> str:
        try:
            return (self.workdir / name).read_text(errors="replace")
        except OSError:
            return ""


def collect_unit(files: UnitFiles) -> Collected:
    if not files.output_text.strip():
        return Collected(
            problem=f"{files.executable} wrote no output: is Quantum ESPRESSO installed where the job ran? (job.err)"
        )
    reader = READERS.get(files.executable, _finished_only)
    return reader(files)


def _pw(files: UnitFiles) -> Collected:
    found = _CALCULATION.search(files.input_text)
    calculation = found.group(1).lower() if found else "scf"
    if calculation in ("nscf", "bands"):
        problem = _stopped(files)
        bands = parse_bands_output(files.output_text)
        if bands.problem is not None and BANDS_NOT_PRINTED.search(files.output_text):
            bands = parse_bands_xml(_data_file(files), files.output_text, calculation)
        if problem is None and bands.problem is not None:
            problem = bands.problem
        if problem is not None:
            return Collected(problem=problem)
        # An nscf's uniform grid is no path to draw: only its gaps, as the platform keeps them.
        found_properties = band_properties(bands) if calculation == "bands" else _gaps_document(bands)
        return Collected(properties=tuple(found_properties))
    result = parse_pw_output(files.output_text)
    problem = failure_reason(result)
    if problem is not None:
        return Collected(problem=problem)
    documents = properties(result)
    if calculation in ("relax", "vc-relax"):
        structure = parse_final_structure(files.output_text)
        if structure.problem is not None:
            return Collected(problem=structure.problem)
        documents += structure_properties(structure)
    return Collected(properties=tuple(documents))


def _data_file(files: UnitFiles) -> str:
    """pw.x's data file, if its `outdir` lies in the job's folder (the only place a job reads)."""
    outdir = (files.workdir / files.named("outdir", "./")).resolve()
    if not outdir.is_relative_to(files.workdir.resolve()):
        return ""
    return files.read(str(outdir / f"{files.named('prefix', 'pwscf')}.save" / "data-file-schema.xml"))


def _gaps_document(bands: Any) -> list[dict[str, Any]]:
    gaps = band_gaps(bands)
    return [{"name": "band_gaps", "values": gaps}] if gaps else []


def _ph(files: UnitFiles) -> Collected:
    problem = _stopped(files)
    if _INIT_ONLY.search(files.input_text) and _QPOINT_LIST.search(files.output_text):
        return Collected(problem=None if problem is None or "before JOB DONE" in problem else problem)
    phonons = parse_ph_output(files.output_text)
    problem = problem or phonons.problem
    if problem is not None:
        return Collected(problem=problem)
    if len(phonons.qpoints) == 1 and all(abs(q) < _GAMMA_TOLERANCE for q in phonons.qpoints[0]):
        # At Γ only (the Zero Point Energy workflow): half the sum of the modes' energies, as the
        # platform takes it; modes below zero (acoustic noise, instabilities) carry none.
        zpe = 0.5 * sum(max(frequency, 0.0) for frequency in phonons.frequencies[0]) * CM1_TO_EV
        return Collected(properties=({"name": "zero_point_energy", "value": zpe, "units": "eV"},))
    return Collected()


def _matdyn(files: UnitFiles) -> Collected:
    problem = _stopped(files)
    if problem is not None:
        return Collected(problem=problem)
    if re.search(r"^\s*dos\s*=\s*\.true\.", files.input_text, re.MULTILINE | re.IGNORECASE):
        dos = parse_phonon_dos(files.read(files.named("fldos", "matdyn.dos")))
        if dos.problem is not None:
            return Collected(problem=dos.problem)
        return Collected(properties=tuple(phonon_properties(dos=dos)))
    dispersions = parse_dispersions(files.read(files.named("flfrq", "matdyn.freq")), _crystal_axes(files.workdir))
    if dispersions.problem is not None:
        return Collected(problem=dispersions.problem)
    return Collected(properties=tuple(phonon_properties(dispersions=dispersions)))


def _projwfc(files: UnitFiles) -> Collected:
    problem = _stopped(files)
    if problem is not None:
        return Collected(problem=problem)
    prefix = files.named("filpdos", files.named("prefix", "pwscf"))
    pattern = f"{glob_escape(prefix)}.pdos_*"
    found = {path.name: path.read_text(errors="replace") for path in files.workdir.glob(pattern)}
    dos = parse_projwfc_files(found)
    return Collected(problem=dos.problem) if dos.problem else Collected(properties=tuple(dos_properties(dos)))


def _dos(files: UnitFiles) -> Collected:
    problem = _stopped(files)
    if problem is not None:
        return Collected(problem=problem)
    dos = parse_dos_file(files.read(files.named("fildos", files.named("prefix", "pwscf") + ".dos")))
    return Collected(problem=dos.problem) if dos.problem else Collected(properties=tuple(dos_properties(dos)))


def _average(files: UnitFiles) -> Collected:
    problem = _stopped(files)
    if problem is not None:
        return Collected(problem=problem)
    potential = parse_average_file(files.read("avg.dat"))
    if potential.problem is not None:
        return Collected(problem=potential.problem)
    return Collected(properties=tuple(potential_properties(potential)))


def _epsilon(files: UnitFiles) -> Collected:
    problem = _stopped(files)
    if problem is not None:
        return Collected(problem=problem)
    prefix = files.named("prefix", "pwscf")
    tensor = parse_epsilon_files(files.read(f"epsr_{prefix}.dat"), files.read(f"epsi_{prefix}.dat"))
    if tensor.problem is not None:
        return Collected(problem=tensor.problem)
    return Collected(properties=tuple(epsilon_properties(tensor)))


def _neb(files: UnitFiles) -> Collected:
    problem = _stopped(files)
    path = parse_neb_output(files.output_text)
    problem = problem or path.problem
    if problem is not None:
        return Collected(problem=problem)
    return Collected(properties=tuple(neb_properties(path)))


def _finished_only(files: UnitFiles) -> Collected:
    """Executables whose results the platform does not keep (q2r.x, bands.x, pp.x): they must finish."""
    return Collected(problem=_stopped(files))


def _stopped(files: UnitFiles) -> str | None:
    """Why the executable stopped short, in its words; None if it reached JOB DONE."""
    bars = list(_ERROR_BAR.finditer(files.output_text))
    if len(bars) >= 2:
        inside = files.output_text[bars[-2].end() : bars[-1].start()]
        message = " ".join(line.strip() for line in inside.splitlines() if line.strip())
        return f"{files.executable} stopped: {message}"
    if _JOB_DONE.search(files.output_text) is None:
        return f"{files.executable} output ends before JOB DONE"
    return None


def _crystal_axes(workdir: Path) -> Any:
    """The crystal axes (units of alat) from the job's pw.x outputs: matdyn.x prints q-points in
    cartesian units of 2π/alat, and the platform draws them in crystal coordinates."""
    for path in sorted(workdir.glob("*.out")):
        axes = crystal_axes_alat(path.read_text(errors="replace"))
        if axes is not None:
            return axes[1]
    return None


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


READERS: dict[str, Callable[[UnitFiles], Collected]] = {
    "pw.x": _pw,
    "ph.x": _ph,
    "matdyn.x": _matdyn,
    "projwfc.x": _projwfc,
    "dos.x": _dos,
    "average.x": _average,
    "epsilon.x": _epsilon,
    "neb.x": _neb,
}
