"""The use cases of an account's documents of one kind (materials, workflows, projects): create,
get, list, update, delete, copy, the default one, and sets. Both API versions share them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from matjobs.documents import revisions
from matjobs.documents.entity import copied_body, in_set, new_document, updated_document
from matjobs.documents.references import added_references
from matjobs.documents.revisions import Precondition
from matjobs.documents.structure import material_from_text
from matjobs.documents.update import parse_update
from matjobs.errors import BadInput, NotFound
from matjobs.ids import new_id, now_iso
from matjobs.query.paging import Page
from matjobs.query.parse import parse_json
from matjobs.store import Store
from matjobs.store import documents as rows
from matjobs.store.accounts import Principal
from matjobs.store.documents import JOB_SETS, MATERIAL_SETS, MATERIALS, PROJECTS, Kind

# What a document's references name, by the kind of document naming it (`set`: its own sets).
_TARGETS: dict[str, Kind] = {"project": PROJECTS, "material": MATERIALS}
_SETS: dict[str, Kind] = {"job": JOB_SETS, "material": MATERIAL_SETS}


def create(store: Store, kind: Kind, principal: Principal, body: Any) -> dict[str, Any]:
    document = _owned(kind, principal, body)
    with store.writing() as conn:
        check_references(conn, principal, kind.entity, document)
        rows.insert(conn, kind, document)
    return document


def check_references(
    conn: Connection, principal: Principal, entity: str, document: dict[str, Any], before: dict[str, Any] | None = None
) -> None:
    """The documents this one names (its project, material, sets) are the caller's: on create,
    and on update those it did not name `before`. Any other is missing, for this caller (400)."""
    wanted: dict[Kind, list[tuple[str, str]]] = {}
    for named in added_references(entity, document, before):
        kind = _SETS.get(entity) if named.target == "set" else _TARGETS[named.target]
        if kind is None:
            continue
        wanted.setdefault(kind, []).append((named.path, named.id))
    for kind, items in wanted.items():
        found = rows.owned_ids(conn, kind, account_id=principal.account_id, ids={item_id for _, item_id in items})
        for path, item_id in items:
            if item_id not in found:
                raise BadInput(f"invalid {entity}: {path}: {kind.entity} {item_id} not found")


def copy_from_bank(store: Store, bank: Kind, kind: Kind, principal: Principal, document_id: str) -> dict[str, Any]:
    """The bank document, copied into the caller's account as a document of its own."""
    original = rows.get(store, bank, account_id=principal.account_id, document_id=document_id)
    return create(store, kind, principal, copied_body(original))


def copy(store: Store, kind: Kind, principal: Principal, document_id: str) -> dict[str, Any]:
    """A new document of the caller's with the original's content; it is not the default one."""
    original = rows.get(store, kind, account_id=principal.account_id, document_id=document_id)
    return create(store, kind, principal, copied_body(original))


def make_default(store: Store, kind: Kind, principal: Principal, document_id: str) -> dict[str, Any]:
    with store.writing() as conn:
        return rows.make_default(
            conn, kind, account_id=principal.account_id, document_id=document_id, updated_at=now_iso()
        )


def default_read(store: Store, kind: Kind, principal: Principal) -> tuple[str, int]:
    """The caller's default document of the kind, as stored, and its revision."""
    return rows.default_read(store, kind, account_id=principal.account_id)


def create_set(store: Store, sets: Kind, member_cls: str, principal: Principal, body: Any) -> dict[str, Any]:
    """A named set for documents of one class (`Job`, `Material`) to be moved into."""
    if not isinstance(body, dict):
        raise BadInput("the set must be a JSON object with a name")
    document = new_document(
        "set",
        {**body, "isEntitySet": True, "entityCls": member_cls},
        document_id=new_id(),
        owner=principal.owner,
        creator=principal.creator,
        created_at=now_iso(),
        schema_id=sets.schema_id,
    )
    with store.writing() as conn:
        rows.insert(conn, sets, document)
    return document


def joined_set(
    conn: Connection, sets: Kind, principal: Principal, old_set_id: str | None, new_set_id: str | None
) -> tuple[str | None, dict[str, Any] | None]:
    """The set a document leaves and the one it joins, both the caller's (NotFound otherwise)."""
    if not old_set_id and not new_set_id:
        raise BadInput("move-to-set needs newSetId, oldSetId or both")
    joining = None
    if new_set_id:
        joining = rows.lock(conn, sets, account_id=principal.account_id, document_id=new_set_id)
    return old_set_id or None, joining


def move_to_set(
    store: Store, kind: Kind, sets: Kind, principal: Principal, document_id: str, old: str | None, new: str | None
) -> dict[str, Any]:
    with store.writing() as conn:
        leaving, joining = joined_set(conn, sets, principal, old, new)
        current = rows.lock(conn, kind, account_id=principal.account_id, document_id=document_id)
        document = {**in_set(current, leaving=leaving, joining=joining), "updatedAt": now_iso()}
        rows.replace(conn, kind, document)
    return document


def check_account(principal: Principal, account_id: Any) -> None:
    """An account named in a request must be the caller's: any other is missing, for this caller."""
    if account_id and account_id != principal.account_id:
        raise NotFound(f"account {account_id} not found")


def _owned(kind: Kind, principal: Principal, body: Any) -> dict[str, Any]:
    owner = body.get("owner") if isinstance(body, dict) else None
    if isinstance(owner, dict):
        check_account(principal, owner.get("_id"))
    return new_document(
        kind.entity,
        body,
        document_id=new_id(),
        owner=principal.owner,
        creator=principal.creator,
        created_at=now_iso(),
        schema_id=kind.schema_id,
    )


def list_texts(store: Store, kind: Kind, principal: Principal, query: str | None, page: Page) -> list[str]:
    selector = parse_json(query) if query else None
    return rows.list_texts(
        store, kind, account_id=principal.account_id, selector=selector, selector_key=query, page=page
    )


def read(store: Store, kind: Kind, principal: Principal, document_id: str) -> tuple[str, int]:
    """The document as stored, and its revision (the ETag)."""
    return rows.read(store, kind, account_id=principal.account_id, document_id=document_id)


def update(
    store: Store, kind: Kind, principal: Principal, document_id: str, body: Any, expected: Precondition | None = None
) -> dict[str, Any]:
    """The document after a PATCH, read and written in one transaction with its row locked, so
    that concurrent updates (and `$push`es) all land; `expected` is the client's If-Match."""
    changes, stated = revisions.stated(parse_update(body))
    with store.writing() as conn:
        current = rows.lock(conn, kind, account_id=principal.account_id, document_id=document_id)
        revisions.check_all((expected, stated), kind.entity, current)
        document = updated_document(kind.entity, current, changes, updated_at=now_iso(), schema_id=kind.schema_id)
        check_references(conn, principal, kind.entity, document, before=current)
        rows.replace(conn, kind, document)
    return document


def delete(
    store: Store, kind: Kind, principal: Principal, document_id: str, expected: Precondition | None = None
) -> None:
    with store.writing() as conn:
        if expected is not None:
            current = rows.lock(conn, kind, account_id=principal.account_id, document_id=document_id)
            revisions.check_all((expected,), kind.entity, current)
        rows.delete(conn, kind, account_id=principal.account_id, document_id=document_id)


def import_material(store: Store, kind: Kind, principal: Principal, body: Any) -> dict[str, Any]:
    """A material from a POSCAR or CIF text: {"name", "content", "format"}."""
    if not isinstance(body, dict):
        raise BadInput("the import must be a JSON object with name, content and format")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadInput("name: a non-empty string is required")
    check_account(principal, body.get("owner._id"))
    material = material_from_text(name, body.get("content"), body.get("format"))
    tags = body.get("tags")
    if tags is not None:
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise BadInput("tags: a list of strings")
        material["tags"] = tags
    return create(store, kind, principal, material)
