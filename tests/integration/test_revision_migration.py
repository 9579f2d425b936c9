"""Migrations on a database that already holds documents. 0013: they read at revision 1, in the
column (the ETag) and in the document alike, and the downgrade takes the field out again. 0016:
properties get their job, unit and name columns."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import make_url

from matjobs.query.paging import Page
from matjobs.query.parse import parse_json
from matjobs.settings import Settings
from matjobs.store import Store
from matjobs.store.documents import PROPERTIES, list_texts
from matjobs.store.jobs import read_job
from matjobs.store.migrate import alembic_config, upgrade
from tests.conftest import BACKENDS

BEFORE_REVISIONS = "0011"
NOW = "2026-01-01T00:00:00.000Z"


@pytest.fixture(params=BACKENDS)
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A database of its own, empty (the session's is migrated already)."""
    if request.param == "sqlite":
        store = Store(f"sqlite:///{tmp_path / 'old.sqlite3'}")
        yield store
        store.dispose()
        return
    url = make_url(Settings(database_url=request.getfixturevalue("postgres")).sqlalchemy_url)
    name = f"migration_{secrets.token_hex(4)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    store = Store(url.set(database=name).render_as_string(hide_password=False))
    try:
        yield store
    finally:
        store.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE {name}"))
        admin.dispose()


def stored_as_then(store: Store, document: dict, revision: int | None = None) -> None:
    """Job J of account A, written with SQL as an older schema's code wrote it."""
    columns = {"status": document["status"], "name": document["name"], "now": NOW, "doc": json.dumps(document)}
    revision_column, revision_value = (", revision", ", :revision") if revision is not None else ("", "")
    with store.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO accounts (id, name, created_at) VALUES ('A', 'a', :now)"), {"now": NOW})
        conn.execute(
            sa.text(
                "INSERT INTO jobs (id, account_id, project_id, status, name, created_at, updated_at, queue, doc"
                f"{revision_column}) VALUES ('J', 'A', 'P', :status, :name, :now, :now, 'D', :doc{revision_value})"
            ),
            {**columns, "revision": revision},
        )


def test_documents_written_before_revisions_are_at_the_first(empty_store: Store) -> None:
    upgrade(empty_store, BEFORE_REVISIONS)
    document = {"_id": "J", "name": "old", "status": "pre-submission", "_project": {"_id": "P"}}
    stored_as_then(empty_store, document)  # as 0011's code wrote them: no revision anywhere
    upgrade(empty_store)
    text, revision = read_job(empty_store, account_id="A", job_id="J")
    assert revision == 1 and json.loads(text) == {**document, "revision": 1}

    command.downgrade(alembic_config(empty_store), BEFORE_REVISIONS)
    with empty_store.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT doc FROM jobs WHERE id = 'J'")).scalar_one()
    assert (json.loads(stored) if isinstance(stored, str) else stored) == document


def test_errors_the_runner_recorded_outside_the_schema_lose_their_domain(empty_store: Store) -> None:
    upgrade(empty_store, "0013")
    errors = [
        {"domain": "cluster", "reason": "exit code 3", "message": "no such input"},
        {"domain": "rupy", "reason": "FileNotFound", "message": "the platform's own"},
    ]
    document = {"_id": "J", "name": "failed", "status": "error", "revision": 4, "compute": {"errors": errors}}
    stored_as_then(empty_store, document, revision=4)
    upgrade(empty_store)
    text, revision = read_job(empty_store, account_id="A", job_id="J")
    assert revision == 5
    assert json.loads(text)["compute"]["errors"] == [{"reason": "exit code 3", "message": "no such input"}, errors[1]]
    assert json.loads(text)["revision"] == 5


def test_properties_stored_before_their_columns_are_found_through_them(empty_store: Store) -> None:
    upgrade(empty_store, "0015")
    stored = {
        "P1": {"data": {"name": "band_gaps"}, "source": {"info": {"jobId": "J", "unitId": "U"}}},
        "P2": {"data": {"name": "total_energy"}, "source": {"info": {"jobId": "J", "unitId": 7}}},  # not a string
    }
    with empty_store.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO accounts (id, name, created_at) VALUES ('A', 'a', :now)"), {"now": NOW})
        for property_id, document in stored.items():
            conn.execute(
                sa.text(
                    "INSERT INTO properties (id, account_id, name, is_default, created_at, updated_at, doc) "
                    "VALUES (:id, 'A', :name, false, :now, :now, :doc)"
                ),
                {"id": property_id, "name": document["data"]["name"], "now": NOW, "doc": json.dumps(document)},
            )
    upgrade(empty_store)
    with empty_store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, job_id, unit_id, data_name FROM properties ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [("P1", "J", "U", "band_gaps"), ("P2", "J", None, "total_energy")]
    found = list_texts(
        empty_store,
        PROPERTIES,
        account_id="A",
        selector=parse_json('{"source.info.jobId": "J", "data.name": "band_gaps"}'),
        selector_key=None,
        page=Page(limit=10),
    )
    assert [json.loads(text) for text in found] == [stored["P1"]]

    command.downgrade(alembic_config(empty_store), "0015")
    with empty_store.engine.connect() as conn:
        assert "job_id" not in {column["name"] for column in sa.inspect(conn).get_columns("properties")}
