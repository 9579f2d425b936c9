"""Revisions and preconditions without HTTP or SQL: If-Match parsing, the revision a body
states, and which references an update adds."""

from __future__ import annotations

import pytest

from matjobs.documents.references import added_references, owned_references
from matjobs.documents.revisions import Precondition, if_match, revision_of, stated
from matjobs.documents.update import parse_update, same
from matjobs.errors import BadInput, PreconditionFailed


@pytest.mark.parametrize(
    ("header", "tags"),
    [('"3"', {'"3"'}), (' "3" , "4"', {'"3"', '"4"'}), ('W/"3"', {'W/"3"'}), ('"a,b"', {'"a,b"'})],
)
def test_if_match_lists_etags(header: str, tags: set[str]) -> None:
    precondition = if_match(header)
    assert precondition is not None and precondition.tags == frozenset(tags)


def test_if_match_star_and_absent() -> None:
    assert if_match(None) is None
    star = if_match(" * ")
    assert star is not None and star.tags is None
    star.check("job", "J", 12)


@pytest.mark.parametrize("header", ["", "3", '"3', '"3" "4"', '"3",', '*, "3"', '"caf\u00e9"'])
def test_a_malformed_if_match_is_bad_input(header: str) -> None:
    with pytest.raises(BadInput, match="If-Match"):
        if_match(header)


def test_a_precondition_holds_only_at_its_revision() -> None:
    precondition = Precondition(frozenset({'"2"'}), "If-Match")
    precondition.check("job", "J", 2)
    with pytest.raises(PreconditionFailed, match='job J is at revision 3, not "2"'):
        precondition.check("job", "J", 3)


def test_a_body_states_its_revision_plain_or_in_set() -> None:
    for body in ({"name": "n", "revision": 4}, {"$set": {"name": "n", "revision": 4}}):
        changes, precondition = stated(parse_update(body))
        assert [change.path for change in changes] == [("name",)]
        assert precondition is not None and precondition.tags == frozenset({'"4"'})
    assert stated(parse_update({"name": "n"}))[1] is None
    for value in ("4", True, 4.0, None):
        with pytest.raises(BadInput, match="revision"):
            stated(parse_update({"revision": value}))


def test_documents_written_before_revisions_are_at_the_first() -> None:
    assert revision_of({}) == 1 and revision_of({"revision": True}) == 1 and revision_of({"revision": 7}) == 7


def test_json_equality_keeps_booleans_apart_from_numbers() -> None:
    assert same(1, 1.0) and same({"a": [1]}, {"a": [1.0]})
    assert not same(True, 1) and not same([1], [1, 2]) and not same({"a": 1}, {"a": 1, "b": 2}) and not same("1", 1)


def test_an_update_checks_only_the_references_it_adds() -> None:
    before = {"_project": {"_id": "P"}, "inSet": [{"_id": "S1"}]}
    after = {"_project": {"_id": "P"}, "_material": {"_id": "M"}, "inSet": [{"_id": "S1"}, {"_id": "S2"}]}
    added = added_references("job", after, before)
    assert [(item.path, item.target, item.id) for item in added] == [
        ("_material._id", "material", "M"),
        ("inSet.1._id", "set", "S2"),
    ]
    assert owned_references("workflow", after) == []


@pytest.mark.parametrize(
    "document", [{}, {"_project": {}}, {"_project": {"_id": 5}}, {"_project": {"_id": "P"}, "inSet": [{"_id": None}]}]
)
def test_a_job_names_its_project_by_a_string_id(document: dict) -> None:
    with pytest.raises(BadInput, match="invalid job"):
        owned_references("job", document)
