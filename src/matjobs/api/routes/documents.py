"""The resources of an account's documents of one kind (projects, materials, workflows, the bank,
properties): one set of handlers per kind (`Documents`) over the shared use cases in
`matjobs.entities`, registered in the v1 table here and in the dated table by `routes.dated`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from matjobs import entities, jobs
from matjobs.api import schemas
from matjobs.api.auth import authenticate
from matjobs.api.body import read_json
from matjobs.api.calls import quick_read
from matjobs.api.envelope import success, success_raw
from matjobs.api.listing import list_request, listed
from matjobs.api.params import ACCOUNT_ID, IF_MATCH, LIST_PARAMETERS, MOVE_PARAMETERS, path_id
from matjobs.api.versions import precondition, tagged, tagged_document
from matjobs.store.documents import Kind

ALL = frozenset({"list", "create", "get", "update", "delete", "copy", "default"})
READ_ONLY = frozenset({"list", "get"})
PATH_ID = path_id("document_id")
SI_POSCAR = "Si\n1.0\n0 2.7 2.7\n2.7 0 2.7\n2.7 2.7 0\nSi\n2\nDirect\n0 0 0\n0.25 0.25 0.25\n"
IMPORT_EXAMPLE = {"name": "Si", "format": "poscar", "content": SI_POSCAR}
# The shape of a create body, by the entity of the documents created.
CREATE_SHAPES = {"property": schemas.PROPERTY_CREATE}


class Documents:
    """The handlers of one kind of document; `sets` is the kind of its sets, where it has them."""

    def __init__(self, kind: Kind, plural: str, sets: Kind | None = None, member_cls: str = "") -> None:
        self.kind = kind
        self.plural = plural
        self.sets = sets
        self.member_cls = member_cls

    async def list(self, request: Request) -> Response:
        caller = await authenticate(request)
        text, page = list_request(request)
        texts = await run_in_threadpool(entities.list_texts, caller.store, self.kind, caller.principal, text, page)
        return listed(texts, page)

    async def create(self, request: Request) -> Response:
        caller = await authenticate(request)
        body = await read_json(request)
        return success(await run_in_threadpool(entities.create, caller.store, self.kind, caller.principal, body))

    async def get(self, request: Request) -> Response:
        caller = await authenticate(request)
        document_id = request.path_params["document_id"]
        text, revision = await quick_read(
            caller.store, entities.read, caller.store, self.kind, caller.principal, document_id
        )
        return tagged(success_raw(text), revision)

    async def update(self, request: Request) -> Response:
        caller = await authenticate(request)
        document_id = request.path_params["document_id"]
        expected = precondition(request)
        body = await read_json(request)
        changed = await run_in_threadpool(
            entities.update, caller.store, self.kind, caller.principal, document_id, body, expected
        )
        return tagged_document(success(changed), changed)

    async def delete(self, request: Request) -> Response:
        caller = await authenticate(request)
        document_id = request.path_params["document_id"]
        expected = precondition(request)
        await run_in_threadpool(entities.delete, caller.store, self.kind, caller.principal, document_id, expected)
        return success({"message": f"{self.kind.entity.title()} {document_id} successfully deleted"})

    async def copy(self, request: Request) -> Response:
        caller = await authenticate(request)
        document_id = request.path_params["document_id"]
        return success(await run_in_threadpool(entities.copy, caller.store, self.kind, caller.principal, document_id))

    async def set_default(self, request: Request) -> Response:
        caller = await authenticate(request)
        document_id = request.path_params["document_id"]
        chosen = await run_in_threadpool(entities.make_default, caller.store, self.kind, caller.principal, document_id)
        return success(chosen)

    async def default(self, request: Request) -> Response:
        caller = await authenticate(request)
        entities.check_account(caller.principal, request.query_params.get("accountId"))
        read = entities.default_read
        text, revision = await quick_read(caller.store, read, caller.store, self.kind, caller.principal)
        return tagged(success_raw(text), revision)

    async def create_set(self, request: Request) -> Response:
        caller = await authenticate(request)
        body = await read_json(request)
        assert self.sets is not None
        created = await run_in_threadpool(
            entities.create_set, caller.store, self.sets, self.member_cls, caller.principal, body
        )
        return success(created)

    async def move_to_set(self, request: Request) -> Response:
        caller = await authenticate(request)
        document_id = request.path_params["document_id"]
        old, new = request.query_params.get("oldSetId"), request.query_params.get("newSetId")
        assert self.sets is not None
        moved = await run_in_threadpool(
            entities.move_to_set, caller.store, self.kind, self.sets, caller.principal, document_id, old, new
        )
        return success(moved)

    async def import_from_text(self, request: Request) -> Response:
        """A material from a POSCAR or CIF text (materials only)."""
        caller = await authenticate(request)
        body = await read_json(request)
        imported = await run_in_threadpool(entities.import_material, caller.store, self.kind, caller.principal, body)
        return success(imported)


class PropertyDocuments(Documents):
    """Properties: a client's own names one of its jobs."""

    async def create(self, request: Request) -> Response:
        caller = await authenticate(request)
        body = await read_json(request)
        return success(await run_in_threadpool(jobs.add_property, caller.store, caller.principal, body))


class BankDocuments(Documents):
    """The bank's documents: listed and read by every account, copied into the caller's `into`."""

    def __init__(self, bank: Kind, into: Kind, plural: str) -> None:
        super().__init__(bank, plural)
        self.into = into

    async def copy(self, request: Request) -> Response:
        caller = await authenticate(request)
        entities.check_account(caller.principal, request.query_params.get("accountId"))
        document_id = request.path_params["document_id"]
        copied = await run_in_threadpool(
            entities.copy_from_bank, caller.store, self.kind, self.into, caller.principal, document_id
        )
        return success(copied)


def router_for(documents: Documents, example: dict[str, Any], operations: frozenset[str] = ALL) -> APIRouter:
    """The v1 routes of the kind's `operations` (with their descriptions for the API page); a
    method left out answers 405."""
    kind, plural = documents.kind, documents.plural
    entity = getattr(documents, "into", kind).entity
    one, many = schemas.document_envelopes(entity)
    item = f"/{plural}/{{document_id}}"
    by_id = {"parameters": [PATH_ID]}
    shape = CREATE_SHAPES.get(entity, schemas.NAMED)
    # A bank copy names the account it copies into; other copies stay in the caller's.
    copy_parameters = [PATH_ID, ACCOUNT_ID] if isinstance(documents, BankDocuments) else [PATH_ID]
    routes: dict[str, tuple[str, str, Any, dict[str, Any]]] = {
        "default": (
            f"/{plural}/default",
            "GET",
            documents.default,
            {
                "summary": f"The caller's default {entity}",
                "response_model": one,
                "responses": schemas.errors(401, 404),
                "openapi_extra": {"parameters": [ACCOUNT_ID]},
            },
        ),
        "list": (
            f"/{plural}",
            "GET",
            documents.list,
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
            documents.create,
            {
                "summary": f"Create a {entity}",
                "response_model": one,
                "responses": schemas.errors(400, 401, 404, 413, 415),
                "openapi_extra": schemas.json_body(example, f"the {entity} (schema `{entity}` of mat3ra-esse)", shape),
            },
        ),
        "get": (
            item,
            "GET",
            documents.get,
            {
                "summary": f"Get a {entity} by id",
                "response_model": one,
                "responses": schemas.errors(401, 404),
                "openapi_extra": by_id,
            },
        ),
        "update": (
            item,
            "PATCH",
            documents.update,
            {
                "summary": f"Update a {entity}",
                "description": 'A plain object, dotted keys ({"a.b": 1}), or operators: $set, $unset, $push, '
                "$addToSet, $pull.",
                "response_model": one,
                "responses": schemas.errors(400, 401, 404, 412, 413, 415),
                "openapi_extra": {
                    "parameters": [PATH_ID, IF_MATCH],
                    **schemas.json_body({"name": "renamed"}, "fields to change", schemas.UPDATE),
                },
            },
        ),
        "delete": (
            item,
            "DELETE",
            documents.delete,
            {
                "summary": f"Delete a {entity}",
                "response_model": schemas.MessageEnvelope,
                "responses": schemas.errors(401, 404, 412),
                "openapi_extra": {"parameters": [PATH_ID, IF_MATCH]},
            },
        ),
        "copy": (
            f"{item}/copy",
            "POST",
            documents.copy,
            {
                "summary": f"Copy a {entity} into the caller's account",
                "response_model": one,
                "responses": schemas.errors(401, 404),
                "openapi_extra": {"parameters": copy_parameters},
            },
        ),
        "set-default": (
            f"{item}/set-default",
            "POST",
            documents.set_default,
            {
                "summary": f"Make this the caller's default {entity}",
                "response_model": one,
                "responses": schemas.errors(401, 404),
                "openapi_extra": by_id,
            },
        ),
        "create-set": (
            f"/{plural}/create-set",
            "POST",
            documents.create_set,
            {
                "summary": f"Create a set of {plural}",
                "responses": {200: schemas.answer(schemas.DOCUMENT), **schemas.errors(400, 401, 413, 415)},
                "openapi_extra": schemas.json_body({"name": "my set"}, "the set's name", schemas.SET_CREATE),
            },
        ),
        "move-to-set": (
            f"{item}/move-to-set",
            "POST",
            documents.move_to_set,
            {
                "summary": f"Move a {entity} out of a set (oldSetId), into another (newSetId), or both",
                "response_model": one,
                "responses": schemas.errors(400, 401, 404),
                "openapi_extra": {"parameters": [PATH_ID, *MOVE_PARAMETERS]},
            },
        ),
    }
    router = APIRouter(tags=[plural.split("/")[0].title()])
    # Fixed paths (default, create-set) before /{document_id}, which would take them as ids.
    for operation in sorted(operations, key=lambda name: (routes[name][0].count("{"), name)):
        path, method, handler, description = routes[operation]
        operation_id = f"{operation}_{plural}".replace("-", "_").replace("/", "_")
        router.add_api_route(path, handler, methods=[method], operation_id=operation_id, **description)
    return router


def material_import_router(documents: Documents) -> APIRouter:
    """`POST /materials/import`: a material from a POSCAR or CIF text."""
    router = APIRouter(tags=["Materials"])
    one, _ = schemas.document_envelopes(documents.kind.entity)
    router.add_api_route(
        "/materials/import",
        documents.import_from_text,
        methods=["POST"],
        operation_id="import_material",
        summary="Create a material from a POSCAR or CIF text",
        response_model=one,
        responses=schemas.errors(400, 401, 413, 415),
        openapi_extra=schemas.json_body(
            IMPORT_EXAMPLE, "name, content (the file's text) and format: poscar or cif", schemas.MATERIAL_IMPORT
        ),
    )
    return router
