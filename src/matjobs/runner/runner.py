"""The runner loop: claim, hand over, follow (one poll per cluster), terminate, clean up.

Only the runner brings the store, clusters and applications together. Each step reads the
job's persisted state first and records its outcome through the lifecycle's one transition
function, so a step that finds its work already done does nothing.
"""

from __future__ import annotations

import dataclasses
import fcntl
import logging
import re
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from matjobs.clusters.base import Cluster, Refused, Report, State
from matjobs.clusters.local import LocalCluster
from matjobs.clusters.registry import Cluster as ClusterConfig
from matjobs.clusters.registry import Clusters
from matjobs.errors import BadInput
from matjobs.ids import now_epoch
from matjobs.lifecycle import Status
from matjobs.runner.backoff import Backoff, after_failure, exhausted, ready
from matjobs.runner.build import build_clusters
from matjobs.runner.custody import Custody
from matjobs.runner.live import LiveOutput
from matjobs.runner.progress import Progress
from matjobs.runner.records import COLLECTED, OUTCOMES, Change, Harvest, applied, change_for, error
from matjobs.runner.takeover import Fate, unknown_outcome_change
from matjobs.runner.workbench import Workbench
from matjobs.store import Store, runs
from matjobs.store.documents import MATERIALS, PROPERTIES
from matjobs.store.documents import insert as insert_document
from matjobs.store.events import insert_events, prune_events, record_job_change
from matjobs.store.jobs import lock_jobs, replace_jobs

log = logging.getLogger("matjobs.runner")

CLAIM_BATCH = 50
BUSY_INTERVAL_S = 0.005
FULL_READ_INTERVAL_S = 5.0  # see `follow`
CLEAN_UP_INTERVAL_S = 0.5  # nothing runs for those jobs, so they need not be settled at once
# Events are kept a week: a listener or notifier away longer starts again from the present.
EVENTS_KEPT_S = 7 * 24 * 3600.0
PRUNE_INTERVAL_S = 3600.0
# Running jobs' outputs are read once a second: SCF iterations reach listeners in about that.
LIVE_INTERVAL_S = 1.0
WATCHED = (State.RUNNING, *OUTCOMES)  # states in which a job's flowchart has something to show
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class RunnerBusy(RuntimeError):
    """Another runner of the same name already works from this data folder."""


class Runner:
    """Named, because what it took must be found by the same runner after a restart: the store
    records the name with each job it claims."""

    def __init__(
        self,
        store: Store,
        clusters: Clusters,
        data_dir: Path,
        *,
        name: str,
        interval_s: float = 0.2,
        lease_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        built: Mapping[str, Cluster] | None = None,
    ) -> None:
        """`built`: the clusters to drive, by fqdn, where a caller (a test) gives its own; by
        default they are built from `clusters` (see `build.py`)."""
        if not NAME.match(name):
            raise ValueError(f"runner name {name!r}: 1 to 64 letters, digits, '.', '_' or '-'")
        self.store = store
        self.id = name
        self.workbench = Workbench(store, (data_dir / "jobs").resolve(), clock)
        self.interval_s = interval_s
        self._clock = clock  # every delay (back-off, polls, re-reads) is measured on it; tests drive their own
        home = (data_dir / "runners" / name).resolve()
        self._lock = _lock(home)
        self._custody = Custody(store, name=name, lease_s=lease_s, runners_dir=home.parent, clock=clock)
        self.configs: dict[str, ClusterConfig] = {c.fqdn: c for c in clusters}
        self.clusters: dict[str, Cluster] = dict(built) if built is not None else build_clusters(clusters, home)
        # Those whose spools a runner that died may have left here: taken over with it.
        self._local = {fqdn: cluster for fqdn, cluster in self.clusters.items() if isinstance(cluster, LocalCluster)}
        self._backoff: dict[str, Backoff] = {}  # by cluster: one failing cluster holds up only itself
        self._unsent = True  # claimed jobs may wait for their cluster's answer (after a restart: unknown)
        self._cancelled: set[str] = set()  # jids this runner has asked its clusters to stop
        self._next_clean_up = 0.0
        self._next_prune = 0.0
        self._following: dict[str, runs.Followed] = {}
        self._progress = Progress()
        self._live = LiveOutput()
        self._next_live = 0.0
        self._next_poll: dict[str, float] = {}
        self._followed_clusters: set[str] = set()  # this round's, for how long to rest
        self._next_full_read = 0.0
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
        self._custody.close()
        self._lock.close()

    def run_until_stopped(self) -> None:
        log.info("runner %s at work for clusters %s", self.id, ", ".join(self.clusters) or "(none)")
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
        self.keep_custody()
        handed = self.hand_over()
        changed, followed = self.follow()
        self.clean_up()
        if handed or changed:
            return 0.0
        if not followed:
            return self.interval_s
        # Until the next cluster is due a look (SLURM: its poll interval), at most the idle pause.
        due = min((self._next_poll.get(fqdn, 0.0) for fqdn in self._followed_clusters), default=0.0)
        return min(max(due - self._clock(), BUSY_INTERVAL_S), self.interval_s)

    # -- the lease, and runners taken over ------------------------------------------------------

    def keep_custody(self) -> None:
        """Renew the lease (lost: forget every job, they are another runner's now), and take over
        runners whose lease ran out; their jobs are then followed like this runner's own."""
        self._still_ours()
        settled = self._custody.take_over(list(self.clusters), self._local)
        if settled:
            self._unsent, self._next_full_read = True, 0.0
            for lost in (item for item in settled if item.fate is Fate.REMOVE):
                self._remove(lost.job.id)
            self._record_all([change for item in settled if (change := unknown_outcome_change(item)) is not None])
        self._custody.let_go_of_idle(self._local)

    def _still_ours(self) -> bool:
        """Whether this runner still holds its lease (renewed when due, also in the middle of a
        long round): a runner taken over acts no more on the jobs it had."""
        if self._custody.keep():
            return True
        self._following, self._cancelled, self._next_poll = {}, set(), {}
        self._unsent, self._next_full_read = True, 0.0
        return False

    # -- claim and hand over -----------------------------------------------------------------

    def clean_up(self) -> None:
        """Jobs deleted or terminated before any runner took them: removed, or terminated."""
        if self._clock() < self._next_clean_up:
            return
        self._next_clean_up = self._clock() + CLEAN_UP_INTERVAL_S
        self._prune_events()
        # Read first: an idle runner must not take the write lock every round.
        with self.store.reading() as conn:
            if not runs.any_stopped_unclaimed(conn):
                return
            stopped = runs.stopped_unclaimed(conn)
        for job_id, status in stopped:
            if status is Status.DELETED:
                self._remove(job_id)
            else:
                self._record_all([Change(job_id, (Status.TERMINATED,))])

    def _prune_events(self) -> None:
        if self._clock() < self._next_prune:
            return
        self._next_prune = self._clock() + PRUNE_INTERVAL_S
        with self.store.writing() as conn:
            prune_events(conn, older_than=now_epoch() - EVENTS_KEPT_S)

    def hand_over(self) -> int:
        """Take submitted jobs and give each to its cluster; returns how many moved."""
        moved = self._hand_over_unsent() if self._unsent else 0
        ready = [fqdn for fqdn in self.clusters if self._ready(fqdn)]
        if not ready:
            return moved
        with self.store.reading() as conn:
            candidates = runs.unclaimed_submitted(conn, clusters=ready, limit=CLAIM_BATCH)
        if not candidates:
            return moved
        with self.store.writing() as conn:
            claimed = runs.claim(conn, runner=self.id, candidates=candidates)
        handed = []
        for document in claimed:
            if not self._still_ours():
                break
            if self._ready(_cluster_of(document)):
                handed.extend(self._submit(document))
            else:  # its cluster failed a moment ago: the job waits with the others
                self._unsent = True
        self._record_all(handed)
        return moved + len(claimed)

    def _hand_over_unsent(self) -> int:
        """Claimed jobs whose cluster's answer is not recorded: left by an earlier run of this
        runner that died mid-way, or waiting for a cluster that failed. The cluster is asked
        first whether it already has each one, so none is handed over twice."""
        with self.store.reading() as conn:
            unsent = runs.claimed_unsent(conn, runner=self.id)
        if unsent and not self._backoff:
            log.info("%d jobs were taken by %s and not yet handed over; resuming", len(unsent), self.id)
        self._unsent = False
        moved = 0
        for document in unsent:
            if not self._still_ours():
                break
            if self._ready(_cluster_of(document)):
                moved += self._resume(document)
            else:
                self._unsent = True
        return moved

    def _resume(self, document: dict[str, Any]) -> int:
        job_id, fqdn = document["_id"], _cluster_of(document)
        try:
            jid = self.clusters[fqdn].find(job_id)
        except Exception as unreachable:  # noqa: BLE001 - the cluster may be down; retried later
            self._cluster_failed(fqdn, unreachable)
            return 0
        if jid is not None:
            self._record_all([self._handed_over(job_id, jid)])
        else:
            self._send_or_settle(document)
        return 1

    def _submit(self, document: dict[str, Any]) -> list[Change]:
        """Hand the job to its cluster; returns what to record (nothing if it must wait)."""
        job_id, fqdn = document["_id"], _cluster_of(document)
        try:
            context = self.workbench.run_context(document)
            spec = self.workbench.prepare(document, context)
        except BadInput as problem:
            return [Change(job_id, (Status.ERROR,), errors=(error("PreparationFailed", problem.message),))]
        except Exception as broken:  # noqa: BLE001 - raised every round, it would hold the job (and all after it)
            log.exception("preparing job %s failed", job_id)
            reason = f"matjobs could not prepare the job ({type(broken).__name__}: {broken})"
            return [Change(job_id, (Status.ERROR,), errors=(error("PreparationFailed", reason),))]
        try:
            jid = self.clusters[fqdn].submit(spec)
        except Refused as refused:  # retrying would not help: the job ends saying what to change
            return [Change(job_id, (Status.ERROR,), errors=(error("SubmissionRefused", str(refused)),))]
        except Exception as refused:  # noqa: BLE001 - whatever the cluster said, the job must not vanish
            self._cluster_failed(fqdn, refused)
            return []
        self._backoff.pop(fqdn, None)
        if context.chosen:
            files = ", ".join(pseudo["filename"] for pseudo in context.chosen)
            log.info("job %s names no pseudopotential for some elements; chosen: %s", job_id, files)
        # The job shows every file it runs with once the server chose some: its document is written anyway.
        return [self._handed_over(job_id, jid, context.pseudopotentials if context.chosen else ())]

    def _handed_over(self, job_id: str, jid: str, pseudopotentials: tuple[dict[str, Any], ...] = ()) -> Change:
        """Queued with the cluster's id. A job terminated or deleted meanwhile keeps its status
        and gets the id, and `follow` then stops it there."""
        return Change(
            job_id, (Status.QUEUED,), jid=jid, work_dir=str(self.workdir(job_id)), pseudopotentials=pseudopotentials
        )

    def _send_or_settle(self, document: dict[str, Any]) -> None:
        """A claimed job its cluster does not have: sent now, or settled if no longer wanted."""
        status = Status(document["status"])
        if status is Status.SUBMITTED:
            self._record_all(self._submit(document))
        elif status is Status.DELETED:
            self._remove(document["_id"])
        else:  # terminated before its cluster had it: there is nothing to stop
            self._record_all([Change(document["_id"], (Status.TERMINATED,))])

    # -- clusters that fail to answer --------------------------------------------------------------

    def _ready(self, fqdn: str) -> bool:
        return ready(self._backoff.get(fqdn), now=self._clock())

    def _cluster_failed(self, fqdn: str, problem: Exception) -> None:
        """Bounded retries with a doubling delay; once they are spent, the jobs waiting for
        this cluster end in error saying why. Jobs it already holds are followed on.

        Only a job the cluster takes ends the run of failures: a cluster that answers a poll
        may still refuse every submission."""
        config = self.configs[fqdn]
        backoff = after_failure(self._backoff.get(fqdn), retry_delay_s=config.retry_delay_s, now=self._clock())
        self._backoff[fqdn] = backoff
        self._unsent = True
        log.warning(
            "cluster %s failed (%d in a row): %s; next try in %.1f s", fqdn, backoff.failures, problem, backoff.delay_s
        )
        if not exhausted(backoff, attempts=config.submit_attempts):
            return
        message = f"cluster {fqdn} did not take the job after {backoff.failures} attempts: {problem}"
        with self.store.reading() as conn:
            waiting = [doc for doc in runs.claimed_unsent(conn, runner=self.id) if _cluster_of(doc) == fqdn]
        for document in waiting:
            if Status(document["status"]) is Status.SUBMITTED:
                refused = error("SubmissionFailed", message)
                self._record_all([Change(document["_id"], (Status.ERROR,), errors=(refused,))])
            else:
                self._send_or_settle(document)

    def workdir(self, job_id: str) -> Path:
        return self.workbench.workdir(job_id)

    # -- follow --------------------------------------------------------------------------------

    def follow(self) -> tuple[int, int]:
        """Poll each cluster once for all its jobs; returns (jobs that changed, jobs followed).

        The runner knows what it recorded itself; from the store it needs each round only what
        users changed: jobs they asked to stop. Everything is read again now and then anyway."""
        if self._clock() >= self._next_full_read:
            self._following = {job.id: job for job in runs.followed_jobs(self.store, runner=self.id)}
            self._next_full_read = self._clock() + FULL_READ_INTERVAL_S
        else:
            self._following.update((job.id, job) for job in runs.stopping_jobs(self.store, runner=self.id))
        followed = list(self._following.values())
        changed = 0
        by_cluster: dict[str, list[runs.Followed]] = {}
        for job in followed:
            by_cluster.setdefault(job.cluster, []).append(job)
        self._followed_clusters = set(by_cluster)
        now = self._clock()
        live_now = now >= self._next_live
        if live_now:
            self._next_live = now + LIVE_INTERVAL_S
        for fqdn, held in by_cluster.items():
            if not self._ready(fqdn) or now < self._next_poll.get(fqdn, 0.0):
                continue
            self._next_poll[fqdn] = now + self.configs[fqdn].poll_interval_s
            cluster = self.clusters[fqdn]
            try:
                for job in held:
                    if job.status in (Status.TERMINATE_QUEUED, Status.DELETED) and job.jid not in self._cancelled:
                        cluster.cancel(job.jid)
                        self._cancelled.add(job.jid)
                reports = cluster.poll([job.jid for job in held])
            except Exception as unreachable:  # noqa: BLE001 - its jobs wait; the other clusters go on
                self._cluster_failed(fqdn, unreachable)
                continue
            results = self._collect([job for job in held if reports[job.jid].state in COLLECTED])
            changes = [
                change
                for job in held
                if (change := self._change(job, reports[job.jid], results.get(job.id))) is not None
            ]
            self._read_live(
                [
                    job
                    for job in held
                    if reports[job.jid].state in COLLECTED or live_now and reports[job.jid].state is State.RUNNING
                ]
            )
            moved = self._record_all(changes)
            for job in held:
                if job.status is Status.DELETED and reports[job.jid].state in OUTCOMES:
                    self._remove(job.id)
                    moved.add(job.id)
                if job.id in moved and reports[job.jid].state in OUTCOMES:
                    cluster.release(job.jid)
                    self._cancelled.discard(job.jid)
            changed += len(moved)
        return changed, len(followed)

    def _change(self, job: runs.Followed, report: Report, collected: Harvest | None) -> Change | None:
        """What the cluster's report and the job's flowchart say moved."""
        change = change_for(job, report, collected, self.workdir(job.id))
        if job.status is Status.DELETED or report.state not in WATCHED:
            return change
        flowchart = self._progress.moved(job.id, self.workdir(job.id), ended=report.state in OUTCOMES)
        if flowchart is None:
            return change
        self._live.running_unit(job.id, flowchart.unit if flowchart.pending else None)
        return dataclasses.replace(change or Change(job.id), flowchart=flowchart)

    def _read_live(self, running: list[runs.Followed]) -> None:
        """What running jobs' programs printed since the last round, written as their events."""
        found = [
            event
            for job in running
            if job.status is not Status.DELETED
            for event in self._live.read(job.id, job.account_id, self.workdir(job.id))
        ]
        if found:
            with self.store.writing() as conn:
                insert_events(conn, found)

    def _collect(self, ended: list[runs.Followed]) -> dict[str, Harvest]:
        """What the units of jobs that ran to their end left behind: results, or why they failed."""
        ended = [job for job in ended if job.status is not Status.DELETED]
        if not ended:
            return {}
        with self.store.reading() as conn:
            documents = runs.documents_of(conn, [job.id for job in ended])
        collected = {}
        for job_id, document in documents.items():
            try:
                collected[job_id] = self.workbench.collect(job_id, document)
            except BadInput as refused:  # a result its schema refuses: none is stored, and the job says why
                collected[job_id] = Harvest(problem=str(refused))
            except Exception as broken:  # noqa: BLE001 - a reader's bug must not hold every job of the runner
                # Raised every round, it would keep this job (and all after it) active for ever.
                log.exception("reading the results of job %s failed", job_id)
                reason = f"matjobs could not read the results ({type(broken).__name__}: {broken}); the files are kept"
                collected[job_id] = Harvest(problem=reason)
        return collected

    # -- recording -----------------------------------------------------------------------------

    def _record_all(self, changes: list[Change]) -> set[str]:
        """Record the changes in one transaction; returns the ids of the jobs that moved."""
        if not changes:
            return set()
        moved, updated = set(), []
        with self.store.writing() as conn:
            documents = lock_jobs(conn, [change.job_id for change in changes])
            for change in changes:
                document = documents.get(change.job_id)
                if document is None:
                    continue
                changed = applied(document, change)
                if changed["status"] != document["status"]:
                    moved.add(change.job_id)
                    for result in change.properties:
                        insert_document(conn, PROPERTIES, result)
                    for material in change.materials:
                        insert_document(conn, MATERIALS, material)
                if changed != document:
                    updated.append(changed)
                    record_job_change(conn, document, changed)
            replace_jobs(conn, updated)
        for document in updated:
            self._note(document)
        return moved

    def _note(self, document: dict[str, Any]) -> None:
        """Keep the jobs this runner follows in step with what it has just recorded."""
        status, jid = document["status"], document["compute"]["cluster"].get("jid")
        if status in runs.FOLLOWED and jid is not None:
            self._following[document["_id"]] = runs.Followed(
                document["_id"], Status(status), _cluster_of(document), jid, document["owner"]["_id"]
            )
        else:
            self._following.pop(document["_id"], None)
            self._progress.forget(document["_id"])
            self._live.forget(document["_id"])

    def _remove(self, job_id: str) -> None:
        self._following.pop(job_id, None)
        with self.store.writing() as conn:
            runs.remove_job(conn, job_id=job_id)
        shutil.rmtree(self.workdir(job_id), ignore_errors=True)


def _cluster_of(document: dict[str, Any]) -> str:
    return str(document["compute"]["cluster"]["fqdn"])


def _lock(home: Path) -> IO[str]:
    """Held while the runner lives; the kernel lets go of it however the process ends."""
    home.mkdir(parents=True, exist_ok=True)
    handle = (home / "lock").open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise RunnerBusy(
            f"a runner named {home.name!r} is already running from {home.parent.parent}; "
            "stop it, or give this one another name (MATJOBS_RUNNER_NAME)"
        ) from None
    return handle
