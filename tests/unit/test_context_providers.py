"""The context providers: every espresso unit of the bank renders under StrictUndefined on the
default Si, and the values are the platform's (mat3ra-wode's providers, mat3ra-made's k-paths)."""

from __future__ import annotations

from typing import Any

import jinja2
import pytest
from mat3ra.standata.workflows import WorkflowStandata

from matjobs.applications.espresso_render import NunjucksStrictUndefined
from matjobs.bank import DEFAULT_MATERIAL, bank
from matjobs.errors import BadInput
from matjobs.flowchart.context import subworkflow_context, unit_context

SI = bank("material")[DEFAULT_MATERIAL]
PSEUDO = [{"element": "Si", "filename": "Si.pbe-n-rrkjus_psl.1.0.0.UPF"}]


def _espresso_units() -> list[Any]:
    cases = []
    for name, workflow in WorkflowStandata.data.filesMapByName.dictionary.items():
        for subworkflow in workflow["subworkflows"]:
            if subworkflow["application"]["name"] != "espresso":
                continue
            for unit in subworkflow["units"]:
                if unit["type"] == "execution":
                    cases.append(pytest.param(subworkflow, unit, id=f"{name}:{unit['flavor']['name']}"))
    return cases


def _render(template: str, context: dict[str, Any]) -> str:
    environment = jinja2.Environment(undefined=NunjucksStrictUndefined, autoescape=False)  # noqa: S701
    environment.filters["sprintf"] = lambda value, pattern: pattern % value
    return environment.from_string(template).render(**context)


@pytest.mark.parametrize(("subworkflow", "unit"), _espresso_units())
def test_every_espresso_unit_of_the_bank_renders_with_no_undefined_name(subworkflow: Any, unit: Any) -> None:
    assignments = subworkflow_context(subworkflow)
    # Interface workflows (Schottky barrier, valence band offset) pick one of the job's several
    # materials by MATERIAL_INDEX: they need as many materials as they index.
    materials = [SI] * (int(assignments.get("MATERIAL_INDEX") or 0) + 1)
    if unit["executable"]["name"] == "neb.x":
        materials = [SI, SI]  # its first and last images
    context = unit_context(
        unit,
        SI,
        subworkflow["model"]["method"],
        materials=materials,
        pseudopotentials=PSEUDO,
        subworkflow_context=assignments,
    )
    for entry in unit["input"]:
        text = _render(entry["template"]["content"], context)
        assert "Undefined" not in text


def test_si_kpath_is_the_platforms_fcc_path_with_its_points() -> None:
    # mat3ra-made: data/reciprocal_paths.json (FCC) and symmetry_points.ts (FCC), 10 steps each.
    expected_labels = ["Γ", "X", "W", "K", "Γ", "L", "U", "W", "L", "U", "X"]
    points = {
        "Γ": [0, 0, 0],
        "X": [0.5, 0, 0.5],
        "W": [0.5, 0.25, 0.75],
        "K": [0.375, 0.375, 0.75],
        "L": [0.5, 0.5, 0.5],
        "U": [0.625, 0.25, 0.625],
    }
    kpath = unit_context({}, SI)["kpath"]
    assert [p["point"] for p in kpath] == expected_labels
    assert all(p["steps"] == 10 for p in kpath)
    for p in kpath:
        assert p["coordinates"] == pytest.approx(points[p["point"]], abs=1e-9)
    assert kpath.length == 11


def test_an_edited_kpath_wins_and_gets_its_coordinates() -> None:
    unit = {"context": [{"name": "kpath", "isEdited": True, "data": [{"point": "Γ", "steps": 4}, {"point": "L"}]}]}
    kpath = unit_context(unit, SI)["kpath"]
    assert [(p["point"], p["coordinates"]) for p in kpath] == [("Γ", [0.0, 0.0, 0.0]), ("L", [0.5, 0.5, 0.5])]


def test_explicit_path_spells_out_every_step() -> None:
    unit = {"context": [{"name": "explicitKPath", "data": [{"point": "Γ", "steps": 4}, {"point": "X", "steps": 4}]}]}
    explicit = unit_context(unit, SI)["explicitKPath"]
    assert [p["coordinates"] for p in explicit] == [
        [0.0, 0.0, 0.0],
        [0.125, 0.0, 0.125],
        [0.25, 0.0, 0.25],
        [0.375, 0.0, 0.375],
        [0.5, 0.0, 0.5],
    ]


def test_grids_by_the_platforms_default_kppra_and_shapes() -> None:
    context = unit_context({}, SI)
    # KPPRA 5 over Si's 2 atoms on a cubic-symmetric reciprocal cell: ceil(cbrt(2.5)) = 2; q: 1; i: 25.
    assert context["kgrid"]["dimensions"] == [2, 2, 2]
    assert context["qgrid"]["dimensions"] == [1, 1, 1]
    assert context["igrid"]["dimensions"] == [3, 3, 3]
    for name in ("kgrid", "qgrid", "igrid"):
        assert context[name]["shifts"] == [0, 0, 0]


def test_an_edited_grid_wins_unless_it_prefers_its_metric() -> None:
    fixed = {"context": [{"name": "kgrid", "isEdited": True, "data": {"dimensions": [3, 3, 3], "shifts": [1, 1, 1]}}]}
    assert unit_context(fixed, SI)["kgrid"]["dimensions"] == [3, 3, 3]
    assert unit_context(fixed, SI)["kgrid"]["shifts"] == [1, 1, 1]
    by_metric = {"context": [{"name": "kgrid", "data": {"preferGridMetric": True, "gridMetricValue": 1500}}]}
    assert unit_context(by_metric, SI)["kgrid"]["dimensions"] == [10, 10, 10]


def test_a_default_saved_for_another_material_is_recomputed() -> None:
    stale = {"context": [{"name": "kgrid", "isEdited": False, "data": {"dimensions": [9, 9, 9], "shifts": [0, 0, 0]}}]}
    assert unit_context(stale, SI)["kgrid"]["dimensions"] == [2, 2, 2]


def test_magnetization_and_boundary_condition_defaults() -> None:
    context = unit_context({}, SI)
    collinear = context["collinearMagnetization"]
    assert collinear["startingMagnetization"] == [{"index": 1, "atomicSpecies": "Si", "value": 0.0}]
    assert collinear["isTotalMagnetization"] is False
    non_collinear = context["nonCollinearMagnetization"]
    assert non_collinear["isStartingMagnetization"] is True
    assert non_collinear["spinAngles"] == [{"index": 1, "atomicSpecies": "Si", "angle1": 0.0, "angle2": 0.0}]
    assert context["boundaryConditions"] == {"type": "pbc", "offset": 0, "electricField": 0, "targetFermiEnergy": 0}
    slab = {**SI, "metadata": {"boundaryConditions": {"type": "bc2", "offset": 1.5}}}
    assert unit_context({}, slab)["boundaryConditions"]["type"] == "bc2"
    assert context["cutoffs"] == {"wavefunction": 40, "density": 200}


def test_neb_images_come_from_the_materials_in_order() -> None:
    coordinates = [{"id": 0, "value": [0.8, 0.8, 0.8]}, {"id": 1, "value": [0.1, 0.1, 0.1]}]
    moved = {**SI, "basis": {**SI["basis"], "coordinates": coordinates}}
    unit = {"executable": {"name": "neb.x"}}
    neb_input = unit_context(unit, SI, materials=[SI, moved, SI])["input"]
    assert neb_input["FIRST_IMAGE"][0]["x"] == 0.875
    assert [image[0]["x"] for image in neb_input["INTERMEDIATE_IMAGES"]] == [0.8]
    assert neb_input["INTERMEDIATE_IMAGES"].length == 1


def test_a_neb_unit_of_one_material_is_refused_naming_what_it_needs() -> None:
    with pytest.raises(BadInput, match="a NEB unit needs two materials, its first and last images: the job gives 1"):
        unit_context({"executable": {"name": "neb.x"}}, SI, materials=[SI])
