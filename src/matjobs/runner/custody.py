"""A runner's lease, and taking over the jobs of runners whose lease ran out.

The runner renews its lease at most every lease/3 (measured on the database's clock, see
`store/leases.py`); finding it taken over, it stops acting on the jobs it had. At most once per
lease/3 it looks for runners whose lease ran out, and takes each over in one transaction.
The decisions are `takeover.py`'s; this module does what they say.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from matjobs.clusters.local import LocalCluster
from matjobs.runner.takeover import Fate, Settled, Whereabouts, expired, fate, may_take_over, unknown_outcome
from matjobs.store import Store
from matjobs.store import leases as store_leases
from matjobs.store.leases import HeldJob

log = logging.getLogger("matjobs.runner.custody")


@dataclass
class _Adopted:
    """A dead runner of this data folder whose lock this runner holds while it follows its local jobs."""

    lock: IO[str]
    spools: list[Path] = field(default_factory=list)


class Custody:
    def __init__(
        self, store: Store, *, name: str, lease_s: float, runners_dir: Path, clock: Callable[[], float]
    ) -> None:
        self.store = store
        self.name = name
        self.lease_s = lease_s
        self.runners_dir = runners_dir
        self._clock = clock
        self._adopted: dict[str, _Adopted] = {}
        self._next_renewal = 0.0
        self._next_look = 0.0
        self._register()

    def _register(self) -> None:
        with self.store.writing() as conn:
            store_leases.register(conn, name=self.name, lease_s=self.lease_s)
        self._next_renewal = self._clock() + self.lease_s / 3

    def keep(self) -> bool:
        """Renew the lease when due; False if another runner took this one over meanwhile, in
        which case its jobs are that runner's now, and this one starts afresh."""
        if self._clock() < self._next_renewal:
            return True
        with self.store.writing() as conn:
            kept = store_leases.renew(conn, name=self.name, lease_s=self.lease_s)
        if kept:
            self._next_renewal = self._clock() + self.lease_s / 3
            return True
        with self.store.reading() as conn:
            lease = store_leases.lease_of(conn, self.name)
        by = lease.adopted_by if lease else "another runner"
        log.warning(
            "runner %s: its lease ran out and %s took over its jobs; it forgets them and registers again", self.name, by
        )
        self.close()
        self._register()
        return False

    def take_over(self, clusters: list[str], local: Mapping[str, LocalCluster]) -> list[Settled]:
        """Take over every runner whose lease ran out; what becomes of each job taken."""
        if self._clock() < self._next_look:
            return []
        self._next_look = self._clock() + self.lease_s / 3
        with self.store.reading() as conn:
            now, all_leases = store_leases.leases(conn)
        settled: list[Settled] = []
        for lease in expired(all_leases, me=self.name, now=now):
            whereabouts = self._whereabouts(lease.name)
            if not may_take_over(whereabouts):
                log.warning(
                    "runner %s: its lease ran out %.1f s ago, yet it holds its lock", lease.name, now - lease.expires_at
                )
                continue
            with self.store.writing() as conn:
                taken = store_leases.take_over(conn, dead=lease.name, adopter=self.name, clusters=clusters)
            if taken is None:  # another runner was first, or it renewed at the last moment
                self._let_go(lease.name)
                continue
            settled += self._settle(lease.name, whereabouts, taken, local)
            log.warning(
                "runner %s took over runner %s: %d jobs, %.1f s after its lease ran out",
                self.name,
                lease.name,
                len(taken),
                now - lease.expires_at,
            )
        return settled

    def let_go_of_idle(self, local: Mapping[str, LocalCluster]) -> None:
        """Release the lock of a dead runner once none of its spools' jobs is followed: so that
        a runner of that name can start again."""
        for dead, adopted in list(self._adopted.items()):
            if not any(cluster.jobs_in(spool) for spool in adopted.spools for cluster in local.values()):
                self._let_go(dead)

    def close(self) -> None:
        for dead in list(self._adopted):
            self._let_go(dead)

    # -- the local cluster's spools ----------------------------------------------------------

    def _whereabouts(self, dead: str) -> Whereabouts:
        """Same data folder and a free lock: gone, and its spool is this runner's to follow."""
        if dead in self._adopted:
            return Whereabouts.GONE_HERE
        home = self.runners_dir / dead
        if not (home / "lock").exists():
            return Whereabouts.ELSEWHERE
        lock = _try_lock(home / "lock")
        if lock is None:
            return Whereabouts.ALIVE_HERE
        self._adopted[dead] = _Adopted(lock)
        return Whereabouts.GONE_HERE

    def _settle(
        self, dead: str, whereabouts: Whereabouts, taken: list[HeldJob], local: Mapping[str, LocalCluster]
    ) -> list[Settled]:
        readable = whereabouts is Whereabouts.GONE_HERE
        if readable:
            for fqdn, cluster in local.items():
                self._follow_spool(dead, self.runners_dir / dead / "local" / fqdn, cluster)
        settled = []
        for job in taken:
            held_by = local.get(job.cluster)
            in_spool = held_by is not None and job.jid is not None and self._found(job.jid, job.cluster, held_by)
            decided = fate(job, local=held_by is not None, in_spool=in_spool, spool_readable=readable)
            settled.append(Settled(job, decided, "" if decided is Fate.FOLLOW else unknown_outcome(dead, whereabouts)))
        return settled

    def _follow_spool(self, dead: str, spool: Path, cluster: LocalCluster) -> None:
        if spool.is_dir():
            cluster.adopt(spool)
            self._adopted[dead].spools.append(spool)

    def _found(self, jid: str, fqdn: str, cluster: LocalCluster) -> bool:
        """Whether the cluster holds the job; if not, a spool of this data folder whose runner
        is gone may (a runner that died after taking over another): that one is adopted too."""
        if cluster.holds(jid):
            return True
        for record in self.runners_dir.glob(f"*/local/{fqdn}/{jid}.spec"):
            owner = record.parents[2].name
            if owner == self.name:
                continue
            if owner in self._adopted or self._whereabouts(owner) is Whereabouts.GONE_HERE:
                self._follow_spool(owner, record.parent, cluster)
        return cluster.holds(jid)

    def _let_go(self, dead: str) -> None:
        adopted = self._adopted.pop(dead, None)
        if adopted is not None:
            adopted.lock.close()


def _try_lock(path: Path) -> IO[str] | None:
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle
