"""The projects resource: an account's default project, and those its users create."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from matjobs import projects
from matjobs.api import schemas
from matjobs.api.auth import authenticate
from matjobs.api.body import read_json
from matjobs.api.calls import quick_read
from matjobs.api.envelope import success, success_raw
from matjobs.api.listing import LIST_PARAMETERS, list_request, listed

router = APIRouter(tags=["Projects"])
PROJECT_ID = {"name": "project_id", "in": "path", "required": True, "schema": {"type": "string"}}


@router.get(
    "/projects",
    summary="List the caller's projects",
    response_model=schemas.ProjectListEnvelope,
    responses=schemas.errors(400, 401),
    openapi_extra={"parameters": LIST_PARAMETERS},
)
async def list_projects(request: Request) -> Response:
    caller = await authenticate(request)
    text, page = list_request(request)
    # An account has few projects: every list is a quick read.
    texts = await quick_read(caller.store, projects.list_project_texts, caller.store, caller.principal, text, page)
    return listed(texts, page)


@router.post(
    "/projects",
    summary="Create a project",
    response_model=schemas.ProjectEnvelope,
    responses=schemas.errors(400, 401, 413, 415),
    openapi_extra=schemas.json_body({"name": "Silicon studies"}, "the project; `name` is required"),
)
async def create_project(request: Request) -> Response:
    caller = await authenticate(request)
    body = await read_json(request)
    return success(await run_in_threadpool(projects.create_project, caller.store, caller.principal, body))


@router.get(
    "/projects/{project_id}",
    summary="Get a project by id",
    response_model=schemas.ProjectEnvelope,
    responses=schemas.errors(401, 404),
    openapi_extra={"parameters": [PROJECT_ID]},
)
async def get_project(request: Request) -> Response:
    caller = await authenticate(request)
    project_id = request.path_params["project_id"]
    return success_raw(
        await quick_read(caller.store, projects.get_project_text, caller.store, caller.principal, project_id)
    )
