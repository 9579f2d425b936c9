"""What a job's create body names by id (its workflow, material and pseudopotentials), and
the body once those references are filled in from the documents they name."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any


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
