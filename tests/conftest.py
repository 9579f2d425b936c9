"""Fixtures: the same suite against a real SQLite file and a real PostgreSQL server, over HTTP.

Each backend gets a migrated database and a live uvicorn server on loopback; every test makes
its own users, so tests never see each other's jobs.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from matjobs.settings import Settings
from matjobs.store import Store
from matjobs.store.accounts import create_user
from matjobs.store.migrate import upgrade
from tests.helpers import require, require_espresso_data, require_pw_x
from tests.servers import LiveServer, MailCatcher, PostgresServer, both_kinds, find_postgres, serving_with_runner

BACKENDS = ["sqlite", "postgresql"]
# The document's example names AWS-cluster-001; alpha and beta give selectors two values to tell apart.
TEST_CLUSTERS = [
    {"fqdn": "workstation", "type": "local", "default": True, "cores": 16},
    {"fqdn": "AWS-cluster-001", "type": "local", "cores": 16},
    {"fqdn": "alpha", "type": "local", "cores": 16},
    {"fqdn": "beta", "type": "local", "cores": 16},
]
_names = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    external = os.environ.get("MATJOBS_TEST_DATABASE_URL")
    if external:
        yield external
        return
    binaries = find_postgres()
    if binaries is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries (initdb, pg_ctl) are missing; run scripts/ensure-postgres.sh")
        pytest.skip("PostgreSQL is not installed here (scripts/ensure-postgres.sh installs it)")
    server = PostgresServer(binaries)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def slurm() -> Iterator[Path | None]:
    """A one-node SLURM cluster on loopback, or None where it cannot run (CI: a failure).

    MATJOBS_TEST_SLURM_CONF names a running one (.ci/run starts it); otherwise one is started
    here with scripts/slurm.sh and stopped by its PIDs afterwards.
    """
    given = os.environ.get("MATJOBS_TEST_SLURM_CONF")
    if given:
        os.environ["SLURM_CONF"] = given
        yield Path(given)
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None and shutil.which("slurmctld") is None:
        if os.environ.get("CI"):
            pytest.fail("SLURM cannot be started here, and CI must test on it")
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="matjobs-slurm-"))
    script = Path(__file__).parents[1] / "scripts" / "slurm.sh"
    started = subprocess.run([str(script), "start", str(folder)], capture_output=True, text=True)
    if started.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"SLURM did not start: {started.stderr}")
        yield None
        return
    os.environ["SLURM_CONF"] = str(folder / "slurm.conf")
    try:
        yield folder / "slurm.conf"
    finally:
        subprocess.run([str(script), "stop", str(folder)], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["local", "slurm"])
def cluster(request: pytest.FixtureRequest, slurm: Path | None) -> str:
    """Tests of running jobs run against both kinds of cluster (the names of tests' clusters)."""
    if request.param == "slurm" and slurm is None:
        pytest.skip("SLURM is not available on this machine (CI requires it)")
    return str(request.param)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'matjobs.sqlite3'}"
    else:
        url = Settings(database_url=request.getfixturevalue("postgres")).sqlalchemy_url
    store = Store(url)
    upgrade(store)
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def server(backend: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        database_url=backend.url,
        max_body_bytes=1_000_000,
        clusters=TEST_CLUSTERS,
    )
    live = LiveServer(settings, backend)
    live.start()
    yield live
    live.stop()


@dataclass
class User:
    """A user with a personal account, and an HTTP client that carries its credentials."""

    username: str
    password: str
    user_id: str
    account_id: str
    token: str
    http: httpx.Client

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Auth-Token": self.token, "X-User-Id": self.user_id}


def make_user(backend: Store, server: LiveServer, prefix: str = "user") -> User:
    username = f"{prefix}{next(_names)}_{os.getpid()}"
    password = "correct horse battery"
    with backend.writing() as conn:
        issued = create_user(conn, username=username, password=password)
    headers = {"X-Auth-Token": issued.token, "X-User-Id": issued.principal.user_id}
    client = httpx.Client(base_url=server.url, headers=headers, timeout=30)
    return User(username, password, issued.principal.user_id, issued.principal.account_id, issued.token, client)


@contextlib.contextmanager
def signed_up(backend: Store, server: LiveServer, prefix: str) -> Iterator[User]:
    """A new user of `server`, its HTTP client closed on leaving."""
    user = make_user(backend, server, prefix)
    try:
        yield user
    finally:
        user.http.close()


@pytest.fixture(scope="module")
def running_server(
    backend: Store, slurm: Path | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A live server whose runner runs jobs on the local cluster and SLURM; one per test module."""
    with serving_with_runner(backend, tmp_path_factory.mktemp("runner-data"), both_kinds(slurm)) as live:
        yield live


@pytest.fixture
def once_over_sqlite(backend: Store) -> None:
    """For modules that run science: what they test is the runs, not the database."""
    if not backend.url.startswith("sqlite"):
        pytest.skip("runs Quantum ESPRESSO workflows: once, over SQLite, is enough")


@pytest.fixture
def scientist(backend: Store, running_server: LiveServer) -> Iterator[User]:
    """A new account on the module's running server, for the science tests."""
    with signed_up(backend, running_server, "sci") as user:
        yield user


@pytest.fixture
def alice(backend: Store, server: LiveServer) -> Iterator[User]:
    with signed_up(backend, server, "alice") as user:
        yield user


@pytest.fixture
def bob(backend: Store, server: LiveServer) -> Iterator[User]:
    with signed_up(backend, server, "bob") as user:
        yield user


@pytest.fixture
def anonymous(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def pw_x() -> None:
    """Tests that run Quantum ESPRESSO's pw.x take this: skipped without it, failed in CI."""
    require_pw_x()


@pytest.fixture(scope="session")
def espresso_data() -> None:
    """Tests over Debian's folder of pseudopotentials: skipped without it, failed in CI."""
    require_espresso_data()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's headless Chromium, driven by Playwright (never its own browser downloads); WebGL (the
    web app's 3D structure view) runs on the CPU: a headless machine has no GPU."""
    require(shutil.which("chromium") is not None, "chromium (scripts/ensure-command.sh chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def curl() -> None:
    require(shutil.which("curl") is not None, "curl (Debian: apt-get install -y curl)")


@pytest.fixture(scope="session")
def spec_dir() -> Path:
    return Path(__file__).parent / "data"


# The ids the user's document names in its create body: a material, a pseudopotential and a
# workflow of the platform's database. The tests put in their place the caller's default
# material and workflow and the registry's Si.pz-vbc.UPF.
DOC_MATERIAL, DOC_PSEUDO, DOC_WORKFLOW = "gyfPHZk56QAxRpAqv", "58947f5efe450067c9c92e24", "7GSofzPcxZryR8YiL"


def documented_ids(user: User) -> dict[str, str]:
    def first(path: str, query: dict) -> str:
        found = user.http.get(path, params={"query": json.dumps(query)}).json()["data"]
        assert found, f"nothing at {path} matches {query}"
        return str(found[0]["_id"])

    return {
        DOC_MATERIAL: first("/api/v1/materials", {"isDefault": True}),
        DOC_WORKFLOW: first("/api/v1/workflows", {"isDefault": True}),
        DOC_PSEUDO: first("/api/v1/pseudopotentials", {"filename": "Si.pz-vbc.UPF"}),
    }


@pytest.fixture
def mail() -> Iterator[MailCatcher]:
    """An SMTP server on loopback that keeps what it is sent."""
    catcher = MailCatcher()
    catcher.start()
    yield catcher
    catcher.stop()


@pytest.fixture
def researchers(backend: Store, running_server: LiveServer) -> Iterator[Callable[[str], User]]:
    """New accounts on the module's running server, as many as a test needs: `researchers("iris")`."""
    with contextlib.ExitStack() as accounts:
        yield lambda prefix: accounts.enter_context(signed_up(backend, running_server, prefix))
