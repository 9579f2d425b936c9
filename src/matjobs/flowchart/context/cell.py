"""A material document's cell as the platform's materials library places it, and its reciprocal
lattice, for the providers that need the structure's geometry (paths, grids, positions)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from matjobs.applications.espresso_input import lattice_vectors
from matjobs.errors import BadInput

Vectors = NDArray[np.float64]


def cell_vectors(material: dict[str, Any]) -> Vectors:
    """Rows v1, v2, v3 in angstrom."""
    lattice = material.get("lattice") or {}
    try:
        vectors = lattice_vectors(lattice)
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:
        raise BadInput(f"material {material.get('name')!r} has no usable lattice: {error}") from None
    return np.array([vectors["v1"], vectors["v2"], vectors["v3"]], dtype=float)


def reciprocal_vectors(cell: Vectors) -> Vectors:
    """Rows b1, b2, b3 in 1/angstrom, with the 2π."""
    return np.asarray(2 * np.pi * np.linalg.inv(cell).T, dtype=np.float64)


def reciprocal_vectors_2piba(cell: Vectors) -> Vectors:
    """Reciprocal vectors in units of 2π/a, a being |v1|: the platform's `tpiba` cartesian units."""
    return reciprocal_vectors(cell) * float(np.linalg.norm(cell[0])) / (2 * np.pi)


def crystal_coordinates(material: dict[str, Any]) -> list[list[float]]:
    """Each atom's fractional coordinates, in the basis' order; cartesian bases are converted."""
    basis = material.get("basis") or {}
    coordinates = [list(map(float, entry["value"])) for entry in basis.get("coordinates") or []]
    if basis.get("units", "crystal") == "crystal":
        return coordinates
    if basis.get("units") != "cartesian":
        raise BadInput(f"material {material.get('name')!r}: unknown basis units {basis.get('units')!r}")
    if not coordinates:
        return []
    return [list(row) for row in np.array(coordinates) @ np.linalg.inv(cell_vectors(material))]
