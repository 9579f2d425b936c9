"""The README's worked example, from the bank to Si's band gap: its bash blocks, taken from README.md
by the subsection's title, run as written with bash, curl and jq against a live server with a runner.
Only the host and the credentials (the `H=`, `TOKEN=` and `USER_ID=` lines) are changed.

Skipped while README.md has no such subsection. SQLite only: the run is what is tested."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from matjobs.store import Store
from tests.conftest import User, signed_up
from tests.helpers import require
from tests.servers import LOCAL, LiveServer, serving_with_runner

TITLE = "### Worked example: Band Structure + DOS on Si, from the bank to the band gap"
README = Path(__file__).parents[2] / "README.md"
RUNNING = {"submitted", "queued", "active"}


def section(text: str, title: str) -> str | None:
    """The lines under `title` up to the next heading of its level or above (fenced code skipped)."""
    lines = text.splitlines()
    if title not in lines:
        return None
    level = len(title) - len(title.lstrip("#"))
    body: list[str] = []
    fenced = False
    for line in lines[lines.index(title) + 1 :]:
        if line.startswith("```"):
            fenced = not fenced
        heading = re.match(r"(#+) ", line)
        if not fenced and heading and len(heading.group(1)) <= level:
            break
        body.append(line)
    return "\n".join(body)


def example_script(text: str) -> str | None:
    """The subsection's bash blocks, in order, as one script; None while the README lacks it."""
    found = section(text, TITLE)
    if found is None:
        return None
    return "\n".join(re.findall(r"```bash\n(.*?)```", found, flags=re.S))


def with_credentials(script: str, url: str, user: User) -> str:
    for name, value in (("H", url), ("TOKEN", user.token), ("USER_ID", user.user_id)):
        script, replaced = re.subn(rf"(?m)^{name}=.*$", f"{name}={value}", script)
        assert replaced == 1, f"the example should set {name} once, on a line of its own"
    return script


SCRIPT = example_script(README.read_text())
pytestmark = pytest.mark.skipif(SCRIPT is None, reason=f"README.md has no subsection {TITLE!r} yet")


@pytest.fixture(autouse=True)
def sqlite_only(backend: Store) -> None:
    if not backend.url.startswith("sqlite"):
        pytest.skip("runs Quantum ESPRESSO: once, over SQLite, is enough")


@pytest.fixture(scope="module")
def local_server(backend: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server and its runner on the local cluster only, as `make run` has them."""
    with serving_with_runner(backend, tmp_path_factory.mktemp("example-data"), [LOCAL]) as live:
        yield live


@pytest.fixture
def reader(backend: Store, local_server: LiveServer) -> Iterator[User]:
    with signed_up(backend, local_server, "reader") as user:
        yield user


def printed_json(stdout: str) -> list[object]:
    """Every line the script printed that is JSON (jq -c's answers)."""
    found = []
    for line in stdout.splitlines():
        try:
            found.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return found


@pytest.mark.usefixtures("pw_x", "espresso_data", "curl")
def test_the_readme_worked_example_runs_to_a_band_gap(local_server: LiveServer, reader: User) -> None:
    require(shutil.which("jq") is not None, "jq (Debian: apt-get install -y jq)")
    assert SCRIPT is not None
    script = "set -e -o pipefail\n" + with_credentials(SCRIPT, local_server.url, reader)
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=300, env={"PATH": os.environ["PATH"]}
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"

    [job] = reader.http.get("/api/v1/jobs").json()["data"]
    assert job["status"] == "finished", job["compute"].get("errors")
    units = [unit for subworkflow in job["workflow"]["subworkflows"] for unit in subworkflow["units"]]
    assert len(units) == 5 and all(unit["status"] == "finished" for unit in units), units

    printed = printed_json(done.stdout)
    # The watch loop's lines: [status, ["unit status", ...]]; it stops once the job has ended.
    watched = [line for line in printed if isinstance(line, list) and len(line) == 2 and isinstance(line[1], list)]
    assert watched and watched[-1][0] == "finished" and all(line[0] in RUNNING for line in watched[:-1])

    gaps_printed = {line["unit"]: line["gaps"] for line in printed if isinstance(line, dict) and "gaps" in line}
    query = json.dumps({"source.info.jobId": job["_id"], "data.name": "band_gaps"})
    stored = reader.http.get("/api/v1/properties", params={"query": query}).json()["data"]
    assert stored, "the job stored no band_gaps"
    assert set(gaps_printed) == {document["source"]["info"]["unitId"] for document in stored}
    for unit_id, gaps in gaps_printed.items():
        by_type = {gap["type"]: gap["value"] for gap in gaps}
        assert 0 < by_type["indirect"] < by_type["direct"], (unit_id, gaps)
