"""The project use cases: list, get and create an account's projects."""

from __future__ import annotations

from typing import Any

from matjobs.documents.entity import Ref, new_document
from matjobs.ids import new_id, now_iso
from matjobs.query.paging import Page
from matjobs.query.parse import parse_json
from matjobs.store import Store
from matjobs.store import projects as project_rows
from matjobs.store.accounts import Principal


def create_project(store: Store, principal: Principal, body: Any) -> dict[str, Any]:
    document = new_document(
        "project",
        body,
        document_id=new_id(),
        owner=Ref(principal.account_id, "Account", principal.account_name),
        creator=Ref(principal.user_id, "User", principal.username),
        created_at=now_iso(),
    )
    with store.writing() as conn:
        project_rows.insert_project(conn, document)
    return document


def get_project_text(store: Store, principal: Principal, project_id: str) -> str:
    return project_rows.get_project_text(store, account_id=principal.account_id, project_id=project_id)


def list_project_texts(store: Store, principal: Principal, query: str | None, page: Page) -> list[str]:
    selector = parse_json(query) if query else None
    return project_rows.list_project_texts(
        store, account_id=principal.account_id, selector=selector, selector_key=query, page=page
    )
