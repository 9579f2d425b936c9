"""What a job body names by id, whatever shape a client sends."""

from __future__ import annotations

import pytest

from matjobs.documents.references import References, references_of

NOTHING = References(None, None, ())


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"model": "dft"},
        {"model": {"method": []}},
        {"model": {"method": {"data": {"pseudo": "Si"}}}},
        {"model": {"method": {"data": {"pseudo": [{"_id": 5}, "x", None]}}}},
        {"_material": "gyfPHZk56QAxRpAqv"},
        {"workflow": {"_id": "w", "subworkflows": []}},  # a whole workflow, not a reference
    ],
)
def test_shapes_that_name_nothing_are_left_to_validation(body: object) -> None:
    assert references_of(body) == NOTHING


def test_references_at_the_top_level_and_in_the_method() -> None:
    body = {
        "_material": {"_id": "m"},
        "workflow": {"_id": "w1"},
        "model": {"method": {"workflow": {"_id": "w2"}, "data": {"pseudo": [{"_id": "p1"}, {"_id": "p2"}]}}},
    }
    assert references_of(body) == References("w1", "m", ("p1", "p2"))
    del body["workflow"]
    assert references_of(body).workflow == "w2"
