"""Trivial jobs end to end on the embedded local cluster, against a plain loop of the same command.

N jobs (one shell unit running `true`) are created and submitted through the HTTP API of a
`matjobs serve` with its runner; the clock stops when the last one is final. The baseline runs
`bash job.sh` (the same script) N times as subprocesses, one after another, in the same run.
Run: `.venv/bin/python benchmarks/local_jobs.py [--jobs 1000]` (also part of `make bench`).
"""

from __future__ import annotations

import argparse
import copy
import http.client
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import Server  # noqa: E402

from matjobs.store import Store  # noqa: E402
from matjobs.store.accounts import create_user  # noqa: E402
from matjobs.store.migrate import upgrade  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
FINAL = ["finished", "error", "timeout", "terminated"]
SCRIPT = "#!/bin/bash\ntrue\n"
CLIENTS = 4  # concurrent submitters


def workflow() -> dict[str, object]:
    """The platform's shell/hello_world workflow (mat3ra-standata) with `true` as its script."""
    from mat3ra.standata.workflows import WorkflowStandata

    shell = copy.deepcopy(WorkflowStandata.get_by_name_first_match("hello_world"))
    shell["subworkflows"][0]["units"][0]["input"][0]["template"]["content"] = SCRIPT
    return shell  # type: ignore[no-any-return]


def baseline(count: int, folder: Path) -> float:
    (folder / "job.sh").write_text(SCRIPT)
    start = time.perf_counter()
    for _ in range(count):
        subprocess.run(["bash", "job.sh"], cwd=folder, check=True)
    return time.perf_counter() - start


def through_api(count: int, folder: Path) -> tuple[float, dict[str, float]]:
    url = f"sqlite:///{folder / 'matjobs.sqlite3'}"
    store = Store(url)
    upgrade(store)
    with store.writing() as conn:
        issued = create_user(conn, username="bench", password="benchmark-password")
    store.dispose()
    headers = {"X-Auth-Token": issued.token, "X-User-Id": issued.principal.user_id}
    json_headers = {**headers, "Content-Type": "application/json"}
    body = json.dumps({"name": "true", "workflow": workflow()}).encode()
    with (
        Server(url, 1, folder / "server.log", env={"MATJOBS_DATA_DIR": str(folder)}) as server,
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
            job = post("/api/v1/jobs", body)
            post(f"/api/v1/jobs/{job['_id']}?submit=true", b"")

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            list(pool.map(create_and_submit, range(count)))
        submitted = time.perf_counter() - start
        pending = {"status": {"$nin": FINAL}}
        while client.get("/api/v1/jobs", params={"query": json.dumps(pending), "limit": 1}).json()["data"]:
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        outcome: dict[str, float] = {}
        for status in FINAL:
            found = client.get(
                "/api/v1/jobs",
                params={"query": json.dumps({"status": status}), "limit": 500, "projection": '{"fields": {"_id": 1}}'},
            )
            outcome[status] = len(found.json()["data"])
    outcome["_all_submitted_after_s"] = round(submitted, 3)
    return elapsed, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="matjobs-local-jobs-"))
    try:
        plain = baseline(args.jobs, folder)
        api, outcome = through_api(args.jobs, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result = {
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "jobs": args.jobs,
        "plain_loop_s": round(plain, 3),
        "plain_loop_per_s": round(args.jobs / plain, 1),
        "api_end_to_end_s": round(api, 3),
        "api_jobs_per_s": round(args.jobs / api, 1),
        "ratio_to_plain": round(plain / api, 3),
        "final_statuses_seen_in_first_500": outcome,
        "targets": {"api_jobs_per_s >= 100": args.jobs / api >= 100, "ratio_to_plain >= 0.25": plain / api >= 0.25},
    }
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"local-jobs-{stamp}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
