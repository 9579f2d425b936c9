"""Materials from the text of a POSCAR or a CIF file (read with ASE)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import User

STRUCTURES = Path(__file__).parents[1] / "data" / "structures"


def test_a_poscar_becomes_a_material_with_its_lattice_and_basis(alice: User) -> None:
    content = (STRUCTURES / "Si.poscar").read_text()
    imported = alice.http.post("/api/v1/materials/import", json={"name": "Si", "content": content, "format": "poscar"})
    assert imported.status_code == 200, imported.text
    material = imported.json()["data"]
    lattice = material["lattice"]
    # fcc primitive: three equal edges of 2.6986 * sqrt(2) angstrom at 60 degrees
    assert lattice["a"] == pytest.approx(3.81645, abs=1e-4) and lattice["b"] == lattice["a"] == pytest.approx(
        lattice["c"]
    )
    assert lattice["alpha"] == pytest.approx(60) and lattice["gamma"] == pytest.approx(60)
    assert [element["value"] for element in material["basis"]["elements"]] == ["Si", "Si"]
    assert material["basis"]["coordinates"][1]["value"] == pytest.approx([0.25, 0.25, 0.25])
    assert (
        material["basis"]["units"] == "crystal" and material["formula"] == "Si" and material["unitCellFormula"] == "Si2"
    )
    assert alice.http.get(f"/api/v1/materials/{material['_id']}").json()["data"] == material


def test_a_cif_is_expanded_by_its_symmetry(alice: User) -> None:
    content = (STRUCTURES / "NaCl.cif").read_text()
    imported = alice.http.post(
        "/api/v1/materials/import", json={"name": "rock salt", "content": content, "format": "cif"}
    )
    assert imported.status_code == 200, imported.text
    material = imported.json()["data"]
    # F m -3 m places 4 Na and 4 Cl in the conventional cell
    assert Counter(element["value"] for element in material["basis"]["elements"]) == {"Na": 4, "Cl": 4}
    assert material["lattice"]["a"] == pytest.approx(5.6402) and material["lattice"]["alpha"] == pytest.approx(90)
    assert material["formula"] == "NaCl" and material["unitCellFormula"] == "Na4Cl4"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"name": "x", "content": "not a structure", "format": "poscar"}, "content"),
        ({"name": "x", "content": "data_empty\n", "format": "cif"}, "content"),
        ({"name": "x", "content": "", "format": "poscar"}, "content"),
        ({"name": "x", "content": "Si", "format": "xyz"}, "format"),
        ({"content": "Si", "format": "poscar"}, "name"),
        ([], "JSON object"),
    ],
)
def test_text_that_is_not_a_structure_is_refused_and_nothing_stored(alice: User, body: object, named: str) -> None:
    before = alice.http.get("/api/v1/materials", params={"limit": 500}).json()["data"]
    refused = alice.http.post("/api/v1/materials/import", json=body)
    assert refused.status_code == 400, refused.text
    assert named in refused.json()["data"]["message"]
    assert alice.http.get("/api/v1/materials", params={"limit": 500}).json()["data"] == before
