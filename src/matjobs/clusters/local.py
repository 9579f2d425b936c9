"""The embedded local cluster: jobs run as process groups of the runner, within queue limits.

Each job is a child process started in a session of its own, so a time limit or a
terminate kills the whole group, whatever the script started. Jobs wait (queued) while their
queue's job or core limit, or the machine's cores, would be exceeded.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

from matjobs.clusters.base import Report, RunSpec, State
from matjobs.clusters.registry import Cluster as ClusterConfig

KILL_GRACE_S = 2.0  # between SIGTERM and SIGKILL of a group


@dataclass
class _Job:
    jid: str
    spec: RunSpec
    process: subprocess.Popen[bytes] | None = None
    started: float | None = None
    ended: Report | None = None
    cancel_requested: bool = False
    timed_out: bool = False
    kill_at: float | None = None


class LocalCluster:
    def __init__(self, config: ClusterConfig) -> None:
        self.fqdn = config.fqdn
        self.config = config
        self._jobs: dict[str, _Job] = {}
        self._order: list[str] = []  # submission order, for fair starts
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._prefix = f"{os.getpid()}-"

    def submit(self, spec: RunSpec) -> str:
        if spec.queue not in self.config.queues:
            raise ValueError(f"cluster {self.fqdn} has no queue {spec.queue}")
        with self._lock:
            jid = f"{self._prefix}{next(self._ids)}"
            self._jobs[jid] = _Job(jid, spec)
            self._order.append(jid)
            self._start_what_fits()
        return jid

    def poll(self, jids: list[str]) -> dict[str, Report]:
        with self._lock:
            self._reap()
            self._start_what_fits()
            return {jid: self._report(jid) for jid in jids}

    def cancel(self, jid: str) -> None:
        with self._lock:
            job = self._jobs.get(jid)
            if job is None or job.ended is not None or job.cancel_requested:
                return
            job.cancel_requested = True
            if job.process is None:
                job.ended = Report(jid, State.CANCELLED)
                self._order.remove(jid)
            else:
                self._kill(job)

    def close(self) -> None:
        """Stop everything still running and reap it (the runner is going away)."""
        for jid in list(self._jobs):
            self.cancel(jid)
        with self._lock:
            for job in self._jobs.values():
                if job.process is None:
                    continue
                try:
                    job.process.wait(timeout=KILL_GRACE_S)
                except subprocess.TimeoutExpired:
                    _signal_group(job.process.pid, signal.SIGKILL)
                    job.process.wait()

    def _report(self, jid: str) -> Report:
        job = self._jobs.get(jid)
        if job is None:
            # Not ours: a runner before this one started it, and its process is gone with it.
            return Report(jid, State.FAILED, signal=signal.SIGKILL)
        if job.ended is not None:
            return job.ended
        return Report(jid, State.RUNNING if job.process is not None else State.QUEUED)

    def _running(self) -> list[_Job]:
        return [job for job in self._jobs.values() if job.process is not None and job.ended is None]

    def _start_what_fits(self) -> None:
        running = self._running()
        cores_used = sum(job.spec.cores for job in running)
        for jid in list(self._order):
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
        with spec.stdout.open("wb") as out, spec.stderr.open("wb") as err:
            job.process = subprocess.Popen(  # noqa: S603 - the command is the runner's own
                spec.command,
                cwd=spec.workdir,
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env={**os.environ, "OMP_NUM_THREADS": "1", "MATJOBS_CORES": str(spec.cores)},
            )
        job.started = time.monotonic()

    def _reap(self) -> None:
        now = time.monotonic()
        for job in self._running():
            assert job.process is not None and job.started is not None
            code = job.process.poll()
            if code is None:
                if not job.timed_out and now - job.started > job.spec.time_limit_s:
                    job.timed_out = True
                    self._kill(job)
                elif job.kill_at is not None and now >= job.kill_at:
                    _signal_group(job.process.pid, signal.SIGKILL)
                continue
            job.ended = self._ending(job, code)

    def _ending(self, job: _Job, code: int) -> Report:
        if job.timed_out:
            return Report(job.jid, State.TIMEOUT, signal=-code if code < 0 else None)
        if job.cancel_requested:
            return Report(job.jid, State.CANCELLED, signal=-code if code < 0 else None)
        if code == 0:
            return Report(job.jid, State.COMPLETED, exit_code=0)
        if code < 0:
            return Report(job.jid, State.FAILED, signal=-code)
        return Report(job.jid, State.FAILED, exit_code=code)

    def _kill(self, job: _Job) -> None:
        assert job.process is not None
        _signal_group(job.process.pid, signal.SIGTERM)
        job.kill_at = time.monotonic() + KILL_GRACE_S


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is already gone
        os.killpg(pid, sig)
