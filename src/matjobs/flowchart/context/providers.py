"""The platform's context providers that depend on no geometry beyond the material's species:
cutoffs, magnetization, boundary conditions, Hubbard parameters, NEB and ion dynamics. Each
function returns the `data` the platform's provider gives a unit nobody edited (`getDefaultData`
in mat3ra-wode's `src/js/context/providers/`)."""

from __future__ import annotations

from typing import Any

from matjobs.flowchart.context.species import unique_species_with_labels

# PlanewaveCutoffDataManager's per-application defaults, in Ry.
CUTOFFS = {"espresso": {"wavefunction": 40, "density": 200}}


def cutoffs(application: str = "espresso") -> dict[str, Any]:
    return dict(CUTOFFS.get(application, {"wavefunction": None, "density": None}))


def collinear_magnetization(material: dict[str, Any]) -> dict[str, Any]:
    species = unique_species_with_labels(material)
    return {
        "startingMagnetization": [{"index": 1, "atomicSpecies": species[0] if species else "", "value": 0.0}],
        "isTotalMagnetization": False,
        "totalMagnetization": 0.0,
    }


def non_collinear_magnetization(material: dict[str, Any]) -> dict[str, Any]:
    """Also the spin-orbit templates' context (pw_scf_soc, pw_bands_soc set lspinorb themselves)."""
    species = unique_species_with_labels(material)
    return {
        "isExistingChargeDensity": False,
        "isStartingMagnetization": True,
        "isConstrainedMagnetization": False,
        "isArbitrarySpinAngle": False,
        "isArbitrarySpinDirection": False,
        "isFixedMagnetization": False,
        "lforcet": True,
        "spinAngles": [
            {"index": i, "atomicSpecies": s, "angle1": 0.0, "angle2": 0.0} for i, s in enumerate(species, 1)
        ],
        "startingMagnetization": [{"index": i, "atomicSpecies": s, "value": 0.0} for i, s in enumerate(species, 1)],
        "constrainedMagnetization": {"lambda": 0.0, "constrainType": "atomic direction"},
        "fixedMagnetization": {"x": 0.0, "y": 0.0, "z": 0.0},
    }


def boundary_conditions(material: dict[str, Any]) -> dict[str, Any]:
    """ESM: the material's own boundary conditions (a slab's metadata), else periodic."""
    given = ((material.get("metadata") or {}).get("boundaryConditions")) or {}
    return {
        "type": given.get("type") or "pbc",
        "offset": given.get("offset") or 0,
        "electricField": 0,
        "targetFermiEnergy": 0,
    }


def hubbard_u(material: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"atomicSpecies": _first(material), "atomicOrbital": "2p", "hubbardUValue": 1.0}]


def hubbard_j(material: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"paramType": "J", "atomicSpecies": _first(material), "atomicOrbital": "2p", "value": 1.0}]


def hubbard_v(material: dict[str, Any]) -> list[dict[str, Any]]:
    species = unique_species_with_labels(material)
    second = species[1] if len(species) > 1 else _first(material)
    return [
        {
            "atomicSpecies": _first(material),
            "atomicOrbital": "2p",
            "atomicSpecies2": second,
            "atomicOrbital2": "2p",
            "siteIndex": 1,
            "siteIndex2": 2 if len(species) > 1 else 1,
            "hubbardVValue": 1.0,
        }
    ]


def hubbard_legacy(material: dict[str, Any]) -> list[dict[str, Any]]:
    row: dict[str, Any] = {"hubbardUValue": 1.0, "atomicSpecies": _first(material)}
    if unique_species_with_labels(material):
        row["atomicSpeciesIndex"] = 1
    return [row]


def neb() -> dict[str, Any]:
    return {"nImages": 1}


def dynamics() -> dict[str, Any]:
    """cp.x's ion dynamics (IonDynamicsDataManager)."""
    return {"numberOfSteps": 100, "timeStep": 5.0, "electronMass": 100.0, "temperature": 300.0}


def _first(material: dict[str, Any]) -> str:
    species = unique_species_with_labels(material)
    return species[0] if species else ""
