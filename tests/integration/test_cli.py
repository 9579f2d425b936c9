"""The command line, run as a user runs it: migrate, users create, demo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from matjobs.settings import Settings
from matjobs.store import Store
from matjobs.store.accounts import token_holder
from tests.helpers import wait_until
from tests.servers import free_port


def matjobs(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MATJOBS_DATA_DIR": str(data_dir)}
    env.pop("MATJOBS_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "matjobs", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_migrate_then_users_create_prints_ids_and_a_working_token(tmp_path: Path) -> None:
    assert matjobs("migrate", data_dir=tmp_path).returncode == 0
    assert (tmp_path / "matjobs.sqlite3").exists()
    done = matjobs("users", "create", "carol", "--password", "s3cret-enough", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    created = json.loads(done.stdout)
    assert set(created) == {"username", "userId", "accountId", "token"}
    store = Store(Settings(data_dir=tmp_path).sqlalchemy_url)
    holder = token_holder(store, created["token"])
    store.dispose()
    assert holder is not None and holder.principal.account_id == created["accountId"]
    again = matjobs("users", "create", "carol", "--password", "s3cret-enough", data_dir=tmp_path)
    assert again.returncode == 2 and "taken" in again.stderr


def test_the_runner_refuses_a_database_that_is_not_migrated(tmp_path: Path) -> None:
    refused = matjobs("runner", data_dir=tmp_path)
    assert refused.returncode == 2 and "run `matjobs migrate` first" in refused.stderr


def test_demo_creates_the_user_once_and_mints_fresh_tokens(tmp_path: Path) -> None:
    matjobs("migrate", data_dir=tmp_path)
    first = json.loads(matjobs("demo", data_dir=tmp_path).stdout)
    second = json.loads(matjobs("demo", data_dir=tmp_path).stdout)
    assert "password" in first and "password" not in second
    assert first["accountId"] == second["accountId"] and first["token"] != second["token"]


def test_serve_answers_on_the_configured_port_and_its_runner_ends_with_it(tmp_path: Path) -> None:
    matjobs("migrate", data_dir=tmp_path)
    port = free_port()
    env = {**os.environ, "MATJOBS_DATA_DIR": str(tmp_path), "MATJOBS_PORT": str(port), "MATJOBS_CONFIG": os.devnull}
    server = subprocess.Popen(
        [sys.executable, "-m", "matjobs", "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        assert wait_for_health(f"http://127.0.0.1:{port}/api/health", server) == {"status": "ok"}
        runners = children(server.pid)
        assert len(runners) == 1 and "runner" in Path(f"/proc/{runners[0]}/cmdline").read_text()
    finally:
        server.terminate()
        server.wait(timeout=10)
    wait_until(lambda: not Path(f"/proc/{runners[0]}").exists(), seconds=10, what="the runner outlived `matjobs serve`")


def test_serve_counts_failed_logins_by_the_real_address_whatever_x_forwarded_for_says(tmp_path: Path) -> None:
    matjobs("migrate", data_dir=tmp_path)
    port = free_port()
    env = {**os.environ, "MATJOBS_DATA_DIR": str(tmp_path), "MATJOBS_PORT": str(port), "MATJOBS_CONFIG": os.devnull}
    env.update(MATJOBS_RUNNER="false", MATJOBS_LOGIN_MAX_FAILURES="3")
    server = subprocess.Popen(
        [sys.executable, "-m", "matjobs", "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_health(base + "/api/health", server)
        answers = [
            httpx.post(
                base + "/api/v1/login",
                data={"username": f"nobody{n}", "password": "wrong password"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},  # a new name and a new claimed address each time
                timeout=30,
            ).status_code
            for n in range(4)
        ]
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert answers == [401, 401, 401, 429]


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def wait_for_health(url: str, server: subprocess.Popen[bytes], seconds: float = 20) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            return httpx.get(url, timeout=1).json()["data"]  # type: ignore[no-any-return]
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"server did not answer at {url} (exit code {server.poll()})")


def test_users_tokens_lists_ids_and_users_revoke_ends_one(tmp_path: Path) -> None:
    matjobs("migrate", data_dir=tmp_path)
    carol = json.loads(matjobs("users", "create", "carol", "--password", "s3cret-enough", data_dir=tmp_path).stdout)
    matjobs("users", "create", "dave", "--password", "s3cret-enough", data_dir=tmp_path)
    listed = matjobs("users", "tokens", "carol", data_dir=tmp_path)
    assert listed.returncode == 0, listed.stderr
    (token,) = json.loads(listed.stdout)
    assert set(token) == {"_id", "createdAt", "expiresAt"} and carol["token"] not in listed.stdout
    assert matjobs("users", "revoke", "dave", token["_id"], data_dir=tmp_path).returncode == 2  # not dave's
    revoked = matjobs("users", "revoke", "carol", token["_id"], data_dir=tmp_path)
    assert revoked.returncode == 0, revoked.stderr
    store = Store(Settings(data_dir=tmp_path).sqlalchemy_url)
    assert token_holder(store, carol["token"]) is None
    store.dispose()
    assert json.loads(matjobs("users", "tokens", "carol", data_dir=tmp_path).stdout) == []
    gone = matjobs("users", "revoke", "carol", token["_id"], data_dir=tmp_path)
    assert gone.returncode == 2 and "no token" in gone.stderr
    assert matjobs("users", "tokens", "nobody", data_dir=tmp_path).returncode == 2
