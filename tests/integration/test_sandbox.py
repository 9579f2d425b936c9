"""Every job runs in a sandbox: it sees its own folder, the system read-only and a private /tmp;
nothing of other accounts' jobs, the database or the service's data folder; no process of the
host; no network unless its cluster allows it. A cluster without the sandbox's tool refuses
jobs saying what to install, and one configured `sandbox = false` runs them as before."""

from __future__ import annotations

import os
import pwd
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from matjobs.sandbox.users import unix_user_name
from matjobs.store import Store
from tests.conftest import User
from tests.helpers import FINAL, Gate, require, submit, wait_for, wait_until
from tests.servers import SLURM, LiveServer, serving_with_runner

QUEUES = {"D": {"time_limit": "01:00:00", "max_jobs": 4, "max_cores": 4}}
CLUSTERS = [
    {"fqdn": "boxed", "type": "local", "default": True, "cores": 4, "queues": QUEUES},
    {"fqdn": "open", "type": "local", "cores": 4, "queues": QUEUES, "sandbox": False},
    {"fqdn": "networked", "type": "local", "cores": 4, "queues": QUEUES, "network": True},
    {"fqdn": "no-tool", "type": "local", "cores": 4, "queues": QUEUES, "sandbox_tool": "/nonexistent/bwrap"},
    {"fqdn": "per-account", "type": "local", "cores": 4, "queues": QUEUES, "account_users": True},
]
SLURM_PER_ACCOUNT = {**SLURM, "fqdn": "slurm-per-account", "account_users": True}
# In the runner's environment, as the database URL and its password would be.
RUNNER_SECRET = uuid.uuid4().hex


@pytest.fixture(scope="module")
def server(backend: Store, slurm: Path | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The server `alice` and `bob` use here: its runner runs jobs on the clusters above."""
    clusters = [*CLUSTERS, SLURM, SLURM_PER_ACCOUNT] if slurm is not None else CLUSTERS
    data = tmp_path_factory.mktemp("sandbox-data")
    with serving_with_runner(backend, data, clusters, runner_env={"MATJOBS_TEST_RUNNER_SECRET": RUNNER_SECRET}) as live:
        yield live


def finished(user: User, job_id: str) -> dict:
    job = wait_for(user, job_id, FINAL, seconds=120)
    assert job["status"] == "finished", job["compute"].get("errors")
    return job


def search_script(secret: str) -> str:
    """Everything the job can see: every path (listing.txt), and every file holding the secret
    (found.txt). The secret is split in two so that this script, in the job's own folder, does
    not hold it whole. /proc is left out, /usr is only listed: it is the host's own, read-only.
    The content search stops at the first folder of / where it found something, /tmp first: the
    unsandboxed run would otherwise read the whole host."""
    half = len(secret) // 2
    return f"""
first={secret[:half]}; second={secret[half:]}
find / \\( -path /proc -o -path /sys -o -path /usr \\) -prune -o -print > listing.txt 2>/dev/null || true
for root in /tmp $(ls -d /* | grep -vx -e /tmp -e /usr -e /proc -e /sys -e /dev); do
  grep -rlF -D skip -s "$first$second" "$root" >> found.txt || true
  [ -s found.txt ] && break
done
touch found.txt
"""


def bob_holding(bob: User, secret: str) -> tuple[str, Path, Gate]:
    """Bob's job, sandboxed, with the secret in its folder and its /tmp, kept running."""
    gate = Gate()
    job_id = submit(
        bob, f"echo {secret} > secret.txt; echo {secret} > /tmp/secret.txt; touch ready; {gate.wait}", "boxed"
    )
    folder = Path(wait_for(bob, job_id, {"active"})["workDir"])
    wait_until(lambda: (folder / "ready").exists(), what="bob's job did not write its secret")
    return job_id, folder, gate


def what_alice_finds(alice: User, bob: User, cluster: str) -> tuple[list[str], list[str], str, Path]:
    """Alice's search on `cluster` while Bob's job runs: (paths listed, files holding the
    secret, Bob's job id, Alice's job folder)."""
    secret = uuid.uuid4().hex
    bob_job, _, gate = bob_holding(bob, secret)
    try:
        alice_job = finished(alice, submit(alice, search_script(secret), cluster))
    finally:
        gate.open(bob, bob_job)
    finished(bob, bob_job)
    folder = Path(alice_job["workDir"])
    listing = (folder / "listing.txt").read_text().splitlines()
    return listing, (folder / "found.txt").read_text().splitlines(), bob_job, folder


def test_a_job_finds_nothing_of_another_accounts_job_the_database_or_the_data_folder(
    alice: User, bob: User, server: LiveServer, backend: Store
) -> None:
    data_dir = Path(server.settings.data_dir).resolve()
    listing, found, bob_job, own = what_alice_finds(alice, bob, "boxed")
    assert found == []  # Bob's secret, neither in his folder nor in his /tmp
    assert len(listing) > 20 and "/etc/passwd" in listing and str(own / "job.sh") in listing  # the search ran
    assert not [path for path in listing if bob_job in path]
    assert not [path for path in listing if path.startswith(str(data_dir / "runners"))]  # the runner's spool
    # Of the data folder, only the way down to its own folder.
    seen = [Path(path) for path in listing if path.startswith(str(data_dir))]
    assert all(path in own.parents or path == own or own in path.parents for path in seen), seen
    if backend.url.startswith("sqlite"):
        database = Path(backend.url.split("///", 1)[1])
        assert not [path for path in listing if database.name in path or str(database.parent) in path]


def test_the_same_search_unsandboxed_finds_them_all(alice: User, bob: User, server: LiveServer, backend: Store) -> None:
    """The search above can fail: run on a cluster with `sandbox = false`, it finds everything."""
    data_dir = Path(server.settings.data_dir).resolve()
    listing, found, bob_job, _ = what_alice_finds(alice, bob, "open")
    assert str(data_dir / "jobs" / bob_job / "secret.txt") in found
    assert str(data_dir / "jobs" / bob_job) in listing
    assert [path for path in listing if path.startswith(str(data_dir / "runners"))]
    if backend.url.startswith("sqlite"):
        assert backend.url.split("///", 1)[1] in listing


def test_a_job_cannot_signal_the_servers_processes_and_sees_only_its_own(alice: User, server: LiveServer) -> None:
    # The server is this process, the runner a process of its own: each is probed with signal 0,
    # which tells whether a signal would reach it without harming it. A sleeper of the same user
    # stands in for any other process of the host and is sent TERM.
    assert server.runner is not None and server.runner.process is not None
    runner_pid = server.runner.process.pid
    bystander = subprocess.Popen(["sleep", "300"])
    try:
        script = f"""
kill -0 {os.getpid()} 2>/dev/null; echo "server $?" >> signals.txt
kill -0 {runner_pid} 2>/dev/null; echo "runner $?" >> signals.txt
kill -TERM {bystander.pid} 2>/dev/null; echo "bystander $?" >> signals.txt
kill -TERM 1 2>/dev/null; kill -KILL 1 2>/dev/null; echo "survived pid 1" >> signals.txt
ls /proc | grep -E '^[0-9]+$' > pids.txt
"""
        job = finished(alice, submit(alice, script, "boxed"))
        signals = (Path(job["workDir"]) / "signals.txt").read_text().splitlines()
        assert signals == ["server 1", "runner 1", "bystander 1", "survived pid 1"]
        assert bystander.poll() is None and server.runner.process.poll() is None
        pids = [int(pid) for pid in (Path(job["workDir"]) / "pids.txt").read_text().split()]
        assert len(pids) < 10 and not {os.getpid(), runner_pid, bystander.pid} & set(pids)
    finally:
        bystander.send_signal(signal.SIGKILL)
        bystander.wait()


@pytest.mark.parametrize(("cluster", "reached"), [("boxed", False), ("networked", True)])
def test_the_network_is_there_only_where_the_cluster_allows_it(
    alice: User, server: LiveServer, cluster: str, reached: bool
) -> None:
    script = f"(exec 3<>/dev/tcp/127.0.0.1/{server.port}) 2>/dev/null && echo reached > net.txt || echo none > net.txt"
    job = finished(alice, submit(alice, script, cluster))
    assert (Path(job["workDir"]) / "net.txt").read_text().strip() == ("reached" if reached else "none")


def test_the_clusters_list_says_how_each_cluster_confines_its_jobs(alice: User) -> None:
    listed = {cluster["fqdn"]: cluster for cluster in alice.http.get("/api/v1/clusters").json()["data"]}
    assert listed["boxed"]["sandbox"] == {"tool": "bubblewrap", "network": False, "accountUsers": False}
    assert listed["networked"]["sandbox"] == {"tool": "bubblewrap", "network": True, "accountUsers": False}
    assert listed["per-account"]["sandbox"] == {"tool": "bubblewrap", "network": False, "accountUsers": True}
    assert listed["open"]["sandbox"] is None and "without a sandbox" in listed["open"]["unsandboxed"]
    dated = alice.http.get("/api/2018-10-01/other/clusters")
    assert dated.status_code == 200 and dated.json()["data"] == alice.http.get("/api/v1/clusters").json()["data"]


def test_a_cluster_without_the_sandbox_tool_ends_jobs_in_error_saying_what_to_do(alice: User) -> None:
    job = wait_for(alice, submit(alice, "echo ran > ran.txt", "no-tool"), FINAL)
    assert job["status"] == "error"
    message = job["compute"]["errors"][-1]["message"]
    assert "/nonexistent/bwrap" in message and "install the Debian package bubblewrap" in message
    assert "sandbox = false for cluster no-tool" in message
    assert not (Path(job.get("workDir") or "/nonexistent") / "ran.txt").exists()
    finished(alice, submit(alice, "echo ran > ran.txt", "open"))  # unsandboxed by configuration: runs


@pytest.mark.parametrize(("cluster", "sandboxed"), [("boxed", True), ("slurm", True), ("open", False)])
def test_a_job_reads_nothing_of_the_runners_environment(
    alice: User, slurm: Path | None, cluster: str, sandboxed: bool
) -> None:
    """The runner's environment holds what its jobs must not read (the database URL and its
    password): not in the job's own, nor in any process's it can see (/proc/1 is bwrap's own)."""
    if cluster == "slurm":
        require(slurm is not None, "a SLURM cluster (scripts/slurm.sh)")
    secret = RUNNER_SECRET
    half = len(secret) // 2
    script = f"""
env > env.txt
for environ in /proc/[0-9]*/environ; do tr '\\0' '\\n' < "$environ"; done > environs.txt 2>/dev/null || true
grep -lF -e "{secret[:half]}""{secret[half:]}" env.txt environs.txt > found.txt || true
"""
    job = finished(alice, submit(alice, script, cluster))
    found = (Path(job["workDir"]) / "found.txt").read_text().split()
    assert found == ([] if sandboxed else ["env.txt", "environs.txt"])


@pytest.fixture
def account_users(alice: User, bob: User) -> Iterator[dict[str, str]]:
    """The Unix users alice's and bob's jobs run as, by account; removed afterwards."""
    names = {user.account_id: unix_user_name(user.account_id) for user in (alice, bob)}
    yield names
    for name in names.values():
        subprocess.run(["userdel", name], capture_output=True, check=False)


@pytest.mark.parametrize("cluster", ["per-account", "slurm-per-account"])
def test_each_accounts_jobs_run_as_a_unix_user_of_its_own_whose_files_the_service_reads(
    alice: User, bob: User, slurm: Path | None, account_users: dict[str, str], cluster: str
) -> None:
    require(os.geteuid() == 0, "root, to make the accounts' users")
    if cluster.startswith("slurm"):
        require(slurm is not None, "a SLURM cluster (scripts/slurm.sh)")
    script = "id -u > uid.txt; id -un > user.txt; mpirun --allow-run-as-root -np 2 id -un > ranks.txt"
    seen = {}
    for user in (alice, bob):
        job = finished(user, submit(user, script, cluster, ppn=2))
        folder = Path(job["workDir"])
        uid, name = int((folder / "uid.txt").read_text()), (folder / "user.txt").read_text().strip()
        assert name == account_users[user.account_id] and uid == pwd.getpwnam(name).pw_uid != 0
        assert (folder / "ranks.txt").read_text().split() == [name, name]  # MPI's ranks too
        assert (folder / "uid.txt").stat().st_uid == uid and folder.stat().st_uid == uid
        files = {entry["name"]: entry for entry in user.http.get(f"/api/v1/jobs/{job['_id']}/files").json()["data"]}
        assert httpx.get(files["user.txt"]["signedUrl"]).text.strip() == name  # the service reads them
        seen[user.account_id] = uid
    assert len(set(seen.values())) == 2
