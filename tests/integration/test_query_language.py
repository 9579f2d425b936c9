"""The Mongo-style `query` parameter, run in the database, on every operator the issue names."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from matjobs.ids import now_iso
from matjobs.store import Store
from matjobs.store.documents import MATERIALS
from matjobs.store.documents import insert as insert_document
from tests.conftest import User, make_user
from tests.servers import LiveServer

JOBS = {
    "si-scf": {
        "tags": ["dft", "silicon"],
        "compute": {"ppn": 1, "cluster": {"fqdn": "alpha"}},
        "_materials": [{"_id": "si"}],
        "metadata": {"energy": -15.6, "runs": [{"ok": True, "n": 3}]},
    },
    "si-bands": {
        "tags": ["dft", "bands", "silicon"],
        "compute": {"ppn": 4, "cluster": {"fqdn": "beta"}},
        "_materials": [{"_id": "si"}, {"_id": "ge"}],
        "metadata": {"energy": -7.2, "runs": [{"ok": False, "n": 1}]},
    },
    "GaAs relax": {
        "tags": ["relax"],
        "compute": {"ppn": 8, "cluster": {"fqdn": "alpha"}},
        "metadata": {"energy": "unknown", "runs": []},
    },
    "empty": {"compute": {"ppn": 2}},
}


@pytest.fixture(scope="module")
def catalog(backend: Store, server: LiveServer) -> Iterator[tuple[User, dict[str, str]]]:
    user = make_user(backend, server, "query")
    # The jobs name their materials by short ids, so that the selectors below can: stored as such.
    with backend.engine.begin() as conn:
        for material_id in ("si", "ge"):
            now = now_iso()
            owner = {"_id": user.account_id}
            material = {"_id": material_id, "name": material_id, "owner": owner, "createdAt": now, "updatedAt": now}
            insert_document(conn, MATERIALS, material)
    ids = {}
    for name, fields in JOBS.items():
        response = user.http.post("/api/v1/jobs", json={"name": name, **fields})
        assert response.status_code == 200, response.text
        ids[name] = response.json()["data"]["_id"]
    submitted = user.http.post(f"/api/v1/jobs/{ids['si-bands']}?submit=true")
    assert submitted.status_code == 200
    yield user, ids
    user.http.close()


def names(catalog: tuple[User, dict[str, str]], selector: dict) -> set[str]:
    user, ids = catalog
    response = user.http.get("/api/v1/jobs", params={"query": json.dumps(selector)})
    assert response.status_code == 200, response.text
    by_id = {job_id: name for name, job_id in ids.items()}
    return {by_id[job["_id"]] for job in response.json()["data"]}


ALL = set(JOBS)
CASES = [
    ({"name": "si-scf"}, {"si-scf"}),
    ({"status": "submitted"}, {"si-bands"}),
    ({"_id": "does-not-exist"}, set()),
    ({"compute.cluster.fqdn": "alpha"}, {"si-scf", "GaAs relax"}),
    ({"compute.ppn": 4}, {"si-bands"}),
    ({"compute.ppn": {"$eq": 8}}, {"GaAs relax"}),
    ({"compute.ppn": {"$ne": 1}}, ALL - {"si-scf"}),
    ({"compute.ppn": {"$gt": 2}}, {"si-bands", "GaAs relax"}),
    ({"compute.ppn": {"$gte": 2}}, {"si-bands", "GaAs relax", "empty"}),
    ({"compute.ppn": {"$lt": 4}}, {"si-scf", "empty"}),
    ({"compute.ppn": {"$lte": 4, "$gt": 1}}, {"si-bands", "empty"}),
    ({"name": {"$gt": "si"}}, {"si-scf", "si-bands"}),
    ({"metadata.energy": {"$lt": 0}}, {"si-scf", "si-bands"}),  # the string "unknown" is not a number
    ({"metadata.energy": {"$gt": "a"}}, {"GaAs relax"}),
    ({"compute.ppn": {"$in": [1, 8]}}, {"si-scf", "GaAs relax"}),
    ({"compute.ppn": {"$nin": [1, 8]}}, {"si-bands", "empty"}),
    ({"status": {"$in": ["submitted", "finished"]}}, {"si-bands"}),
    ({"compute.cluster": {"$exists": False}}, {"empty"}),
    ({"compute.cluster.fqdn": {"$exists": True}}, ALL - {"empty"}),
    ({"name": {"$regex": "^si-"}}, {"si-scf", "si-bands"}),
    ({"name": {"$regex": "gaas", "$options": "i"}}, {"GaAs relax"}),
    ({"name": {"$regex": "gaas"}}, set()),
    ({"tags": "silicon"}, {"si-scf", "si-bands"}),  # an array matches on any element
    ({"tags": ["relax"]}, {"GaAs relax"}),  # or as a whole
    ({"tags": {"$all": ["dft", "bands"]}}, {"si-bands"}),
    ({"tags": {"$size": 3}}, {"si-bands"}),
    ({"tags": {"$size": 1}}, {"GaAs relax"}),
    ({"_materials._id": "ge"}, {"si-bands"}),  # a path reaches through an array of objects
    ({"metadata.runs.ok": True}, {"si-scf"}),
    ({"metadata.runs": {"$elemMatch": {"ok": False, "n": {"$lt": 2}}}}, {"si-bands"}),
    ({"metadata.runs": {"$elemMatch": {"ok": False, "n": {"$gt": 2}}}}, set()),
    ({"metadata.runs.n": {"$elemMatch": {"$gt": 2}}}, set()),  # n is a number, not an array
    ({"compute.ppn": {"$not": {"$gt": 2}}}, {"si-scf", "empty"}),
    ({"$or": [{"name": "empty"}, {"compute.ppn": 8}]}, {"empty", "GaAs relax"}),
    ({"$and": [{"tags": "dft"}, {"compute.cluster.fqdn": "beta"}]}, {"si-bands"}),
    ({"$nor": [{"tags": "dft"}, {"name": "empty"}]}, {"GaAs relax"}),
    ({"tags": {"$ne": "dft"}}, {"GaAs relax", "empty"}),  # no element equals, or no array at all
    ({"metadata.energy": None}, {"empty"}),  # null matches a missing field
    ({"_materials": [{"_id": "si"}]}, {"si-scf"}),  # an array value matches the whole array exactly
    ({"metadata": {"energy": -15.6, "runs": [{"ok": True, "n": 3}]}}, {"si-scf"}),  # so does an object
    ({"metadata": {"energy": -15.6}}, set()),
]


@pytest.mark.parametrize(("selector", "expected"), CASES, ids=[json.dumps(c[0]) for c in CASES])
def test_selector_matches(catalog: tuple[User, dict[str, str]], selector: dict, expected: set[str]) -> None:
    assert names(catalog, selector) == expected


def test_owner_id_selects_only_the_callers_account(catalog: tuple[User, dict[str, str]], bob: User) -> None:
    user, _ = catalog
    assert names(catalog, {"owner._id": user.account_id}) == ALL
    # Another account's id is no way into its jobs.
    response = bob.http.get("/api/v1/jobs", params={"query": json.dumps({"owner._id": user.account_id})})
    assert response.json()["data"] == []


REJECTED = [
    ('{"$where": "this.a == 1"}', "$where"),
    ('{"$expr": {"$gt": ["$a", 1]}}', "$expr"),
    ('{"name": {"$function": {}}}', "$function"),
    ('{"name": {"$near": 1}}', "$near"),
    ('{"name": {"$regex": "("}}', "regular expression"),
    ('{"name": {"$regex": "a", "$options": "q"}}', "$options"),
    ('{"name": {"$in": "a"}}', "$in"),
    ('{"tags": {"$size": -1}}', "$size"),
    ('{"compute.ppn": {"$gt": {"a": 1}}}', "$gt"),
    ('{"$or": []}', "$or"),
    ('{"$and": {"a": 1}}', "$and"),
    ('{"a": {"$gt": 1, "b": 2}}', "mixes"),
    ('{"a..b": 1}', "empty segment"),
    ("{not json", "not valid JSON"),
    ("[1, 2]", "JSON object"),
    ('{"a": {"$not": 3}}', "$not"),
]


@pytest.mark.parametrize(("query", "named"), REJECTED, ids=[r[1] for r in REJECTED])
def test_bad_selectors_are_400s_that_name_the_problem(alice: User, query: str, named: str) -> None:
    response = alice.http.get("/api/v1/jobs", params={"query": query})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == "error"
    assert named in body["data"]["message"]
    assert body["message"] == body["data"]["message"]


def test_a_selector_nested_deeper_than_32_levels_is_refused(alice: User) -> None:
    deep: dict = {"name": "x"}
    for _ in range(20):  # 41 levels of values, in 41 of JSON brackets: past the selector's limit only
        deep = {"$and": [deep]}
    response = alice.http.get("/api/v1/jobs", params={"query": json.dumps(deep)})
    assert response.status_code == 400
    assert "32 levels" in response.json()["data"]["message"]


def test_values_are_bound_parameters_not_sql(catalog: tuple[User, dict[str, str]]) -> None:
    hostile = "alpha' OR '1'='1"
    assert names(catalog, {"compute.cluster.fqdn": hostile}) == set()
    assert names(catalog, {"name": {"$in": ["x'); DROP TABLE jobs; --"]}}) == set()
    assert names(catalog, {"metadata.x') OR 1=1 --": 1}) == set()
    assert len(names(catalog, {})) == len(JOBS)


@pytest.mark.parametrize("query", ['{"name": "\\u0000"}', '{"name": {"$regex": "[[:alpha:]"}}', '{"a\\u0000": 1}'])
def test_values_the_database_cannot_take_are_400_not_500(alice: User, query: str) -> None:
    response = alice.http.get("/api/v1/jobs", params={"query": query})
    assert response.status_code == 400, response.text
