"""Takeover time: from the SIGKILL of a runner holding jobs to another runner of the same store
taking them over, and to those jobs' end; median and worst over several kills.

Each round starts a runner, submits a batch of jobs through the API (each sleeps a little, so
they are running when the kill comes), starts a second runner once the first holds them all,
SIGKILLs the first and never restarts it. The takeover moment is the dead runner's row in the
store (`adopted_at`), and the kill's moment the database's clock read just after it: both on
one clock. The kill comes at a random point of the runners' cycles (`--seed` replays them).
Run: `.venv/bin/python benchmarks/takeover.py [--kills 10] [--lease 10]`
(also part of `make bench`). SQLite and the local cluster by default; `--cluster slurm` uses
the SLURM named by SLURM_CONF.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))
import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from saved import save  # noqa: E402
from server import MATJOBS, Server  # noqa: E402
from through_api import FINAL, new_database, workflow  # noqa: E402

from matjobs.store import (
    Store,  # noqa: E402
    leases,  # noqa: E402
)
from matjobs.store.engine import database_now  # noqa: E402
from matjobs.store.tables import jobs  # noqa: E402

T = TypeVar("T")
CLUSTERS = {
    "local": {
        "fqdn": "takeover-bench",
        "type": "local",
        "default": True,
        "cores": 4,
        "queues": {"D": {"time_limit": "01:00:00", "max_jobs": 4, "max_cores": 4}},
    },
    "slurm": {
        "fqdn": "takeover-bench",
        "type": "slurm",
        "default": True,
        "queues": {"D": {"time_limit": "01:00:00", "partition": "debug"}},
    },
}


def until(condition: Callable[[], T | None], seconds: float, what: str) -> T:
    deadline = time.monotonic() + seconds
    while (answer := condition()) is None or answer is False:
        if time.monotonic() > deadline:
            raise RuntimeError(f"not within {seconds} s: {what}")
        time.sleep(0.02)
    return answer


class Runner:
    """`matjobs runner` in a process of its own, logging to a file of its own."""

    def __init__(self, name: str, env: dict[str, str], folder: Path) -> None:
        self.name = name
        self.log_path = folder / f"runner-{name}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [str(MATJOBS), "runner"], env={**env, "MATJOBS_RUNNER_NAME": name}, stdout=log, stderr=log
            )
        until(lambda: " at work for " in self.log_path.read_text(), 60, f"runner {name} at work")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def one_kill(round_: int, store: Store, client: httpx.Client, env: dict[str, str], args: argparse.Namespace) -> dict:
    folder = Path(env["MATJOBS_DATA_DIR"])
    sleeper = workflow()
    sleeper["subworkflows"][0]["units"][0]["input"][0]["template"]["content"] = (
        f"#!/bin/bash\nsleep {args.job_seconds}\n"
    )
    body = {"name": f"round {round_}", "workflow": sleeper}
    first = Runner(f"first-{round_}", env, folder)
    ids = []
    for _ in range(args.jobs):
        created = client.post("/api/v1/jobs", json=body).json()["data"]
        client.post(f"/api/v1/jobs/{created['_id']}?submit=true").raise_for_status()
        ids.append(created["_id"])

    def held_by(name: str) -> bool:
        with store.reading() as conn:
            rows = conn.execute(sa.select(jobs.c.runner, jobs.c.jid).where(jobs.c.id.in_(ids))).all()
        return all(runner == name and jid is not None for runner, jid in rows)

    until(lambda: held_by(first.name), 60, "the first runner to hold the batch")
    second = Runner(f"second-{round_}", env, folder)
    try:
        # At a random point of both runners' cycles (renewals and looks come every lease/3).
        time.sleep(args.chance.uniform(0, args.lease / 3))
        first.kill()
        killed = time.monotonic()
        with store.reading() as conn:
            killed_db = float(conn.execute(sa.select(database_now(store.dialect))).scalar_one())

        def adopted() -> leases.Lease | None:
            with store.reading() as conn:
                lease = leases.lease_of(conn, first.name)
            return lease if lease is not None and lease.adopted_at is not None else None

        lease = until(adopted, args.lease * 3 + 30, "the takeover")
        pending = {"_id": {"$in": ids}, "status": {"$nin": FINAL}}
        until(
            lambda: not client.get("/api/v1/jobs", params={"query": json.dumps(pending), "limit": 500}).json()["data"],
            args.job_seconds + args.lease * 3 + 120,
            "the batch's end",
        )
        ended = time.monotonic() - killed
        finished = client.get(
            "/api/v1/jobs", params={"query": json.dumps({"_id": {"$in": ids}, "status": "finished"}), "limit": 500}
        ).json()["data"]
    finally:
        second.stop()
    assert lease.adopted_at is not None
    return {
        "kill_to_takeover_s": round(lease.adopted_at - killed_db, 3),
        "after_lease_expiry_s": round(lease.adopted_at - lease.expires_at, 3),
        "kill_to_all_ended_s": round(ended, 3),
        "jobs_finished": len(finished),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=8, help="jobs the killed runner holds")
    parser.add_argument("--job-seconds", type=float, default=2.0, help="how long each job sleeps")
    parser.add_argument("--lease", type=float, default=10.0, help="MATJOBS_RUNNER_LEASE_SECONDS")
    parser.add_argument("--cluster", choices=sorted(CLUSTERS), default="local")
    parser.add_argument("--seed", type=int, default=None, help="of the random moments of the kills")
    args = parser.parse_args()
    args.seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    args.chance = random.Random(args.seed)
    work = os.environ.get("MATJOBS_BENCH_WORK")
    folder = Path(work) if work else Path(tempfile.mkdtemp(prefix="matjobs-takeover-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)  # SLURM's jobs write into it
    url, headers = new_database(folder)
    env = {
        **os.environ,
        "MATJOBS_DATABASE_URL": url,
        "MATJOBS_DATA_DIR": str(folder),
        "MATJOBS_CONFIG": os.devnull,
        "MATJOBS_CLUSTERS": json.dumps([CLUSTERS[args.cluster]]),
        "MATJOBS_RUNNER_LEASE_SECONDS": str(args.lease),
    }
    store = Store(url)
    rounds: list[dict[str, Any]] = []
    try:
        with (
            Server(url, 1, folder / "server.log", env={**env, "MATJOBS_RUNNER": "false"}) as server,
            httpx.Client(base_url=server.base, headers=headers, timeout=60) as client,
        ):
            for round_ in range(args.kills):
                rounds.append(one_kill(round_, store, client, env, args))
                print(json.dumps(rounds[-1]), flush=True)
    finally:
        store.dispose()
        if not work:
            shutil.rmtree(folder, ignore_errors=True)
    takeovers = [run["kill_to_takeover_s"] for run in rounds]
    endings = [run["kill_to_all_ended_s"] for run in rounds]
    worst_bound = args.lease + args.lease / 3
    save(
        "takeover",
        {
            "kills": args.kills,
            "jobs_per_kill": args.jobs,
            "lease_s": args.lease,
            "cluster": args.cluster,
            "seed": args.seed,
            "kill_to_takeover_s": {"median": statistics.median(takeovers), "worst": max(takeovers)},
            "kill_to_all_ended_s": {"median": statistics.median(endings), "worst": max(endings)},
            "rounds": rounds,
            "jobs_not_finished": sum(args.jobs - run["jobs_finished"] for run in rounds),
            "targets": {
                f"worst takeover <= lease + lease/3 + 1 s ({worst_bound + 1:.1f} s)": max(takeovers) <= worst_bound + 1
            },
        },
    )


if __name__ == "__main__":
    main()
