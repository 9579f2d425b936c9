"""The jobs resource's handlers (their paths and descriptions are in `api.operations`)."""

from __future__ import annotations

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from matjobs import entities, jobs
from matjobs.api.auth import authenticate
from matjobs.api.body import read_json
from matjobs.api.calls import quick_read
from matjobs.api.envelope import success, success_raw
from matjobs.api.listing import list_request, listed
from matjobs.api.versions import precondition, tagged, tagged_document
from matjobs.errors import BadInput
from matjobs.store.documents import JOB_SETS


async def list_jobs(request: Request) -> Response:
    caller = await authenticate(request)
    text, page = list_request(request)
    if jobs.list_is_cheap(text, page):
        texts = await quick_read(caller.store, jobs.list_job_texts, caller.store, caller.principal, text, page)
    else:
        texts = await run_in_threadpool(jobs.list_job_texts, caller.store, caller.principal, text, page)
    return listed(texts, page)


async def create_job(request: Request) -> Response:
    caller = await authenticate(request)
    body = await read_json(request)
    return success(await run_in_threadpool(jobs.create_job, caller.store, caller.clusters, caller.principal, body))


async def get_job(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    text, revision = await quick_read(caller.store, jobs.read_job, caller.store, caller.principal, job_id)
    return tagged(success_raw(text), revision)


async def update_job(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    expected = precondition(request)
    body = await read_json(request)
    updated = await run_in_threadpool(
        jobs.update_job, caller.store, caller.clusters, caller.principal, job_id, body, expected
    )
    return tagged_document(success(updated), updated)


async def delete_job(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    await run_in_threadpool(jobs.delete_job, caller.store, caller.principal, job_id, precondition(request))
    return success({"message": f"Job {job_id} successfully deleted"})


async def terminate_job(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    return success(await run_in_threadpool(jobs.terminate_job, caller.store, caller.principal, job_id))


async def submit_job(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    submit, terminate = request.query_params.get("submit"), request.query_params.get("terminate")
    if _true(terminate):
        return success(await run_in_threadpool(jobs.terminate_job, caller.store, caller.principal, job_id))
    if not _true(submit):
        raise BadInput("POST /jobs/{id} needs ?submit=true (or ?terminate=true)")
    return success(await run_in_threadpool(jobs.submit_job, caller.store, caller.clusters, caller.principal, job_id))


async def submit_job_once(request: Request) -> Response:
    """The dated API's submit. The official client's terminate() and purge() post here too, so a
    job already submitted, running or final is answered as it is, and nothing runs again."""
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    submitted = await run_in_threadpool(
        jobs.submit_job, caller.store, caller.clusters, caller.principal, job_id, final_ok=True
    )
    return success(submitted)


async def copy_job(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    return success(await run_in_threadpool(jobs.copy_job, caller.store, caller.clusters, caller.principal, job_id))


async def create_job_set(request: Request) -> Response:
    caller = await authenticate(request)
    body = await read_json(request)
    return success(await run_in_threadpool(entities.create_set, caller.store, JOB_SETS, "Job", caller.principal, body))


async def move_job_to_set(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    old, new = request.query_params.get("oldSetId"), request.query_params.get("newSetId")
    return success(await run_in_threadpool(jobs.move_job_to_set, caller.store, caller.principal, job_id, old, new))


def _true(flag: str | None) -> bool:
    return (flag or "").lower() in ("true", "1")


async def job_properties(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    texts = await run_in_threadpool(jobs.job_property_texts, caller.store, caller.principal, job_id)
    return success_raw("[" + ",".join(texts) + "]")
