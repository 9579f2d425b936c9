"""Selectors that cannot stall the service or answer 500: RE2 for $regex, a time budget on every
list query, and 400s for nesting, size and text no database can bind."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from matjobs.ids import new_id
from matjobs.settings import Settings
from matjobs.store import Store
from matjobs.store.jobs import insert_job
from tests.conftest import TEST_CLUSTERS, User, make_user
from tests.servers import LiveServer

DATED = "/api/2018-10-01"
BACKTRACKING = "(a+)+$"  # Python's re takes minutes on thirty a's and a "!"; RE2 a few microseconds
COPIES = 2000  # rows a scan must read: enough that 500 regexes per row take far past a 100 ms budget


def dated(user: User) -> httpx.Client:
    return httpx.Client(
        base_url=str(user.http.base_url),
        headers={"X-Account-Id": user.account_id, "X-Auth-Token": user.token},
        timeout=30,
    )


@pytest.fixture
def both_tables(alice: User) -> Iterator[list[tuple[httpx.Client, str]]]:
    """Alice's clients of the v1 and the dated route tables, with each one's prefix."""
    with dated(alice) as client:
        yield [(alice.http, "/api/v1"), (client, DATED)]


def message(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    return str(response.json()["data"]["message"])


def heavy_selector(clauses: int = 500) -> str:
    """Many regexes per row, each RE2-cheap but together slow over thousands of rows; one of them
    backtracks for minutes in Python's re on a name of thirty a's and a "!"."""
    return json.dumps({"$or": [{"name": {"$regex": f"{BACKTRACKING}|^x{i}y"}} for i in range(clauses)]})


@pytest.fixture(scope="module")
def crowd(backend: Store, server: LiveServer) -> Iterator[User]:
    """An account with one job through the API and COPIES more of it written straight to the store."""
    user = make_user(backend, server, "crowd")
    created = user.http.post("/api/v1/jobs", json={"name": "a" * 30 + "!"})
    assert created.status_code == 200, created.text
    job = created.json()["data"]
    with backend.writing() as conn:
        for _ in range(COPIES):
            insert_job(conn, {**job, "_id": new_id()})
    yield user
    user.http.close()


def serving(backend: Store, data_dir: Path, budget_ms: int) -> LiveServer:
    settings = Settings(data_dir=data_dir, database_url=backend.url, clusters=TEST_CLUSTERS, query_budget_ms=budget_ms)
    return LiveServer(settings, Store(backend.url))


@pytest.fixture(scope="module")
def tight(backend: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose list queries have 100 ms each."""
    live = serving(backend, tmp_path_factory.mktemp("tight"), 100)
    live.start()
    yield live
    live.stop()


# --- $regex on RE2


def test_a_backtracking_regex_answers_at_once(alice: User) -> None:
    name = "a" * 30 + "!"
    assert alice.http.post("/api/v1/jobs", json={"name": name}).status_code == 200
    for path in ("name", "metadata.note"):  # the indexed column, and a path in the document
        found = alice.http.get("/api/v1/jobs", params={"query": json.dumps({path: {"$regex": BACKTRACKING}})})
        assert found.status_code == 200, found.text
        assert found.json()["data"] == []
    anchored = alice.http.get(
        "/api/v1/jobs", params={"query": json.dumps({"name": {"$regex": "^A+!$", "$options": "i"}})}
    )
    assert [job["name"] for job in anchored.json()["data"]] == [name]


@pytest.mark.parametrize(
    ("pattern", "reason"), [("(a)\\1", "\\1"), ("a(?=b)", "(?="), ("(?<!a)b", "(?<"), ("a{2,1}", "{2,1}"), ("(", ")")]
)
def test_a_regex_re2_cannot_compile_is_a_400_naming_it(
    alice: User, both_tables: list[tuple[httpx.Client, str]], pattern: str, reason: str
) -> None:
    query = json.dumps({"compute.queue": {"$regex": pattern}})
    for client, prefix in both_tables:
        text = message(client.get(f"{prefix}/jobs", params={"query": query}))
        assert "compute.queue" in text and "$regex" in text and reason in text


# --- the time budget


def test_a_query_past_its_budget_is_a_400_that_says_so(crowd: User, tight: LiveServer) -> None:
    headers = {**crowd.http.headers, "X-Account-Id": crowd.account_id}
    with httpx.Client(base_url=tight.url, headers=headers, timeout=60) as client:
        for path in ("/api/v1/jobs", f"{DATED}/jobs"):
            text = message(client.get(path, params={"query": heavy_selector()}))
            assert "time budget of 100 ms" in text and "narrow" in text
        # The connection that was cut off serves the next query whole.
        cheap = client.get("/api/v1/jobs", params={"query": json.dumps({"name": "a" * 30 + "!"}), "limit": "3"})
        assert cheap.status_code == 200, cheap.text
        assert len(cheap.json()["data"]) == 3


def test_health_answers_while_a_slow_query_runs(crowd: User, backend: Store, tmp_path: Path) -> None:
    patient = serving(backend, tmp_path, 120_000)
    patient.start()
    try:
        with (
            httpx.Client(base_url=patient.url, headers=crowd.http.headers, timeout=120) as client,
            ThreadPoolExecutor(1) as pool,
        ):
            slow = pool.submit(client.get, "/api/v1/jobs", params={"query": heavy_selector(100)})
            answered_first = 0
            for _ in range(20):
                assert client.get("/api/health").status_code == 200
                answered_first += not slow.done()
            assert answered_first == 20, "health waited for the slow query"
            assert slow.result().status_code == 200
    finally:
        patient.stop()


# --- what parsing refuses: nesting, size, surrogates

DEEP = "[" * 10_000 + "]" * 10_000
DEEP_OBJECT = '{"a":' + DEEP + "}"  # brackets: the deepest JSON that fits in a URL
LISTS = ["/jobs", "/materials", "/workflows", "/projects"]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"query": DEEP_OBJECT}, "query"),
        ({"query": DEEP_OBJECT, "setId": "s1"}, "query"),
        ({"projection": DEEP_OBJECT}, "projection"),
        ({"advancedSearches": DEEP}, "advancedSearches"),
        ({"sort": DEEP_OBJECT}, "sort"),
    ],
    ids=["query", "query+setId", "projection", "advancedSearches", "sort"],
)
def test_json_nested_10000_deep_is_a_400_naming_the_parameter(
    alice: User, both_tables: list[tuple[httpx.Client, str]], params: dict, named: str
) -> None:
    for client, prefix in both_tables:
        for path in LISTS:
            text = message(client.get(prefix + path, params=params))
            assert text.startswith(named) and "64 levels" in text


@pytest.mark.parametrize("operator", ["$or", "$and", "$nor"])
def test_an_operator_of_998_clauses_is_a_400_and_500_still_work(
    alice: User, both_tables: list[tuple[httpx.Client, str]], operator: str
) -> None:
    created = alice.http.post("/api/v1/jobs", json={"name": "needle"}).json()["data"]
    near = [{"name": f"hay{i}"} for i in range(499)]
    fits = {  # 500 clauses, the limit, that the needle passes
        "$or": [*near, {"name": "needle"}],
        "$and": [*({"name": {"$ne": f"hay{i}"}} for i in range(499)), {"name": "needle"}],
        "$nor": [*near, {"name": "hay"}],
    }[operator]
    for client, prefix in both_tables:
        for path in LISTS:
            text = message(client.get(prefix + path, params={"query": json.dumps({operator: near * 2})}))  # 998
            assert operator in text and "at most 500" in text
        found = client.get(prefix + "/jobs", params={"query": json.dumps({operator: fits}), "limit": "500"})
        assert found.status_code == 200, found.text
        assert created["_id"] in [job["_id"] for job in found.json()["data"]]


def test_many_conditions_in_all_are_a_400(alice: User) -> None:
    spread = {"$and": [{"tags": {"$in": [f"t{i}-{j}" for j in range(300)]}} for i in range(2)]}
    text = message(alice.http.get("/api/v1/jobs", params={"query": json.dumps(spread)}))
    assert "600 conditions" in text and "at most 500" in text


def test_a_path_that_may_cross_many_arrays_is_a_400(alice: User, both_tables: list[tuple[httpx.Client, str]]) -> None:
    long_path = ".".join(f"k{i}" for i in range(30))  # each step may be an array: 2**29 searches
    for client, prefix in both_tables:
        for path in LISTS:
            text = message(client.get(prefix + path, params={"query": json.dumps({long_path: 1})}))
            assert "expands to more than" in text


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ('{"name": "\\ud800"}', "name"),
        ('{"name": {"$regex": "^\\ud800"}}', "name.$regex"),
        ('{"tags": {"$in": ["ok", "\\udfff"]}}', "tags.$in.1"),
        ('{"metadata.\\ud800": 1}', "metadata.\\ud800"),
    ],
)
def test_a_lone_surrogate_is_a_400_naming_its_path(
    alice: User, both_tables: list[tuple[httpx.Client, str]], query: str, path: str
) -> None:
    for client, prefix in both_tables:
        for list_path in LISTS:
            text = message(client.get(prefix + list_path, params={"query": query}))
            assert f"query at {path}:" in text and "surrogate" in text
