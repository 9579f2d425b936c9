"""The jobs resource, as documented for /api/v1/jobs."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from matjobs import jobs
from matjobs.api import schemas
from matjobs.api.auth import CurrentPrincipal, StoreDep
from matjobs.api.body import read_json
from matjobs.api.calls import quick_read
from matjobs.api.envelope import success, success_raw
from matjobs.api.params import query_params
from matjobs.errors import BadInput
from matjobs.query.paging import ListParams, parse_page, select_fields
from matjobs.query.parse import parse_json

router = APIRouter(tags=["Jobs"])

QUERY_HELP = (
    'JSON Mongo-style selector, e.g. {"status": "finished"} or {"compute.ppn": {"$gte": 2}}. '
    "Operators: $eq $ne $gt $gte $lt $lte $in $nin $exists $regex ($options i) $and $or $nor $not "
    "$all $size $elemMatch."
)


@router.get(
    "/jobs",
    summary="List the caller's jobs",
    response_model=schemas.JobListEnvelope,
    responses=schemas.errors(400, 401),
)
async def list_jobs(
    request: Request,
    store: StoreDep,
    principal: CurrentPrincipal,
    query: Annotated[str | None, Query(description=QUERY_HELP, examples=['{"status": "finished"}'])] = None,
    projection: Annotated[
        str | None,
        Query(description='{"limit", "skip", "sort", "fields"}', examples=['{"limit": 5, "sort": {"createdAt": -1}}']),
    ] = None,
    limit: Annotated[str | None, Query(description="at most 500; default 20")] = None,
    skip: Annotated[str | None, Query()] = None,
    sort: Annotated[str | None, Query(description="field, '-field' for descending", examples=["-createdAt"])] = None,
    pageIndex: Annotated[str | None, Query(description="v1 paging: page number from 0")] = None,  # noqa: N803
    pageSize: Annotated[str | None, Query(description="v1 paging: 5 to 100")] = None,  # noqa: N803
) -> Response:
    settings = request.app.state.settings
    params = query_params(request)  # the declared parameters above document it; this also reads encoded pairs
    text = params.get("query") or None
    if text:
        parse_json(text)  # a bad selector is a 400 before any work is scheduled
    page = parse_page(
        ListParams(
            projection=params.get("projection"),
            limit=params.get("limit"),
            skip=params.get("skip"),
            sort=params.get("sort"),
            page_index=params.get("pageIndex"),
            page_size=params.get("pageSize"),
        ),
        default_limit=settings.default_page_size,
        max_limit=settings.max_limit,
    )
    if jobs.list_is_cheap(text, page):
        texts = await quick_read(store, jobs.list_job_texts, store, principal, text, page)
    else:
        texts = await run_in_threadpool(jobs.list_job_texts, store, principal, text, page)
    if page.fields:
        return success([select_fields(json.loads(text), page.fields) for text in texts])
    return success_raw("[" + ",".join(texts) + "]")


@router.post(
    "/jobs",
    summary="Create a job",
    response_model=schemas.JobEnvelope,
    responses=schemas.errors(400, 401, 413, 415),
    openapi_extra=schemas.json_body(schemas.CREATE_EXAMPLE, "the job; defaults fill what is left out"),
)
async def create_job(request: Request, store: StoreDep, principal: CurrentPrincipal) -> Response:
    body = await read_json(request)
    return success(await run_in_threadpool(jobs.create_job, store, principal, body))


@router.get(
    "/jobs/{job_id}",
    summary="Get a job by id",
    response_model=schemas.JobEnvelope,
    responses=schemas.errors(401, 404),
)
async def get_job(job_id: str, store: StoreDep, principal: CurrentPrincipal) -> Response:
    return success_raw(await quick_read(store, jobs.get_job_text, store, principal, job_id))


@router.patch(
    "/jobs/{job_id}",
    summary="Update a job",
    description='A plain object, dotted keys ({"compute.ppn": 4}), or {"$set": {...}} / {"$unset": {...}}. '
    "Name, title, tags and description change at any time; everything else only in pre-submission.",
    response_model=schemas.JobEnvelope,
    responses=schemas.errors(400, 401, 404, 409, 413, 415),
    openapi_extra=schemas.json_body({"title": "New Job Feb 15th 2017, 18:32 PM"}, "fields to change"),
)
async def update_job(job_id: str, request: Request, store: StoreDep, principal: CurrentPrincipal) -> Response:
    body = await read_json(request)
    return success(await run_in_threadpool(jobs.update_job, store, principal, job_id, body))


@router.delete(
    "/jobs/{job_id}",
    summary="Delete a job",
    response_model=schemas.MessageEnvelope,
    responses=schemas.errors(401, 404),
)
async def delete_job(job_id: str, store: StoreDep, principal: CurrentPrincipal) -> Response:
    await run_in_threadpool(jobs.delete_job, store, principal, job_id)
    return success({"message": f"Job {job_id} successfully deleted"})


@router.post(
    "/jobs/{job_id}",
    summary="Submit a job (?submit=true)",
    description="pre-submission becomes submitted. Submitting a job already on its way changes nothing; "
    "a job in a final state answers 409.",
    response_model=schemas.JobEnvelope,
    responses=schemas.errors(400, 401, 404, 409),
)
async def submit_job(
    job_id: str,
    store: StoreDep,
    principal: CurrentPrincipal,
    submit: Annotated[str | None, Query(description="must be true", examples=["true"])] = None,
) -> Response:
    if (submit or "").lower() not in ("true", "1"):
        raise BadInput("POST /jobs/{id} submits a job and needs ?submit=true")
    return success(await run_in_threadpool(jobs.submit_job, store, principal, job_id))
