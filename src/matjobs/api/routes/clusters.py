"""The clusters jobs can run on, their queues and current load."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from matjobs import jobs
from matjobs.api import schemas
from matjobs.api.auth import authenticate
from matjobs.api.envelope import success

router = APIRouter(tags=["Clusters"])

EXAMPLE = [
    {
        "fqdn": "workstation",
        "type": "local",
        "isDefault": True,
        "cores": 2,
        "sandbox": {"tool": "bubblewrap", "network": False, "accountUsers": False},
        "running": 1,
        "queued": 0,
        "queues": [
            {"name": "D", "timeLimit": "01:00:00", "maxJobs": 2, "maxCores": 2, "running": 1, "queued": 0},
        ],
    }
]


CLUSTER = {
    "type": "object",
    "properties": {
        "fqdn": {"type": "string"},
        "type": {"type": "string"},
        "sandbox": {
            "description": "How each job is confined; null: jobs run unsandboxed, as `unsandboxed` says",
            "oneOf": [
                {
                    "type": "object",
                    "properties": {
                        "tool": {"type": "string"},
                        "network": {"type": "boolean"},
                        "accountUsers": {"type": "boolean"},
                    },
                    "required": ["tool", "network", "accountUsers"],
                },
                {"type": "null"},
            ],
        },
        "unsandboxed": {"type": "string"},
        "running": {"type": "integer", "minimum": 0},
        "queued": {"type": "integer", "minimum": 0},
        "queues": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
    },
    "required": ["fqdn", "queues", "sandbox"],
}


@router.get(
    "/clusters",
    summary="List clusters with their queues and current load",
    description="`running` counts active jobs (and those being terminated), `queued` submitted and queued ones, "
    "over all accounts. `sandbox` says how each job is confined (bubblewrap: its own folder, the system read-only, "
    "a private /tmp, the network only if `network`, as a Unix user of the account's own if `accountUsers`); "
    "`null` means jobs run unsandboxed.",
    responses={
        200: schemas.answer({"type": "array", "items": CLUSTER}, EXAMPLE),
        **schemas.errors(401),
    },
)
async def list_clusters(request: Request) -> Response:
    caller = await authenticate(request)
    return success(await run_in_threadpool(jobs.cluster_loads, caller.store, caller.clusters))
