"""The use cases of an account's documents of one kind (materials, workflows): create, get,
list, update, delete. Both API versions share them."""

from __future__ import annotations

from typing import Any

from matjobs.bank import copy_body
from matjobs.documents.entity import new_document, updated_document
from matjobs.documents.structure import material_from_text
from matjobs.errors import BadInput
from matjobs.ids import new_id, now_iso
from matjobs.query.paging import Page
from matjobs.query.parse import parse_json
from matjobs.store import Store
from matjobs.store import documents as rows
from matjobs.store.accounts import Principal
from matjobs.store.documents import Kind


def create(store: Store, kind: Kind, principal: Principal, body: Any) -> dict[str, Any]:
    document = _owned(kind, principal, body)
    with store.writing() as conn:
        rows.insert(conn, kind, document)
    return document


def copy_from_bank(store: Store, bank: Kind, kind: Kind, principal: Principal, document_id: str) -> dict[str, Any]:
    """The bank document, copied into the caller's account as a document of its own."""
    original = rows.get(store, bank, account_id=principal.account_id, document_id=document_id)
    return create(store, kind, principal, copy_body(original))


def _owned(kind: Kind, principal: Principal, body: Any) -> dict[str, Any]:
    return new_document(
        kind.entity,
        body,
        document_id=new_id(),
        owner=principal.owner,
        creator=principal.creator,
        created_at=now_iso(),
    )


def get_text(store: Store, kind: Kind, principal: Principal, document_id: str) -> str:
    return rows.get_text(store, kind, account_id=principal.account_id, document_id=document_id)


def list_texts(store: Store, kind: Kind, principal: Principal, query: str | None, page: Page) -> list[str]:
    selector = parse_json(query) if query else None
    return rows.list_texts(
        store, kind, account_id=principal.account_id, selector=selector, selector_key=query, page=page
    )


def update(store: Store, kind: Kind, principal: Principal, document_id: str, body: Any) -> dict[str, Any]:
    with store.writing() as conn:
        current = rows.lock(conn, kind, account_id=principal.account_id, document_id=document_id)
        document = updated_document(kind.entity, current, body, updated_at=now_iso())
        rows.replace(conn, kind, document)
    return document


def delete(store: Store, kind: Kind, principal: Principal, document_id: str) -> None:
    with store.writing() as conn:
        rows.delete(conn, kind, account_id=principal.account_id, document_id=document_id)


def import_material(store: Store, kind: Kind, principal: Principal, body: Any) -> dict[str, Any]:
    """A material from a POSCAR or CIF text: {"name", "content", "format"}."""
    if not isinstance(body, dict):
        raise BadInput("the import must be a JSON object with name, content and format")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadInput("name: a non-empty string is required")
    return create(store, kind, principal, material_from_text(name, body.get("content"), body.get("format")))
