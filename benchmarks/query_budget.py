"""Pathological queries against the time budget: how soon they answer 400, and what they do to
the health route meanwhile.

A `matjobs serve` over a fresh SQLite file holds N jobs named thirty `a`s and a `!` (the name
on which Python's `re` backtracked for minutes on `(a+)+$`). Measured, in one run:
- the backtracking regex over all N names (RE2: it answers, and quickly);
- a query that must run past the budget (500 such regexes per row): the time to its 400;
- `/api/health` p50/p99 from one client alone, then while `--clients` clients send that query
  in a loop; the target is a health p99 under load within 2x of the idle one.
Run: `.venv/bin/python benchmarks/query_budget.py [--jobs 20000 --duration 10]` (CI: `--jobs 200
--duration 2`); the figures go to benchmarks/results/query-budget-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from saved import save  # noqa: E402
from server import HOST, Server  # noqa: E402

from matjobs.ids import new_id  # noqa: E402
from matjobs.store import Store  # noqa: E402
from matjobs.store.accounts import create_user  # noqa: E402
from matjobs.store.jobs import insert_job  # noqa: E402
from matjobs.store.migrate import upgrade  # noqa: E402

NAME = "a" * 30 + "!"
BACKTRACKING = "(a+)+$"
HEALTH_P99_RATIO_TARGET = 2.0


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20_000, help="jobs in the database")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of health calls, idle and loaded")
    parser.add_argument("--clients", type=int, default=2, help="clients sending the over-budget query")
    parser.add_argument(
        "--budget-ms",
        type=int,
        default=None,
        help="MATJOBS_QUERY_BUDGET_MS; default a quarter ms per job, at most 1000: the query must pass it",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each single query")
    return parser.parse_args(argv)


def _url(selector: dict[str, Any]) -> str:
    return "/api/v1/jobs?query=" + quote(json.dumps(selector, separators=(",", ":")), safe="")


OVER_BUDGET = _url({"$or": [{"name": {"$regex": f"{BACKTRACKING}|^x{i}y"}} for i in range(500)]})
REGEX = _url({"name": {"$regex": BACKTRACKING}})


class Client:
    """One keep-alive connection; each call answers (status, milliseconds)."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=600)
        self.headers = headers

    def get(self, target: str) -> tuple[int, float]:
        started = time.perf_counter()
        self.connection.request("GET", target, headers=self.headers)
        response = self.connection.getresponse()
        response.read()
        return response.status, (time.perf_counter() - started) * 1000

    def close(self) -> None:
        self.connection.close()


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 3), "p99_ms": round(p99, 3), "requests": len(ordered)}


def _health(port: int, seconds: float) -> dict[str, float]:
    client = Client(port, {})
    samples: list[float] = []
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            status, elapsed = client.get("/api/health")
            assert status == 200, status
            samples.append(elapsed)
    finally:
        client.close()
    return _percentiles(samples)


def _timed(port: int, headers: dict[str, str], target: str, repeat: int, expected: int) -> dict[str, float]:
    client = Client(port, headers)
    samples = []
    try:
        for _ in range(repeat):
            status, elapsed = client.get(target)
            if status != expected:
                raise RuntimeError(f"GET {target[:80]}... answered {status}, expected {expected}")
            samples.append(elapsed)
    finally:
        client.close()
    return _percentiles(samples)


def _seed(url: str, count: int, port: int) -> dict[str, str]:
    """A user, one job made through the API, and `count` - 1 copies of it written to the store."""
    store = Store(url)
    try:
        with store.writing() as conn:
            issued = create_user(conn, username="budget", password="budget-password")
        headers = {"X-Auth-Token": issued.token, "X-User-Id": issued.principal.user_id}
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        body = json.dumps({"name": NAME})
        connection.request("POST", "/api/v1/jobs", body=body, headers={**headers, "Content-Type": "application/json"})
        response = connection.getresponse()
        job = json.loads(response.read())["data"]
        connection.close()
        with store.writing() as conn:
            for _ in range(count - 1):
                insert_job(conn, {**job, "_id": new_id()})
        return headers
    finally:
        store.dispose()


def main(argv: list[str] | None = None) -> int:
    options = _options(argv)
    if options.budget_ms is None:
        options.budget_ms = max(10, min(1000, options.jobs // 4))
    folder = Path(tempfile.mkdtemp(prefix="matjobs-query-budget-"))
    url = f"sqlite:///{folder / 'matjobs.sqlite3'}"
    store = Store(url)
    upgrade(store)
    store.dispose()
    env = {"MATJOBS_QUERY_BUDGET_MS": str(options.budget_ms), "MATJOBS_RUNNER": "false"}
    try:
        with Server(url, 1, folder / "server.log", env=env) as server:
            headers = _seed(url, options.jobs, server.port)
            idle = _health(server.port, options.duration)
            regex = _timed(server.port, headers, REGEX, options.repeat, 200)
            over = _timed(server.port, headers, OVER_BUDGET, options.repeat, 400)
            stop = threading.Event()
            answered: list[int] = []

            def hammer() -> None:
                client = Client(server.port, headers)
                try:
                    while not stop.is_set():
                        answered.append(client.get(OVER_BUDGET)[0])
                finally:
                    client.close()

            threads = [threading.Thread(target=hammer) for _ in range(options.clients)]
            for thread in threads:
                thread.start()
            try:
                loaded = _health(server.port, options.duration)
            finally:
                stop.set()
                for thread in threads:
                    thread.join()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ratio = round(loaded["p99_ms"] / idle["p99_ms"], 3)
    save(
        "query-budget",
        {
            "jobs": options.jobs,
            "budget_ms": options.budget_ms,
            "clients": options.clients,
            "duration_s": options.duration,
            "backtracking_regex_over_all_jobs": regex,
            "over_budget_query_to_400": over,
            "over_budget_answers_under_load": {str(code): answered.count(code) for code in sorted(set(answered))},
            "health_idle": idle,
            "health_under_over_budget_queries": loaded,
            "health_p99_ratio": ratio,
            "targets": {f"health_p99_ratio <= {HEALTH_P99_RATIO_TARGET:g}": ratio <= HEALTH_P99_RATIO_TARGET},
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
