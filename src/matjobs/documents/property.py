"""Property documents: a result one unit of a finished job extracted, in the platform's
property holder shape (schema `property/holder` of mat3ra-esse)."""

from __future__ import annotations

from typing import Any

from matjobs.documents import schema
from matjobs.documents.entity import slug_of

ENTITY = "property/holder"


def property_document(
    data: dict[str, Any], *, property_id: str, job: dict[str, Any], unit_id: str, created_at: str
) -> dict[str, Any]:
    """One result (`data`, valid against its own property schema), with where it came from:
    `source.info` holds the job's id and the unit's flowchartId, `exabyteId` the material's."""
    material_id = (job.get("_material") or {}).get("_id")
    document = {
        "_id": property_id,
        "name": data["name"],
        "slug": slug_of(data["name"]),
        "data": data,
        "source": {"type": "job", "info": {"jobId": job["_id"], "unitId": unit_id}},
        "exabyteId": [material_id] if isinstance(material_id, str) else [],
        "repetition": 0,
        "owner": job["owner"],
        "creator": job["creator"],
        "isDefault": False,
        "createdAt": created_at,
        "updatedAt": created_at,
    }
    schema.validate(ENTITY, document)
    return document
