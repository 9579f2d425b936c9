"""The documents both API versions serve, the handlers of each kind, what each kind allows, and
the operations that follow from that."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from matjobs.api import schemas
from matjobs.api.operation import Operation
from matjobs.api.params import ACCOUNT_ID, IF_MATCH, LIST_PARAMETERS, MOVE_PARAMETERS
from matjobs.api.routes.documents import (
    IMPORT_EXAMPLE,
    PATH_ID,
    READ_ONLY,
    BankDocuments,
    Documents,
    PropertyDocuments,
)
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
# The shape of a create body, by the entity of the documents created.
CREATE_SHAPES = {"property": schemas.PROPERTY_CREATE}


@dataclass(frozen=True)
class Served:
    documents: Documents
    operations: frozenset[str]
    example: dict[str, Any]


MATERIAL_DOCUMENTS = Documents(MATERIALS, "materials", MATERIAL_SETS, "Material")

# The sets themselves, read-only: found again after `create-set` answered. Their paths sit under
# their members' (`jobs/sets`).
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

MATERIAL_IMPORT = Operation(
    "POST",
    "/materials/import",
    MATERIAL_DOCUMENTS.import_from_text,
    "Materials",
    "Create a material from a POSCAR or CIF text",
    dated="POST /materials/import",
    operation_id="import_material",
    response_model=schemas.document_envelopes(MATERIALS.entity)[0],
    responses=schemas.errors(400, 401, 413, 415),
    openapi_extra=schemas.json_body(
        IMPORT_EXAMPLE, "name, content (the file's text) and format: poscar or cif", schemas.MATERIAL_IMPORT
    ),
)


def operations_of(served: Served) -> list[Operation]:
    """The kind's allowed operations, under both APIs (the dated one creates with
    `PUT {plural}/create`); a method left out answers 405."""
    documents, plural = served.documents, served.documents.plural
    entity = getattr(documents, "into", documents.kind).entity
    one, many = schemas.document_envelopes(entity)
    item = f"/{plural}/{{document_id}}"
    by_id = {"parameters": [PATH_ID]}
    shape = CREATE_SHAPES.get(entity, schemas.NAMED)
    # A bank copy names the account it copies into; other copies stay in the caller's.
    copy_parameters = [PATH_ID, ACCOUNT_ID] if isinstance(documents, BankDocuments) else [PATH_ID]
    tag = plural.split("/")[0].title()
    every = {
        "default": Operation(
            "GET",
            f"/{plural}/default",
            documents.default,
            tag,
            f"The caller's default {entity}",
            dated=f"GET /{plural}/default",
            response_model=one,
            responses=schemas.errors(401, 404),
            openapi_extra={"parameters": [ACCOUNT_ID]},
        ),
        "create": Operation(
            "POST",
            f"/{plural}",
            documents.create,
            tag,
            f"Create a {entity}",
            dated=f"PUT /{plural}/create",
            response_model=one,
            responses=schemas.errors(400, 401, 404, 413, 415),
            openapi_extra=schemas.json_body(served.example, f"the {entity} (schema `{entity}` of mat3ra-esse)", shape),
        ),
        "create-set": Operation(
            "POST",
            f"/{plural}/create-set",
            documents.create_set,
            tag,
            f"Create a set of {plural}",
            dated=f"PUT /{plural}/create-set",
            responses={200: schemas.answer(schemas.DOCUMENT), **schemas.errors(400, 401, 413, 415)},
            openapi_extra=schemas.json_body({"name": "my set"}, "the set's name", schemas.SET_CREATE),
        ),
        "list": Operation(
            "GET",
            f"/{plural}",
            documents.list,
            tag,
            f"List the caller's {plural}",
            dated=f"GET /{plural}",
            response_model=many,
            responses=schemas.errors(400, 401),
            openapi_extra={"parameters": LIST_PARAMETERS},
        ),
        "get": Operation(
            "GET",
            item,
            documents.get,
            tag,
            f"Get a {entity} by id",
            dated=f"GET {item}",
            response_model=one,
            responses=schemas.errors(401, 404),
            openapi_extra=by_id,
        ),
        "update": Operation(
            "PATCH",
            item,
            documents.update,
            tag,
            f"Update a {entity}",
            dated=f"PATCH {item}",
            description='A plain object, dotted keys ({"a.b": 1}), or operators: $set, $unset, $push, '
            "$addToSet, $pull.",
            response_model=one,
            responses=schemas.errors(400, 401, 404, 412, 413, 415),
            openapi_extra={
                "parameters": [PATH_ID, IF_MATCH],
                **schemas.json_body({"name": "renamed"}, "fields to change", schemas.UPDATE),
            },
        ),
        "delete": Operation(
            "DELETE",
            item,
            documents.delete,
            tag,
            f"Delete a {entity}",
            dated=f"DELETE {item}",
            response_model=schemas.MessageEnvelope,
            responses=schemas.errors(401, 404, 412),
            openapi_extra={"parameters": [PATH_ID, IF_MATCH]},
        ),
        "copy": Operation(
            "POST",
            f"{item}/copy",
            documents.copy,
            tag,
            f"Copy a {entity} into the caller's account",
            dated=f"POST {item}/copy",
            response_model=one,
            responses=schemas.errors(401, 404),
            openapi_extra={"parameters": copy_parameters},
        ),
        "set-default": Operation(
            "POST",
            f"{item}/set-default",
            documents.set_default,
            tag,
            f"Make this the caller's default {entity}",
            dated=f"POST {item}/set-default",
            response_model=one,
            responses=schemas.errors(401, 404),
            openapi_extra=by_id,
        ),
        "move-to-set": Operation(
            "POST",
            f"{item}/move-to-set",
            documents.move_to_set,
            tag,
            f"Move a {entity} out of a set (oldSetId), into another (newSetId), or both",
            dated=f"POST {item}/move-to-set",
            response_model=one,
            responses=schemas.errors(400, 401, 404),
            openapi_extra={"parameters": [PATH_ID, *MOVE_PARAMETERS]},
        ),
    }
    return [
        replace(operation, operation_id=f"{name}_{plural}".replace("-", "_").replace("/", "_"))
        for name, operation in every.items()
        if name in served.operations
    ]
