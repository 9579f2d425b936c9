"""`make bench`: serve N realistic jobs from SQLite with production settings, drive it with wrk
over loopback, and write the figures to benchmarks/results/<UTC time>.json and latest.json."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import dataset
from load import WRK_THREADS, Figures, fetch, sequential, wrk, wrk_version
from saved import RESULTS
from server import Memory, Server

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORKERS = 1
FULL_SCAN_BUDGET_MS = 120_000
TARGETS = {
    "list_p99_ms": 15.0,
    "get_by_id_vs_health_rps": 0.5,
    "nested_selector_ms": 1000.0,
    "rss_mb": 300.0,
}


@dataclass(frozen=True)
class Result:
    """One scenario's figures and the server's peak memory while it ran."""

    name: str
    label: str
    method: str
    connections: int
    figures: Figures
    memory: Memory


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=1_000_000, help="jobs in the database")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk scenario")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="server processes")
    parser.add_argument("--warmup", type=int, default=2, help="unrecorded seconds before each")
    parser.add_argument("--scan-requests", type=int, default=5, help="sequential requests for the full-scan selector")
    return parser.parse_args(argv)


def _jobs_url(selector: dict[str, Any]) -> str:
    return "/api/v1/jobs?query=" + quote(json.dumps(selector, separators=(",", ":")), safe="")


def _check(base: str, headers: dict[str, str], data: dataset.Dataset) -> None:
    """One request per loaded scenario before any load: each answers what it should."""
    fetch(base + "/api/health", {})
    first_id = Path(data.ids_file).read_text().split()[0]
    assert json.loads(fetch(f"{base}/api/v1/jobs/{first_id}", headers))["data"]["_id"] == first_id
    finished = json.loads(fetch(base + _jobs_url({"status": "finished"}), headers))["data"]
    assert len(finished) == 20 and {job["status"] for job in finished} == {"finished"}
    _check_selector(base, headers, data.common_fqdn, 20)


def _check_selector(base: str, headers: dict[str, str], fqdn: str, expected: int) -> None:
    found = json.loads(fetch(base + _jobs_url({"compute.cluster.fqdn": fqdn}), headers))["data"]
    assert len(found) == expected, (fqdn, len(found), expected)
    assert {job["compute"]["cluster"]["fqdn"] for job in found} == {fqdn}


def _scenarios(
    server: Server, headers: dict[str, str], data: dataset.Dataset, options: argparse.Namespace
) -> list[Result]:
    base, conns, duration = server.base, options.connections, options.duration
    wrk_runs = [
        ("health", "health `/api/health` (ceiling)", base + "/api/health", None, ()),
        ("get_by_id", "get by id", base, "get_by_id.lua", (data.ids_file,)),
        # The official client's path: the same handler behind the dated route table.
        ("get_by_id_dated", "get by id, `/api/2018-10-01`", base, "get_by_id.lua", (data.ids_file, "/api/2018-10-01")),
        (
            "list_finished",
            'list `{"status": "finished"}`, limit 20',
            base + _jobs_url({"status": "finished"}),
            None,
            (),
        ),
        (
            "selector_common",
            "nested selector `compute.cluster.fqdn`, common value",
            base + _jobs_url({"compute.cluster.fqdn": data.common_fqdn}),
            None,
            (),
        ),
    ]
    results = []
    for name, label, url, script, script_args in wrk_runs:
        if options.warmup > 0:
            wrk(url, headers, connections=conns, duration=options.warmup, script=script, script_args=script_args)
        server.start_sampling()
        figures = wrk(url, headers, connections=conns, duration=duration, script=script, script_args=script_args)
        results.append(Result(name, label, f"wrk -c{conns}", conns, figures, server.stop_sampling()))
        print(f"  {name}: {figures}", file=sys.stderr)
    rare_url = base + _jobs_url({"compute.cluster.fqdn": data.rare_fqdn})
    _check_selector(base, headers, data.rare_fqdn, data.rare_jobs)  # also warms the page cache
    server.start_sampling()
    figures = sequential(rare_url, headers, options.scan_requests)
    results.append(
        Result(
            "selector_rare",
            "nested selector, rare value (full scan)",
            f"{options.scan_requests} sequential",
            1,
            figures,
            server.stop_sampling(),
        )
    )
    print(f"  selector_rare: {figures}", file=sys.stderr)
    return results


def _targets(results: dict[str, Result]) -> list[dict[str, Any]]:
    ratio = results["get_by_id"].figures.rps / results["health"].figures.rps
    nested = max(results["selector_common"].figures.p99_ms, results["selector_rare"].figures.p99_ms)
    rss = max(result.memory.rss_mb for result in results.values())
    rows = [
        ("indexed list p99 (ms)", results["list_finished"].figures.p99_ms, "<=", TARGETS["list_p99_ms"]),
        ("get by id rps / health rps", round(ratio, 3), ">=", TARGETS["get_by_id_vs_health_rps"]),
        ("nested selector, slowest p99 (ms)", nested, "<=", TARGETS["nested_selector_ms"]),
        ("server RSS, peak (MB)", rss, "<=", TARGETS["rss_mb"]),
    ]
    return [
        {
            "target": name,
            "value": value,
            "limit": f"{op} {limit:g}",
            "pass": value <= limit if op == "<=" else value >= limit,
        }
        for name, value, op, limit in rows
    ]


def _code() -> dict[str, Any]:
    """The commit under test, and whether src/ had uncommitted changes when it was measured."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()

    return {"commit": git("rev-parse", "--short", "HEAD"), "src_dirty": bool(git("status", "--porcelain", "--", "src"))}


def _machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(memory_kb / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "wrk": wrk_version(),
    }


def markdown(report: dict[str, Any]) -> str:
    """The figures and the targets as two markdown tables."""
    lines = ["| scenario | load | p50 ms | p99 ms | req/s | server RSS MB (anon) |", "|---|---|---:|---:|---:|---:|"]
    for row in report["scenarios"]:
        lines.append(
            f"| {row['label']} | {row['method']} | {row['p50_ms']:.2f} | "
            f"{row['p99_ms']:.2f} | {row['rps']:,.{0 if row['rps'] >= 10 else 2}f} | "
            f"{row['rss_mb']:.0f} ({row['anon_mb']:.0f}) |"
        )
    lines += ["", "| target | value | limit | |", "|---|---:|---|---|"]
    for row in report["targets"]:
        lines.append(
            f"| {row['target']} | {row['value']:g} | {row['limit']} | {'pass' if row['pass'] else '**MISS**'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    options = _options(argv)
    print(f"dataset: {options.jobs:,} jobs", file=sys.stderr)
    data = dataset.ensure(options.jobs)
    built = "reused" if data.build_seconds is None else f"built in {data.build_seconds:.0f} s"
    print(f"  {data.path} ({built}, {data.bytes_per_job} bytes per job)", file=sys.stderr)
    headers = {"X-Auth-Token": data.token(), "X-User-Id": data.user_id}
    print(f"server: {options.workers} worker(s)", file=sys.stderr)
    # The full scan of a million documents takes longer than the default query budget (5 s),
    # which would answer it with a 400; the budget is lifted here so the scan itself is measured.
    budget = {"MATJOBS_QUERY_BUDGET_MS": str(FULL_SCAN_BUDGET_MS)}
    with Server(data.url, options.workers, dataset.WORK / "server.log", env=budget) as server:
        _check(server.base, headers, data)
        results = {r.name: r for r in _scenarios(server, headers, data, options)}
    finished = datetime.now(UTC)
    targets = _targets(results)
    report: dict[str, Any] = {
        "timestamp": finished.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "code": _code(),
        "machine": _machine(),
        "settings": {
            "jobs": data.jobs,
            "bytes_per_job": data.bytes_per_job,
            "database": "sqlite",
            "database_bytes": Path(data.path).stat().st_size,
            "build_seconds": data.build_seconds,
            "workers": options.workers,
            "connections": options.connections,
            "wrk_threads": WRK_THREADS,
            "duration_s": options.duration,
            "warmup_s": options.warmup,
            "server": "matjobs serve (uvicorn, uvloop, httptools, no access log)",
            "query_budget_ms": FULL_SCAN_BUDGET_MS,
        },
        "scenarios": [
            {
                "name": r.name,
                "label": r.label,
                "method": r.method,
                "connections": r.connections,
                **asdict(r.figures),
                **asdict(r.memory),
            }
            for r in results.values()
        ],
        "get_by_id_vs_health_rps": round(results["get_by_id"].figures.rps / results["health"].figures.rps, 3),
        "dated_vs_v1_get_by_id_rps": round(
            results["get_by_id_dated"].figures.rps / results["get_by_id"].figures.rps, 3
        ),
        "targets": targets,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=2) + "\n"
    (RESULTS / f"{finished.strftime('%Y%m%dT%H%M%SZ')}.json").write_text(text)
    (RESULTS / "latest.json").write_text(text)
    print(markdown(report))
    missed = [row["target"] for row in targets if not row["pass"]]
    if missed:
        print(f"targets missed: {', '.join(missed)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
