"""Property documents: a result one unit of a finished job extracted, in the platform's
property holder shape (schema `property/holder` of mat3ra-esse)."""

from __future__ import annotations

from functools import cache
from typing import Any

from mat3ra.esse import ESSE

from matjobs.documents import schema
from matjobs.documents.entity import slug_of
from matjobs.errors import BadInput

ENTITY = "property/holder"
DIRECTORY = "properties-directory/"
# Elements' own properties (tables of radii and electronegativities) share a name with a
# result's: the results' schemas are the ones a holder holds.
ELEMENTAL = "properties-directory/elemental/"


@cache
def schema_ids() -> dict[str, str]:
    """Each property name a holder may hold, and the id of its own schema in mat3ra-esse."""
    held = {
        name
        for branch in schema.schema_for(ENTITY)["properties"]["data"]["oneOf"]
        for name in branch.get("properties", {}).get("name", {}).get("enum", ())
    }
    found = {}
    for item in ESSE().schemas:
        schema_id = str(item.get("$id", ""))
        names = item.get("properties", {}).get("name", {}).get("enum", ())
        result = schema_id.startswith(DIRECTORY) and not schema_id.startswith(ELEMENTAL)
        if result and len(names) == 1 and names[0] in held:
            found[names[0]] = schema_id
    return found


def check_property(data: Any) -> None:
    """Raise BadInput, naming the property and the schema's complaint, unless `data` is valid
    against the schema of the property it names."""
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str):
        raise BadInput("invalid property: data.name: the name of the property is required")
    schema_id = schema_ids().get(name)
    if schema_id is None:
        raise BadInput(f"invalid property {name!r}: mat3ra-esse has no property of that name")
    found = schema.complaint(schema_id, data)
    if found is not None:
        raise BadInput(f"invalid property {name!r} ({schema_id}): {found}")


def property_document(
    data: dict[str, Any],
    *,
    property_id: str,
    job: dict[str, Any],
    unit_id: str,
    created_at: str,
    repetition: int = 0,
) -> dict[str, Any]:
    """One result (`data`, valid against its own property schema), with where it came from:
    `source.info` holds the job's id and the unit's flowchartId, `exabyteId` the material's.
    Invalid data is refused, naming the unit and the property."""
    try:
        check_property(data)
    except BadInput as refused:
        raise BadInput(f"unit {unit_id}: {refused}") from None
    material_id = (job.get("_material") or {}).get("_id")
    document = {
        "_id": property_id,
        "name": data["name"],
        "slug": slug_of(data["name"]),
        "data": data,
        "source": {"type": "job", "info": {"jobId": job["_id"], "unitId": unit_id}},
        "exabyteId": [material_id] if isinstance(material_id, str) else [],
        "repetition": repetition,
        "owner": job["owner"],
        "creator": job["creator"],
        "isDefault": False,
        "createdAt": created_at,
        "updatedAt": created_at,
    }
    schema.validate(ENTITY, document)
    return document
