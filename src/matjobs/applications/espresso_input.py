"""pw.x input from a workflow unit's own template (the platform's Jinja templates, shipped in
mat3ra-standata's workflows) and a material, its pseudopotentials, a k-point grid and cutoffs.

It renders what the platform's renderer (mat3ra-wode) renders for templates whose context is
exactly these (the test compares the two byte for byte on Si), without the 148 MB that
mat3ra-wode brings along; `{{ JOB_WORK_DIR }}` is left for the run, as the platform leaves it.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import jinja2
from mat3ra.periodic_table import PERIODIC_TABLE

from matjobs.errors import BadInput


def pw_context(
    material: dict[str, Any],
    pseudo_files: dict[str, str],
    *,
    kgrid: list[int],
    cutoffs: dict[str, float],
    shifts: list[int] | None = None,
) -> dict[str, Any]:
    """The template's variables; `pseudo_files` maps each element to its UPF file name."""
    basis = material["basis"]
    if basis.get("units", "crystal") != "crystal":
        raise BadInput(f"material {material.get('name')!r}: only crystal coordinates are supported yet")
    elements = {entry["id"]: entry["value"] for entry in basis["elements"]}
    coordinates = {entry["id"]: entry["value"] for entry in basis["coordinates"]}
    species = []
    for element in dict.fromkeys(elements.values()):
        if element not in pseudo_files:
            raise BadInput(f"no pseudopotential given for {element}")
        if element not in PERIODIC_TABLE:
            raise BadInput(f"{element!r} is not an element")
        species.append(
            {"X": element, "Mass_X": PERIODIC_TABLE[element]["atomic_mass"], "PseudoPot_X": pseudo_files[element]}
        )
    positions = [
        {"X": element, "x": x, "y": y, "z": z, "if_pos(1)": 1, "if_pos(2)": 1, "if_pos(3)": 1}
        for atom, element in elements.items()
        for x, y, z in [coordinates[atom]]
    ]
    return {
        "input": {
            "IBRAV": 0,
            "RESTART_MODE": "from_scratch",
            "NAT": len(positions),
            "NTYP": len(species),
            "ATOMIC_SPECIES": species,
            "ATOMIC_POSITIONS": positions,
            "CELL_PARAMETERS": lattice_vectors(material["lattice"]),
        },
        "cutoffs": cutoffs,
        "kgrid": {"dimensions": kgrid, "shifts": shifts or [0, 0, 0]},
        "subworkflowContext": {},
    }


# Quantum ESPRESSO looks for a lattice's symmetry among rotations fixed in cartesian axes (the
# cube's axes along x, y, z). A cubic cell placed the generic way, c along z, keeps 4 of Si's 48
# operations, and projwfc.x ("D_S ... not orthogonal") and vc-relax ("checkallsym: not orthogonal
# operation") stop on them. So FCC and BCC cells are written as Setyawan and Curtarolo's primitive
# cells (the platform's PRIMITIVE_CELLS): the same crystal, turned. Each is (its angle, the edge of
# its conventional cube per primitive edge, its rows in units of half that cube's edge).
_CUBIC_PRIMITIVE = {
    "FCC": (60.0, math.sqrt(2), ((0, 1, 1), (1, 0, 1), (1, 1, 0))),
    "BCC": (math.degrees(math.acos(-1 / 3)), 2 / math.sqrt(3), ((-1, 1, 1), (1, -1, 1), (1, 1, -1))),
}
_SAME_LENGTH = 1e-5  # relative: standard data rounds a, b, c to 1e-6 angstrom
_SAME_ANGLE = 1e-3  # degrees


def lattice_vectors(lattice: dict[str, Any]) -> dict[str, list[float]]:
    """Cell vectors in angstrom from a, b, c and the angles: an FCC or BCC cell as its standard
    primitive cell; any other with c along z and a in the xz plane, as the platform's materials
    library (mat3ra-made) places them."""
    cubic = _cubic_primitive(lattice)
    if cubic is not None:
        return cubic
    a, b, c = lattice["a"], lattice["b"], lattice["c"]
    alpha, beta, gamma = (math.radians(lattice[angle]) for angle in ("alpha", "beta", "gamma"))
    cos_gamma_star = (math.cos(alpha) * math.cos(beta) - math.cos(gamma)) / (math.sin(alpha) * math.sin(beta))
    gamma_star = math.acos(cos_gamma_star)
    return {
        "v1": [a * math.sin(beta), 0.0, a * math.cos(beta)],
        "v2": [
            -b * math.sin(alpha) * math.cos(gamma_star),
            b * math.sin(alpha) * math.sin(gamma_star),
            b * math.cos(alpha),
        ],
        "v3": [0.0, 0.0, c],
    }


def _cubic_primitive(lattice: dict[str, Any]) -> dict[str, list[float]] | None:
    """The standard primitive cell, when the lattice is one (within rounding), else None."""
    known = _CUBIC_PRIMITIVE.get(str(lattice.get("type") or ""))
    if known is None:
        return None
    angle, cube_per_edge, rows = known
    lengths = [float(lattice[name]) for name in ("a", "b", "c")]
    edge = sum(lengths) / 3
    if edge <= 0 or any(abs(length - edge) > _SAME_LENGTH * edge for length in lengths):
        return None
    if any(abs(float(lattice[name]) - angle) > _SAME_ANGLE for name in ("alpha", "beta", "gamma")):
        return None
    half_cube = edge * cube_per_edge / 2
    return {f"v{i}": [half_cube * x + 0.0 for x in row] for i, row in enumerate(rows, 1)}


def render(template: str, context: dict[str, Any]) -> str:
    try:
        return _environment().from_string(template).render(**context)
    except jinja2.TemplateError as error:
        raise BadInput(f"the unit's input template cannot be rendered: {error}") from None


@cache
def _environment() -> jinja2.Environment:
    # Whole numbers print as integers (ecutwfc = 20, not 20.0), and a variable the context does not
    # have renders empty: both as the platform's renderer does.
    environment = jinja2.Environment(
        finalize=lambda value: int(value) if isinstance(value, float) and value.is_integer() else value,
        autoescape=False,  # noqa: S701 - the output is a pw.x input file, not HTML
    )
    environment.filters["sprintf"] = lambda value, pattern: pattern % value
    return environment
