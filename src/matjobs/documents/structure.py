"""Crystal structures from text (POSCAR, CIF) as the platform's material documents, read with
ASE: the lattice as lengths and angles, the basis in crystal coordinates."""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Sequence
from typing import Any

from matjobs.errors import BadInput

FORMATS = {"poscar": "vasp", "cif": "cif"}
MAX_ATOMS = 10_000


def material_from_text(name: str, content: Any, file_format: Any) -> dict[str, Any]:
    """The body of a material create request, or a 400 saying what could not be read."""
    reader = FORMATS.get(file_format.lower()) if isinstance(file_format, str) else None
    if reader is None:
        raise BadInput(f"format: one of {sorted(FORMATS)} is required, not {file_format!r}")
    if not isinstance(content, str) or not content.strip():
        raise BadInput("content: the structure's text is required")
    from ase.io import read  # a heavy import, for this call only

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ASE warns about CIF details it works around
            atoms = read(io.StringIO(content), format=reader)
    except Exception as error:  # noqa: BLE001 - any parse failure is the client's text
        raise BadInput(f"content: not a readable {file_format} structure: {error}"[:500]) from None
    if isinstance(atoms, list):
        atoms = atoms[0]
    if not 0 < len(atoms) <= MAX_ATOMS:
        raise BadInput(f"content: a structure of 1 to {MAX_ATOMS} atoms is required, not {len(atoms)}")
    if not atoms.cell.rank == 3:
        raise BadInput("content: the structure has no three-dimensional cell")
    symbols = atoms.get_chemical_symbols()
    fractional = atoms.get_scaled_positions(wrap=True)
    shape = crystal_material(atoms.cell[:].tolist(), symbols, fractional.tolist())
    return {"name": name, **shape, "metadata": {"source": {"format": file_format.lower()}}}


Rows = Sequence[Sequence[float]]


def crystal_material(cell: Rows, elements: Sequence[str], crystal: Rows, *, vectors: bool = False) -> dict[str, Any]:
    """A structure in the platform's material shape: the lattice of `cell` (rows a, b, c in
    angstrom) as lengths and angles, with the vectors themselves if asked for, and the basis in
    crystal coordinates."""
    a, b, c, alpha, beta, gamma = lengths_and_angles(cell)
    lattice: dict[str, Any] = {
        "a": a,
        "b": b,
        "c": c,
        "alpha": alpha,
        "beta": beta,
        "gamma": gamma,
        "units": {"length": "angstrom", "angle": "degree"},
        "type": "TRI",  # the most general; the lengths and angles say the rest
    }
    if vectors:
        rows = [[float(x) for x in row] for row in cell]
        lattice["vectors"] = {"a": rows[0], "b": rows[1], "c": rows[2], "alat": 1, "units": "angstrom"}
    return {
        "lattice": lattice,
        "basis": {
            "elements": [{"id": index, "value": symbol} for index, symbol in enumerate(elements)],
            "coordinates": [
                {"id": index, "value": [float(x) for x in position]} for index, position in enumerate(crystal)
            ],
            "units": "crystal",
        },
    }


def lengths_and_angles(cell: Rows) -> tuple[float, float, float, float, float, float]:
    """a, b, c and alpha (b^c), beta (a^c), gamma (a^b) in degrees."""

    def dot(u: Sequence[float], v: Sequence[float]) -> float:
        return sum(x * y for x, y in zip(u, v, strict=True))

    a, b, c = (math.sqrt(dot(v, v)) for v in cell)
    alpha = math.degrees(math.acos(dot(cell[1], cell[2]) / (b * c)))
    beta = math.degrees(math.acos(dot(cell[0], cell[2]) / (a * c)))
    gamma = math.degrees(math.acos(dot(cell[0], cell[1]) / (a * b)))
    return a, b, c, alpha, beta, gamma
