"""Real servers for the tests: matjobs under uvicorn on loopback, and a private PostgreSQL."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from email import policy as email_policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import uvicorn

from matjobs.api.app import create_app
from matjobs.settings import Settings
from matjobs.store import Store
from tests.helpers import wait_until

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
        self.runner: SeparateRunner | None = None  # the runner beside it, if it has one
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
def serving_with_runner(
    store: Store, data_dir: Path, clusters: list[dict], *, runner_env: dict[str, str] | None = None, **settings: Any
) -> Iterator[LiveServer]:
    """A live server over `store`, and beside it a runner serving `clusters` as production has
    one: `matjobs runner` in a process of its own (`runner_env`: more of its environment).
    Both are stopped on leaving."""
    os.chmod(data_dir, 0o755)  # SLURM's jobs write into it
    live = LiveServer(Settings(data_dir=data_dir, database_url=store.url, clusters=clusters, **settings), store)
    live.runner = SeparateRunner(store.url, clusters, data_dir, name=f"runner-{uuid.uuid4().hex[:8]}", env=runner_env)
    live.start()
    try:
        live.runner.start()
        live.runner.wait_until_at_work()
        yield live
    finally:
        live.runner.stop()
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


class SeparateRunner:
    """`matjobs runner` in a process of its own, on a store and a data folder, under a name of
    its own: so that a kill is a real kill (no cleanup, connections dropped, jobs orphaned)."""

    def __init__(
        self,
        database_url: str,
        clusters: list[dict],
        data_dir: Path,
        *,
        name: str = "",
        lease_s: float = 0,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name or f"recovery-{uuid.uuid4().hex[:8]}"
        self.env = {
            **os.environ,
            "MATJOBS_DATABASE_URL": database_url,
            "MATJOBS_DATA_DIR": str(data_dir),
            "MATJOBS_CLUSTERS": json.dumps(clusters),
            "MATJOBS_RUNNER_NAME": self.name,
            "MATJOBS_CONFIG": str(data_dir / "no-config-file.toml"),
            **({"MATJOBS_RUNNER_LEASE_SECONDS": str(lease_s)} if lease_s else {}),
            **(env or {}),
        }
        self.log_path = data_dir / ("runner.log" if not name else f"runner-{name}.log")
        self.log = self.log_path.open("ab")
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "matjobs", "runner"], env=self.env, stdout=self.log, stderr=self.log
        )
        self.starts += 1

    def wait_until_at_work(self) -> None:
        """Kills are meant for a working runner, not one still importing its modules."""
        wait_until(
            lambda: self.log_path.read_text().count(" at work for ") >= self.starts,
            seconds=30,
            what=lambda: self.log_path.read_text()[-2000:],
        )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


class MailCatcher:
    """A real SMTP server on loopback (aiosmtpd) that keeps every message it is given."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[EmailMessage] = []
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        message = BytesParser(policy=email_policy.default).parsebytes(envelope.content)
        assert isinstance(message, EmailMessage)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


class WebhookReceiver:
    """A tiny HTTP server on loopback that keeps each POST (headers, raw body); it can be made
    to listen only later, on the port it was given, to be a receiver that was down."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.received: list[tuple[dict[str, str], bytes]] = []
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append((dict(self.headers.items()), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
