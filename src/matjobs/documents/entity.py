"""What every stored document shares: references to other entities, and what may be stored."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from matjobs.documents import schema
from matjobs.documents.update import apply_changes, parse_update
from matjobs.errors import BadInput

MAX_NAME = 256
# Set by the server only: ignored in a create, refused in an update.
SERVER_FIELDS = frozenset({"_id", "owner", "creator", "createdAt", "updatedAt", "isDefault"})


@dataclass(frozen=True)
class Ref:
    """An entity reference as stored in documents: {_id, cls, slug}."""

    id: str
    cls: str
    slug: str

    def as_dict(self) -> dict[str, str]:
        return {"_id": self.id, "cls": self.cls, "slug": self.slug}


def check_storable(value: Any, path: str = "") -> None:
    """Keys may not look like query operators (selectors must stay unambiguous), and no string
    may hold a NUL character, which PostgreSQL cannot store."""
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key.startswith("$"):
                raise BadInput(f"invalid field name {where!r}: names may not start with '$'")
            if "\x00" in key:
                raise BadInput(f"invalid field name {where!r}: names may not contain NUL characters")
            check_storable(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_storable(item, f"{path}.{index}")
    elif isinstance(value, str) and "\x00" in value:
        raise BadInput(f"invalid value at {path or '(document)'}: strings may not contain NUL characters")


def slug_of(name: str) -> str:
    """The platform's slugs: lowercase words joined by dashes."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unnamed"


def new_document(
    entity: str, body: Any, *, document_id: str, owner: Ref, creator: Ref, created_at: str, is_default: bool = False
) -> dict[str, Any]:
    """An account's document of an entity (project, material, workflow) from a create request,
    valid against the entity's schema. Only the server makes a document the default one."""
    if not isinstance(body, dict):
        raise BadInput(f"the {entity} must be a JSON object")
    check_storable(body)
    given = {key: value for key, value in body.items() if key not in SERVER_FIELDS}
    _check_name(entity, given.get("name"))
    document = {
        "_id": document_id,
        "slug": slug_of(given["name"]),
        **given,
        "isDefault": is_default,
        "owner": owner.as_dict(),
        "creator": creator.as_dict(),
        "createdAt": created_at,
        "updatedAt": created_at,
    }
    schema.validate(entity, document)
    return document


def updated_document(entity: str, document: dict[str, Any], body: Any, *, updated_at: str) -> dict[str, Any]:
    """The document after a PATCH body (flat, dotted or $set/$unset), or an error naming why not."""
    changes = parse_update(body)
    for change in changes:
        if change.path[0] in SERVER_FIELDS:
            where = ".".join(change.path)
            raise BadInput(f"{where}: {change.path[0]} is set by the server and cannot be updated")
        if change.operator == "$set":
            check_storable(change.value)
    result = apply_changes(document, changes)
    _check_name(entity, result.get("name"))
    result["updatedAt"] = updated_at
    schema.validate(entity, result)
    return result


def _check_name(entity: str, name: Any) -> None:
    if not isinstance(name, str) or not name.strip():
        raise BadInput(f"invalid {entity}: name: a non-empty string is required")
    if len(name) > MAX_NAME:
        raise BadInput(f"invalid {entity}: name: at most {MAX_NAME} characters")
