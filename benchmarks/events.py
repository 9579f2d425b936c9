"""The event stream: how soon events reach a listener, and what listeners cost the server.

1. Latency with 200 jobs running: 200 sandboxed `sleep` jobs on the local cluster (200 slots),
   one listener on GET /api/v1/jobs/events; for each `job.status` event, the time from its
   writing (its `at`, on the writer's clock: same machine) to its arrival.
2. SCF iterations: a pw.x job (Si, 8x8x8 k-points, so that iterations come a few tenths of a
   second apart) followed on its own stream; each iteration's delay from the moment its
   "estimated scf accuracy" line appears in pw_scf.out (the file watched every 10 ms) to its
   arrival. On the local cluster, and on SLURM when SLURM_CONF names one.
3. CPU: the server's own processes' CPU time (API and runner) over the same 200-job run, with
   the web app's listeners open (3 streams) and with none, in the order with, none, none, with.
   Target: within 10%.
4. Throughput of GET /api/v1/jobs/{id} (wrk) with 50 idle listeners connected against none, in
   the order none, 50, none, 50. Target: at least 0.9.
Run: `.venv/bin/python benchmarks/events.py` (part of `make bench`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from espresso_job import si_job_body  # noqa: E402
from load import wrk  # noqa: E402
from saved import save  # noqa: E402
from server import Server, _tree  # noqa: E402
from through_api import new_database, workflow  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
FINAL = {"finished", "error", "timeout", "terminated"}


class Listener:
    """A stream read in a thread; each event kept with the time it arrived."""

    def __init__(self, base: str, path: str, headers: dict[str, str]) -> None:
        self.events: list[tuple[float, str, dict[str, Any]]] = []
        self._client = httpx.Client(base_url=base, headers=headers, timeout=httpx.Timeout(30, read=None))
        self._socket: socket.socket | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(path,), daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _read(self, path: str) -> None:
        kind = ""
        try:
            with self._client.stream("GET", path) as response:
                self._socket = response.extensions["network_stream"].get_extra_info("socket")
                for line in response.iter_lines():
                    if line.startswith(": connected"):
                        self._ready.set()
                    elif line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: "):
                        self.events.append((time.time(), kind, json.loads(line[6:])))
        except (httpx.HTTPError, RuntimeError):
            pass
        finally:
            self._ready.set()

    def close(self) -> None:
        if self._socket is not None:
            # Wakes the reader blocked on the stream at once (closing the client would not).
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)
        self._client.close()


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def server_processes(server: Server) -> list[int]:
    """The API and the runner: the server's Python processes, not the jobs they start."""
    found = []
    for pid in _tree(server.pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(b"matjobs" in part for part in command[:3]) and b"bwrap" not in command[0]:
            found.append(pid)
    return found


def jobs_run(folder: Path, count: int, listeners: int, sleep_s: float) -> dict[str, Any]:
    """`count` sleeping jobs, all running at once, followed by `listeners` streams."""
    folder.mkdir()
    config = folder / "matjobs.toml"
    config.write_text(f'[[clusters]]\nfqdn = "bench"\ntype = "local"\ncores = {count}\n')
    url, headers = new_database(folder)
    shell = workflow()
    shell["subworkflows"][0]["units"][0]["input"][0]["template"]["content"] = f"#!/bin/bash\nsleep {sleep_s}\n"
    env = {"MATJOBS_DATA_DIR": str(folder), "MATJOBS_CONFIG": str(config)}
    with (
        Server(url, 1, folder / "server.log", env=env) as server,
        httpx.Client(base_url=server.base, headers=headers, timeout=60) as client,
    ):
        time.sleep(1.0)  # the runner process up
        streams = [Listener(server.base, "/api/v1/jobs/events", headers) for _ in range(listeners)]
        members = server_processes(server)
        cpu_before = cpu_seconds(members)
        ids = []
        for index in range(count):
            created = client.post("/api/v1/jobs", json={"name": f"sleep {index}", "workflow": shell})
            ids.append(created.json()["data"]["_id"])
            client.post(f"/api/v1/jobs/{ids[-1]}?submit=true").raise_for_status()
        pending = json.dumps({"status": {"$nin": sorted(FINAL)}})
        while client.get("/api/v1/jobs", params={"query": pending, "limit": 1}).json()["data"]:
            time.sleep(0.5)
        cpu = cpu_seconds(members) - cpu_before
        time.sleep(1.0)
        for stream in streams:
            stream.close()
    delays = [
        (arrived - data["at"]) * 1000
        for stream in streams[:1]
        for arrived, kind, data in stream.events
        if kind == "job.status"
    ]
    return {"cpu_s": cpu, "delays_ms": delays}


def scf_delays(folder: Path, cluster: dict[str, Any] | None, kpoints: int) -> list[float]:
    """Each SCF iteration's delay from its line in pw_scf.out to its event, in ms."""
    folder.mkdir()
    env = {"MATJOBS_DATA_DIR": str(folder)}
    if cluster is not None:
        config = folder / "matjobs.toml"
        config.write_text(
            f'[[clusters]]\nfqdn = "{cluster["fqdn"]}"\ntype = "slurm"\ndefault = true\n'
            '[clusters.queues.D]\ntime_limit = "01:00:00"\npartition = "debug"\n'
        )
        env["MATJOBS_CONFIG"] = str(config)
    url, headers = new_database(folder)
    with (
        Server(url, 1, folder / "server.log", env=env) as server,
        httpx.Client(base_url=server.base, headers=headers, timeout=60) as client,
    ):
        body = si_job_body(client)
        body["model"]["method"]["precision"]["kpoints"]["value"] = {"x": kpoints, "y": kpoints, "z": kpoints}  # type: ignore[index]
        job_id = client.post("/api/v1/jobs", json=body).json()["data"]["_id"]
        stream = Listener(server.base, f"/api/v1/jobs/{job_id}/events", headers)
        printed = watch_lines(folder / "jobs" / job_id / "pw_scf.out", "estimated scf accuracy")
        client.post(f"/api/v1/jobs/{job_id}?submit=true").raise_for_status()
        while client.get(f"/api/v1/jobs/{job_id}").json()["data"]["status"] not in FINAL:
            time.sleep(0.2)
        time.sleep(2.0)
        stream.close()
        seen = printed()
    arrived = [when for when, kind, _ in stream.events if kind == "scf.iteration"]
    return [(late - early) * 1000 for early, late in zip(seen, arrived, strict=False)]


def watch_lines(path: Path, marker: str) -> Callable[[], list[float]]:
    """When each line holding `marker` appeared in `path`, watched every 10 ms in a thread."""
    times: list[float] = []
    done = threading.Event()

    def watch() -> None:
        count = 0
        while not done.is_set():
            try:
                found = path.read_text(errors="replace").count(marker)
            except OSError:
                found = 0
            now = time.time()
            times.extend([now] * (found - count))
            count = max(count, found)
            time.sleep(0.01)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()

    def stop() -> list[float]:
        done.set()
        thread.join(2)
        return times

    return stop


def idle_listeners_throughput(folder: Path, listeners: int, seconds: int) -> dict[str, Any]:
    folder.mkdir()
    url, headers = new_database(folder)
    env = {"MATJOBS_DATA_DIR": str(folder), "MATJOBS_RUNNER": "false"}
    rates: dict[int, list[float]] = {0: [], listeners: []}
    with (
        Server(url, 1, folder / "server.log", env=env) as server,
        httpx.Client(base_url=server.base, headers=headers, timeout=60) as client,
    ):
        ids = [client.post("/api/v1/jobs", json={"name": f"j{i}"}).json()["data"]["_id"] for i in range(100)]
        (folder / "ids").write_text("\n".join(ids) + "\n")
        wrk(server.base, headers, connections=8, duration=2, script="get_by_id.lua", script_args=(str(folder / "ids"),))
        for count in (0, listeners, 0, listeners):  # after a warm-up run, not counted
            streams = [Listener(server.base, "/api/v1/jobs/events", headers) for _ in range(count)]
            figures = wrk(
                server.base,
                headers,
                connections=8,
                duration=seconds,
                script="get_by_id.lua",
                script_args=(str(folder / "ids"),),
            )
            rates[count].append(figures.rps)
            for stream in streams:
                stream.close()
    with_, without = statistics.mean(rates[listeners]), statistics.mean(rates[0])
    return {"rps_without": rates[0], "rps_with": rates[listeners], "ratio": round(with_ / without, 3)}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--listeners", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=8, help="each wrk run")
    parser.add_argument("--sleep", type=float, default=8.0, help="each job's run time, seconds")
    parser.add_argument("--scf-kpoints", type=int, default=8, help="the pw.x job's k-grid, n x n x n")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="matjobs-events-"))
    try:
        legs = [jobs_run(folder / f"leg-{i}", args.jobs, n, args.sleep) for i, n in enumerate((3, 0, 0, 3))]
        delays = legs[0]["delays_ms"] + legs[3]["delays_ms"]
        cpu_with = legs[0]["cpu_s"] + legs[3]["cpu_s"]
        cpu_without = legs[1]["cpu_s"] + legs[2]["cpu_s"]
        scf_local = scf_delays(folder / "scf-local", None, args.scf_kpoints)
        scf_slurm = (
            scf_delays(folder / "scf-slurm", {"fqdn": "slurm"}, args.scf_kpoints)
            if os.environ.get("SLURM_CONF")
            else []
        )
        idle = idle_listeners_throughput(folder / "idle", args.listeners, args.seconds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    cpu_ratio = cpu_with / cpu_without
    scf_worst = max(scf_local + scf_slurm) if scf_local or scf_slurm else None
    save(
        "events",
        {
            "jobs_running": args.jobs,
            "status_events": len(delays),
            "status_latency_ms": {
                "median": round(statistics.median(delays), 1),
                "p99": round(percentile(delays, 0.99), 1),
            },
            "scf_latency_ms": {
                "local": {
                    "iterations": len(scf_local),
                    "median": round(statistics.median(scf_local), 1) if scf_local else None,
                    "max": round(max(scf_local), 1) if scf_local else None,
                },
                "slurm": {
                    "iterations": len(scf_slurm),
                    "median": round(statistics.median(scf_slurm), 1) if scf_slurm else None,
                    "max": round(max(scf_slurm), 1) if scf_slurm else None,
                },
            },
            "server_cpu_s": {
                "with_listeners": round(cpu_with, 2),
                "without": round(cpu_without, 2),
                "ratio": round(cpu_ratio, 3),
            },
            "idle_listeners": {"listeners": args.listeners, **idle},
            "targets": {
                "scf iteration on the stream <= 5 s after pw.x prints it": scf_worst is not None and scf_worst <= 5000,
                "server CPU with listeners within 10%": cpu_ratio <= 1.10,
                "throughput with idle listeners >= 0.9": idle["ratio"] >= 0.9,
            },
        },
    )


if __name__ == "__main__":
    main()
