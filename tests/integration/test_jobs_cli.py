"""The jobs CLI as a person runs it: `.venv/bin/matjobs` in a process of its own, against a live
server whose runner runs shell jobs on the local cluster.

What the CLI adds is calls and their presentation, not storage: one SQLite store is enough.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from matjobs.store import Store
from matjobs.store.migrate import upgrade
from tests.conftest import User, make_user
from tests.helpers import FINAL, Gate, running, shell_unit, shell_workflow, submit, wait_for, wait_until, with_units
from tests.servers import LOCAL, LiveServer, free_port, serving_with_runner

MATJOBS = Path(sys.executable).with_name("matjobs")  # the installed entry point
STRUCTURES = Path(__file__).parents[1] / "data" / "structures"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, LiveServer]]:
    data = tmp_path_factory.mktemp("cli-data")
    store = Store(f"sqlite:///{data / 'matjobs.sqlite3'}")
    upgrade(store)
    with serving_with_runner(store, data, [LOCAL]) as server:
        yield store, server
    store.dispose()


@pytest.fixture
def server(live: tuple[Store, LiveServer]) -> LiveServer:
    return live[1]


@pytest.fixture
def user(live: tuple[Store, LiveServer]) -> Iterator[User]:
    person = make_user(*live, "cli")
    yield person
    person.http.close()


def environment(user: User | None, server: LiveServer | None, config: Path | None, **more: str) -> dict[str, str]:
    """This process's environment without MATJOBS_ settings, then the user's credentials and the
    server in the CLI's variables, and the login file's place."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MATJOBS_")}
    env.update(COLUMNS="200", MATJOBS_CLIENT_CONFIG=str(config) if config else os.devnull)
    if server is not None:
        env["MATJOBS_SERVER"] = server.url
    if user is not None:
        env.update(MATJOBS_TOKEN=user.token, MATJOBS_USER_ID=user.user_id)
    return {**env, **more}


def cli(
    *args: str,
    user: User | None,
    server: LiveServer | None = None,
    config: Path | None = None,
    stdin: str | None = None,
    **more: str,
) -> subprocess.CompletedProcess[str]:
    """`matjobs ARGS`, with no terminal: a password prompt then reads standard input."""
    return subprocess.run(
        [str(MATJOBS), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment(user, server, config, **more),
        timeout=120,
        start_new_session=True,
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def failed(done: subprocess.CompletedProcess[str], code: int = 1) -> str:
    """The one line a command that failed as it should said."""
    assert done.returncode == code, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def created(user: User, name: str, script: str = "true", workflow: dict | None = None) -> str:
    answer = user.http.post("/api/v1/jobs", json={"name": name, "workflow": workflow or shell_workflow(script)})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["data"]["_id"])


def finished(user: User, script: str) -> str:
    job_id = submit(user, script)
    assert wait_for(user, job_id, FINAL)["status"] == "finished"
    return job_id


def test_login_keeps_the_credentials_for_its_owner_only_and_later_commands_use_them(
    user: User, server: LiveServer, tmp_path: Path
) -> None:
    path = tmp_path / "config" / "client.toml"
    login = ("login", "--server", server.url, "--username", user.username)
    assert failed(cli(*login, "--password", "not it", user=None, config=path)) == "error: wrong username or password"
    assert not path.exists()
    said = ok(cli(*login, user=None, config=path, stdin=user.password + "\n"))  # the password prompted for
    assert f"logged in to {server.url} as {user.username}" in said
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = path.read_text()
    assert f'server = "{server.url}"' in saved and f'user_id = "{user.user_id}"' in saved and "token = " in saved
    job_id = created(user, "after login")
    assert job_id in ok(cli("jobs", "list", user=None, config=path))
    # The environment comes before the file: its token, not the file's, is sent (and refused).
    refused = failed(cli("jobs", "list", user=None, config=path, MATJOBS_TOKEN="x" * 32))
    assert refused.startswith("error: not logged in") and "matjobs login" in refused


def test_the_list_shows_the_newest_jobs_and_takes_filters_a_query_and_pages(user: User, server: LiveServer) -> None:
    done = finished(user, "true")
    waiting = created(user, "Si band structure")
    other = created(user, "NaCl total energy")

    def listed(*options: str) -> list[str]:
        shown = ok(cli("jobs", "list", *options, user=user, server=server))
        return [job_id for job_id in (done, waiting, other) if job_id in shown]

    table = ok(cli("jobs", "list", user=user, server=server))
    assert [line.split()[1] for line in table.splitlines() if line.startswith("│")][:3] == [other, waiting, done]
    assert "pre-submission" in table and "finished" in table and "local" in table
    assert listed("--status", "finished") == [done]
    assert listed("--status", "finished", "--status", "pre-submission") == [done, waiting, other]
    assert listed("--name", "BAND struct") == [waiting]
    assert listed("--query", '{"name": {"$regex": "total"}}') == [other]
    assert listed("--query", '{"status": "pre-submission"}', "--name", "si") == [waiting]
    assert listed("--project", "Default") == [done, waiting, other]
    assert listed("--limit", "1", "--page", "2") == [waiting]
    assert (
        failed(cli("jobs", "list", "--project", "nothing", user=user, server=server)) == "error: no project 'nothing'"
    )
    assert "--query is not JSON" in failed(cli("jobs", "list", "--query", "{", user=user, server=server))
    bad = failed(cli("jobs", "list", "--query", '{"status": {"$where": 1}}', user=user, server=server))
    assert "$where" in bad


def test_a_cif_and_a_bank_workflows_name_make_a_job_that_submits(user: User, server: LiveServer) -> None:
    args = ("jobs", "create", "--material", str(STRUCTURES / "Si.cif"), "--workflow", "band structure")
    done = cli(*args, "--name", "Si bands", "--ppn", "2", user=user, server=server)
    job_id = ok(done).strip()
    assert "copied the bank's workflow 'Band Structure'" in done.stderr
    job = user.http.get(f"/api/v1/jobs/{job_id}").json()["data"]
    assert (job["name"], job["status"], job["compute"]["ppn"]) == ("Si bands", "pre-submission", 2)
    assert job["workflow"]["name"] == "Band Structure"
    assert {sub["application"]["name"] for sub in job["workflow"]["subworkflows"]} == {"espresso"}
    material = user.http.get(f"/api/v1/materials/{job['_material']['_id']}").json()["data"]
    assert (material["name"], material["formula"]) == ("Si", "Si")
    shown = ok(cli("jobs", "show", job_id, user=user, server=server))
    assert "Si bands" in shown and "pre-submission" in shown and "pw_scf" in shown and "pw_bands" in shown
    # The next job finds the copy among the user's workflows, and takes a material by id.
    again = cli(
        "jobs", "create", "--material-id", material["_id"], "--workflow", "Band Structure", user=user, server=server
    )
    second = ok(again).strip()
    assert "copied" not in again.stderr
    assert user.http.get(f"/api/v1/jobs/{second}").json()["data"]["name"] == "Band Structure on Si"
    assert len(user.http.get("/api/v1/workflows", params={"query": '{"name": "Band Structure"}'}).json()["data"]) == 1
    assert ok(cli("jobs", "submit", job_id, user=user, server=server)).split() == [job_id, "submitted"]
    user.http.post(f"/api/v1/jobs/{job_id}/terminate")  # it has shown what it should; no need to run it
    wait_for(user, job_id, FINAL, seconds=60)


def test_create_says_what_it_could_not_find(user: User, server: LiveServer) -> None:
    cif = str(STRUCTURES / "Si.cif")
    nothing = cli("jobs", "create", "--material", cif, "--workflow", "No Such Flow", user=user, server=server)
    assert "no workflow 'No Such Flow'" in failed(nothing)
    assert failed(
        cli("jobs", "create", "--material-id", "x1", "--workflow", "Total Energy", user=user, server=server)
    ) == ("error: material x1 not found")
    both = cli("jobs", "create", "--workflow", "Total Energy", user=user, server=server)
    assert "--material FILE or --material-id" in failed(both, 2)


def test_materials_import_and_the_banks_workflows(user: User, server: LiveServer) -> None:
    done = cli("materials", "import", str(STRUCTURES / "Si.poscar"), "--name", "my Si", user=user, server=server)
    material_id = ok(done).strip()
    assert "as material 'my Si' (Si)" in done.stderr
    assert user.http.get(f"/api/v1/materials/{material_id}").json()["data"]["name"] == "my Si"
    bank = ok(cli("workflows", "list", "--bank", "--name", "band structure", user=user, server=server))
    assert "Band Structure + Density of States" in bank and "espresso" in bank and "vasp" in bank
    assert "Band Structure" not in ok(cli("workflows", "list", user=user, server=server))
    bad = failed(cli("materials", "import", str(STRUCTURES / "Si.poscar"), "--format", "cif", user=user, server=server))
    assert bad.startswith("error: content: not a readable cif structure")


def test_watch_follows_a_job_to_its_end_and_exits_with_its_status(user: User, server: LiveServer) -> None:
    gate = Gate()
    units = [shell_unit("first", "echo one", next="second"), shell_unit("second", gate.wait)]
    job_id = created(user, "two units", workflow=with_units(shell_workflow("true"), units))
    assert user.http.post(f"/api/v1/jobs/{job_id}?submit=true").status_code == 200
    wait_for(user, job_id, {"active"})
    watching = subprocess.Popen(
        [str(MATJOBS), "jobs", "watch", job_id],
        env=environment(user, server, None),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert watching.stdout is not None
        first = watching.stdout.readline()  # it is watching: the job waits on the gate till opened
        gate.open(user, job_id)
        rest, err = watching.communicate(timeout=60)
    finally:
        watching.kill()
    assert watching.returncode == 0, err
    assert first.endswith(": active\n"), first
    assert rest.splitlines()[-1].endswith(": finished"), rest
    assert f"{job_id} unit second: finished (2/2 finished)" in rest  # the units' own progress
    error = submit(user, "exit 3")
    assert cli("jobs", "watch", error, user=user, server=server).returncode == 3
    both = cli("jobs", "watch", job_id, error, user=user, server=server)
    assert both.returncode == 3 and job_id in both.stdout and error in both.stdout


def test_logs_print_a_jobs_output_and_follow_it_until_the_job_ends(user: User, server: LiveServer) -> None:
    job_id = finished(user, "echo hello from the job; echo a warning >&2")
    shown = ok(cli("jobs", "logs", job_id, user=user, server=server))
    assert shown.index("==> job.out <==") < shown.index("hello from the job") < shown.index("==> job.err <==")
    assert "a warning" in shown
    assert ok(cli("jobs", "logs", job_id, "--file", "job.out", user=user, server=server)) == "hello from the job\n"
    gate = Gate()
    running_id = submit(user, f"echo first; {gate.wait}; echo second")
    follow = subprocess.Popen(
        [str(MATJOBS), "jobs", "logs", running_id, "-f"],
        env=environment(user, server, None),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(user, running_id, {"active"})
        gate.open(user, running_id)
        out, err = follow.communicate(timeout=60)  # it ends by itself once the job has
    finally:
        follow.kill()
    assert follow.returncode == 0, err
    assert out == "==> job.out <==\nfirst\nsecond\n"


def test_files_lists_a_jobs_files_and_download_saves_them(user: User, server: LiveServer, tmp_path: Path) -> None:
    job_id = finished(user, "mkdir -p out; echo 42 > out/answer.txt; echo hi")
    listed = ok(cli("jobs", "files", job_id, user=user, server=server))
    assert "out/answer.txt" in listed and "job.out" in listed and "3 B" in listed
    one = ok(cli("jobs", "download", job_id, "out/answer.txt", "-o", str(tmp_path / "one"), user=user, server=server))
    assert (tmp_path / "one" / "answer.txt").read_text() == "42\n" and "answer.txt" in one
    ok(cli("jobs", "download", job_id, "-o", str(tmp_path / "all"), user=user, server=server))
    assert (tmp_path / "all" / "out" / "answer.txt").read_text() == "42\n"
    assert (tmp_path / "all" / "job.out").read_text() == "hi\n"
    missing = cli("jobs", "download", job_id, "nothing.txt", user=user, server=server)
    assert failed(missing) == f"error: job {job_id} has no file 'nothing.txt' (see `matjobs jobs files {job_id}`)"


def test_terminate_stops_a_sleeping_job(user: User, server: LiveServer) -> None:
    marker = f"sleep 300.{uuid.uuid4().int % 1000:03d}"
    job_id = submit(user, f"{marker} & wait")
    wait_for(user, job_id, {"active"})
    wait_until(lambda: running(marker), what=f"{marker} never started")
    assert ok(cli("jobs", "terminate", job_id, user=user, server=server)).split() == [job_id, "terminate-queued"]
    assert wait_for(user, job_id, FINAL)["status"] == "terminated"
    wait_until(lambda: not running(marker), seconds=10, what=f"{marker} still runs")
    assert cli("jobs", "watch", job_id, user=user, server=server).returncode == 5


def test_delete_removes_jobs_and_says_which_it_could_not(user: User, server: LiveServer) -> None:
    first, second = created(user, "one"), created(user, "two")
    done = cli("jobs", "delete", first, second, "gone123", user=user, server=server)
    assert done.stdout.splitlines() == [f"{first} deleted", f"{second} deleted"]
    assert failed(done) == "error: job gone123 not found"
    assert user.http.get(f"/api/v1/jobs/{first}").status_code == 404


def test_a_bad_id_another_accounts_job_and_a_server_that_is_down_are_told_in_one_line(
    live: tuple[Store, LiveServer], user: User, server: LiveServer
) -> None:
    assert failed(cli("jobs", "show", "nosuchjob", user=user, server=server)) == "error: job nosuchjob not found"
    other = make_user(*live, "other")
    theirs = created(other, "not yours")
    other.http.close()
    for command in ("show", "logs", "files", "watch", "submit", "terminate"):
        said = failed(cli("jobs", command, theirs, user=user, server=server))
        assert said == f"error: job {theirs} not found", command
    down = f"http://127.0.0.1:{free_port()}"
    assert failed(cli("jobs", "list", "--server", down, user=user)) == f"error: cannot reach server {down}"
