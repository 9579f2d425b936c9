"""Paging, sorting and projection: v1 pageIndex/pageSize, projection={...}, and flat parameters."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from matjobs.store import Store
from tests.conftest import User, make_user
from tests.servers import LiveServer


@pytest.fixture(scope="module")
def pages(backend: Store, server: LiveServer) -> Iterator[tuple[User, list[dict]]]:
    user = make_user(backend, server, "pages")
    made = []
    for index in range(30):
        response = user.http.post("/api/v1/jobs", json={"name": f"job {index:02d}", "compute": {"ppn": index % 3 + 1}})
        made.append(response.json()["data"])
    yield user, made
    user.http.close()


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [job["_id"] for job in response.json()["data"]]


def newest_first(made: list[dict]) -> list[str]:
    return [job["_id"] for job in sorted(made, key=lambda j: (j["createdAt"], j["_id"]), reverse=True)]


def test_newest_first_by_default_and_ties_broken_by_id(pages) -> None:
    user, made = pages
    assert ids(user.http.get("/api/v1/jobs", params={"limit": 100})) == newest_first(made)


def test_page_index_and_page_size(pages) -> None:
    user, made = pages
    second = ids(user.http.get("/api/v1/jobs", params={"pageIndex": 1, "pageSize": 7}))
    assert second == newest_first(made)[7:14]


def test_projection_limit_skip_sort_and_fields(pages) -> None:
    user, made = pages
    projection = {"limit": 4, "skip": 2, "sort": {"name": 1}, "fields": {"name": 1, "compute.ppn": 1}}
    response = user.http.get("/api/v1/jobs", params={"projection": json.dumps(projection)})
    data = response.json()["data"]
    assert [job["name"] for job in data] == ["job 02", "job 03", "job 04", "job 05"]
    assert data[0] == {"_id": data[0]["_id"], "name": "job 02", "compute": {"ppn": 3}}


def test_fields_can_exclude(pages) -> None:
    user, _ = pages
    data = user.http.get("/api/v1/jobs", params={"projection": '{"limit": 1, "fields": {"workflow": 0}}'}).json()[
        "data"
    ]
    assert "workflow" not in data[0] and "compute" in data[0]


def test_flat_limit_skip_sort(pages) -> None:
    user, made = pages
    ascending = ids(user.http.get("/api/v1/jobs", params={"sort": "createdAt", "limit": 5, "skip": 1}))
    assert ascending == list(reversed(newest_first(made)))[1:6]
    descending = ids(user.http.get("/api/v1/jobs", params={"sort": "-createdAt", "limit": 5}))
    assert descending == newest_first(made)[:5]


def test_sort_on_a_nested_field_then_a_second_key(pages) -> None:
    user, made = pages
    data = user.http.get("/api/v1/jobs", params={"sort": "-compute.ppn,name", "limit": 30}).json()["data"]
    expected = sorted(made, key=lambda j: (-j["compute"]["ppn"], j["name"]))
    assert [job["_id"] for job in data] == [job["_id"] for job in expected]


def test_flat_parameters_win_over_projection(pages) -> None:
    user, _ = pages
    response = user.http.get("/api/v1/jobs", params={"projection": '{"limit": 10}', "limit": 3})
    assert len(ids(response)) == 3


def test_limit_goes_up_to_500(pages) -> None:
    user, made = pages
    assert len(ids(user.http.get("/api/v1/jobs", params={"limit": 500}))) == len(made)
    assert user.http.get("/api/v1/jobs", params={"limit": 501}).status_code == 400


def test_paging_through_everything_sees_each_job_once(pages) -> None:
    user, made = pages
    seen: list[str] = []
    for index in range(6):
        seen += ids(user.http.get("/api/v1/jobs", params={"pageIndex": index, "pageSize": 5}))
    assert seen == newest_first(made)
