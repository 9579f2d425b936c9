"""The route tables generated from the list of operations: which route goes ahead of which, what
is served directly, and a new operation being one entry."""

from __future__ import annotations

import inspect

import pytest
from fastapi import Request, Response

from matjobs.api.operation import Operation
from matjobs.api.operations import OPERATIONS
from matjobs.api.tables import build, takes, unshadowed


@pytest.mark.parametrize(
    ("ahead", "behind", "expected"),
    [
        (("GET", "/jobs/{job_id}"), ("GET", "/jobs/sets"), True),
        (("POST", "/jobs/{job_id}"), ("POST", "/jobs/create-set"), True),
        (("GET", "/jobs/{job_id}"), ("POST", "/jobs/create-set"), False),  # another method
        (("GET", "/jobs/{job_id}"), ("GET", "/jobs/sets/{document_id}"), False),  # one segment more
        (("GET", "/jobs/{job_id}"), ("GET", "/jobs/{job_id}"), False),
        (("GET", "/jobs/sets"), ("GET", "/jobs/{job_id}"), False),
        (("GET", "/files/{job_id}/{key:path}"), ("GET", "/files/{job_id}/out/pw.out"), True),
        (("GET", "/{plural}/default"), ("GET", "/{plural}/{document_id}"), False),
    ],
)
def test_a_route_takes_the_paths_its_pattern_matches(
    ahead: tuple[str, str], behind: tuple[str, str], expected: bool
) -> None:
    assert takes(ahead, behind) is expected


def test_a_route_moves_ahead_of_the_first_one_that_would_take_it_and_no_further() -> None:
    calls = [
        ("GET", "/jobs"),
        ("GET", "/jobs/{job_id}"),
        ("PATCH", "/jobs/{job_id}"),
        ("GET", "/jobs/{job_id}/files"),
        ("GET", "/jobs/events"),
        ("GET", "/jobs/{job_id}/events"),
    ]
    assert unshadowed(calls, lambda call: call) == [
        ("GET", "/jobs"),
        ("GET", "/jobs/events"),
        ("GET", "/jobs/{job_id}"),
        ("PATCH", "/jobs/{job_id}"),
        ("GET", "/jobs/{job_id}/files"),
        ("GET", "/jobs/{job_id}/events"),
    ]


async def _events(request: Request) -> Response:
    return Response()


def test_an_operation_is_one_entry_in_both_apis_and_the_description() -> None:
    extra = Operation("GET", "/jobs/sets/recent", _events, "Jobs", "Recent sets", dated="GET /jobs/sets/recent")
    tables = build([*OPERATIONS, extra])
    # Behind `GET /jobs/sets/{document_id}` it would be read as a set's id: it goes ahead.
    routes = [route.path for route in tables.direct + tables.fastapi]
    assert routes.index("/api/v1/jobs/sets/recent") < routes.index("/api/v1/jobs/sets/{document_id}")
    dated = [route.path for route in tables.dated]
    assert dated.index("/jobs/sets/recent") < dated.index("/jobs/sets/{document_id}")
    assert ("GET", "/api/2018-10-01/jobs/sets/recent") in {(m, p) for _, m, p in tables.dated_described}
    assert "/api/v1/jobs/sets/recent" in {route.path for route in tables.described}


def test_the_event_streams_go_ahead_of_the_job_ids_that_would_take_them() -> None:
    tables = build(OPERATIONS)
    direct = [route.path for route in tables.direct]
    assert direct.index("/api/v1/jobs/events") < direct.index("/api/v1/jobs/{job_id}")
    dated = [route.path for route in tables.dated]
    assert dated.index("/jobs/events") < dated.index("/jobs/{job_id}")


def test_hot_operations_and_those_they_would_take_are_served_ahead_of_fastapi() -> None:
    tables = build(OPERATIONS)
    direct = {(method, route.path) for route in tables.direct for method in route.methods or () if method != "HEAD"}
    assert direct == {
        ("GET", "/api/v1/jobs"),
        ("POST", "/api/v1/jobs"),
        ("GET", "/api/v1/jobs/{job_id}"),
        ("POST", "/api/v1/jobs/{job_id}"),
        ("GET", "/api/v1/jobs/sets"),  # would be read as a job id
        ("GET", "/api/v1/jobs/events"),  # so would this
        ("POST", "/api/v1/jobs/create-set"),
    }
    fastapi = {(method, route.path) for route in tables.fastapi for method in route.methods or ()}
    assert not direct & fastapi
    assert [route.path for route in tables.unversioned] == ["/api/health"]


def test_handlers_served_without_fastapi_read_everything_from_the_request() -> None:
    """FastAPI fills other handlers' arguments; a plain route passes the request alone."""
    tables = build(OPERATIONS)
    for route in tables.direct + tables.dated:
        parameters = list(inspect.signature(route.endpoint).parameters)
        assert parameters == ["request"], (route.path, parameters)
