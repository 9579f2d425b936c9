"""The runner loop: claim, hand over, follow (one poll per cluster), terminate, clean up.

Only the runner brings the store, clusters and applications together. Each step reads the
job's persisted state first and records its outcome through the lifecycle's one transition
function, so a step that finds its work already done does nothing.
"""

from __future__ import annotations

import logging
import shutil
import threading
import uuid
from pathlib import Path
from typing import Any

from matjobs.applications.base import Application, execution_units, job_script
from matjobs.applications.shell import Shell
from matjobs.clusters.base import Cluster, Report, RunSpec, State
from matjobs.clusters.local import LocalCluster
from matjobs.clusters.registry import Clusters, seconds
from matjobs.clusters.slurm import SlurmCluster
from matjobs.errors import BadInput, Conflict
from matjobs.files import job_folder
from matjobs.ids import now_iso
from matjobs.lifecycle import Status
from matjobs.store import Store, runs
from matjobs.store.jobs import transition_job

log = logging.getLogger("matjobs.runner")

APPLICATIONS: dict[str, Application] = {"shell": Shell()}
STDERR_TAIL = 2000  # characters of stderr kept in compute.errors
CLAIM_BATCH = 50
BUSY_INTERVAL_S = 0.005
OUTCOMES = {
    State.COMPLETED: Status.FINISHED,
    State.FAILED: Status.ERROR,
    State.TIMEOUT: Status.TIMEOUT,
    State.CANCELLED: Status.TERMINATED,
}


class Runner:
    def __init__(self, store: Store, clusters: Clusters, data_dir: Path, *, interval_s: float = 0.2) -> None:
        self.store = store
        self.id = f"runner-{uuid.uuid4().hex[:12]}"
        self.jobs_dir = (data_dir / "jobs").resolve()
        self.interval_s = interval_s
        self.clusters: dict[str, Cluster] = {
            c.fqdn: LocalCluster(c) if c.kind == "local" else SlurmCluster(c) for c in clusters
        }
        self._cancelled: set[str] = set()  # jids this runner has asked its clusters to stop
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- running in the background of a server, or on its own --------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_until_stopped, name=self.id, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        for cluster in self.clusters.values():
            cluster.close()

    def run_until_stopped(self) -> None:
        while not self._stop.is_set():
            pause = self.interval_s
            try:
                pause = self.step()
            except Exception:  # one bad step must not end the runner; the next one retries
                log.exception("runner step failed")
            self._stop.wait(pause)

    def step(self) -> float:
        """One round; returns how long to rest: not at all while work moves, briefly while jobs
        run (a finished job frees its slot for the next), the full interval when idle."""
        handed = self.hand_over()
        changed, followed = self.follow()
        self.clean_up()
        if handed or changed:
            return 0.0
        return BUSY_INTERVAL_S if followed else self.interval_s

    # -- claim and hand over -----------------------------------------------------------------

    def clean_up(self) -> None:
        # Read first: an idle runner must not take the write lock every round.
        with self.store.reading() as conn:
            if not runs.any_deleted_unclaimed(conn):
                return
        with self.store.writing() as conn:
            runs.remove_deleted_unclaimed(conn)

    def hand_over(self) -> int:
        if not self.clusters:
            return 0
        with self.store.reading() as conn:
            candidates = runs.unclaimed_submitted(conn, clusters=list(self.clusters), limit=CLAIM_BATCH)
        if not candidates:
            return 0
        with self.store.writing() as conn:
            claimed = runs.claim(conn, runner=self.id, candidates=candidates)
        for document in claimed:
            self._hand_over(document)
        return len(claimed)

    def _hand_over(self, document: dict[str, Any]) -> None:
        cluster = self.clusters[document["compute"]["cluster"]["fqdn"]]
        try:
            spec = self._prepare(document)
        except BadInput as problem:
            self._record(document["_id"], Status.ERROR, errors=[_error("runner", "PreparationFailed", problem.message)])
            return
        try:
            jid = cluster.submit(spec)
        except Exception as refused:  # noqa: BLE001 - whatever the cluster said, the job must not vanish
            self._record(document["_id"], Status.ERROR, errors=[_error("cluster", "SubmissionFailed", str(refused))])
            return
        recorded = self._record(document["_id"], Status.QUEUED, jid=jid, work_dir=str(spec.workdir))
        if not recorded:  # deleted or terminated while it was handed over
            cluster.cancel(jid)

    def _prepare(self, document: dict[str, Any]) -> RunSpec:
        units = execution_units(document["workflow"])
        if not units:
            raise BadInput("the workflow has no execution units to run")
        workdir = self.workdir(document["_id"])
        workdir.mkdir(parents=True, exist_ok=True)
        commands = []
        for unit in units:
            name = (unit.get("application") or {}).get("name")
            application = APPLICATIONS.get(name or "")
            if application is None:
                raise BadInput(f"unit {unit.get('name')!r}: application {name!r} is not supported yet")
            commands.append(application.prepare(unit, workdir))
        (workdir / "job.sh").write_text(job_script(commands))
        compute = document["compute"]
        return RunSpec(
            name=document["name"],
            workdir=workdir,
            command=["bash", "job.sh"],
            queue=compute["queue"],
            nodes=compute["nodes"],
            ppn=compute["ppn"],
            time_limit_s=seconds(compute["timeLimit"]),
        )

    def workdir(self, job_id: str) -> Path:
        """Always derived from the job's id, never read from its document, which users write."""
        return job_folder(self.jobs_dir, job_id)

    # -- follow --------------------------------------------------------------------------------

    def follow(self) -> tuple[int, int]:
        """Poll each cluster once for all its jobs; returns (jobs that changed, jobs followed)."""
        with self.store.reading() as conn:
            followed = runs.followed_jobs(conn, runner=self.id)
        changed = 0
        by_cluster: dict[str, list[runs.Followed]] = {}
        for job in followed:
            by_cluster.setdefault(job.cluster, []).append(job)
        for fqdn, held in by_cluster.items():
            cluster = self.clusters[fqdn]
            for job in held:
                if job.status in (Status.TERMINATE_QUEUED, Status.DELETED) and job.jid not in self._cancelled:
                    cluster.cancel(job.jid)
                    self._cancelled.add(job.jid)
            reports = cluster.poll([job.jid for job in held])
            for job in held:
                changed += self._apply(job, reports[job.jid])
        return changed, len(followed)

    def _apply(self, job: runs.Followed, report: Report) -> bool:
        """Record what the report says happened; True if the job moved."""
        if job.status is Status.DELETED:
            if report.state in OUTCOMES:
                self._remove(job.id)
            return report.state in OUTCOMES
        if report.state is State.RUNNING and job.status is Status.QUEUED:
            return self._record(job.id, Status.ACTIVE, started=True)
        if report.state in OUTCOMES:
            errors = [_failure(report, self.workdir(job.id))] if report.state is State.FAILED else []
            ran = report.state is not State.CANCELLED or job.status is not Status.QUEUED
            if ran and job.status is Status.QUEUED:
                # It started and ended between two polls: record both, as they happened.
                self._record(job.id, Status.ACTIVE, started=True)
            return self._record(job.id, OUTCOMES[report.state], errors=errors, started=ran)
        return False

    # -- recording -----------------------------------------------------------------------------

    def _record(
        self,
        job_id: str,
        target: Status,
        *,
        jid: str | None = None,
        work_dir: str | None = None,
        errors: list[dict[str, str]] | None = None,
        started: bool = False,
    ) -> bool:
        """Move the job to `target` with what the step learned; False if its status forbids it."""
        with self.store.writing() as conn:
            document = runs.lock_claimed(conn, job_id=job_id)
            if document is None:
                return False
            compute = dict(document["compute"])
            if jid is not None:
                compute["cluster"] = {**compute.get("cluster", {}), "jid": jid}
            if errors:
                compute["errors"] = [*compute.get("errors", []), *errors]
            changed = {**document, "compute": compute}
            if work_dir is not None:
                changed["workDir"] = work_dir
            if started and "startTime" not in changed:
                changed["startTime"] = now_iso()
            try:
                transition_job(
                    conn, account_id=document["owner"]["_id"], job_id=job_id, target=target, document=changed
                )
            except Conflict:
                return False
        return True

    def _remove(self, job_id: str) -> None:
        with self.store.writing() as conn:
            runs.remove_job(conn, job_id=job_id)
        shutil.rmtree(self.workdir(job_id), ignore_errors=True)


def _error(domain: str, reason: str, message: str) -> dict[str, str]:
    return {"domain": domain, "reason": reason, "message": message}


def _failure(report: Report, workdir: Path) -> dict[str, str]:
    reason = f"exit code {report.exit_code}" if report.exit_code is not None else f"signal {report.signal}"
    try:
        stderr = (workdir / "job.err").read_text(errors="replace")[-STDERR_TAIL:]
    except OSError:
        stderr = ""
    return _error("cluster", reason, stderr.strip() or f"the job ended with {reason}")
