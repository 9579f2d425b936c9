"""What every stored document shares: references to other entities, and what may be stored."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from matjobs.documents import schema
from matjobs.documents.revisions import FIELD as REVISION
from matjobs.documents.update import Change, apply_changes
from matjobs.errors import BadInput
from matjobs.text import flaw

MAX_NAME = 256
# Set by the server only: ignored in a create, refused in an update.
SERVER_FIELDS = frozenset({"_id", "owner", "creator", "createdAt", "updatedAt", "isDefault", REVISION})


@dataclass(frozen=True)
class Ref:
    """An entity reference as stored in documents: {_id, cls, slug}."""

    id: str
    cls: str
    slug: str

    def as_dict(self) -> dict[str, str]:
        return {"_id": self.id, "cls": self.cls, "slug": self.slug}


def check_storable(value: Any, path: str = "") -> None:
    """Keys may not look like query operators (selectors must stay unambiguous), and keys and
    strings must be text a store can hold (`matjobs.text.flaw`)."""
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key.startswith("$"):
                raise BadInput(f"invalid field name {where!r}: names may not start with '$'")
            if problem := flaw(key):
                raise BadInput(f"invalid field name {where!r}: names may not contain {problem}")
            check_storable(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_storable(item, f"{path}.{index}")
    elif isinstance(value, str) and (problem := flaw(value)):
        raise BadInput(f"invalid value at {path or '(document)'}: strings may not contain {problem}")


def slug_of(name: str) -> str:
    """The platform's slugs: lowercase words joined by dashes."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unnamed"


def filled(entity: str, body: dict[str, Any]) -> dict[str, Any]:
    """What a create fills in, so that the platform's standard data is accepted as it is published
    (a little older than the schemas): a material without `metadata` gets an empty one, and
    unknown `external` values (null) are left out. A property is named by its data, as results are."""
    if entity == "property" and "name" not in body and isinstance(body.get("data"), dict):
        return {"name": body["data"].get("name"), **body}
    if entity != "material":
        return body
    document = {"metadata": {}, **body}
    if isinstance(document.get("external"), dict):
        document["external"] = {key: value for key, value in document["external"].items() if value is not None}
    return document


def derived(entity: str, document: dict[str, Any]) -> dict[str, Any]:
    """Fields the server works out from others: a material's `formula` (reduced, e.g. "Si") and
    `unitCellFormula` ("Si2"), elements in the order the basis first names them."""
    elements = (document.get("basis") or {}).get("elements") if entity == "material" else None
    if not isinstance(elements, list) or not elements:
        return document
    counts: dict[str, int] = {}
    for element in elements:
        symbol = element.get("value") if isinstance(element, dict) else None
        if not isinstance(symbol, str):
            return document  # the schema will say what is wrong with it
        counts[symbol] = counts.get(symbol, 0) + 1
    divisor = math.gcd(*counts.values())

    def written(scale: int) -> str:
        return "".join(symbol + (str(n // scale) if n // scale > 1 else "") for symbol, n in counts.items())

    return {**document, "formula": written(divisor), "unitCellFormula": written(1)}


def new_document(
    entity: str,
    body: Any,
    *,
    document_id: str,
    owner: Ref,
    creator: Ref,
    created_at: str,
    is_default: bool = False,
    schema_id: str = "",
) -> dict[str, Any]:
    """An account's document of an entity (project, material, workflow) from a create request,
    valid against the entity's schema. Only the server makes a document the default one."""
    if not isinstance(body, dict):
        raise BadInput(f"the {entity} must be a JSON object")
    given = filled(entity, {key: value for key, value in body.items() if key not in SERVER_FIELDS})
    _check_name(entity, given.get("name"))
    document = {
        "_id": document_id,
        "slug": slug_of(given["name"]),
        **derived(entity, given),
        "isDefault": is_default,
        "owner": owner.as_dict(),
        "creator": creator.as_dict(),
        "createdAt": created_at,
        "updatedAt": created_at,
    }
    check_document(entity, document, schema_id)
    return document


def copied_body(original: dict[str, Any]) -> dict[str, Any]:
    """A stored document as the body of a create: the copy gets its own id, slug, owner and times."""
    return {key: value for key, value in original.items() if key not in ("_id", "slug")}


def in_set(document: dict[str, Any], *, leaving: str | None, joining: dict[str, Any] | None) -> dict[str, Any]:
    """The document's `inSet` references after it leaves one set and joins another (either optional)."""
    kept = [ref for ref in document.get("inSet") or [] if isinstance(ref, dict) and ref.get("_id") != leaving]
    if joining is not None and all(ref.get("_id") != joining["_id"] for ref in kept):
        kept.append({"_id": joining["_id"], "cls": "EntitySet", "slug": joining.get("slug", "")})
    return {**document, "inSet": kept}


def updated_document(
    entity: str, document: dict[str, Any], changes: list[Change], *, updated_at: str, schema_id: str = ""
) -> dict[str, Any]:
    """The document after a PATCH's changes, checked as a create is, or an error naming why not."""
    check_not_server_fields(changes, SERVER_FIELDS)
    result = derived(entity, apply_changes(document, changes))
    result["updatedAt"] = updated_at
    check_document(entity, result, schema_id)
    return result


def check_not_server_fields(changes: list[Change], server_fields: frozenset[str]) -> None:
    for change in changes:
        if change.path[0] in server_fields:
            raise BadInput(f"{change.dotted}: {change.path[0]} is set by the server and cannot be updated")


def check_document(entity: str, document: dict[str, Any], schema_id: str = "") -> None:
    """What a document must be to be stored, created or updated alike (references to other
    documents are the caller's: `matjobs.entities.check_references` looks them up)."""
    check_storable(document)
    _check_name(entity, document.get("name"))
    schema.validate(schema_id or entity, document)


def _check_name(entity: str, name: Any) -> None:
    if not isinstance(name, str) or not name.strip():
        raise BadInput(f"invalid {entity}: name: a non-empty string is required")
    if len(name) > MAX_NAME:
        raise BadInput(f"invalid {entity}: name: at most {MAX_NAME} characters")
