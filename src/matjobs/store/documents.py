"""An account's documents of one kind (projects, materials, workflows), each kind in a table of the same
shape: stored whole, with the fields lists filter and sort on copied into indexed columns."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from matjobs.documents.revisions import FIELD as REVISION
from matjobs.documents.revisions import FIRST, advance, as_read, revision_of
from matjobs.documents.schema import path_types
from matjobs.errors import NotFound, PreconditionFailed
from matjobs.query.ast import Path, Selector
from matjobs.query.compile import Target
from matjobs.query.paging import Page
from matjobs.store.engine import Store
from matjobs.store.listing import list_statement, listed_texts
from matjobs.store.prepared import parameter
from matjobs.store.tables import (
    bank_materials,
    bank_workflows,
    job_sets,
    material_sets,
    materials,
    projects,
    properties,
    pseudopotentials,
    workflows,
)


@dataclass(frozen=True)
class Kind:
    entity: str  # the schema's id in mat3ra-esse, and the word in messages
    table: sa.Table
    shared: bool = False  # read by every account, owned by none (the bank)
    schema: str = ""  # the schema's id in mat3ra-esse, where it is not `entity`
    # Fields of the document copied into their own (nullable, indexed) columns: (path, column).
    copied: tuple[tuple[Path, str], ...] = ()

    @property
    def schema_id(self) -> str:
        return self.schema or self.entity

    def scope(self, account: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        """The rows an account may see."""
        return sa.true() if self.shared else self.table.c.account_id == account


PROJECTS = Kind("project", projects)
MATERIALS = Kind("material", materials)
WORKFLOWS = Kind("workflow", workflows)
PROPERTIES = Kind(
    "property",
    properties,
    schema="property/holder",
    copied=(
        (("source", "info", "jobId"), "job_id"),
        (("source", "info", "unitId"), "unit_id"),
        (("data", "name"), "data_name"),
    ),
)
BANK_MATERIALS = Kind("material", bank_materials, shared=True)
BANK_WORKFLOWS = Kind("workflow", bank_workflows, shared=True)
JOB_SETS = Kind("set", job_sets, schema="system/set")
MATERIAL_SETS = Kind("set", material_sets, schema="system/set")
PSEUDOPOTENTIALS = Kind(
    "pseudopotential", pseudopotentials, shared=True, schema="methods-directory/physical/psp/file-data-item"
)


def _columns(kind: Kind, document: dict[str, Any]) -> dict[str, Any]:
    columns = {
        "name": document["name"],
        "created_at": document["createdAt"],
        "updated_at": document["updatedAt"],
        "revision": revision_of(document),
        "doc": document,
    }
    if not kind.shared:
        columns["is_default"] = bool(document.get("isDefault", False))
    for path, column in kind.copied:
        columns[column] = copied_value(document, path)
    return columns


def copied_value(document: dict[str, Any], path: Path) -> str | None:
    """The string at `path`, as its column holds it: NULL where there is none."""
    node: Any = document
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, str) else None


def insert(conn: Connection, kind: Kind, document: dict[str, Any]) -> None:
    """The new document, at its first revision (written into the caller's dict, which answers)."""
    document[REVISION] = FIRST
    owner = {} if kind.shared else {"account_id": document["owner"]["_id"]}
    conn.execute(sa.insert(kind.table).values(id=document["_id"], **owner, **_columns(kind, document)))


def seed(conn: Connection, kind: Kind, documents: list[dict[str, Any]]) -> int:
    """Insert the documents not there yet (by id); returns how many were added."""
    present = set(conn.execute(sa.select(kind.table.c.id)).scalars())
    missing = [document for document in documents if document["_id"] not in present]
    for document in missing:
        insert(conn, kind, document)
    return len(missing)


def replace(conn: Connection, kind: Kind, document: dict[str, Any]) -> None:
    """Write the document, read with `lock` in this transaction, at its next revision (written
    into the caller's dict, which answers). The revision it was read at must still be the row's."""
    table = kind.table
    read_at = advance(document)
    written = conn.execute(
        sa.update(table)
        .where(
            table.c.id == document["_id"],
            table.c.account_id == document["owner"]["_id"],
            table.c.revision == read_at,
        )
        .values(**_columns(kind, document))
    )
    if written.rowcount != 1:
        raise PreconditionFailed(f"{kind.entity} {document['_id']} changed while it was written; nothing was written")


def lock(conn: Connection, kind: Kind, *, account_id: str, document_id: str) -> dict[str, Any]:
    """The document, its row locked until the transaction ends."""
    table = kind.table
    found = conn.execute(
        sa.select(table.c.doc, table.c.revision)
        .where(table.c.id == document_id, table.c.account_id == account_id)
        .with_for_update()
    ).one_or_none()
    if found is None:
        raise NotFound(f"{kind.entity} {document_id} not found")
    return as_read(found.doc, found.revision)


def delete(conn: Connection, kind: Kind, *, account_id: str, document_id: str) -> None:
    table = kind.table
    deleted = conn.execute(sa.delete(table).where(table.c.id == document_id, table.c.account_id == account_id))
    if deleted.rowcount == 0:
        raise NotFound(f"{kind.entity} {document_id} not found")


def owned_ids(conn: Connection, kind: Kind, *, account_id: str, ids: set[str]) -> set[str]:
    """Which of the ids name documents of this kind the account owns."""
    table = kind.table
    found = conn.execute(sa.select(table.c.id).where(table.c.id.in_(sorted(ids)), table.c.account_id == account_id))
    return set(found.scalars())


def make_default(conn: Connection, kind: Kind, *, account_id: str, document_id: str, updated_at: str) -> dict[str, Any]:
    """The document becomes the account's one default of its kind; the one before it no longer is."""
    chosen = lock(conn, kind, account_id=account_id, document_id=document_id)
    table = kind.table
    earlier = conn.execute(
        sa.select(table.c.doc, table.c.revision)
        .where(table.c.account_id == account_id, table.c.is_default.is_(True), table.c.id != document_id)
        .with_for_update()
    ).all()
    for document in [as_read(row.doc, row.revision) for row in earlier]:
        replace(conn, kind, {**document, "isDefault": False, "updatedAt": updated_at})
    if not chosen.get("isDefault"):
        chosen = {**chosen, "isDefault": True, "updatedAt": updated_at}
        replace(conn, kind, chosen)
    return chosen


def default_read(store: Store, kind: Kind, *, account_id: str) -> tuple[str, int]:
    """The account's default document of this kind, as stored, and its revision."""
    row = store.first(_default_of(kind), account_id=account_id)
    if row is None:
        raise NotFound(f"this account has no default {kind.entity}")
    return str(row[0]), int(row[1])


@cache
def _default_of(kind: Kind) -> Callable[[Store], sa.Select[Any]]:
    def statement(store: Store) -> sa.Select[Any]:
        table = kind.table
        return (
            sa.select(store.document_text(table.c.doc), table.c.revision)
            .where(table.c.account_id == parameter("account_id"), table.c.is_default.is_(True))
            .order_by(table.c.updated_at.desc())
            .limit(1)
        )

    return statement


def read_shared(conn: Connection, kind: Kind, document_id: str) -> dict[str, Any] | None:
    """One document every account reads (the bank), inside a transaction."""
    found = conn.execute(sa.select(kind.table.c.doc).where(kind.table.c.id == document_id)).scalar_one_or_none()
    return None if found is None else dict(found)


def get(store: Store, kind: Kind, *, account_id: str, document_id: str) -> dict[str, Any]:
    """One document the account may read, parsed (`get_text` sends it on as stored)."""
    return dict(json.loads(get_text(store, kind, account_id=account_id, document_id=document_id)))


def get_text(store: Store, kind: Kind, *, account_id: str, document_id: str) -> str:
    return read(store, kind, account_id=account_id, document_id=document_id)[0]


def read(store: Store, kind: Kind, *, account_id: str, document_id: str) -> tuple[str, int]:
    """One document the account may read, as stored, and its revision."""
    row = store.first(_by_id(kind), document_id=document_id, account_id=account_id)
    if row is None:
        raise NotFound(f"{kind.entity} {document_id} not found")
    return str(row[0]), int(row[1])


@cache
def _by_id(kind: Kind) -> Callable[[Store], sa.Select[Any]]:
    """The prepared read of one document of this kind (one function per kind: it keys the cache)."""

    def statement(store: Store) -> sa.Select[Any]:
        table = kind.table
        return sa.select(store.document_text(table.c.doc), table.c.revision).where(
            table.c.id == parameter("document_id"), kind.scope(parameter("account_id"))
        )

    return statement


def list_texts(
    store: Store, kind: Kind, *, account_id: str, selector: Selector | None, selector_key: str | None, page: Page
) -> list[str]:
    target = target_of(kind, store.dialect)
    scope = kind.scope(parameter("account_id"))
    return listed_texts(
        store,
        (f"{kind.table.name}.list", selector_key, page),
        lambda: list_statement(store, kind.table, target, scope, selector, page),
        {"account_id": account_id},
        budget_ms=page.budget_ms,
    )


@cache
def target_of(kind: Kind, dialect: str) -> Target:
    """What selectors compile against: the document, and its string fields copied into columns."""
    table = kind.table

    def types(path: Path) -> frozenset[str] | None:
        return path_types(kind.schema_id, path)

    columns: dict[Path, sa.ColumnElement[Any]] = {
        ("_id",): table.c.id,
        ("name",): table.c.name,
        ("createdAt",): table.c.created_at,
        ("updatedAt",): table.c.updated_at,
    }
    if not kind.shared:
        columns[("owner", "_id")] = table.c.account_id
    for path, column in kind.copied:
        columns[path] = table.c[column]
    return Target(dialect=dialect, document=table.c.doc, columns=columns, path_types=types)
