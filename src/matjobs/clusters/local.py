"""The embedded local cluster: jobs run as process groups of the runner, within queue limits.

Each job is a process started in a session of its own, so a time limit or a terminate kills
the whole group, whatever the script started. Jobs wait (queued) while their queue's job or
core limit, or the machine's cores, would be exceeded.

Everything the cluster knows is also in its spool (see `spool.py`), so a runner that starts
after another was killed finds the jobs it received: waiting ones start once, running ones
are followed to their end, and ended ones are reported.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from matjobs.clusters.base import Refused, Report, RunSpec, State
from matjobs.clusters.registry import Cluster as ClusterConfig
from matjobs.clusters.spool import Spool, Started, process_alive, read_status, wrapper_command
from matjobs.sandbox import (
    UserUnavailable,
    account_user,
    bwrap_argv,
    job_environment,
    missing_tool_reason,
    system_layout,
    tool_available,
    user_for,
)

log = logging.getLogger("matjobs.clusters.local")
KILL_GRACE_S = 2.0  # between SIGTERM and SIGKILL of a group


@dataclass
class _Job:
    jid: str
    spec: RunSpec
    spool: Spool  # its own runner's, or one adopted from a runner that died
    started: Started | None = None
    child: bool = False  # spawned by this process, so waitpid reaps it
    ended: Report | None = None
    marks: set[str] = field(default_factory=set)
    kill_at: float | None = None


class LocalCluster:
    def __init__(self, config: ClusterConfig, spool_dir: Path) -> None:
        self.fqdn = config.fqdn
        self.config = config
        self.spool = Spool(spool_dir)
        self._jobs: dict[str, _Job] = {}
        self._keys: dict[str, str] = {}
        self._order: list[str] = []  # waiting jobs in submission order, for fair starts
        self._lock = threading.Lock()
        self.refusal = _sandbox_refusal(config)
        self.layout = system_layout()  # the jobs run here: links are made as links
        self._load(self.spool)

    def adopt(self, spool_dir: Path) -> None:
        """Follow also the jobs of the spool of a runner that died; their processes write their
        status where they were told, so the jobs are followed there, not moved. The caller
        holds that runner's lock, so no one else follows them."""
        with self._lock:
            if all(job.spool.directory != spool_dir for job in self._jobs.values()):
                self._load(Spool(spool_dir))

    def holds(self, jid: str) -> bool:
        with self._lock:
            return jid in self._jobs

    def jobs_in(self, spool_dir: Path) -> int:
        """How many jobs this cluster still follows from that spool."""
        with self._lock:
            return sum(1 for job in self._jobs.values() if job.spool.directory == spool_dir)

    def _load(self, spool: Spool) -> None:
        loaded = 0
        for entry in spool.load():
            job = _Job(entry.jid, entry.spec, spool, started=entry.started, marks=set(entry.marks))
            self._jobs[entry.jid] = job
            self._keys[entry.spec.key] = entry.jid
            loaded += 1
            if job.started is None and "cancel" in job.marks:
                job.ended = Report(job.jid, State.CANCELLED)
            elif job.started is None:
                self._order.append(entry.jid)
        if loaded:
            running = len(self._running())
            log.info(
                "cluster %s: the spool %s holds %d jobs (now %d running, %d waiting, %d ended)",
                self.fqdn,
                spool.directory,
                loaded,
                running,
                len(self._order),
                len(self._jobs) - running - len(self._order),
            )

    def submit(self, spec: RunSpec) -> str:
        if spec.queue not in self.config.queues:
            raise ValueError(f"cluster {self.fqdn} has no queue {spec.queue}")
        if self.refusal is not None:
            raise Refused(self.refusal)
        if self.config.sandbox is not None and self.config.sandbox.account_users:
            try:
                account_user(spec.account, spec.workdir)  # made now: a job that cannot have one ends now
            except UserUnavailable as problem:
                raise Refused(f"cluster {self.fqdn}: {problem}") from None
        with self._lock:
            jid = uuid.uuid4().hex[:16]
            self.spool.receive(jid, spec)
            self._jobs[jid] = _Job(jid, spec, self.spool)
            self._keys[spec.key] = jid
            self._order.append(jid)
            self._start_what_fits()
        return jid

    def find(self, key: str) -> str | None:
        with self._lock:
            return self._keys.get(key)

    def poll(self, jids: list[str]) -> dict[str, Report]:
        with self._lock:
            self._reap()
            self._start_what_fits()
            return {jid: self._report(jid) for jid in jids}

    def cancel(self, jid: str) -> None:
        with self._lock:
            job = self._jobs.get(jid)
            if job is None or job.ended is not None or "cancel" in job.marks:
                return
            self._mark(job, "cancel")
            if job.started is None:
                self._order.remove(jid)
                job.ended = Report(jid, State.CANCELLED)
            else:
                self._kill(job)

    def release(self, jid: str) -> None:
        with self._lock:
            job = self._jobs.pop(jid, None)
            if job is not None:
                self._keys.pop(job.spec.key, None)
            (job.spool if job is not None else self.spool).forget(jid)

    def close(self) -> None:
        """Jobs keep running, as on any cluster; a runner that starts again follows them."""
        with self._lock:
            self._reap()

    # -- what the runner is told --------------------------------------------------------------

    def _report(self, jid: str) -> Report:
        job = self._jobs.get(jid)
        if job is None:
            # Not in the spool: its record was lost, and with it any way to follow the job.
            return Report(jid, State.FAILED, signal=signal.SIGKILL)
        if job.ended is not None:
            return job.ended
        return Report(jid, State.RUNNING if job.started is not None else State.QUEUED)

    # -- starting within limits ------------------------------------------------------------------

    def _running(self) -> list[_Job]:
        return [job for job in self._jobs.values() if job.started is not None and job.ended is None]

    def _start_what_fits(self) -> None:
        running = self._running()
        cores_used = sum(job.spec.cores for job in running)
        for jid in list(self._order):
            if cores_used >= self.config.cores:
                break  # nothing more fits anywhere
            job = self._jobs[jid]
            queue = self.config.queues[job.spec.queue]
            in_queue = [j for j in running if j.spec.queue == job.spec.queue]
            fits = (
                len(in_queue) < queue.max_jobs
                and sum(j.spec.cores for j in in_queue) + job.spec.cores <= queue.max_cores
                and cores_used + job.spec.cores <= self.config.cores
            )
            if not fits:
                continue
            self._start(job)
            self._order.remove(jid)
            running.append(job)
            cores_used += job.spec.cores

    def _start(self, job: _Job) -> None:
        spec = job.spec
        gate = job.spool.announce_start(job.jid, uuid.uuid4().hex)
        sandboxed, env = self._sandboxed(spec)
        # The wrapper stays outside the sandbox: it writes the spool's gate and status files.
        command = wrapper_command(gate, job.spool.status_file(job.jid), sandboxed)
        writing = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        pid = os.posix_spawn(
            command[0],
            command,
            env,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, str(spec.stdout), writing, 0o644),
                (os.POSIX_SPAWN_OPEN, 2, str(spec.stderr), writing, 0o644),
            ],
            setsid=True,
        )
        job.started = Started(pid=pid, at=time.time())
        job.child = True

    def _sandboxed(self, spec: RunSpec) -> tuple[RunSpec, dict[str, str]]:
        """The spec as it runs, and the environment its wrapper is spawned with.

        A sandboxed job gets the job's environment outside the sandbox as well: bwrap's own
        process is the sandbox's pid 1, and the job could read that process's environment in
        /proc/1/environ (the runner's, with the database URL and its password)."""
        policy = self.config.sandbox
        extra = {"OMP_NUM_THREADS": "1", "MATJOBS_CORES": str(spec.cores)}
        if policy is None:
            return spec, {**os.environ, **extra}
        env = job_environment(spec.workdir, os.environ, **extra)
        command, user = spec.command, None
        if policy.account_users:
            try:
                # Its folder was handed over at submit; the user is looked up again, as a spool's
                # job may have waited through a restart.
                user = user_for(spec.account)
            except UserUnavailable as problem:
                command = ["sh", "-c", 'echo "matjobs: $1" >&2; exit 1', "matjobs", str(problem)]
        argv = bwrap_argv(policy, spec.workdir, command, env, self.layout, user, tuple(spec.reads))
        return replace(spec, command=argv), env

    # -- following to the end --------------------------------------------------------------------

    def _reap(self) -> None:
        now = time.time()
        for job in self._running():
            assert job.started is not None
            code = self._exit_code(job)
            if code is None:
                if "timeout" not in job.marks and now - job.started.at > job.spec.time_limit_s:
                    self._mark(job, "timeout")
                    self._kill(job)
                elif job.kill_at is not None and now >= job.kill_at:
                    _signal_group(job.started.pid, signal.SIGKILL)
                continue
            job.ended = self._ending(job, code)

    def _exit_code(self, job: _Job) -> int | None:
        """None while the job runs; then its exit code, negative for a signal."""
        assert job.started is not None
        if job.child:
            with contextlib.suppress(ChildProcessError):
                pid, status = os.waitpid(job.started.pid, os.WNOHANG)
                return None if pid == 0 else os.waitstatus_to_exitcode(status)
        # Started by a runner before this one: watch it through /proc, read what it wrote.
        if process_alive(job.started):
            return None
        code = read_status(job.spool.status_file(job.jid))
        return code if code is not None else -signal.SIGKILL

    def _ending(self, job: _Job, code: int) -> Report:
        caught = -code if code < 0 else None
        if "timeout" in job.marks:
            return Report(job.jid, State.TIMEOUT, signal=caught)
        if "cancel" in job.marks:
            return Report(job.jid, State.CANCELLED, signal=caught)
        if code == 0:
            return Report(job.jid, State.COMPLETED, exit_code=0)
        if code < 0:
            return Report(job.jid, State.FAILED, signal=-code)
        return Report(job.jid, State.FAILED, exit_code=code)

    def _mark(self, job: _Job, mark: str) -> None:
        job.spool.mark(job.jid, mark)
        job.marks.add(mark)

    def _kill(self, job: _Job) -> None:
        assert job.started is not None
        if not job.child and not process_alive(job.started):
            return  # ended meanwhile: its pid may already belong to another process
        _signal_group(job.started.pid, signal.SIGTERM)
        job.kill_at = time.time() + KILL_GRACE_S


def _sandbox_refusal(config: ClusterConfig) -> str | None:
    """Said once, loudly, when the cluster is made: why none of its jobs will start, if so."""
    if config.sandbox is None:
        log.warning("cluster %s: sandbox = false: its jobs run unsandboxed and see the service's files", config.fqdn)
        return None
    if tool_available(config.sandbox):
        return None
    reason = missing_tool_reason(config.fqdn, config.sandbox)
    log.error("NO JOB WILL START ON CLUSTER %s: %s", config.fqdn, reason)
    return reason


def _signal_group(pid: int, sig: int) -> None:
    if pid <= 0:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is already gone
        os.killpg(pid, sig)
