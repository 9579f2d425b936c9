"""Shapes and examples for the OpenAPI description; requests are parsed and checked elsewhere."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, create_model

CREATE_EXAMPLE: dict[str, Any] = {
    "_material": {"_id": "gyfPHZk56QAxRpAqv"},
    "compute": {
        "cluster": {"fqdn": "AWS-cluster-001"},
        "nodes": 1,
        "notify": "n",
        "ppn": 1,
        "queue": "D",
        "timeLimit": "01:00:00",
    },
    "model": {
        "method": {
            "data": {"pseudo": [{"_id": "58947f5efe450067c9c92e24"}]},
            "precision": {"kpoints": {"shift": {"x": 0, "y": 0, "z": 0}, "value": {"x": 2, "y": 2, "z": 2}}},
            "workflow": {"_id": "7GSofzPcxZryR8YiL"},
        }
    },
    "title": "New Job Feb 15th 2017, 18:32 PM",
}

JOB_EXAMPLE: dict[str, Any] = {
    "_id": "RhCFP2WuehvG4hCLp",
    "name": "New Job Feb 15th 2017, 18:32 PM",
    "title": "New Job Feb 15th 2017, 18:32 PM",
    "status": "pre-submission",
    "statusTrack": [{"trackedAt": 1487183520.0, "status": "pre-submission"}],
    "compute": CREATE_EXAMPLE["compute"],
    "_project": {"_id": "Hx3ZkNs8tC4bdSvWr", "cls": "Project", "slug": "default"},
    "owner": {"_id": "fbdpsNf4oHiX79vMJ", "cls": "Account", "slug": "demo"},
    "creator": {"_id": "Kq2nWd7PbR4sYtZeF", "cls": "User", "slug": "demo"},
    "createdAt": "2017-02-15T18:32:00.000Z",
    "updatedAt": "2017-02-15T18:32:00.000Z",
}


class Message(BaseModel):
    message: str


class ErrorEnvelope(BaseModel):
    status: str = Field(examples=["error"])
    data: Message
    message: str


def document_envelopes(entity: str) -> tuple[type[BaseModel], type[BaseModel]]:
    """The answer shapes for one document of an entity and for a list of them."""
    one = create_model(
        f"{entity.title()}Envelope",
        status=(str, Field(examples=["success"])),
        data=(dict[str, Any], Field(description=f"a {entity} document (schema `{entity}` of mat3ra-esse)")),
    )
    many = create_model(
        f"{entity.title()}ListEnvelope", status=(str, Field(examples=["success"])), data=(list[dict[str, Any]], ...)
    )
    return one, many


PROJECT_EXAMPLE: dict[str, Any] = {"name": "Silicon studies"}
# A minimal valid material (fcc Si) and workflow, for the API page.
MATERIAL_EXAMPLE: dict[str, Any] = {
    "name": "Si FCC",
    "lattice": {
        "a": 3.867,
        "b": 3.867,
        "c": 3.867,
        "alpha": 60,
        "beta": 60,
        "gamma": 60,
        "units": {"length": "angstrom", "angle": "degree"},
        "type": "FCC",
    },
    "basis": {
        "elements": [{"id": 0, "value": "Si"}, {"id": 1, "value": "Si"}],
        "coordinates": [{"id": 0, "value": [0, 0, 0]}, {"id": 1, "value": [0.25, 0.25, 0.25]}],
        "units": "crystal",
    },
    "metadata": {},
}
WORKFLOW_EXAMPLE: dict[str, Any] = {
    "name": "My workflow",
    "subworkflows": [],
    "units": [],
    "properties": [],
    "workflows": [],
}

JobEnvelope, JobListEnvelope = document_envelopes("job")


class MessageEnvelope(BaseModel):
    status: str = Field(examples=["success"])
    data: Message


class Credentials(BaseModel):
    X_Auth_Token: str = Field(alias="X-Auth-Token")
    X_User_Id: str = Field(alias="X-User-Id")
    X_Account_Id: str = Field(alias="X-Account-Id")


class CredentialsEnvelope(BaseModel):
    status: str = Field(examples=["success"])
    data: Credentials


REASONS = {
    400: "bad input: malformed JSON, an invalid document or query",
    401: "missing, unknown, revoked or expired credentials",
    404: "no such document for this account",
    409: "the job's status forbids the change",
    412: "If-Match names a version the document no longer has; nothing changed",
    413: "request body too large",
    415: "unsupported content type",
    429: "too many failed logins for this user name or address; try again later",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorEnvelope, "description": REASONS[code]} for code in codes}


def json_body(example: Any, description: str, shape: dict[str, Any] | None = None) -> dict[str, Any]:
    """A required JSON request body of the given shape (an object of any fields by default)."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": shape or {"type": "object"}, "example": example}},
        }
    }


def answer(data: dict[str, Any], example: Any = None) -> dict[str, Any]:
    """A 200 in the success envelope, `data` of the given shape (for routes without a model)."""
    envelope = {
        "type": "object",
        "properties": {"status": {"type": "string", "enum": ["success"]}, "data": data},
        "required": ["status", "data"],
    }
    content: dict[str, Any] = {"schema": envelope}
    if example is not None:
        content["example"] = {"status": "success", "data": example}
    return {"description": "Successful Response", "content": {"application/json": content}}


# Request shapes. Each names the fields the handlers read, with their types and bounds, so that a
# client (or a generator of requests) reaches the checks behind them; documents keep any other
# field of their mat3ra-esse schema (additionalProperties).
ID_PATTERN = "^[2-9A-HJ-NP-TW-Za-km-z]{17}$"  # matjobs.ids: 17 characters of its alphabet
ID: dict[str, Any] = {
    "type": "string",
    "pattern": ID_PATTERN,
    "minLength": 17,
    "maxLength": 17,
    "description": "a document id: 17 characters of 23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz",
}
REF: dict[str, Any] = {"type": "object", "properties": {"_id": ID}, "required": ["_id"]}
# A dotted field path whose segments are neither empty nor start with '$'.
FIELD_PATH = r"^[^$.][^.]*(\.[^$.][^.]*)*$"
NAME: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 512}
TAGS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}


def document(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    shape: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": True}
    if required:
        shape["required"] = list(required)
    return shape


COMPUTE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "cluster": {"type": "object", "properties": {"fqdn": {"type": "string"}}},
        "queue": {"type": "string", "examples": ["D", "OR", "SR"]},
        "nodes": {"type": "integer", "minimum": 1},
        "ppn": {"type": "integer", "minimum": 1},
        "timeLimit": {"type": "string", "pattern": r"^\d{1,4}:[0-5]\d:[0-5]\d$"},
        "notify": {"type": "string", "pattern": "^(n|[abe]{1,3})$"},
    },
}
JOB_CREATE = document(
    {
        "name": NAME,
        "title": NAME,
        "description": {"type": "string"},
        "tags": TAGS,
        "_project": {"type": "object", "properties": {"_id": {"anyOf": [ID, {"type": "null"}]}}},
        "_material": REF,
        "workflow": document({"_id": ID, "name": {"type": "string"}}),
        "compute": COMPUTE,
        "model": {"type": "object"},
        "inSet": {"type": "array", "items": REF},
    }
)
NAMED = document({"name": NAME, "tags": TAGS}, required=("name",))
SET_CREATE = document({"name": NAME}, required=("name",))
PROPERTY_CREATE = document(
    {
        "data": document({"name": {"type": "string"}, "value": {}, "units": {"type": "string"}}, ("name",)),
        "source": document(
            {"type": {"type": "string"}, "info": document({"jobId": ID, "unitId": {"type": "string"}}, ("jobId",))},
            ("info",),
        ),
        "exabyteId": {"type": "array", "items": {"type": "string"}},
        "repetition": {"type": "integer", "minimum": 0},
    },
    required=("data", "source"),
)
MATERIAL_IMPORT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": NAME,
        "content": {"type": "string", "description": "the POSCAR or CIF file's text"},
        "format": {"type": "string", "enum": ["poscar", "cif"]},
        "tags": TAGS,
    },
    "required": ["name", "content", "format"],
}
_FIELDS: dict[str, Any] = {
    "type": "object",
    "minProperties": 1,
    "propertyNames": {"pattern": FIELD_PATH},
    "additionalProperties": True,
}
UPDATE: dict[str, Any] = {
    "description": 'Fields to set: a plain object with dotted keys ({"compute.ppn": 4}), or operators: '
    '{"$set": {...}, "$unset": {"tags": ""}, "$push": {"tags": "x"}, "$addToSet": {"tags": {"$each": ["a"]}}, '
    '"$pull": {"tags": "x"}}. The two forms do not mix.',
    "anyOf": [
        {
            "type": "object",
            "properties": {op: _FIELDS for op in ("$set", "$unset", "$push", "$addToSet", "$pull")},
            "minProperties": 1,
            "additionalProperties": False,
        },
        _FIELDS,
    ],
}
LOGIN: dict[str, Any] = {
    "type": "object",
    "properties": {"username": {"type": "string", "minLength": 1}, "password": {"type": "string", "minLength": 1}},
    "required": ["username", "password"],
}
FILE_NAME: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "description": "a path relative to the job's folder, e.g. inputs/pw.in",
}
UPLOADS: dict[str, Any] = {
    "type": "object",
    "properties": {"files": {"type": "array", "items": FILE_NAME, "minItems": 1}},
    "required": ["files"],
}
_FILE_RECORD: dict[str, Any] = {
    "type": "object",
    "properties": {"name": FILE_NAME, "key": FILE_NAME},
    "anyOf": [{"required": ["name"]}, {"required": ["key"]}],
}
FILE_RECORDS: dict[str, Any] = {"anyOf": [_FILE_RECORD, {"type": "array", "items": _FILE_RECORD, "minItems": 1}]}

# Answer shapes for the routes without a pydantic model.
DOCUMENT: dict[str, Any] = {"type": "object", "properties": {"_id": {"type": "string"}}, "required": ["_id"]}
FILE_ENTRY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "key": {"type": "string"},
        "name": {"type": "string"},
        "size": {"type": "integer", "minimum": 0},
        "lastModified": {"type": "string"},
        "signedUrl": {"type": "string"},
        "signedURL": {"type": "string"},
    },
    "required": ["key", "name", "size", "lastModified", "signedUrl"],
}
FILE_ENTRIES: dict[str, Any] = {"type": "array", "items": FILE_ENTRY}
UPLOAD_LINKS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "presignedURLs": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"file": {"type": "string"}, "URL": {"type": "string"}},
                "required": ["file", "URL"],
            },
        }
    },
    "required": ["presignedURLs"],
}
