"""Driving the server: wrk runs parsed into figures, and plain sequential requests for slow ones."""

from __future__ import annotations

import http.client
import re
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

WRK_SCRIPTS = Path(__file__).parent / "wrk"
WRK_THREADS = 2  # one per core of the benchmark machine; wrk needs CPU too
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_PERCENTILE = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s+(\d+) requests in ", re.MULTILINE)
_NON_2XX = re.compile(r"^\s+Non-2xx or 3xx responses:\s+(\d+)", re.MULTILINE)
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


class LoadError(RuntimeError):
    """A run that answered anything but success: its figures would mean nothing."""


@dataclass(frozen=True)
class Figures:
    """Latency percentiles in ms, throughput, and how many requests were made."""

    p50_ms: float
    p99_ms: float
    rps: float
    requests: int


def wrk_version() -> str:
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).splitlines()[0].strip()


def parse_wrk(output: str) -> Figures:
    """Figures from `wrk --latency` output; LoadError on non-2xx answers or socket errors."""
    non_2xx = _NON_2XX.search(output)
    if non_2xx and int(non_2xx.group(1)):
        raise LoadError(f"{non_2xx.group(1)} non-2xx responses:\n{output}")
    socket_errors = _SOCKET.search(output)
    if socket_errors and any(int(count) for count in socket_errors.groups()):
        raise LoadError(f"socket errors:\n{output}")
    percentiles = {int(p): float(v) * _UNITS_MS[u] for p, v, u in _PERCENTILE.findall(output)}
    rps, total = _RPS.search(output), _TOTAL.search(output)
    if set(percentiles) != {50, 99} or rps is None or total is None:
        raise LoadError(f"unexpected wrk output:\n{output}")
    return Figures(
        p50_ms=round(percentiles[50], 3),
        p99_ms=round(percentiles[99], 3),
        rps=float(rps.group(1)),
        requests=int(total.group(1)),
    )


def wrk(
    url: str,
    headers: dict[str, str],
    *,
    connections: int,
    duration: int,
    threads: int = WRK_THREADS,
    script: str | None = None,
    script_args: tuple[str, ...] = (),
    timeout_s: int = 30,
) -> Figures:
    """One wrk run against `url` (`script` names a file in benchmarks/wrk)."""
    command = [
        "wrk",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        f"--timeout={timeout_s}s",
        "--latency",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(WRK_SCRIPTS / script)]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise LoadError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return parse_wrk(done.stdout)


def fetch(url: str, headers: dict[str, str], timeout_s: float = 120.0) -> bytes:
    """One GET; LoadError unless it answers 200."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=timeout_s)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", target, headers=headers)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise LoadError(f"GET {url} answered {response.status}: {body[:300]!r}")
    return body


def sequential(url: str, headers: dict[str, str], count: int) -> Figures:
    """`count` requests one after another: single-request latency where wrk would only queue."""
    elapsed = []
    for _ in range(count):
        started = time.perf_counter()
        fetch(url, headers)
        elapsed.append((time.perf_counter() - started) * 1000)
    elapsed.sort()
    p99 = elapsed[min(len(elapsed) - 1, round(0.99 * (len(elapsed) - 1)))]
    return Figures(
        p50_ms=round(statistics.median(elapsed), 3),
        p99_ms=round(p99, 3),
        rps=round(1000 * len(elapsed) / sum(elapsed), 2),
        requests=len(elapsed),
    )
