"""Crystal structures from text (POSCAR, CIF) as the platform's material documents, read with
ASE: the lattice as lengths and angles, the basis in crystal coordinates."""

from __future__ import annotations

import io
import warnings
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
    a, b, c, alpha, beta, gamma = (float(value) for value in atoms.cell.cellpar())
    symbols = atoms.get_chemical_symbols()
    fractional = atoms.get_scaled_positions(wrap=True)
    return {
        "name": name,
        "lattice": {
            "a": a,
            "b": b,
            "c": c,
            "alpha": alpha,
            "beta": beta,
            "gamma": gamma,
            "units": {"length": "angstrom", "angle": "degree"},
            "type": "TRI",  # the most general; the lengths and angles say the rest
        },
        "basis": {
            "elements": [{"id": index, "value": symbol} for index, symbol in enumerate(symbols)],
            "coordinates": [
                {"id": index, "value": [float(x) for x in position]} for index, position in enumerate(fractional)
            ],
            "units": "crystal",
        },
        "metadata": {"source": {"format": file_format.lower()}},
    }
