"""The document's curl commands, extracted from its text and run with curl against a live server.

Only the host, the credentials and the ids are changed, as the issue allows: the job ids, and
the material, pseudopotential and workflow ids of the create body (see `documented_ids`).
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.conftest import User, documented_ids
from tests.servers import LiveServer

DOC_TOKEN, DOC_USER = "f2KpRW7KeN9aPmjSZ", "fbdpsNf4oHiX79vMJ"
DOC_JOB, DOC_DELETED_JOB = "RhCFP2WuehvG4hCLp", "HmeWjp69jHYkZYMkh"


def document_commands(spec_dir: Path) -> list[str]:
    text = (spec_dir / "jobs-endpoint.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    return [block.strip() for block in blocks if block.strip().startswith("curl")]


def run(command: str, server: LiveServer, user: User, ids: dict[str, str]) -> tuple[int, dict]:
    command = command.replace("https://platform.exabyte.io", server.url)
    command = command.replace(DOC_TOKEN, user.token).replace(DOC_USER, user.user_id)
    for documented, real in ids.items():
        command = command.replace(documented, real)
    argv = shlex.split(command)
    if "X-Auth-Token" not in command:  # the document's delete example leaves credentials out
        argv += ["-H", f"X-Auth-Token: {user.token}", "-H", f"X-User-Id: {user.user_id}"]
    done = subprocess.run([*argv, "-s", "-w", "\n%{http_code}"], capture_output=True, text=True, timeout=30)
    body, _, code = done.stdout.rpartition("\n")
    return int(code), json.loads(body)


@pytest.mark.usefixtures("curl")
def test_every_curl_of_the_document_works_as_written(server: LiveServer, alice: User, spec_dir: Path) -> None:
    commands = document_commands(spec_dir)
    assert len(commands) == 7
    by_verb = {
        (re.search(r"-X (\w+)", c).group(1), "submit=true" in c, "query" in c, DOC_JOB in c): c for c in commands
    }
    ids: dict[str, str] = documented_ids(alice)

    code, created = run(by_verb[("POST", False, False, False)], server, alice, ids)
    assert code == 200 and created["status"] == "success"
    job = created["data"]
    assert job["status"] == "pre-submission" and job["title"] == "New Job Feb 15th 2017, 18:32 PM"
    ids[DOC_JOB] = job["_id"]
    ids[DOC_DELETED_JOB] = alice.http.post("/api/v1/jobs", json={"name": "to delete"}).json()["data"]["_id"]

    code, listed = run(by_verb[("GET", False, False, False)], server, alice, ids)
    assert code == 200 and {j["_id"] for j in listed["data"]} == {ids[DOC_JOB], ids[DOC_DELETED_JOB]}

    code, got = run(by_verb[("GET", False, False, True)], server, alice, ids)
    assert code == 200 and got["data"] == job

    code, found = run(by_verb[("GET", False, True, False)], server, alice, ids)
    assert code == 200 and found == {"status": "success", "data": []}  # nothing has finished yet

    code, updated = run(by_verb[("PATCH", False, False, True)], server, alice, ids)
    assert code == 200 and updated["data"]["title"] == "New Job Feb 15th 2017, 18:32 PM"

    code, submitted = run(by_verb[("POST", True, False, True)], server, alice, ids)
    assert code == 200 and submitted["data"]["status"] == "submitted"

    code, deleted = run(by_verb[("DELETE", False, False, False)], server, alice, ids)
    assert code == 200
    assert deleted == {"status": "success", "data": {"message": f"Job {ids[DOC_DELETED_JOB]} successfully deleted"}}
