"""What a job's create body names by id (its workflow, material and pseudopotentials), and
the body once those references are filled in from the documents they name."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from matjobs.errors import BadInput


@dataclass(frozen=True)
class References:
    workflow: str | None  # a bare reference {"_id": ...}, at the top level or in model.method
    material: str | None
    pseudopotentials: tuple[str, ...]


def references_of(body: Any) -> References:
    """The ids the body names; shapes that are wrong are left to the job's validation."""
    if not isinstance(body, dict):
        return References(None, None, ())
    workflow = _bare_id(body.get("workflow")) or _bare_id(_method(body).get("workflow"))
    material = _id_of(body.get("_material"))
    pseudo = (_method(body).get("data") or {}).get("pseudo") if isinstance(_method(body).get("data"), dict) else None
    ids = tuple(item_id for item in pseudo if (item_id := _id_of(item))) if isinstance(pseudo, list) else ()
    return References(workflow, material, ids)


def with_references(
    body: dict[str, Any],
    *,
    workflow: dict[str, Any] | None,
    material: dict[str, Any] | None,
    pseudopotentials: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The body holding a full copy of the named workflow (so later edits of the workflow do
    not change the job), a reference to the material, and the pseudopotentials' descriptions."""
    filled = copy.deepcopy(body)
    if workflow is not None:
        filled["workflow"] = copy.deepcopy(workflow)
    if material is not None:
        filled["_material"] = {"_id": material["_id"], "cls": "Material", "slug": material.get("slug", "")}
    if pseudopotentials:
        data = filled["model"]["method"]["data"]
        data["pseudo"] = [copy.deepcopy(pseudopotentials.get(_id_of(item) or "", item)) for item in data["pseudo"]]
    return filled


def _method(body: dict[str, Any]) -> dict[str, Any]:
    model = body.get("model")
    method = model.get("method") if isinstance(model, dict) else None
    return method if isinstance(method, dict) else {}


def _id_of(value: Any) -> str | None:
    found = value.get("_id") if isinstance(value, dict) else None
    return found if isinstance(found, str) and found else None


def _bare_id(value: Any) -> str | None:
    """The id of a reference that carries nothing else a run needs (no subworkflows)."""
    return _id_of(value) if isinstance(value, dict) and "subworkflows" not in value else None


@dataclass(frozen=True)
class Named:
    """A document of the caller's that a stored document names by id."""

    path: str  # where it is named, for messages: "_project._id", "inSet.0._id"
    target: str  # what it must be: "project", "material" or "set"
    id: str


# What each kind of document may name, and what it names there; the documents named must be
# the caller's, on create and on update alike.
OWNED_REFERENCES: dict[str, tuple[tuple[str, str, bool], ...]] = {
    # (field, target, required)
    "job": (
        ("_project", "project", True),
        ("_material", "material", False),
        ("_materials", "material", False),
        ("inSet", "set", False),
    ),
    "material": (("inSet", "set", False),),
}


LISTS = ("inSet", "_materials")  # fields holding a list of references


def owned_references(entity: str, document: dict[str, Any], *, strict: bool = True) -> list[Named]:
    """The documents of the caller's that this document names; an id that is not a string is a
    400 (`strict`), or is left out (what was stored before such checks)."""
    named: list[Named] = []
    for field, target, required in OWNED_REFERENCES.get(entity, ()):
        value = document.get(field)
        if field in LISTS:
            items = value if isinstance(value, list) else []
            for index, item in enumerate(items):
                if isinstance(item, dict) and "_id" in item:
                    where = f"{field}.{index}"
                    named.extend(_named(entity, where, target, item, strict))
        elif isinstance(value, dict) and ("_id" in value or required):
            named.extend(_named(entity, field, target, value, strict))
        elif required and strict:
            raise BadInput(f"invalid {entity}: {field}: a reference {{_id, cls, slug}} is required")
    return named


def added_references(entity: str, document: dict[str, Any], before: dict[str, Any] | None) -> list[Named]:
    """What the document names that `before` (the stored one) did not: what an update must check."""
    known = {(item.target, item.id) for item in owned_references(entity, before, strict=False)} if before else set()
    return [item for item in owned_references(entity, document) if (item.target, item.id) not in known]


def _named(entity: str, where: str, target: str, reference: dict[str, Any], strict: bool) -> list[Named]:
    found = reference.get("_id")
    if isinstance(found, str) and found:
        return [Named(f"{where}._id", target, found)]
    if strict:
        raise BadInput(f"invalid {entity}: {where}._id: the id of a document, a non-empty string")
    return []
