"""Properties are looked up by job, by unit and by name: through HTTP in both APIs, with the
selector's answers those of the documents, and, in the database, through their own index."""

from __future__ import annotations

import json
import uuid
from itertools import product

import httpx
import pytest
import sqlalchemy as sa

from matjobs.ids import now_iso
from matjobs.query.paging import Page
from matjobs.query.parse import parse_json
from matjobs.store import Store
from matjobs.store.documents import PROPERTIES, target_of
from matjobs.store.documents import insert as insert_document
from matjobs.store.listing import list_statement
from tests.conftest import User

INDEX = "ix_properties_account_job_created"
ENERGY = {"name": "total_energy", "value": -19.1, "units": "eV"}
FERMI = {"name": "fermi_energy", "value": 6.2, "units": "eV"}


def added(user: User, job_id: str, data: dict, unit_id: str) -> str:
    info = {"jobId": job_id, "unitId": unit_id}
    body = {"data": data, "source": {"type": "job", "info": info}, "exabyteId": [], "repetition": 0}
    answer = user.http.post("/api/v1/properties", json=body)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["data"]["_id"])


def found(http: httpx.Client, prefix: str, selector: dict) -> set[str]:
    answer = http.get(f"{prefix}/properties", params={"query": json.dumps(selector)})
    assert answer.status_code == 200, answer.text
    return {item["_id"] for item in answer.json()["data"]}


def test_properties_are_found_by_job_by_unit_and_by_name(alice: User, bob: User) -> None:
    jobs = [alice.http.post("/api/v1/jobs", json={"name": f"j{i}"}).json()["data"]["_id"] for i in (1, 2)]
    ids = {
        (job, unit, data["name"]): added(alice, job, data, unit)
        for job, unit, data in product(jobs, ("scf", "nscf", "relax"), (ENERGY, FERMI))
    }

    def expected(job: str | None = None, unit: object = "any", name: str | None = None) -> set[str]:
        return {
            pid
            for (j, u, n), pid in ids.items()
            if (job is None or j == job) and (unit == "any" or u == unit) and (name is None or n == name)
        }

    one, other = jobs
    dated = httpx.Client(base_url=str(alice.http.base_url), headers=alice.headers)
    for http, prefix in ((alice.http, "/api/v1"), (dated, "/api/2018-10-01")):
        assert found(http, prefix, {"source.info.jobId": one}) == expected(one)
        assert found(http, prefix, {"source.info.jobId": one, "source.info.unitId": "scf"}) == expected(one, "scf")
        by_name = {"source.info.jobId": one, "data.name": "fermi_energy"}
        assert found(http, prefix, by_name) == expected(one, name="fermi_energy")
        whole = {"source.info.jobId": other, "source.info.unitId": "nscf", "data.name": "total_energy"}
        assert found(http, prefix, whole) == expected(other, "nscf", "total_energy")
        assert found(http, prefix, {"data.name": "total_energy"}) == expected(name="total_energy")
        # Every property names its unit: none is missing one.
        assert found(http, prefix, {"source.info.jobId": one, "source.info.unitId": None}) == set()
        no_unit = {"source.info.jobId": one, "source.info.unitId": {"$exists": False}}
        assert found(http, prefix, no_unit) == set()
        assert found(http, prefix, {"source.info.unitId": {"$exists": True}}) == expected()
        not_scf = {"source.info.jobId": one, "source.info.unitId": {"$ne": "scf"}}
        assert found(http, prefix, not_scf) == expected(one) - expected(one, "scf")
        either = {"source.info.unitId": {"$in": ["nscf", "relax", None]}, "data.name": {"$in": ["fermi_energy"]}}
        assert found(http, prefix, either) == expected(unit="nscf", name="fermi_energy") | expected(
            unit="relax", name="fermi_energy"
        )
        later = {"source.info.unitId": {"$gt": "prefix"}, "data.name": {"$regex": "^total"}}
        assert found(http, prefix, later) == expected(unit="relax", name="total_energy") | expected(
            unit="scf", name="total_energy"
        )
    dated.close()
    assert found(bob.http, "/api/v1", {"source.info.jobId": one}) == set()


def _plan(store: Store, selector: dict, account_id: str) -> str:
    """The database's plan for the page of properties that the selector asks for."""
    page = Page(limit=100, sort=((("createdAt",), 1),))
    statement = list_statement(
        store,
        PROPERTIES.table,
        target_of(PROPERTIES, store.dialect),
        PROPERTIES.scope(sa.literal(account_id)),
        parse_json(json.dumps(selector)),
        page,
    )
    sql = str(statement.compile(store.engine, compile_kwargs={"literal_binds": True}))
    explain = "EXPLAIN " if store.dialect == "postgresql" else "EXPLAIN QUERY PLAN "
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text(explain + sql)).all()
    return "\n".join(str(row[-1]) for row in rows)


@pytest.fixture
def many_properties(backend: Store) -> tuple[str, str]:
    """An account with 100 jobs of 20 properties each among 300 accounts of one small job each,
    the statistics gathered: an account's lookups among thousands of results, where an average
    account has few (the planner must not then walk the account's results in date order)."""
    account_id, now = uuid.uuid4().hex, now_iso()
    job_ids = [uuid.uuid4().hex for _ in range(100)]
    others = [uuid.uuid4().hex for _ in range(300)]
    with backend.engine.begin() as conn:
        for account in (account_id, *others):
            conn.execute(
                sa.text("INSERT INTO accounts (id, name, created_at) VALUES (:id, :id, :now)"),
                {"id": account, "now": now},
            )
        jobs = [(account_id, job_id, unit) for job_id, unit in product(job_ids, range(10))]
        jobs += [(account, uuid.uuid4().hex, 0) for account in others]
        for account, job_id, unit in jobs:
            for data in (ENERGY, FERMI):
                document = {
                    "_id": uuid.uuid4().hex,
                    "name": data["name"],
                    "data": data,
                    "source": {"type": "job", "info": {"jobId": job_id, "unitId": f"unit-{unit}"}},
                    "owner": {"_id": account},
                    "createdAt": now,
                    "updatedAt": now,
                }
                insert_document(conn, PROPERTIES, document)
        conn.execute(sa.text("ANALYZE properties" if backend.dialect == "postgresql" else "ANALYZE"))
    return account_id, job_ids[42]


def test_a_job_s_properties_are_looked_up_through_their_index(backend: Store, many_properties: tuple[str, str]) -> None:
    account_id, job_id = many_properties
    for selector in (
        {"source.info.jobId": job_id},
        {"source.info.jobId": job_id, "data.name": "total_energy"},
        {"source.info.jobId": job_id, "source.info.unitId": "unit-3", "data.name": "fermi_energy"},
    ):
        plan = _plan(backend, selector, account_id)
        print(backend.dialect, selector, plan, sep="\n")
        assert INDEX in plan, plan
