"""Reading what Quantum ESPRESSO's pw.x printed, and turning it into the platform's property documents.

Pure functions over the text of a pw.x standard output (checked against pw.x 6.7 serial and MPI runs);
no file or process access here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

# pw.x's own conversion factors, computed as QE's Modules/constants.f90 computes them (CODATA 2018), so
# that converted figures match what pw.x would print in eV: 13.605693122994017 eV per Ry.
_HARTREE_SI = 4.3597447222071e-18  # J
_ELECTRONVOLT_SI = 1.602176634e-19  # J
RY_TO_EV = _HARTREE_SI / _ELECTRONVOLT_SI / 2
BOHR_TO_ANGSTROM = 0.529177210903
RY_PER_BOHR_TO_EV_PER_ANGSTROM = RY_TO_EV / BOHR_TO_ANGSTROM

_NUMBER = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[EeDd][-+]?\d+)?"
_TOTAL_ENERGY = re.compile(rf"^!+\s*total energy\s*=\s*({_NUMBER})\s*Ry", re.MULTILINE)
_ITERATION_ENERGY = re.compile(rf"^[\s!]*total energy\s*=\s*({_NUMBER})\s*Ry", re.MULTILINE)
_SCF_ACCURACY = re.compile(rf"estimated scf accuracy\s*<\s*({_NUMBER})\s*Ry")
_ITERATION = re.compile(r"^\s*iteration #\s*(\d+)", re.MULTILINE)
_SCF_START = re.compile(r"^\s*Self-consistent Calculation\s*$", re.MULTILINE)
_SCF_CONVERGED = re.compile(r"convergence has been achieved in\s+\d+\s+iterations")
_SCF_NOT_CONVERGED = re.compile(r"convergence NOT achieved after\s+\d+\s+iterations")
_SCF_THRESHOLD = re.compile(rf"scf convergence threshold\s*=\s*({_NUMBER})")
_FERMI_ENERGY = re.compile(rf"the Fermi energy is\s*({_NUMBER})\s*ev", re.IGNORECASE)
_TOTAL_FORCE = re.compile(rf"Total force\s*=\s*({_NUMBER})")
_FORCES_HEADING = re.compile(r"^\s*Forces acting on atoms.*$", re.MULTILINE)
_ATOM_FORCE = re.compile(rf"^\s*atom\s+(\d+)\s+type\s+\d+\s+force\s*=\s*({_NUMBER})\s+({_NUMBER})\s+({_NUMBER})\s*$")
_STRESS_HEADING = re.compile(rf"^\s*total\s+stress\s*\(Ry/bohr\*\*3\)\s*\(kbar\)\s*P\s*=\s*({_NUMBER})", re.MULTILINE)
_WALL_TIME = re.compile(r"^\s*PWSCF\s*:(.*)WALL\s*$", re.MULTILINE)
_TIME_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([dhms])")
_ERROR_BAR = re.compile(r"^\s*%{10,}\s*$", re.MULTILINE)
_JOB_DONE = re.compile(r"^\s*JOB DONE\.\s*$", re.MULTILINE)

# The energy terms pw.x prints under the final energy, by the names the platform's schema gives them.
_CONTRIBUTIONS = {
    "one_electron": re.compile(rf"one-electron contribution\s*=\s*({_NUMBER})\s*Ry"),
    "hartree": re.compile(rf"hartree contribution\s*=\s*({_NUMBER})\s*Ry"),
    "exchange_correlation": re.compile(rf"xc contribution\s*=\s*({_NUMBER})\s*Ry"),
    "ewald": re.compile(rf"ewald contribution\s*=\s*({_NUMBER})\s*Ry"),
    "smearing": re.compile(rf"smearing contrib\. \(-TS\)\s*=\s*({_NUMBER})\s*Ry"),
}
_SECONDS_PER = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}

Vector = tuple[float, float, float]


@dataclass(frozen=True)
class ScfIteration:
    number: int
    total_energy_ry: float
    estimated_accuracy_ry: float


@dataclass(frozen=True)
class PwResult:
    """What one pw.x run printed; None (or empty) where the output does not have it."""

    total_energy_ry: float | None = None
    energy_contributions_ry: Mapping[str, float] = field(default_factory=dict)
    fermi_energy_ev: float | None = None
    total_force_ry_per_bohr: float | None = None
    atomic_forces_ry_per_bohr: tuple[Vector, ...] = ()
    stress_kbar: tuple[Vector, Vector, Vector] | None = None
    pressure_kbar: float | None = None
    # One tuple of iterations per self-consistent calculation (a relaxation runs several).
    scf_cycles: tuple[tuple[ScfIteration, ...], ...] = ()
    scf_threshold_ry: float | None = None
    converged: bool = False
    gave_up: bool = False  # pw.x said "convergence NOT achieved" (electron_maxstep reached)
    finished: bool = False  # pw.x reached its "JOB DONE." line
    wall_time_s: float | None = None
    error: str | None = None

    @property
    def scf_history(self) -> tuple[ScfIteration, ...]:
        """The iterations of the last self-consistent calculation."""
        return self.scf_cycles[-1] if self.scf_cycles else ()


def parse_pw_output(text: str) -> PwResult:
    cycles = _scf_cycle_texts(text)
    last_cycle = cycles[-1] if cycles else ""
    return PwResult(
        total_energy_ry=_last_float(_TOTAL_ENERGY, text),
        energy_contributions_ry=_energy_contributions(text),
        fermi_energy_ev=_last_float(_FERMI_ENERGY, text),
        total_force_ry_per_bohr=_last_float(_TOTAL_FORCE, text),
        atomic_forces_ry_per_bohr=_atomic_forces(text),
        stress_kbar=_stress_kbar(text),
        pressure_kbar=_last_float(_STRESS_HEADING, text),
        scf_cycles=tuple(_scf_iterations(cycle) for cycle in cycles),
        scf_threshold_ry=_last_float(_SCF_THRESHOLD, text),
        converged=bool(_SCF_CONVERGED.search(last_cycle)),
        gave_up=bool(_SCF_NOT_CONVERGED.search(last_cycle)),
        finished=bool(_JOB_DONE.search(text)),
        wall_time_s=_wall_time_s(text),
        error=_error_message(text),
    )


def failure_reason(result: PwResult) -> str | None:
    """A short human reason why the run gave no usable result, or None when it finished converged."""
    if result.error is not None:
        return f"pw.x stopped: {result.error}"
    history = result.scf_history
    if not history:
        return "pw.x stopped before the first SCF iteration"
    accuracy = f"estimated accuracy {history[-1].estimated_accuracy_ry:.1e} Ry"
    if result.gave_up:
        return f"SCF did not converge in {len(history)} iterations ({accuracy})"
    if not result.converged:
        return f"pw.x output ends during the SCF, after {len(history)} iterations ({accuracy})"
    if not result.finished:
        return "pw.x output ends before JOB DONE"
    return None


def properties(result: PwResult) -> list[dict[str, Any]]:
    """The run's results as property documents (the `data` of the platform's properties), each valid
    against its mat3ra-esse schema, in the units the platform's property manifest defaults to."""
    documents = [
        _total_energy(result),
        _total_energy_contributions(result),
        _scalar("fermi_energy", result.fermi_energy_ev, "eV"),
        _total_force(result),
        _atomic_forces_document(result),
        _stress_tensor(result),
        _scalar("pressure", result.pressure_kbar, "kbar"),
        _convergence_electronic(result),
    ]
    return [document for document in documents if document is not None]


# --- parsing -------------------------------------------------------------------------------------------------


def _float(token: str) -> float:
    return float(token.replace("D", "E").replace("d", "e"))


def _last_float(pattern: re.Pattern[str], text: str) -> float | None:
    found = pattern.findall(text)
    return _float(found[-1]) if found else None


def _after_last(pattern: re.Pattern[str], text: str) -> str | None:
    matches = list(pattern.finditer(text))
    return text[matches[-1].end() :] if matches else None


def _energy_contributions(text: str) -> dict[str, float]:
    # Only the terms printed under the final energy: earlier cycles of a relaxation print their own.
    tail = _after_last(_TOTAL_ENERGY, text)
    if tail is None:
        return {}
    found = {name: pattern.search(tail) for name, pattern in _CONTRIBUTIONS.items()}
    return {name: _float(match.group(1)) for name, match in found.items() if match}


def _atomic_forces(text: str) -> tuple[Vector, ...]:
    """The forces right under the last heading; verbose runs print their per-term parts after them."""
    tail = _after_last(_FORCES_HEADING, text)
    if tail is None:
        return ()
    forces: list[Vector] = []
    for line in tail.splitlines():
        match = _ATOM_FORCE.match(line)
        if match:
            forces.append((_float(match.group(2)), _float(match.group(3)), _float(match.group(4))))
        elif forces or line.strip():
            break
    return tuple(forces)


def _stress_kbar(text: str) -> tuple[Vector, Vector, Vector] | None:
    # Each row prints the Ry/bohr**3 values, then the same in kbar.
    tail = _after_last(_STRESS_HEADING, text)
    if tail is None:
        return None
    rows: list[Vector] = []
    for line in tail.splitlines()[1:4]:
        numbers = re.findall(_NUMBER, line)
        if len(numbers) != 6:
            return None
        rows.append((_float(numbers[3]), _float(numbers[4]), _float(numbers[5])))
    return (rows[0], rows[1], rows[2]) if len(rows) == 3 else None


def _sections(heading: re.Pattern[str], text: str) -> Iterator[tuple[re.Match[str], str]]:
    """Each heading with the text after it, up to the next heading."""
    marks = list(heading.finditer(text))
    ends = [mark.start() for mark in marks[1:]] + [len(text)]
    for mark, end in zip(marks, ends[: len(marks)], strict=True):
        yield mark, text[mark.end() : end]


def _scf_cycle_texts(text: str) -> list[str]:
    return [body for _, body in _sections(_SCF_START, text)]


def _scf_iterations(cycle: str) -> tuple[ScfIteration, ...]:
    # The converged iteration prints its energy and accuracy only on the final "!" lines, which
    # follow the band energies; the first match after each "iteration #" is that iteration's.
    iterations = []
    for mark, body in _sections(_ITERATION, cycle):
        energy = _ITERATION_ENERGY.search(body)
        accuracy = _SCF_ACCURACY.search(body)
        if energy and accuracy:  # an output cut off mid-iteration has neither yet
            iterations.append(ScfIteration(int(mark.group(1)), _float(energy.group(1)), _float(accuracy.group(1))))
    return tuple(iterations)


def _wall_time_s(text: str) -> float | None:
    """pw.x writes its wall clock as 0.12s, 1m 2.34s, 1h 2m or 1d 2h 3m; the last PWSCF line is the total."""
    lines = _WALL_TIME.findall(text)
    if not lines:
        return None
    wall = lines[-1].rsplit("CPU", 1)[-1]
    parts = _TIME_PART.findall(wall)
    if not parts:
        return None
    return sum(float(amount) * _SECONDS_PER[unit] for amount, unit in parts)


def _error_message(text: str) -> str | None:
    """The text inside pw.x's last %%%% block, e.g. 'Error in routine readpp (1): file ... not found'."""
    bars = list(_ERROR_BAR.finditer(text))
    if len(bars) < 2:
        return None
    inside = text[bars[-2].end() : bars[-1].start()]
    message = " ".join(line.strip() for line in inside.splitlines() if line.strip())
    return message or None


# --- property documents --------------------------------------------------------------------------------------


def _scalar(name: str, value: float | None, units: str) -> dict[str, Any] | None:
    return None if value is None else {"name": name, "value": value, "units": units}


def _total_energy(result: PwResult) -> dict[str, Any] | None:
    if result.total_energy_ry is None:
        return None
    document = {"name": "total_energy", "value": result.total_energy_ry * RY_TO_EV, "units": "eV"}
    # The schema allows extra keys: keep the figure exactly as pw.x printed it.
    document["original"] = {"value": result.total_energy_ry, "units": "Ry"}
    return document


def _total_energy_contributions(result: PwResult) -> dict[str, Any] | None:
    if not result.energy_contributions_ry:
        return None
    document: dict[str, Any] = {"name": "total_energy_contributions", "units": "eV"}
    for name, value in result.energy_contributions_ry.items():
        document[name] = {"name": name, "value": value * RY_TO_EV}
    return document


def _total_force(result: PwResult) -> dict[str, Any] | None:
    if result.total_force_ry_per_bohr is None:
        return None
    value = result.total_force_ry_per_bohr * RY_PER_BOHR_TO_EV_PER_ANGSTROM
    return {"name": "total_force", "value": value, "units": "eV/angstrom"}


def _atomic_forces_document(result: PwResult) -> dict[str, Any] | None:
    if not result.atomic_forces_ry_per_bohr:
        return None
    values = [
        {"id": index, "value": [component * RY_PER_BOHR_TO_EV_PER_ANGSTROM for component in force]}
        for index, force in enumerate(result.atomic_forces_ry_per_bohr, start=1)
    ]
    return {"name": "atomic_forces", "values": values, "units": "eV/angstrom"}


def _stress_tensor(result: PwResult) -> dict[str, Any] | None:
    if result.stress_kbar is None:
        return None
    return {"name": "stress_tensor", "value": [list(row) for row in result.stress_kbar], "units": "kbar"}


def _convergence_electronic(result: PwResult) -> dict[str, Any] | None:
    """Per self-consistent calculation, the estimated scf accuracy of each iteration (as the platform plots)."""
    cycles = [cycle for cycle in result.scf_cycles if cycle]
    if not cycles:
        return None
    data = [[iteration.estimated_accuracy_ry * RY_TO_EV for iteration in cycle] for cycle in cycles]
    document: dict[str, Any] = {"name": "convergence_electronic", "data": data, "units": "eV"}
    if result.scf_threshold_ry is not None:
        document["tolerance"] = result.scf_threshold_ry * RY_TO_EV
    return document
