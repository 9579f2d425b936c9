"""A first run as a new user makes it: a fresh clone, `make run`, and the default Total Energy job
(the account's default material under its default workflow) computed to `finished`.

The clone is of the repository's committed state (what CI checks out), with its own virtual
environment, data folder and port; `make run` installs what the job needs where it can."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import require, wait_until
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
INSTALL_S = 600  # a new virtual environment from pip's cache, and what `make run` installs


class MakeRun:
    """`make run` in a clone, in a process group of its own; what it printed, as it comes."""

    def __init__(self, clone: Path, port: int) -> None:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("MATJOBS_", "VIRTUAL_ENV"))}
        # The tests' own virtual environment must not stand in for the one `make run` builds.
        env["PATH"] = os.pathsep.join(
            part for part in env.get("PATH", "").split(os.pathsep) if not part.startswith(str(ROOT))
        )
        env.update(MATJOBS_PORT=str(port), MATJOBS_HOST="127.0.0.1")
        self.process = subprocess.Popen(
            ["make", "run"],
            cwd=clone,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def printed(self) -> str:
        return "\n".join(self.lines)

    def credentials(self) -> dict[str, str] | None:
        """The demo user's credentials, once `matjobs demo` has printed them whole."""
        text = self.printed()
        start = text.find("{\n")
        end = text.find("\n}", start)
        return json.loads(text[start : end + 2]) if start >= 0 and end >= 0 else None

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._reader.join(timeout=10)
        assert self.process.stdout is not None
        self.process.stdout.close()


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[tuple[MakeRun, str]]:
    require(shutil.which("git") is not None and shutil.which("make") is not None, "git and make")
    clone = tmp_path / "matjobs"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    port = free_port()
    run = MakeRun(clone, port)
    try:
        yield run, f"http://127.0.0.1:{port}"
    finally:
        run.stop()


def _serving(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.timeout(INSTALL_S + 120)
def test_make_run_in_a_fresh_clone_serves_and_runs_the_default_total_energy_job(
    make_run: tuple[MakeRun, str],
) -> None:
    run, url = make_run

    def up() -> bool:
        assert run.process.poll() is None, f"make run ended ({run.process.returncode}):\n{run.printed()}"
        return _serving(url)

    wait_until(up, seconds=INSTALL_S, what=lambda: "make run to serve; it printed:\n" + run.printed()[-3000:])
    credentials = run.credentials()
    assert credentials is not None, run.printed()
    headers = {"X-Auth-Token": credentials["token"], "X-User-Id": credentials["userId"]}
    with httpx.Client(base_url=f"{url}/api/v1", headers=headers, timeout=30) as api:
        mine = json.dumps({"isDefault": True, "owner._id": credentials["accountId"]})
        [material] = api.get("/materials", params={"query": mine}).json()["data"]
        [workflow] = api.get("/workflows", params={"query": mine}).json()["data"]
        assert workflow["name"] == "Total Energy"
        created = api.post(
            "/jobs",
            json={"name": "first run", "_material": {"_id": material["_id"]}, "workflow": {"_id": workflow["_id"]}},
        )
        assert created.status_code == 200, created.text
        job_id = created.json()["data"]["_id"]
        assert api.post(f"/jobs/{job_id}", params={"submit": "true"}).status_code == 200

        def ended() -> dict | None:
            job = api.get(f"/jobs/{job_id}").json()["data"]
            return job if job["status"] in ("finished", "error", "timeout", "terminated") else None

        job = wait_until(ended, seconds=120, what="the default job to end")
        assert job["status"] == "finished", json.dumps(job.get("compute", {}).get("errors"), indent=1)
        query = json.dumps({"source.info.jobId": job_id, "data.name": "total_energy"})
        [energy] = api.get("/properties", params={"query": query}).json()["data"]
        assert energy["data"]["units"] == "eV" and energy["data"]["value"] < 0
