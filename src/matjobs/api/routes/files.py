"""A job's files: the list with signed links, purge, and the links themselves (no auth headers)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from matjobs import jobs
from matjobs.api import schemas
from matjobs.api.auth import authenticate
from matjobs.api.envelope import success
from matjobs.api.routes.jobs import JOB_ID
from matjobs.files import Signer, inside, job_folder

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
        200: {"content": {"application/json": {"example": {"status": "success", "data": FILES_EXAMPLE}}}},
        **schemas.errors(401, 404),
    },
    openapi_extra={"parameters": [JOB_ID]},
)
async def list_files(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    entries = await run_in_threadpool(jobs.list_job_files, caller.store, caller.principal, _jobs_dir(request), job_id)
    signer: Signer = request.app.state.signer
    base = str(request.base_url).rstrip("/")
    return success(
        [
            {
                "key": e.key,
                "name": e.name,
                "size": e.size,
                "lastModified": e.last_modified,
                "signedUrl": signer.link(base, job_id, e.key),
            }
            for e in entries
        ]
    )


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
    return success(await run_in_threadpool(jobs.purge_job, caller.store, caller.principal, _jobs_dir(request), job_id))


@router.get(
    "/files/{job_id}/{key:path}",
    summary="Download a job's file through a signed link (no auth headers)",
    responses={404: {"model": schemas.ErrorEnvelope, "description": "no such file, or the link is bad or expired"}},
)
async def download(request: Request, job_id: str, key: str, expires: str = "", signature: str = "") -> Response:
    request.app.state.signer.check(job_id, key, expires, signature)
    path = inside(job_folder(_jobs_dir(request), job_id), key)
    return FileResponse(path, filename=path.name)


def _jobs_dir(request: Request) -> Path:
    return request.app.state.jobs_dir  # type: ignore[no-any-return]
