"""List parameters: the v1 and newer forms, merged, with clear refusals."""

from __future__ import annotations

import pytest

from matjobs.errors import InvalidQuery
from matjobs.query.paging import ListParams, parse_page, select_fields


def page(**raw):
    return parse_page(ListParams(**raw), default_limit=20, max_limit=500)


def test_defaults() -> None:
    assert (page().limit, page().skip, page().sort) == (20, 0, ())


def test_page_index_and_size_become_limit_and_skip() -> None:
    assert (page(page_index="2", page_size="10").limit, page(page_index="2", page_size="10").skip) == (10, 20)


def test_projection_and_flat_forms_merge_with_flat_winning() -> None:
    merged = page(projection='{"limit": 5, "skip": 1, "sort": {"createdAt": -1}}', limit="7")
    assert (merged.limit, merged.skip, merged.sort) == (7, 1, ((("createdAt",), -1),))
    assert page(sort="-createdAt,name").sort == ((("createdAt",), -1), (("name",), 1))


@pytest.mark.parametrize("raw", [{"limit": "501"}, {"page_size": "4"}, {"projection": '{"fields": {"a": 2}}'}])
def test_refusals(raw: dict) -> None:
    with pytest.raises(InvalidQuery):
        page(**raw)


def test_select_fields_keeps_id_and_nested_paths() -> None:
    document = {"_id": "J", "status": "s", "compute": {"ppn": 1, "nodes": 2}}
    assert select_fields(document, {("compute", "ppn"): True}) == {"_id": "J", "compute": {"ppn": 1}}
    assert select_fields(document, {("compute",): False}) == {"_id": "J", "status": "s"}
