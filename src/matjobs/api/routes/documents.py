"""The resources of an account's documents of one kind (projects, materials, workflows): one
route table per kind, made by one function, over the shared use cases in `matjobs.entities`."""

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

ALL = frozenset({"list", "create", "get", "update", "delete"})
PATH_ID = {"name": "document_id", "in": "path", "required": True, "schema": {"type": "string"}}
RENAME = schemas.json_body({"name": "renamed"}, "fields to change")
SI_POSCAR = "Si\n1.0\n0 2.7 2.7\n2.7 0 2.7\n2.7 2.7 0\nSi\n2\nDirect\n0 0 0\n0.25 0.25 0.25\n"
IMPORT_EXAMPLE = {"name": "Si", "format": "poscar", "content": SI_POSCAR}


def router_for(kind: Kind, plural: str, example: dict[str, Any], operations: frozenset[str] = ALL) -> APIRouter:
    """The routes of the kind's `operations`; a method left out answers 405."""
    one, many = schemas.document_envelopes(kind.entity)
    entity = kind.entity

    async def list_documents(request: Request) -> Response:
        caller = await authenticate(request)
        text, page = list_request(request)
        texts = await run_in_threadpool(entities.list_texts, caller.store, kind, caller.principal, text, page)
        return listed(texts, page)

    async def create_document(request: Request) -> Response:
        caller = await authenticate(request)
        body = await read_json(request)
        return success(await run_in_threadpool(entities.create, caller.store, kind, caller.principal, body))

    async def get_document(request: Request) -> Response:
        caller = await authenticate(request)
        document_id = request.path_params["document_id"]
        return success_raw(
            await quick_read(caller.store, entities.get_text, caller.store, kind, caller.principal, document_id)
        )

    async def update_document(request: Request) -> Response:
        caller = await authenticate(request)
        document_id = request.path_params["document_id"]
        body = await read_json(request)
        changed = await run_in_threadpool(entities.update, caller.store, kind, caller.principal, document_id, body)
        return success(changed)

    async def delete_document(request: Request) -> Response:
        caller = await authenticate(request)
        document_id = request.path_params["document_id"]
        await run_in_threadpool(entities.delete, caller.store, kind, caller.principal, document_id)
        return success({"message": f"{entity.title()} {document_id} successfully deleted"})

    item = f"/{plural}/{{document_id}}"
    routes: dict[str, tuple[str, str, Any, dict[str, Any]]] = {
        "list": (
            f"/{plural}",
            "GET",
            list_documents,
            {
                "summary": f"List the caller's {plural}",
                "response_model": many,
                "responses": schemas.errors(400, 401),
                "openapi_extra": {"parameters": LIST_PARAMETERS},
            },
        ),
        "create": (
            f"/{plural}",
            "POST",
            create_document,
            {
                "summary": f"Create a {entity}",
                "response_model": one,
                "responses": schemas.errors(400, 401, 413, 415),
                "openapi_extra": schemas.json_body(example, f"the {entity} (schema `{entity}` of mat3ra-esse)"),
            },
        ),
        "get": (
            item,
            "GET",
            get_document,
            {
                "summary": f"Get a {entity} by id",
                "response_model": one,
                "responses": schemas.errors(401, 404),
                "openapi_extra": {"parameters": [PATH_ID]},
            },
        ),
        "update": (
            item,
            "PATCH",
            update_document,
            {
                "summary": f"Update a {entity}",
                "description": 'A plain object, dotted keys ({"a.b": 1}), or {"$set": ...} / {"$unset": ...}.',
                "response_model": one,
                "responses": schemas.errors(400, 401, 404, 413, 415),
                "openapi_extra": {
                    "parameters": [PATH_ID],
                    **schemas.json_body({"name": "renamed"}, "fields to change"),
                },
            },
        ),
        "delete": (
            item,
            "DELETE",
            delete_document,
            {
                "summary": f"Delete a {entity}",
                "response_model": schemas.MessageEnvelope,
                "responses": schemas.errors(401, 404),
                "openapi_extra": {"parameters": [PATH_ID]},
            },
        ),
    }
    router = APIRouter(tags=[plural.title()])
    for operation in sorted(operations):
        path, method, handler, description = routes[operation]
        router.add_api_route(path, handler, methods=[method], operation_id=f"{operation}_{plural}", **description)
    return router


def bank_router_for(bank: Kind, kind: Kind, plural: str) -> APIRouter:
    """The bank's documents: listed and read by every account, copied into the caller's."""
    router = router_for(bank, f"bank-{plural}", {}, frozenset({"list", "get"}))
    one, _ = schemas.document_envelopes(kind.entity)

    async def copy_document(request: Request) -> Response:
        caller = await authenticate(request)
        document_id = request.path_params["document_id"]
        copy = await run_in_threadpool(entities.copy_from_bank, caller.store, bank, kind, caller.principal, document_id)
        return success(copy)

    router.add_api_route(
        f"/bank-{plural}/{{document_id}}/copy",
        copy_document,
        methods=["POST"],
        operation_id=f"copy_bank_{plural}",
        summary=f"Copy a bank {kind.entity} into the caller's account",
        response_model=one,
        responses=schemas.errors(401, 404),
        openapi_extra={"parameters": [PATH_ID]},
    )
    return router


def material_import_router(kind: Kind) -> APIRouter:
    """`POST /materials/import`: a material from a POSCAR or CIF text."""
    router = APIRouter(tags=["Materials"])
    one, _ = schemas.document_envelopes(kind.entity)

    async def import_material(request: Request) -> Response:
        caller = await authenticate(request)
        body = await read_json(request)
        return success(await run_in_threadpool(entities.import_material, caller.store, kind, caller.principal, body))

    router.add_api_route(
        "/materials/import",
        import_material,
        methods=["POST"],
        operation_id="import_material",
        summary="Create a material from a POSCAR or CIF text",
        response_model=one,
        responses=schemas.errors(400, 401, 413, 415),
        openapi_extra=schemas.json_body(
            {
                "name": "Si",
                "format": "poscar",
                "content": "Si\n1.0\n0 2.7 2.7\n2.7 0 2.7\n2.7 2.7 0\nSi\n2\nDirect\n0 0 0\n0.25 0.25 0.25\n",
            },
            "name, content (the file's text) and format: poscar or cif",
        ),
    )
    return router
