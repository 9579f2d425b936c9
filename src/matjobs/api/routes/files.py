"""A job's files: the list with signed links, purge, and the links themselves (no auth headers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from matjobs import job_files
from matjobs.api import schemas
from matjobs.api.auth import authenticate
from matjobs.api.body import FORM, read_json, read_json_or_form
from matjobs.api.envelope import success
from matjobs.api.routes.jobs import JOB_ID
from matjobs.api.schemas import FILE_ENTRIES
from matjobs.errors import TooLarge
from matjobs.files import FileEntry, Signer, inside, job_folder

router = APIRouter(tags=["Files"])

FILES_EXAMPLE = [
    {
        "key": "job.out",
        "name": "job.out",
        "size": 13,
        "lastModified": "2026-11-28T12:00:00.000Z",
        "signedUrl": "http://127.0.0.1:8000/api/v1/files/RhCFP2WuehvG4hCLp/job.out?expires=1795870000&signature=...",
    }
]


@router.get(
    "/jobs/{job_id}/files",
    summary="List a job's files with time-limited download links",
    responses={
        200: schemas.answer(FILE_ENTRIES, FILES_EXAMPLE),
        **schemas.errors(401, 404),
    },
    openapi_extra={"parameters": [JOB_ID]},
)
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


@router.post(
    "/jobs/{job_id}/presigned-urls",
    summary="Time-limited links to upload files into a pre-submission job's folder (PUT, no auth headers)",
    responses={
        200: schemas.answer(
            schemas.UPLOAD_LINKS,
            {"presignedURLs": [{"file": "pw.in", "URL": "http://127.0.0.1:8000/api/v1/files/..."}]},
        ),
        **schemas.errors(400, 401, 404, 409, 413, 415),
    },
    openapi_extra={
        "parameters": [JOB_ID],
        **schemas.json_body({"files": ["pw.in"]}, "paths in the job's folder", schemas.UPLOADS),
    },
)
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


@router.post(
    "/jobs/{job_id}/output-files",
    summary="The entries of files in the job's folder, named by `name` or `key` (one record or a list)",
    responses={200: schemas.answer(FILE_ENTRIES), **schemas.errors(400, 401, 404, 413, 415)},
    openapi_extra={"parameters": [JOB_ID], **OUTPUT_FILES_BODY},
)
async def output_files(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    body = await read_json_or_form(request)
    entries = await run_in_threadpool(
        job_files.output_file_entries, caller.store, caller.principal, _jobs_dir(request), job_id, body
    )
    return success(_described(request, job_id, entries))


@router.post(
    "/jobs/{job_id}/purge",
    summary="Delete a final job's working files; the job stays, marked purged",
    response_model=schemas.JobEnvelope,
    responses=schemas.errors(401, 404, 409),
    openapi_extra={"parameters": [JOB_ID]},
)
async def purge(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    return success(
        await run_in_threadpool(job_files.purge_job, caller.store, caller.principal, _jobs_dir(request), job_id)
    )


@router.get(
    "/files/{job_id}/{key:path}",
    summary="Download a job's file through a signed link (no auth headers)",
    responses={404: {"model": schemas.ErrorEnvelope, "description": "no such file, or the link is bad or expired"}},
)
async def download(request: Request, job_id: str, key: str, expires: str = "", signature: str = "") -> Response:
    request.app.state.signer.check(job_id, key, expires, signature)
    path = inside(job_folder(_jobs_dir(request), job_id), key)
    return FileResponse(path, filename=path.name)


@router.put(
    "/files/{job_id}/{key:path}",
    summary="Upload a file into a pre-submission job's folder through a link from presigned-urls",
    responses={
        404: {"model": schemas.ErrorEnvelope, "description": "no such job, or the link is bad or expired"},
        409: {"model": schemas.ErrorEnvelope, "description": "the job was submitted since"},
        413: {"model": schemas.ErrorEnvelope, "description": "the file is over the upload limit"},
    },
)
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
