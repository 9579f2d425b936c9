"""Each property's data is checked against the mat3ra-esse schema of the property it names."""

from __future__ import annotations

import pytest

from matjobs.documents.property import check_property, property_document, schema_ids
from matjobs.errors import BadInput

JOB = {"_id": "J", "owner": {"_id": "A"}, "creator": {"_id": "U"}}
BAND_GAPS = {
    "name": "band_gaps",
    "values": [
        {"type": "direct", "value": 3.1, "units": "eV", "kpointConduction": [0, 0, 0], "kpointValence": [0, 0, 0]},
        {
            "type": "indirect",
            "value": 0.6,
            "units": "eV",
            "kpointConduction": [0.5, 0, 0.5],
            "kpointValence": [0, 0, 0],
        },
    ],
}


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"name": "total_energy", "value": "low", "units": "eV"}, "invalid property 'total_energy'"),
        ({"name": "total_energy", "value": -19.1, "units": "furlongs"}, "invalid property 'total_energy'"),
        ({"name": "band_gaps", "values": [{"type": "sideways", "value": 1.0, "units": "eV"}]}, "'band_gaps'"),
        ({"name": "band_structure", "xDataArray": []}, "invalid property 'band_structure'"),
        ({"name": "zero_point_energy", "units": "eV"}, "'zero_point_energy'"),
        ({"name": "converged_k_grid", "value": [4, 4, 4]}, "'converged_k_grid': mat3ra-esse has no property"),
        ({"value": 1.0}, "data.name"),
        ("total_energy", "data.name"),
    ],
)
def test_a_property_its_schema_refuses_is_named_with_the_complaint(data: object, named: str) -> None:
    with pytest.raises(BadInput) as refused:
        check_property(data)
    assert named in str(refused.value)


def test_valid_properties_pass() -> None:
    check_property({"name": "total_energy", "value": -19.1, "units": "eV"})
    check_property(BAND_GAPS)


def test_every_property_a_holder_holds_has_its_own_schema() -> None:
    assert {"total_energy", "band_gaps", "band_structure", "density_of_states", "phonon_dispersions"} <= set(
        schema_ids()
    )
    assert schema_ids()["zero_point_energy"] == "properties-directory/scalar/zero-point-energy"
    assert schema_ids()["ionization_potential"] == "properties-directory/scalar/ionization-potential"


def test_a_run_s_result_that_fails_its_schema_names_its_unit() -> None:
    data = {"name": "total_energy", "value": None, "units": "eV"}
    with pytest.raises(BadInput, match=r"unit scf-1: invalid property 'total_energy' \(.*\): value: None"):
        property_document(data, property_id="P", job=JOB, unit_id="scf-1", created_at="2026-01-01T00:00:00.000Z")
    made = property_document(
        BAND_GAPS, property_id="P", job=JOB, unit_id="bands", created_at="2026-01-01T00:00:00.000Z"
    )
    assert made["source"]["info"] == {"jobId": "J", "unitId": "bands"} and made["data"] == BAND_GAPS
