"""Real servers for the tests: matjobs under uvicorn on loopback, and a private PostgreSQL."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn

from matjobs.api.app import create_app
from matjobs.settings import Settings
from matjobs.store import Store

# The clusters of the test servers that run jobs: the local cluster, and SLURM where there is one.
LOCAL = {
    "fqdn": "local",
    "type": "local",
    "default": True,
    "cores": 4,
    "queues": {
        "D": {"time_limit": "01:00:00", "max_jobs": 4, "max_cores": 4},
        "SR": {"time_limit": "01:00:00", "max_jobs": 1, "max_cores": 4},
    },
}
SLURM = {
    "fqdn": "slurm",
    "type": "slurm",
    "cores": 2,
    "queues": {"D": {"time_limit": "01:00:00", "partition": "debug", "max_cores": 2}},
}


def both_kinds(slurm: Path | None) -> list[dict]:
    """The local cluster, and SLURM where there is one."""
    return [LOCAL, SLURM] if slurm is not None else [LOCAL]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """The app served by uvicorn in a thread, on 127.0.0.1 and a free port."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings, store), host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("matjobs test server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@contextlib.contextmanager
def serving_with_runner(store: Store, data_dir: Path, clusters: list[dict], **settings: Any) -> Iterator[LiveServer]:
    """A live server over `store` whose runner serves `clusters`, stopped on leaving."""
    os.chmod(data_dir, 0o755)  # SLURM's jobs write into it
    configured = Settings(data_dir=data_dir, database_url=store.url, clusters=clusters, runner=True, **settings)
    live = LiveServer(configured, store)
    live.start()
    try:
        yield live
    finally:
        live.stop()


def find_postgres() -> Path | None:
    for candidate in [shutil.which("pg_ctl"), *sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)]:
        if candidate and Path(candidate).with_name("initdb").exists():
            return Path(candidate).resolve().parent
    return None


class PostgresServer:
    """initdb into a test folder, listen on loopback only, stop by PID with pg_ctl."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        # Not under pytest's tmp folder: that one is private to root, and postgres must enter it.
        self.folder = Path(tempfile.mkdtemp(prefix="matjobs-postgres-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql://matjobs@127.0.0.1:{self.port}/matjobs"
        # initdb refuses to run as root; the Debian package's postgres user runs it instead.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *argv: str) -> None:
        done = subprocess.run([*self.as_user, *argv], capture_output=True, text=True, cwd=self.folder)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr or done.stdout}")

    def start(self) -> None:
        if self.as_user:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(str(self.binaries / "initdb"), "-D", str(self.data), "-U", "matjobs", "--auth=trust", "-E", "UTF8")
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.folder} -c fsync=off"
        )
        self._run(
            str(self.binaries / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "start",
        )
        self._run(str(self.binaries / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "matjobs", "matjobs")

    def stop(self) -> None:
        try:
            self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
