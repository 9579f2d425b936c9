"""The migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from matjobs.store import Store
from matjobs.store.tables import metadata


def test_the_migrated_database_matches_the_declared_tables(backend: Store) -> None:
    with backend.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
