"""The clusters jobs can run on, their queues and current load."""

from __future__ import annotations

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from matjobs import jobs
from matjobs.api.auth import authenticate
from matjobs.api.envelope import success

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


async def list_clusters(request: Request) -> Response:
    caller = await authenticate(request)
    return success(await run_in_threadpool(jobs.cluster_loads, caller.store, caller.clusters))
