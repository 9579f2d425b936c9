"""A flood of wrong passwords against another client's writes, and the server's memory meanwhile.

One client PATCHes a job, one request after another, first alone (the baseline) and then while
`--clients` clients send wrong passwords for an existing user as fast as the server answers,
from several loopback source addresses. The throttle is set far above what the flood reaches
(MATJOBS_LOGIN_MAX_FAILURES), so that every login reaches the password check: the worst case.
Figures: the PATCH's p50 and p99 alone and during the flood (same run), and the server's peak
RSS during the flood against its idle RSS. Run: `.venv/bin/python benchmarks/login_flood.py
[--duration 20 --clients 16]` (also part of `make bench`; CI runs it small).
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from saved import save  # noqa: E402
from server import Server, memory  # noqa: E402
from through_api import new_database  # noqa: E402

ADDRESSES = 4  # loopback source addresses the flood comes from: 127.0.0.2 ... 127.0.0.5
TARGETS = {"patch_p50_ratio": 2.0, "rss_over_idle_mb": 50.0}
USERNAME = "bench"  # the user new_database() creates


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _request(
    connection: http.client.HTTPConnection, method: str, path: str, body: bytes, headers: dict[str, str]
) -> int:
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    return response.status


def patch_latencies(port: int, headers: dict[str, str], job_id: str, seconds: float) -> list[float]:
    """PATCH the job one request after another for `seconds`; each request's time in ms."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    json_headers = {**headers, "Content-Type": "application/json"}
    elapsed: list[float] = []
    deadline = time.perf_counter() + seconds
    number = 0
    while time.perf_counter() < deadline:
        number += 1
        body = json.dumps({"name": f"renamed {number}"}).encode()
        start = time.perf_counter()
        status = _request(connection, "PATCH", f"/api/v1/jobs/{job_id}", body, json_headers)
        elapsed.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise RuntimeError(f"PATCH answered {status}")
    connection.close()
    return elapsed


def flood(port: int, client: int, stop: threading.Event, answers: collections.Counter[int]) -> None:
    """Wrong passwords for an existing user until `stop`, from this client's own loopback address."""
    source = f"127.0.0.{2 + client % ADDRESSES}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
    body = urlencode({"username": USERNAME, "password": f"wrong guess {client}"}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    while not stop.is_set():
        answers[_request(connection, "POST", "/api/v1/login", body, headers)] += 1
    connection.close()


def figures(latencies: list[float]) -> dict[str, float]:
    return {
        "requests": len(latencies),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(_percentile(latencies, 0.99), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of flood (and of the baseline)")
    parser.add_argument("--clients", type=int, default=16, help="clients sending wrong passwords")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="matjobs-login-flood-"))
    env = {
        "MATJOBS_DATA_DIR": str(folder),
        "MATJOBS_RUNNER": "false",
        "MATJOBS_LOGIN_MAX_FAILURES": "1000000000",  # never throttled: every login is hashed
    }
    try:
        url, headers = new_database(folder)
        with Server(url, 1, folder / "server.log", env=env) as server:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            json_headers = {**headers, "Content-Type": "application/json"}
            connection.request("POST", "/api/v1/jobs", body=b'{"name": "patched"}', headers=json_headers)
            job_id = json.loads(connection.getresponse().read())["data"]["_id"]
            connection.close()
            patch_latencies(server.port, headers, job_id, min(2.0, args.duration))  # warm-up, not recorded
            server.start_sampling()
            idle = memory([server.pid])
            alone = patch_latencies(server.port, headers, job_id, args.duration)
            stop, answers = threading.Event(), collections.Counter[int]()
            flooders = [
                threading.Thread(target=flood, args=(server.port, client, stop, answers), daemon=True)
                for client in range(args.clients)
            ]
            for thread in flooders:
                thread.start()
            during = patch_latencies(server.port, headers, job_id, args.duration)
            stop.set()
            for thread in flooders:
                thread.join()
            peak = server.stop_sampling()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    before, flooded = figures(alone), figures(during)
    ratio = flooded["p50_ms"] / before["p50_ms"]
    over_idle = peak.rss_mb - idle.rss_mb
    save(
        "login-flood",
        {
            "duration_s": args.duration,
            "flood_clients": args.clients,
            "flood_source_addresses": min(ADDRESSES, args.clients),
            "cpu_count": os.cpu_count(),
            "login_concurrency": os.environ.get("MATJOBS_LOGIN_CONCURRENCY", "default (cores - 1)"),
            "load_average_after": os.getloadavg()[0],
            "throttle": "MATJOBS_LOGIN_MAX_FAILURES=1e9: every login reaches the password check",
            "logins_answered": dict(sorted(answers.items())),
            "logins_per_s": round(sum(answers.values()) / args.duration, 1),
            "patch_alone": before,
            "patch_during_flood": flooded,
            "patch_p50_ratio": round(ratio, 2),
            "patch_p99_ratio": round(flooded["p99_ms"] / before["p99_ms"], 2),
            "idle_rss_mb": idle.rss_mb,
            "peak_rss_mb": peak.rss_mb,
            "rss_over_idle_mb": round(over_idle, 1),
            "targets": {
                f"patch_p50_ratio <= {TARGETS['patch_p50_ratio']}": ratio <= TARGETS["patch_p50_ratio"],
                f"rss_over_idle_mb <= {TARGETS['rss_over_idle_mb']}": over_idle <= TARGETS["rss_over_idle_mb"],
            },
        },
    )


if __name__ == "__main__":
    main()
