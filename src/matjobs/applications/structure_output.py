"""The structure a pw.x relaxation ended with (the last CELL_PARAMETERS and ATOMIC_POSITIONS it
printed), as the platform's material shape: lattice lengths and angles, basis in crystal coordinates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from matjobs.applications.pw_output import BOHR_TO_ANGSTROM
from matjobs.applications.qe_text import NUMBER, Matrix, Vector, crystal_axes_alat, to_float
from matjobs.documents.structure import crystal_material

_CELL = re.compile(rf"^CELL_PARAMETERS\s*\(?\s*(angstrom|bohr|alat\s*=\s*{NUMBER})\s*\)?\s*$", re.MULTILINE)
_POSITIONS = re.compile(r"^ATOMIC_POSITIONS\s*\(?\s*(crystal|angstrom|bohr|alat)\s*\)?\s*$", re.MULTILINE)
_ATOM = re.compile(rf"^\s*([A-Za-z][A-Za-z0-9_-]*)\s+({NUMBER})\s+({NUMBER})\s+({NUMBER})")
_FINISHED = re.compile(r"End of (?:BFGS Geometry Optimization|damped dynamics)")
_GAVE_UP = re.compile(r"The maximum number of steps has been reached|bfgs failed|history already reset")


@dataclass(frozen=True)
class FinalStructure:
    cell_angstrom: Matrix | None = None
    elements: tuple[str, ...] = ()
    crystal_positions: tuple[Vector, ...] = ()
    problem: str | None = None


def parse_final_structure(text: str) -> FinalStructure:
    """The last structure of a relax or vc-relax output; a fixed-cell relax keeps the header's cell."""
    cell = _last_cell(text)
    if cell is None:
        return FinalStructure(problem="pw.x output has no cell (crystal axes or CELL_PARAMETERS)")
    positions = list(_POSITIONS.finditer(text))
    if not positions:
        return FinalStructure(problem="pw.x output has no ATOMIC_POSITIONS: not a relaxation, or it stopped early")
    units = positions[-1].group(1)
    atoms: list[tuple[str, Vector]] = []
    for line in text[positions[-1].end() :].splitlines()[1:]:
        match = _ATOM.match(line)
        if match is None:
            break
        atoms.append((match.group(1), (to_float(match.group(2)), to_float(match.group(3)), to_float(match.group(4)))))
    if not atoms:
        return FinalStructure(problem="pw.x output ends inside its last ATOMIC_POSITIONS")
    alat_angstrom = _alat_bohr(text) * BOHR_TO_ANGSTROM
    scale = {"crystal": 1.0, "angstrom": 1.0, "bohr": BOHR_TO_ANGSTROM, "alat": alat_angstrom}[units]
    inverse = _inverse_transposed(cell)
    crystal = [
        position if units == "crystal" else _times(inverse, tuple(scale * x for x in position))  # type: ignore[arg-type]
        for _, position in atoms
    ]
    problem = None
    if _GAVE_UP.search(text):
        problem = "the relaxation stopped before it converged (maximum steps or BFGS failure)"
    elif _FINISHED.search(text) is None:
        problem = "pw.x output ends before the end of the relaxation"
    return FinalStructure(cell, tuple(element for element, _ in atoms), tuple(crystal), problem)


def structure_properties(structure: FinalStructure) -> list[dict[str, Any]]:
    if structure.cell_angstrom is None or not structure.elements:
        return []
    shape = crystal_material(structure.cell_angstrom, structure.elements, structure.crystal_positions, vectors=True)
    # The material schema asks for metadata; the runner adds the job's and unit's ids.
    return [{"name": "final_structure", **shape, "isRelaxed": structure.problem is None, "metadata": {}}]


def _alat_bohr(text: str) -> float:
    axes = crystal_axes_alat(text)
    return axes[0] if axes else 1.0 / BOHR_TO_ANGSTROM  # ibrav=0 with an angstrom cell: alat is a's length


def _last_cell(text: str) -> Matrix | None:
    cells = list(_CELL.finditer(text))
    if cells:
        units = cells[-1].group(1)
        rows = [[to_float(x) for x in line.split()] for line in text[cells[-1].end() :].splitlines()[1:4]]
        if len(rows) == 3 and all(len(row) == 3 for row in rows):
            if units == "angstrom":
                scale = 1.0
            elif units == "bohr":
                scale = BOHR_TO_ANGSTROM
            else:  # alat= <bohr>
                scale = to_float(units.split("=")[1]) * BOHR_TO_ANGSTROM
            return tuple(tuple(scale * x for x in row) for row in rows)  # type: ignore[return-value]
    axes = crystal_axes_alat(text)
    if axes is None:
        return None
    alat, vectors = axes
    return tuple(tuple(alat * BOHR_TO_ANGSTROM * x for x in vector) for vector in vectors)  # type: ignore[return-value]


def _inverse_transposed(cell: Matrix) -> Matrix:
    """The matrix taking a cartesian position to crystal coordinates (rows of the cell are a, b, c)."""
    (a1, a2, a3), (b1, b2, b3), (c1, c2, c3) = cell
    det = a1 * (b2 * c3 - b3 * c2) - a2 * (b1 * c3 - b3 * c1) + a3 * (b1 * c2 - b2 * c1)
    # Rows: (b x c), (c x a), (a x b), over the cell's volume.
    return (
        ((b2 * c3 - b3 * c2) / det, (b3 * c1 - b1 * c3) / det, (b1 * c2 - b2 * c1) / det),
        ((c2 * a3 - c3 * a2) / det, (c3 * a1 - c1 * a3) / det, (c1 * a2 - c2 * a1) / det),
        ((a2 * b3 - a3 * b2) / det, (a3 * b1 - a1 * b3) / det, (a1 * b2 - a2 * b1) / det),
    )


def _times(matrix: Matrix, vector: Vector) -> Vector:
    return tuple(sum(m * v for m, v in zip(row, vector, strict=True)) for row in matrix)  # type: ignore[return-value]
