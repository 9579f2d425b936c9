"""The `input` context of Quantum ESPRESSO templates: the structure written the way pw.x reads it
(QEPWXInputDataManager), and the NEB images made of several materials (QENEBInputDataManager)."""

from __future__ import annotations

import posixpath
from typing import Any

from mat3ra.periodic_table import PERIODIC_TABLE

from matjobs.applications.espresso_input import lattice_vectors
from matjobs.errors import BadInput
from matjobs.flowchart.context.cell import crystal_coordinates
from matjobs.flowchart.context.species import constraints, elements, labels, unique_elements

Pseudo = dict[str, Any]


def pw_input(
    material: dict[str, Any],
    materials: list[dict[str, Any]] | None = None,
    *,
    pseudopotentials: list[Pseudo] | None = None,
    restart: bool = False,
) -> dict[str, Any]:
    """`restart` is the platform's `jobHasParent or workflowHasRelaxation`."""
    return {
        **_structure(material, pseudopotentials or [], restart),
        "perMaterial": [_structure(m, pseudopotentials or [], restart) for m in materials or [material]],
    }


def neb_input(materials: list[dict[str, Any]], *, pseudopotentials: list[Pseudo] | None = None) -> dict[str, Any]:
    """The first material's cell and species, and every material's positions as one image."""
    if len(materials) < 2:
        # One material as both images: neb.x would stop on "images are too close".
        raise BadInput(f"a NEB unit needs two materials, its first and last images: the job gives {len(materials)}")
    images = [_structure(m, pseudopotentials or [], False) for m in materials]
    positions = ("ATOMIC_POSITIONS", "ATOMIC_POSITIONS_WITHOUT_CONSTRAINTS")
    first = {k: v for k, v in images[0].items() if k not in positions}
    return {
        **first,
        "FIRST_IMAGE": images[0]["ATOMIC_POSITIONS"],
        "LAST_IMAGE": images[-1]["ATOMIC_POSITIONS"],
        "INTERMEDIATE_IMAGES": [image["ATOMIC_POSITIONS"] for image in images[1:-1]],
        "contextProviderName": "qe-neb",
    }


def _structure(material: dict[str, Any], pseudopotentials: list[Pseudo], restart: bool) -> dict[str, Any]:
    atoms = elements(material)
    atom_labels = labels(material)
    free = constraints(material)
    coordinates = crystal_coordinates(material)
    if len(coordinates) != len(atoms):
        raise BadInput(f"material {material.get('name')!r}: as many coordinates as elements are needed")
    species_with_labels = list(dict.fromkeys(e + label for e, label in zip(atoms, atom_labels, strict=True)))
    positions = [
        {
            "X": element + label,
            "x": x,
            "y": y,
            "z": z,
            "if_pos(1)": int(move[0]),
            "if_pos(2)": int(move[1]),
            "if_pos(3)": int(move[2]),
        }
        for element, label, (x, y, z), move in zip(atoms, atom_labels, coordinates, free, strict=True)
    ]
    return {
        "IBRAV": 0,
        "RESTART_MODE": "restart" if restart else "from_scratch",
        "ATOMIC_SPECIES": [_species(element, element, pseudopotentials) for element in unique_elements(material)],
        "ATOMIC_SPECIES_WITH_LABELS": [
            _species(name, name.rstrip("0123456789"), pseudopotentials) for name in species_with_labels
        ],
        "NAT": len(positions),
        "NTYP": len(unique_elements(material)),
        "NTYP_WITH_LABELS": len(species_with_labels),
        "ATOMIC_POSITIONS": positions,
        "ATOMIC_POSITIONS_WITHOUT_CONSTRAINTS": "\n".join(
            f"{p['X']} {p['x']:14.9f} {p['y']:14.9f} {p['z']:14.9f}" for p in positions
        ),
        "CELL_PARAMETERS": lattice_vectors(material["lattice"]),
        "contextProviderName": "qe-pwx",
    }


def _species(name: str, element: str, pseudopotentials: list[Pseudo]) -> dict[str, Any]:
    if element not in PERIODIC_TABLE:
        raise BadInput(f"{element!r} is not an element")
    pseudo = next((p for p in pseudopotentials if p.get("element") == element), {})
    file_name = pseudo.get("filename") or posixpath.basename(str(pseudo.get("path") or ""))
    return {"X": name, "Mass_X": PERIODIC_TABLE[element]["atomic_mass"], "PseudoPot_X": file_name}
