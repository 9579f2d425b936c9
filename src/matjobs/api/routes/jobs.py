"""The jobs resource, as documented for /api/v1/jobs."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from matjobs import entities, jobs
from matjobs.api import schemas
from matjobs.api.auth import authenticate
from matjobs.api.body import read_json
from matjobs.api.calls import quick_read
from matjobs.api.envelope import success, success_raw
from matjobs.api.listing import list_request, listed
from matjobs.api.params import IF_MATCH, LIST_PARAMETERS, MOVE_PARAMETERS, path_id, query_parameter
from matjobs.api.versions import precondition, tagged, tagged_document
from matjobs.errors import BadInput
from matjobs.store.documents import JOB_SETS

router = APIRouter(tags=["Jobs"])


@router.get(
    "/jobs",
    summary="List the caller's jobs",
    response_model=schemas.JobListEnvelope,
    responses=schemas.errors(400, 401),
    openapi_extra={"parameters": LIST_PARAMETERS},
)
async def list_jobs(request: Request) -> Response:
    caller = await authenticate(request)
    text, page = list_request(request)
    if jobs.list_is_cheap(text, page):
        texts = await quick_read(caller.store, jobs.list_job_texts, caller.store, caller.principal, text, page)
    else:
        texts = await run_in_threadpool(jobs.list_job_texts, caller.store, caller.principal, text, page)
    return listed(texts, page)


@router.post(
    "/jobs",
    summary="Create a job",
    response_model=schemas.JobEnvelope,
    responses=schemas.errors(400, 401, 404, 413, 415),
    openapi_extra=schemas.json_body(
        schemas.CREATE_EXAMPLE, "the job; defaults fill what is left out", schemas.JOB_CREATE
    ),
)
async def create_job(request: Request) -> Response:
    caller = await authenticate(request)
    body = await read_json(request)
    return success(await run_in_threadpool(jobs.create_job, caller.store, caller.clusters, caller.principal, body))


JOB_ID = path_id("job_id")


@router.get(
    "/jobs/{job_id}",
    summary="Get a job by id",
    response_model=schemas.JobEnvelope,
    responses=schemas.errors(401, 404),
    openapi_extra={"parameters": [JOB_ID]},
)
async def get_job(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    text, revision = await quick_read(caller.store, jobs.read_job, caller.store, caller.principal, job_id)
    return tagged(success_raw(text), revision)


def served_directly(prefix: str) -> list[Route]:
    """The calls clients make most, as plain Starlette routes placed ahead of the FastAPI table.

    Same handlers; FastAPI's per-request machinery (route table walk, parameter solving) cost
    more than their work (benchmarks: get by id from about 0.4 to 0.6 of the health route's
    rate). The FastAPI registrations above stay for the OpenAPI description.
    """
    return [
        Route(f"{prefix}/jobs", list_jobs, methods=["GET"]),
        Route(f"{prefix}/jobs", create_job, methods=["POST"]),
        Route(f"{prefix}/jobs/create-set", create_job_set, methods=["POST"]),  # not a job id
        Route(f"{prefix}/jobs/{{job_id}}", get_job, methods=["GET"]),
        Route(f"{prefix}/jobs/{{job_id}}", submit_job, methods=["POST"]),
    ]


@router.patch(
    "/jobs/{job_id}",
    summary="Update a job",
    description='A plain object, dotted keys ({"compute.ppn": 4}), or operators: $set, $unset, $push, '
    "$addToSet, $pull. Name, title, tags and description change at any time; everything else only in "
    "pre-submission.",
    response_model=schemas.JobEnvelope,
    responses=schemas.errors(400, 401, 404, 409, 412, 413, 415),
    openapi_extra={
        "parameters": [JOB_ID, IF_MATCH],
        **schemas.json_body({"title": "New Job Feb 15th 2017, 18:32 PM"}, "fields to change", schemas.UPDATE),
    },
)
async def update_job(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    expected = precondition(request)
    body = await read_json(request)
    updated = await run_in_threadpool(
        jobs.update_job, caller.store, caller.clusters, caller.principal, job_id, body, expected
    )
    return tagged_document(success(updated), updated)


@router.delete(
    "/jobs/{job_id}",
    summary="Delete a job",
    response_model=schemas.MessageEnvelope,
    responses=schemas.errors(401, 404, 412),
    openapi_extra={"parameters": [JOB_ID, IF_MATCH]},
)
async def delete_job(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    await run_in_threadpool(jobs.delete_job, caller.store, caller.principal, job_id, precondition(request))
    return success({"message": f"Job {job_id} successfully deleted"})


@router.post(
    "/jobs/{job_id}/terminate",
    summary="Terminate a job",
    description="A submitted, queued or active job becomes terminate-queued, and terminated once its cluster "
    "has stopped it. Other states answer 409.",
    response_model=schemas.JobEnvelope,
    responses=schemas.errors(401, 404, 409),
    openapi_extra={"parameters": [JOB_ID]},
)
async def terminate_job(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    return success(await run_in_threadpool(jobs.terminate_job, caller.store, caller.principal, job_id))


@router.post(
    "/jobs/{job_id}",
    summary="Submit a job (?submit=true) or terminate it (?terminate=true)",
    description="pre-submission becomes submitted. Submitting a job already on its way changes nothing; "
    "a job in a final state answers 409.",
    response_model=schemas.JobEnvelope,
    responses=schemas.errors(400, 401, 404, 409),
    openapi_extra={
        "parameters": [
            JOB_ID,
            query_parameter("submit", "true to submit", {"type": "boolean"}, True),
            query_parameter("terminate", "true to terminate", {"type": "boolean"}),
        ]
    },
)
async def submit_job(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    submit, terminate = request.query_params.get("submit"), request.query_params.get("terminate")
    if _true(terminate):
        return success(await run_in_threadpool(jobs.terminate_job, caller.store, caller.principal, job_id))
    if not _true(submit):
        raise BadInput("POST /jobs/{id} needs ?submit=true (or ?terminate=true)")
    return success(await run_in_threadpool(jobs.submit_job, caller.store, caller.clusters, caller.principal, job_id))


@router.post(
    "/jobs/{job_id}/submit",
    summary="Submit a job (the official client's path)",
    description="pre-submission becomes submitted. A job already submitted, running or final is answered as "
    "it is and nothing runs again: the official client's terminate() and purge() post here too.",
    response_model=schemas.JobEnvelope,
    responses=schemas.errors(401, 404),
    openapi_extra={"parameters": [JOB_ID]},
)
async def submit_job_once(request: Request) -> Response:
    """The dated API's submit. The official client's terminate() and purge() post here too, so a
    job already submitted, running or final is answered as it is, and nothing runs again."""
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    submitted = await run_in_threadpool(
        jobs.submit_job, caller.store, caller.clusters, caller.principal, job_id, final_ok=True
    )
    return success(submitted)


@router.post(
    "/jobs/{job_id}/copy",
    summary="Copy a job",
    description="A new pre-submission job with the original's material, workflow, project and compute.",
    response_model=schemas.JobEnvelope,
    responses=schemas.errors(401, 404),
    openapi_extra={"parameters": [JOB_ID]},
)
async def copy_job(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    return success(await run_in_threadpool(jobs.copy_job, caller.store, caller.clusters, caller.principal, job_id))


@router.post(
    "/jobs/create-set",
    summary="Create a set of jobs",
    responses={200: schemas.answer(schemas.DOCUMENT), **schemas.errors(400, 401, 413, 415)},
    openapi_extra=schemas.json_body({"name": "my jobs"}, "the set's name", schemas.SET_CREATE),
)
async def create_job_set(request: Request) -> Response:
    caller = await authenticate(request)
    body = await read_json(request)
    return success(await run_in_threadpool(entities.create_set, caller.store, JOB_SETS, "Job", caller.principal, body))


@router.post(
    "/jobs/{job_id}/move-to-set",
    summary="Move a job out of a set (oldSetId), into another (newSetId), or both",
    description='List a set\'s jobs with `?setId=` or the query `{"inSet._id": ...}`.',
    response_model=schemas.JobEnvelope,
    responses=schemas.errors(400, 401, 404),
    openapi_extra={"parameters": [JOB_ID, *MOVE_PARAMETERS]},
)
async def move_job_to_set(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    old, new = request.query_params.get("oldSetId"), request.query_params.get("newSetId")
    return success(await run_in_threadpool(jobs.move_job_to_set, caller.store, caller.principal, job_id, old, new))


def _true(flag: str | None) -> bool:
    return (flag or "").lower() in ("true", "1")


@router.get(
    "/jobs/{job_id}/properties",
    summary="The job's results (properties)",
    description='The same documents as `GET /properties` with `{"source.info.jobId": <job id>}`.',
    responses={200: schemas.answer({"type": "array", "items": schemas.DOCUMENT}), **schemas.errors(401, 404)},
    openapi_extra={"parameters": [JOB_ID]},
)
async def job_properties(request: Request) -> Response:
    caller = await authenticate(request)
    job_id = request.path_params["job_id"]
    texts = await run_in_threadpool(jobs.job_property_texts, caller.store, caller.principal, job_id)
    return success_raw("[" + ",".join(texts) + "]")
