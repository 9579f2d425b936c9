"""Schema migrations with Alembic, run from code (`matjobs migrate`) rather than an alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from matjobs.store import documents
from matjobs.store.engine import Store

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(store: Store) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = store.engine
    return config


def upgrade(store: Store, revision: str = "head") -> None:
    """The schema at `revision`; at the newest, the shared data too: the bank's standard
    materials and workflows, and the pseudopotentials found on this machine."""
    command.upgrade(alembic_config(store), revision)
    if revision == "head":
        seed_shared(store)


def seed_shared(store: Store) -> None:
    from matjobs.bank import bank
    from matjobs.pseudopotentials import registry

    with store.writing() as conn:
        for kind in (documents.BANK_MATERIALS, documents.BANK_WORKFLOWS):
            documents.seed(conn, kind, list(bank(kind.entity).values()))
        documents.seed(conn, documents.PSEUDOPOTENTIALS, registry())


def is_current(store: Store) -> bool:
    """Whether the database is at the newest revision (`matjobs migrate` has nothing to do)."""
    heads = set(ScriptDirectory.from_config(alembic_config(store)).get_heads())
    with store.engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads
