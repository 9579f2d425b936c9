"""Job documents without HTTP or SQL: defaults, update operators, lifecycle rules."""

from __future__ import annotations

import pytest

from matjobs.documents.entity import Ref
from matjobs.documents.job import new_job, updated_job
from matjobs.documents.update import Change, apply_changes, parse_update
from matjobs.errors import BadInput, Conflict
from matjobs.lifecycle import FINAL, TRANSITIONS, Status, can_transition


def job(**fields) -> dict:
    return new_job(
        {"name": "n", **fields} if "title" not in fields else fields,
        job_id="J",
        owner=Ref("A", "Account", "a"),
        creator=Ref("U", "User", "u"),
        project=Ref("P", "Project", "default"),
        created_at="2026-01-01T00:00:00.000Z",
        tracked_at=1.0,
    )


def test_v1_body_fields_become_a_valid_job() -> None:
    document = job(title="T", model={"method": {"workflow": {"_id": "W"}}})
    assert document["name"] == "T" and document["workflow"]["_id"] == "W"
    assert document["_project"]["_id"] == "P" and document["status"] == "pre-submission"


def test_server_fields_in_a_create_body_are_replaced() -> None:
    document = job(_id="mine", createdAt="yesterday", creator={"_id": "x"})
    assert document["_id"] == "J" and document["createdAt"] == "2026-01-01T00:00:00.000Z"
    assert document["creator"]["_id"] == "U"


def test_update_forms_parse_to_the_same_changes() -> None:
    assert parse_update({"compute.ppn": 4}) == parse_update({"$set": {"compute.ppn": 4}})
    assert parse_update({"$unset": {"a.b": ""}}) == [Change("$unset", ("a", "b"), "")]


def test_apply_changes_leaves_the_input_alone() -> None:
    before = {"a": {"b": 1}, "c": [1, 2]}
    after = apply_changes(before, parse_update({"a.b": 2, "c.1": 5, "d.e": 3}))
    assert before == {"a": {"b": 1}, "c": [1, 2]}
    assert after == {"a": {"b": 2}, "c": [1, 5], "d": {"e": 3}}


def test_setting_below_a_scalar_is_refused() -> None:
    with pytest.raises(BadInput, match="a.b is not an object"):
        apply_changes({"a": {"b": 1}}, parse_update({"a.b.c": 1}))


def test_updated_job_checks_status_and_schema() -> None:
    submitted = {**job(), "status": "submitted"}
    assert updated_job(submitted, parse_update({"tags": ["x"]}), updated_at="u")["tags"] == ["x"]
    with pytest.raises(Conflict):
        updated_job(submitted, parse_update({"compute.ppn": 2}), updated_at="u")
    with pytest.raises(BadInput, match="compute.ppn"):
        updated_job(job(), parse_update({"compute.ppn": "two"}), updated_at="u")


def test_final_statuses_lead_nowhere_and_every_status_is_declared() -> None:
    assert set(TRANSITIONS) == set(Status)
    assert all(not TRANSITIONS[status] for status in FINAL)
    assert can_transition(Status.PRE_SUBMISSION, Status.SUBMITTED)
    assert not can_transition(Status.PRE_SUBMISSION, Status.FINISHED)
    assert not can_transition(Status.FINISHED, Status.SUBMITTED)
