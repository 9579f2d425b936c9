"""Paths through the Brillouin zone (`kpath`, `qpath`, `ipath`, `explicitKPath`,
`explicitKPath2PIBA`), as the platform's PointsPath providers compute them.

The platform (mat3ra-made's `ReciprocalLattice`) takes the AFLOW / Setyawan-Curtarolo high-symmetry
points and default path of the cell's Bravais lattice, flattens the path's segments into one line
and gives every point 10 steps. ASE implements the same convention (`ase.lattice`), including the
lattice variants that depend on the cell's parameters, and expresses the points in the material's
own reciprocal basis; seekpath's HPKOT convention names and orders the points differently.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
from ase.cell import Cell

from matjobs.errors import BadInput
from matjobs.flowchart.context.cell import Vectors, cell_vectors, reciprocal_vectors_2piba

STEPS = 10  # the platform's steps between two points of a default path
GAMMA = "Γ"
# Where the platform's path table (mat3ra-made data/reciprocal_paths.json) differs from ASE's:
# for FCC ASE ends its first segment at K, the platform at L.
PLATFORM_PATHS = {"FCC": "GXWKGLUWL,UX"}
# ASE's ASCII names for the points the platform writes in Greek.
GREEK = {"G": GAMMA, "S": "∑", "S1": "∑1"}
GREEK_VARIANTS = {"BCT2"}  # the only lattice whose S, S1 are Sigma points rather than plain S


def default_path(material: dict[str, Any]) -> list[dict[str, Any]]:
    """[{"point": "Γ", "steps": 10}, ...]: what the platform stores for a unit nobody edited."""
    symmetry = _symmetry(_key(cell_vectors(material)))
    if symmetry is None:
        return []
    variant, path, _ = symmetry
    return [{"point": _label(variant, name), "steps": STEPS} for name in path]


def symmetry_points(material: dict[str, Any]) -> dict[str, list[float]]:
    """The lattice's high-symmetry points in crystal coordinates of the material's reciprocal cell."""
    symmetry = _symmetry(_key(cell_vectors(material)))
    if symmetry is None:
        return {GAMMA: [0.0, 0.0, 0.0]}
    variant, _, points = symmetry
    return {_label(variant, name): [float(x) for x in point] for name, point in points.items()}


def path_for_rendering(
    material: dict[str, Any], path: list[dict[str, Any]], *, explicit: bool = False, tpiba: bool = False
) -> list[dict[str, Any]]:
    """The stored path with each point's coordinates added (`patchForRendering`): every step made
    explicit for `explicitKPath*`, and in cartesian 2π/a units for `explicitKPath2PIBA`."""
    points = symmetry_points(material)
    unknown = [item.get("point") for item in path if item.get("point") not in points]
    if unknown:
        raise BadInput(f"the k-path names points the material's lattice does not have: {unknown}")
    located = [{**item, "coordinates": points[item["point"]]} for item in path]
    if explicit:
        located = _explicit(located)
    cell = cell_vectors(material)
    rows = []
    for item in located:
        coordinates = np.array(item["coordinates"], dtype=float)
        if tpiba:
            coordinates = coordinates @ reciprocal_vectors_2piba(cell)
        rows.append({**item, "coordinates": [round(float(x), 9) + 0.0 for x in coordinates]})
    return rows


def _explicit(path: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every point between two symmetry points, one step each (`convertToExplicitPath`)."""
    rows: list[dict[str, Any]] = []
    for index, (start, end) in enumerate(zip(path, path[1:], strict=False)):
        a, b, n = np.array(start["coordinates"]), np.array(end["coordinates"]), int(start["steps"])
        rows.append({"point": start["point"], "steps": 1, "coordinates": list(a)})
        rows += [{"point": start["point"], "steps": 1, "coordinates": list(a + (b - a) * i / n)} for i in range(1, n)]
        if index == len(path) - 2:
            rows.append({"point": end["point"], "steps": 1, "coordinates": list(b)})
    return rows


def _key(cell: Vectors) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(round(float(x), 9) for x in row) for row in cell)


@cache
def _symmetry(key: tuple[tuple[float, ...], ...]) -> tuple[str, list[str], dict[str, Any]] | None:
    """Cached per cell: ASE's classification takes tens of milliseconds."""
    cell = np.array(key)
    try:
        lattice = Cell(cell).get_bravais_lattice()
        points = Cell(cell).bandpath(npoints=0).special_points
    except (ValueError, RuntimeError, np.linalg.LinAlgError):
        # A cell ASE cannot classify: the platform, too, has no default path for it.
        return None
    variant = str(lattice.variant)
    path_string = PLATFORM_PATHS.get(variant, str(lattice.special_path))
    # The platform flattens the segments: the jump from one to the next is a line of the path too.
    return variant, _names(path_string.replace(",", "")), points


def _names(path: str) -> list[str]:
    """'GXWKGLUWLUX' or 'GXMGZPNZ1M' into point names (a name is a letter and its digits)."""
    names: list[str] = []
    for char in path:
        if char.isdigit() and names:
            names[-1] += char
        else:
            names.append(char)
    return names


def _label(variant: str, name: str) -> str:
    if name == "G" or (variant in GREEK_VARIANTS and name in GREEK):
        return GREEK[name]
    return name
