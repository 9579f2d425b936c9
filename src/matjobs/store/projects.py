"""Projects in the store: each account's default one, and those its users create."""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from matjobs.documents.schema import path_types
from matjobs.errors import NotFound
from matjobs.query.ast import Path, Selector
from matjobs.query.compile import Target
from matjobs.query.paging import Page
from matjobs.store.engine import Store
from matjobs.store.listing import list_statement, listed_texts
from matjobs.store.prepared import parameter
from matjobs.store.tables import projects


def insert_project(conn: Connection, document: dict[str, Any]) -> None:
    conn.execute(
        sa.insert(projects).values(
            id=document["_id"],
            account_id=document["owner"]["_id"],
            name=document["name"],
            is_default=document["isDefault"],
            created_at=document["createdAt"],
            doc=document,
        )
    )


def get_project_text(store: Store, *, account_id: str, project_id: str) -> str:
    row = store.first(_project_text_by_id, project_id=project_id, account_id=account_id)
    if row is None:
        raise NotFound(f"project {project_id} not found")
    return str(row[0])


def _project_text_by_id(store: Store) -> sa.Select[Any]:
    return sa.select(store.document_text(projects.c.doc)).where(
        projects.c.id == parameter("project_id"), projects.c.account_id == parameter("account_id")
    )


def list_project_texts(
    store: Store, *, account_id: str, selector: Selector | None, selector_key: str | None, page: Page
) -> list[str]:
    target = project_target(store.dialect)
    scope = projects.c.account_id == parameter("account_id")
    return listed_texts(
        store,
        ("projects.list", selector_key, page),
        lambda: list_statement(store, projects, target, scope, selector, page),
        {"account_id": account_id},
    )


@cache
def project_target(dialect: str) -> Target:
    """What project selectors compile against: the document and the fields copied into columns
    (string-valued ones only, as the compiler expects of columns)."""
    return Target(
        dialect=dialect,
        document=projects.c.doc,
        columns={
            ("_id",): projects.c.id,
            ("owner", "_id"): projects.c.account_id,
            ("name",): projects.c.name,
            ("createdAt",): projects.c.created_at,
        },
        path_types=_project_path_types,
    )


def _project_path_types(path: Path) -> frozenset[str] | None:
    return path_types("project", path)
