"""A job's files: the list with signed links, purge, and the links themselves (no auth headers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from matjobs import job_files
from matjobs.api import schemas
from matjobs.api.auth import authenticate
from matjobs.api.body import FORM, read_json, read_json_or_form
from matjobs.api.envelope import success
from matjobs.errors import TooLarge
from matjobs.files import FileEntry, Signer, inside, job_folder

FILES_EXAMPLE = [
    {
        "key": "job.out",
        "name": "job.out",
        "size": 13,
        "lastModified": "2026-11-28T12:00:00.000Z",
        "signedUrl": "http://127.0.0.1:8000/api/v1/files/RhCFP2WuehvG4hCLp/job.out?expires=1795870000&signature=...",
    }
]


async def list_files(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    entries = await run_in_threadpool(
        job_files.list_job_files, caller.store, caller.principal, _jobs_dir(request), job_id
    )
    return success(_described(request, job_id, entries))


def _described(request: Request, job_id: str, entries: list[FileEntry]) -> list[dict[str, Any]]:
    signer: Signer = request.app.state.signer
    base = str(request.base_url).rstrip("/")
    described = []
    for entry in entries:
        link = signer.link(base, job_id, entry.key)
        described.append(
            {
                "key": entry.key,
                "name": entry.name,
                "size": entry.size,
                "lastModified": entry.last_modified,
                "signedUrl": link,
                "signedURL": link,  # the client's docstring spells it so; its examples read signedUrl
            }
        )
    return described


async def presigned_urls(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    body = await read_json(request)
    keys = await run_in_threadpool(
        job_files.upload_keys, caller.store, caller.principal, _jobs_dir(request), job_id, body
    )
    signer: Signer = request.app.state.signer
    base = str(request.base_url).rstrip("/")
    links = [{"file": key, "URL": signer.link(base, job_id, key, method="PUT")} for key in keys]
    return success({"presignedURLs": links})


# The official client sends one record form-encoded; others send JSON, one record or a list.
OUTPUT_FILES_BODY = {
    "requestBody": {
        "required": True,
        "description": "file records",
        "content": {
            "application/json": {"schema": schemas.FILE_RECORDS, "example": [{"name": "pw_scf.out"}]},
            FORM: {"schema": schemas.FILE_RECORDS["anyOf"][0]},
        },
    }
}


async def output_files(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    body = await read_json_or_form(request)
    entries = await run_in_threadpool(
        job_files.output_file_entries, caller.store, caller.principal, _jobs_dir(request), job_id, body
    )
    return success(_described(request, job_id, entries))


async def purge(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    return success(
        await run_in_threadpool(job_files.purge_job, caller.store, caller.principal, _jobs_dir(request), job_id)
    )


async def download(request: Request, job_id: str, key: str, expires: str = "", signature: str = "") -> Response:
    request.app.state.signer.check(job_id, key, expires, signature)
    path = inside(job_folder(_jobs_dir(request), job_id), key)
    return FileResponse(path, filename=path.name)


async def upload(request: Request, job_id: str, key: str, expires: str = "", signature: str = "") -> Response:
    request.app.state.signer.check(job_id, key, expires, signature, method="PUT")
    target = await run_in_threadpool(job_files.upload_target, request.app.state.store, _jobs_dir(request), job_id, key)
    limit: int = request.app.state.settings.max_upload_bytes
    partial = target.with_name(f".{target.name}.upload")
    target.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    try:
        with partial.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"the file is over the upload limit of {limit} bytes")
                out.write(chunk)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return success({"file": key, "size": size})


def _jobs_dir(request: Request) -> Path:
    return request.app.state.jobs_dir  # type: ignore[no-any-return]
