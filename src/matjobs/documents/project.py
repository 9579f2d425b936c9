"""Project documents: what a create request becomes, checked against the platform's schema."""

from __future__ import annotations

from typing import Any

from matjobs.documents import schema
from matjobs.documents.entity import Ref, check_storable, slug_of
from matjobs.errors import BadInput

ENTITY = "project"
DEFAULT_NAME = "Default"
MAX_NAME = 256
# Set by the server only; a create request's values for them are ignored.
SERVER_FIELDS = frozenset({"_id", "owner", "creator", "createdAt", "updatedAt", "isDefault"})


def new_project(
    body: Any, *, project_id: str, owner: Ref, creator: Ref, created_at: str, is_default: bool = False
) -> dict[str, Any]:
    """Only an account's first project is its default: a create never makes another."""
    if not isinstance(body, dict):
        raise BadInput("the project must be a JSON object")
    check_storable(body)
    given = {key: value for key, value in body.items() if key not in SERVER_FIELDS}
    name = given.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadInput("invalid project: name: a non-empty string is required")
    if len(name) > MAX_NAME:
        raise BadInput(f"invalid project: name: at most {MAX_NAME} characters")
    document = {
        "_id": project_id,
        "slug": slug_of(name),
        **given,
        "isDefault": is_default,
        "owner": owner.as_dict(),
        "creator": creator.as_dict(),
        "createdAt": created_at,
        "updatedAt": created_at,
    }
    schema.validate(ENTITY, document)
    return document
