"""The resources of an account's documents of one kind (projects, materials, workflows, the bank,
properties): one set of handlers per kind (`Documents`) over the shared use cases in
`matjobs.entities`; `api.catalog` says which kinds are served and describes their operations."""

from __future__ import annotations

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from matjobs import entities, jobs
from matjobs.api.auth import authenticate
from matjobs.api.body import read_json
from matjobs.api.calls import quick_read
from matjobs.api.envelope import success, success_raw
from matjobs.api.listing import list_request, listed
from matjobs.api.params import path_id
from matjobs.api.versions import precondition, tagged, tagged_document
from matjobs.store.documents import Kind

READ_ONLY = frozenset({"list", "get"})
PATH_ID = path_id("document_id")
SI_POSCAR = "Si\n1.0\n0 2.7 2.7\n2.7 0 2.7\n2.7 2.7 0\nSi\n2\nDirect\n0 0 0\n0.25 0.25 0.25\n"
IMPORT_EXAMPLE = {"name": "Si", "format": "poscar", "content": SI_POSCAR}


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
