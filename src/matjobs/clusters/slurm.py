"""A SLURM cluster: pure command builders and output parsers, and one thin class that runs them.

One `squeue` per poll for all of the runner's jobs on this cluster; jobs that have left the
queue are looked up where the cluster keeps finished jobs (`slurm_finished.py`): slurmdbd
through `sacct`, or the job completion log (JobCompType=jobcomp/filetxt) read as it grows.
"""

from __future__ import annotations

import logging
import math
import os
import re
import shlex
import subprocess
from collections.abc import Mapping, Sequence

from matjobs.clusters.base import Refused, Report, RunSpec, State
from matjobs.clusters.registry import Cluster as ClusterConfig
from matjobs.clusters.slurm_finished import Finished
from matjobs.clusters.slurm_states import STATES
from matjobs.sandbox import PACKAGE, SandboxPolicy, UnixUser, UserUnavailable, account_user, bwrap_argv, job_environment

log = logging.getLogger("matjobs.clusters.slurm")
COMMAND_TIMEOUT_S = 30


class SlurmError(RuntimeError):
    """A SLURM command failed; the message carries its output."""


def sbatch_command(spec: RunSpec, partition: str | None, sandboxed: str | None = None) -> list[str]:
    """`sandboxed`: the batch script that runs the job in its sandbox (see `batch_script`); the
    spec's command as it is by default.

    A sandboxed job's batch script gets none of the runner's environment (`--export=NIL`):
    bwrap's own process is the sandbox's pid 1, and the job could read that process's
    environment in /proc/1/environ (the runner's, with the database URL and its password)."""
    command = [
        "sbatch",
        "--parsable",
        *(["--export=NIL"] if sandboxed is not None else []),
        f"--job-name={job_name(spec.key)}",
        f"--chdir={spec.workdir}",
        f"--output={spec.stdout}",
        f"--error={spec.stderr}",
        f"--nodes={spec.nodes}",
        f"--ntasks-per-node={spec.ppn}",
        # Whole minutes, rounded up: SLURM's smallest unit on the command line.
        f"--time={max(1, math.ceil(spec.time_limit_s / 60))}",
    ]
    if partition:
        command.append(f"--partition={partition}")
    return [*command, f"--wrap={sandboxed if sandboxed is not None else shlex.join(spec.command)}"]


def batch_script(
    spec: RunSpec, sandbox: SandboxPolicy, env: Mapping[str, str], fqdn: str, user: UnixUser | None = None
) -> str:
    """What the job runs on its node: the command, in the cluster's sandbox.

    The node must have the tool; where it has not, the job fails at once saying which node
    lacks which package, and its stderr becomes the job's error. The sandbox is given `env`
    and nothing of the batch environment: see `matjobs.sandbox.bubblewrap.KEPT_VARIABLES` for
    why OpenMPI must not see SLURM_* inside (one node only: ranks on other nodes would need
    srun and the network)."""
    tool = shlex.quote(sandbox.tool)
    missing = shlex.quote(
        f"matjobs: cluster {fqdn} runs every job in a sandbox, and {sandbox.tool} is not installed on node "
    )
    remedy = shlex.quote(f": install the Debian package {PACKAGE} there, or set sandbox = false for cluster {fqdn}")
    check = f'command -v {tool} >/dev/null 2>&1 || {{ echo {missing}"$(hostname)"{remedy} >&2; exit 127; }}'
    return (
        f"{check}\nexec {shlex.join(bwrap_argv(sandbox, spec.workdir, spec.command, env, user=user, reads=spec.reads))}"
    )


def job_name(key: str) -> str:
    """The SLURM job's name carries the matjobs job's id, so the job can be found by it again.

    Only characters SLURM keeps as they are: sacct's reader of the filetxt completion log splits
    records at spaces, and a name with a space loses the job's state there."""
    return "matjobs-" + re.sub(r"[^A-Za-z0-9_.-]", "_", key)[:56]


def find_commands(*, completion_log: bool) -> tuple[list[str], list[str]]:
    """The queue, then the finished jobs, each as `JobID|JobName` lines.

    The names are matched here: sacct's filetxt reader ignores `--name`."""
    squeue = ["squeue", "--noheader", "--me", "--format=%i|%j"]
    sacct = [
        "sacct",
        *(["--completion"] if completion_log else []),
        "--noheader",
        "--parsable2",
        "--allocations",
        "--format=JobID,JobName",
    ]
    return squeue, sacct


def parse_named(stdout: str, name: str) -> list[str]:
    """Ids of the jobs called `name`, in the order listed."""
    found = []
    for line in stdout.splitlines():
        jid, _, job = line.strip().partition("|")
        if job == name and jid:
            found.append(jid.split(".")[0])
    return found


def parse_sbatch(stdout: str) -> str:
    """`sbatch --parsable` prints `jobid` or `jobid;cluster`."""
    line = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    jid = line.split(";")[0]
    if not jid.isdigit():
        raise SlurmError(f"sbatch printed no job id: {stdout!r}")
    return jid


def squeue_command() -> list[str]:
    return ["squeue", "--noheader", "--me", "--format=%i|%T"]


def parse_squeue(stdout: str) -> dict[str, State]:
    states: dict[str, State] = {}
    for line in stdout.splitlines():
        jid, _, state = line.strip().partition("|")
        if jid:
            states[jid] = STATES.get(state.strip(), State.RUNNING)
    return states


def sacct_command(jids: Sequence[str], *, completion_log: bool) -> list[str]:
    return [
        "sacct",
        *(["--completion"] if completion_log else []),
        "--noheader",
        "--parsable2",
        "--allocations",
        "--format=JobID,State,ExitCode",
        f"--jobs={','.join(jids)}",
    ]


def parse_sacct(stdout: str) -> dict[str, Report]:
    """Final states: `1|FAILED|3:0`, `2|CANCELLED by 0|0:0`, `3|COMPLETED|0:0`."""
    reports: dict[str, Report] = {}
    for line in stdout.splitlines():
        parts = line.strip().split("|")
        if len(parts) < 3 or not parts[0]:
            continue
        jid, raw_state, exit_code = parts[0].split(".")[0], parts[1].strip(), parts[2]
        code, _, sig = exit_code.partition(":")
        if raw_state:
            state = STATES.get(raw_state.split()[0], State.RUNNING)
        else:
            # A completion-log record sacct could not read fully: the exit code still tells.
            state = State.COMPLETED if exit_code == "0:0" else State.FAILED
        reports[jid] = Report(
            jid,
            state,
            exit_code=int(code) if code.isdigit() and int(code) else (0 if state is State.COMPLETED else None),
            signal=int(sig) if sig.isdigit() and int(sig) else None,
        )
    return reports


def scancel_command(jid: str) -> list[str]:
    return ["scancel", jid]


class SlurmCluster:
    def __init__(self, config: ClusterConfig) -> None:
        self.fqdn = config.fqdn
        self.config = config
        self.env = {**os.environ, "SLURM_CONF": config.slurm_conf} if config.slurm_conf else None
        self.finished = Finished(self._run, self._sacct_reports, self._sacct_named)

    def submit(self, spec: RunSpec) -> str:
        queue = self.config.queues[spec.queue]
        sandbox, script = self.config.sandbox, None
        if sandbox is not None:
            user = None
            if sandbox.account_users:
                # Made here, on the submitting host: on a cluster of several nodes the accounts'
                # users must exist on every node with the same ids (as slurmrestd's do).
                try:
                    user = account_user(spec.account, spec.workdir)
                except UserUnavailable as problem:
                    raise Refused(f"cluster {self.fqdn}: {problem}") from None
            script = batch_script(spec, sandbox, job_environment(spec.workdir, os.environ), self.fqdn, user)
        return parse_sbatch(self._run(sbatch_command(spec, queue.partition, script)))

    def poll(self, jids: list[str]) -> dict[str, Report]:
        if not jids:
            return {}
        queued = parse_squeue(self._run(squeue_command()))
        reports = {jid: Report(jid, queued[jid]) for jid in jids if jid in queued}
        gone = [jid for jid in jids if jid not in queued]
        if gone:
            finished = self.finished.reports(gone)
            for jid in gone:
                # Left the queue but not yet in the completion log: still finishing.
                reports[jid] = finished.get(jid, Report(jid, State.RUNNING))
        return reports

    def find(self, key: str) -> str | None:
        squeue, _ = find_commands(completion_log=False)
        for look in (lambda name: parse_named(self._run(squeue), name), self.finished.named):
            found = look(job_name(key))
            if found:
                if len(found) > 1:
                    log.warning("SLURM holds %d jobs named %s; following %s", len(found), job_name(key), found[0])
                return found[0]
        return None

    def cancel(self, jid: str) -> None:
        try:
            self._run(scancel_command(jid))
        except SlurmError as error:
            # Most often the job ended meanwhile ("already completing or completed"); the next
            # poll reports how, and a job still running gets another cancel then.
            log.warning("scancel %s: %s", jid, error)

    def release(self, jid: str) -> None:
        """SLURM keeps its own records; the completion log's reader forgets this one."""
        self.finished.forget(jid)

    def close(self) -> None:
        """Jobs stay with SLURM; a runner that starts again follows them."""

    def _run(self, command: list[str]) -> str:
        return run_command(command, self.env)

    def _sacct_reports(self, jids: list[str], completion_log: bool) -> dict[str, Report]:
        return parse_sacct(self._run(sacct_command(jids, completion_log=completion_log)))

    def _sacct_named(self, name: str, completion_log: bool) -> list[str]:
        _, sacct = find_commands(completion_log=completion_log)
        return parse_named(self._run(sacct), name)


def run_command(command: list[str], env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, check=False, env=env)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SlurmError(f"{command[0]} failed: {error}") from None
    if done.returncode != 0:
        raise SlurmError(
            f"{shlex.join(command)} exited {done.returncode}: {done.stderr.strip() or done.stdout.strip()}"
        )
    return done.stdout
