"""Trivial jobs through the HTTP API of a `matjobs serve` with its runner, timed until the last
one is final: shared by the local and the SLURM benchmarks."""

from __future__ import annotations

import copy
import http.client
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from server import Server

from matjobs.store import Store
from matjobs.store.accounts import create_user
from matjobs.store.migrate import upgrade

FINAL = ["finished", "error", "timeout", "terminated"]
SCRIPT = "#!/bin/bash\ntrue\n"
CLIENTS = 4  # concurrent submitters


def workflow() -> dict[str, object]:
    """The platform's shell/hello_world workflow (mat3ra-standata) with `true` as its script."""
    from mat3ra.standata.workflows import WorkflowStandata

    shell = copy.deepcopy(WorkflowStandata.get_by_name_first_match("hello_world"))
    shell["subworkflows"][0]["units"][0]["input"][0]["template"]["content"] = SCRIPT
    return shell  # type: ignore[no-any-return]


def new_database(folder: Path) -> tuple[str, dict[str, str]]:
    """A migrated SQLite database in `folder` with one user; its URL and the user's credentials."""
    url = f"sqlite:///{folder / 'matjobs.sqlite3'}"
    store = Store(url)
    upgrade(store)
    with store.writing() as conn:
        issued = create_user(conn, username="bench", password="benchmark-password")
    store.dispose()
    return url, {"X-Auth-Token": issued.token, "X-User-Id": issued.principal.user_id}


def run_jobs(count: int, folder: Path, env: dict[str, str], compute: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create and submit `count` jobs, wait for all to be final; seconds and what they became."""
    url, headers = new_database(folder)
    json_headers = {**headers, "Content-Type": "application/json"}
    job = {"name": "true", "workflow": workflow(), **({"compute": compute} if compute else {})}
    body = json.dumps(job).encode()
    with (
        Server(url, 1, folder / "server.log", env={"MATJOBS_DATA_DIR": str(folder), **env}) as server,
        httpx.Client(base_url=server.base, headers=headers, timeout=60) as client,
    ):
        # The submitting clients use the standard library's HTTP client: a few times lighter
        # than httpx, so that the figure measures matjobs rather than the client.
        connections = threading.local()

        def post(path: str, payload: bytes) -> dict[str, Any]:
            if not hasattr(connections, "http"):
                connections.http = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            connections.http.request("POST", path, body=payload, headers=json_headers)
            response = connections.http.getresponse()
            answer = json.loads(response.read())
            if response.status != 200:
                raise RuntimeError(f"POST {path}: {response.status} {answer}")
            return answer["data"]  # type: ignore[no-any-return]

        def create_and_submit(_: int) -> None:
            created = post("/api/v1/jobs", body)
            post(f"/api/v1/jobs/{created['_id']}?submit=true", b"")

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            list(pool.map(create_and_submit, range(count)))
        submitted = time.perf_counter() - start
        pending = {"status": {"$nin": FINAL}}
        while client.get("/api/v1/jobs", params={"query": json.dumps(pending), "limit": 1}).json()["data"]:
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        others = client.get(
            "/api/v1/jobs",
            params={"query": json.dumps({"status": {"$ne": "finished"}}), "limit": 500, "fields": "status"},
        ).json()["data"]
    return {"seconds": elapsed, "all_submitted_after_s": submitted, "not_finished": len(others)}
