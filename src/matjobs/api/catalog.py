"""The documents both API versions serve, the handlers of each kind, and what each kind allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matjobs.api import schemas
from matjobs.api.routes.documents import READ_ONLY, BankDocuments, Documents, PropertyDocuments
from matjobs.store.documents import (
    BANK_MATERIALS,
    BANK_WORKFLOWS,
    JOB_SETS,
    MATERIAL_SETS,
    MATERIALS,
    PROJECTS,
    PROPERTIES,
    PSEUDOPOTENTIALS,
    WORKFLOWS,
)

PROPERTY_EXAMPLE: dict[str, Any] = {
    "data": {"name": "total_energy", "value": -212.99, "units": "eV"},
    "source": {"type": "job", "info": {"jobId": "RhCFP2WuehvG4hCLp", "unitId": "pw-scf"}},
    "exabyteId": [],
    "repetition": 0,
}
EDITABLE = frozenset({"list", "create", "get", "update", "delete", "copy", "default", "set-default"})


@dataclass(frozen=True)
class Served:
    documents: Documents
    operations: frozenset[str]
    example: dict[str, Any]


MATERIAL_DOCUMENTS = Documents(MATERIALS, "materials", MATERIAL_SETS, "Material")

# The sets themselves, read-only: found again after `create-set` answered. Their paths sit under
# their members' (`jobs/sets`), so they are routed ahead of `jobs/{id}`.
SETS = (
    Served(Documents(JOB_SETS, "jobs/sets"), READ_ONLY, {}),
    Served(Documents(MATERIAL_SETS, "materials/sets"), READ_ONLY, {}),
)

SERVED = (
    # No delete for projects: the default project holds every job created without one.
    Served(Documents(PROJECTS, "projects"), EDITABLE - {"delete"}, schemas.PROJECT_EXAMPLE),
    Served(MATERIAL_DOCUMENTS, EDITABLE | {"create-set", "move-to-set"}, schemas.MATERIAL_EXAMPLE),
    Served(Documents(WORKFLOWS, "workflows"), EDITABLE, schemas.WORKFLOW_EXAMPLE),
    Served(BankDocuments(BANK_MATERIALS, MATERIALS, "bank-materials"), READ_ONLY | {"copy"}, {}),
    Served(BankDocuments(BANK_WORKFLOWS, WORKFLOWS, "bank-workflows"), READ_ONLY | {"copy"}, {}),
    Served(Documents(PSEUDOPOTENTIALS, "pseudopotentials"), READ_ONLY, {}),
    # Results come from runs; a client may add its own (the official client's properties.create).
    Served(PropertyDocuments(PROPERTIES, "properties"), READ_ONLY | {"create", "copy"}, PROPERTY_EXAMPLE),
)
