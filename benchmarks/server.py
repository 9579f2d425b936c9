"""The server under test: `matjobs serve` as a subprocess, and its memory read from /proc."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

MATJOBS = Path(sys.executable).with_name("matjobs")  # the one installed beside the Python running us
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Memory:
    """Resident memory of a process tree in MB: all of it, and the part not backed by files."""

    rss_mb: float
    anon_mb: float


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    children, found, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, ()))
    return found


def _status_kb(pid: int, *keys: str) -> dict[str, int]:
    values = dict.fromkeys(keys, 0)
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in values:
                values[name] = int(rest.split()[0])
    except OSError:
        pass
    return values


def memory(members: list[int]) -> Memory:
    """VmRSS and RssAnon summed over the given processes."""
    rss = anon = 0
    for member in members:
        values = _status_kb(member, "VmRSS", "RssAnon")
        rss += values["VmRSS"]
        anon += values["RssAnon"]
    return Memory(round(rss / 1024, 1), round(anon / 1024, 1))


class Server:
    """`matjobs serve` on a free loopback port over one database; stopped by its PID on exit."""

    def __init__(self, database_url: str, workers: int, log: Path, env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.env = env or {}
        self.workers = workers
        self.port = _free_port()
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self._peak = Memory(0.0, 0.0)
        self._members: list[int] = []
        self._sampling = threading.Event()
        self._sampler: threading.Thread | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __enter__(self) -> Server:
        env = {**os.environ, "MATJOBS_DATABASE_URL": self.database_url, "MATJOBS_CONFIG": os.devnull, **self.env}
        command = [str(MATJOBS), "serve", "--host", HOST, "--port", str(self.port), "--workers", str(self.workers)]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def _wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"server exited early; see {self.log}")
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=2)
                connection.request("GET", "/api/health")
                if connection.getresponse().status == 200:
                    # with several workers, give each a moment to finish starting
                    time.sleep(1.0 if self.workers > 1 else 0.0)
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not healthy after {timeout}s; see {self.log}")

    def stop(self) -> None:
        """SIGTERM the server (uvicorn stops its workers), SIGKILL what is left after 15 s."""
        if self.process is None or self.process.poll() is not None:
            return
        members = _tree(self.process.pid)
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for member in members[1:]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(member, signal.SIGKILL)

    def start_sampling(self, interval: float = 0.2) -> None:
        """Track the peak memory of the server's process tree until stop_sampling()."""
        self._members = _tree(self.pid)
        self._peak = memory(self._members)
        self._sampling.set()

        def sample() -> None:
            while self._sampling.is_set():
                now = memory(self._members)
                self._peak = Memory(max(self._peak.rss_mb, now.rss_mb), max(self._peak.anon_mb, now.anon_mb))
                time.sleep(interval)

        self._sampler = threading.Thread(target=sample, daemon=True)
        self._sampler.start()

    def stop_sampling(self) -> Memory:
        """The peak since start_sampling(), including one reading after the load stopped."""
        self._sampling.clear()
        if self._sampler is not None:
            self._sampler.join()
        after = memory(self._members)
        return Memory(max(self._peak.rss_mb, after.rss_mb), max(self._peak.anon_mb, after.anon_mb))
