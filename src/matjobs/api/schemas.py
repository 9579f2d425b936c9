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


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    reasons = {
        400: "bad input: malformed JSON, an invalid document or query",
        401: "missing, unknown or revoked credentials",
        404: "no such job for this account",
        409: "the job's status forbids the change",
        413: "request body too large",
        415: "unsupported content type",
    }
    return {code: {"model": ErrorEnvelope, "description": reasons[code]} for code in codes}


def json_body(example: Any, description: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": {"type": "object"}, "example": example}},
        }
    }
