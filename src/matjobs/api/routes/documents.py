"""The resources of an account's documents of one kind (materials, workflows): one route table
per kind, made by one function, over the shared use cases in `matjobs.entities`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from matjobs import entities
from matjobs.api import schemas
from matjobs.api.auth import authenticate
from matjobs.api.body import read_json
from matjobs.api.calls import quick_read
from matjobs.api.envelope import success, success_raw
from matjobs.api.listing import LIST_PARAMETERS, list_request, listed
from matjobs.store.documents import Kind


def router_for(kind: Kind, plural: str, example: dict[str, Any]) -> APIRouter:
    router = APIRouter(tags=[plural.title()])
    one, many = schemas.document_envelopes(kind.entity)
    path_id = {"name": "document_id", "in": "path", "required": True, "schema": {"type": "string"}}

    @router.get(
        f"/{plural}",
        summary=f"List the caller's {plural}",
        response_model=many,
        responses=schemas.errors(400, 401),
        openapi_extra={"parameters": LIST_PARAMETERS},
        operation_id=f"list_{plural}",
    )
    async def list_documents(request: Request) -> Response:
        caller = await authenticate(request)
        text, page = list_request(request)
        texts = await run_in_threadpool(entities.list_texts, caller.store, kind, caller.principal, text, page)
        return listed(texts, page)

    @router.post(
        f"/{plural}",
        summary=f"Create a {kind.entity}",
        response_model=one,
        responses=schemas.errors(400, 401, 413, 415),
        openapi_extra=schemas.json_body(example, f"the {kind.entity} (schema `{kind.entity}` of mat3ra-esse)"),
        operation_id=f"create_{kind.entity}",
    )
    async def create_document(request: Request) -> Response:
        caller = await authenticate(request)
        body = await read_json(request)
        return success(await run_in_threadpool(entities.create, caller.store, kind, caller.principal, body))

    @router.get(
        f"/{plural}/{{document_id}}",
        summary=f"Get a {kind.entity} by id",
        response_model=one,
        responses=schemas.errors(401, 404),
        openapi_extra={"parameters": [path_id]},
        operation_id=f"get_{kind.entity}",
    )
    async def get_document(request: Request) -> Response:
        caller = await authenticate(request)
        document_id = request.path_params["document_id"]
        return success_raw(
            await quick_read(caller.store, entities.get_text, caller.store, kind, caller.principal, document_id)
        )

    @router.patch(
        f"/{plural}/{{document_id}}",
        summary=f"Update a {kind.entity}",
        description='A plain object, dotted keys ({"lattice.a": 3.9}), or {"$set": ...} / {"$unset": ...}.',
        response_model=one,
        responses=schemas.errors(400, 401, 404, 413, 415),
        openapi_extra={"parameters": [path_id], **schemas.json_body({"name": "renamed"}, "fields to change")},
        operation_id=f"update_{kind.entity}",
    )
    async def update_document(request: Request) -> Response:
        caller = await authenticate(request)
        document_id = request.path_params["document_id"]
        body = await read_json(request)
        changed = await run_in_threadpool(entities.update, caller.store, kind, caller.principal, document_id, body)
        return success(changed)

    @router.delete(
        f"/{plural}/{{document_id}}",
        summary=f"Delete a {kind.entity}",
        response_model=schemas.MessageEnvelope,
        responses=schemas.errors(401, 404),
        openapi_extra={"parameters": [path_id]},
        operation_id=f"delete_{kind.entity}",
    )
    async def delete_document(request: Request) -> Response:
        caller = await authenticate(request)
        document_id = request.path_params["document_id"]
        await run_in_threadpool(entities.delete, caller.store, kind, caller.principal, document_id)
        return success({"message": f"{kind.entity.title()} {document_id} successfully deleted"})

    return router
