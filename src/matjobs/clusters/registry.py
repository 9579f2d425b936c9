"""The clusters a matjobs serves and their queues, from the config file or the local default.

A config file declares clusters as TOML tables:

    [[clusters]]
    fqdn = "hpc.example.org"      # what jobs name in compute.cluster.fqdn
    type = "slurm"                # or "local"
    default = true                # where jobs without a cluster go
    cores = 64                    # cores it offers (local: this machine's by default)
    submit_attempts = 5           # tries to hand a job over before it ends in error
    retry_delay = 2.0             # seconds before the first retry; doubles each time
    poll_interval = 0.5           # seconds between two looks at its queue (local: 0, every round)
    slurm_conf = "/etc/slurm/slurm.conf"  # SLURM: the cluster's config (default: $SLURM_CONF)
    sandbox = true                # each job in bubblewrap (see matjobs.sandbox); false: unsandboxed
    network = false               # sandboxed jobs see no network unless true
    sandbox_binds = ["/opt/intel"]  # more folders sandboxed jobs see, read-only
    sandbox_tool = "bwrap"        # the bubblewrap executable: a name on PATH or an absolute path
    account_users = false         # true: each account's jobs run as a Unix user of its own (mj-...)

    [clusters.queues.D]           # the platform's queue names: D, OR, OF, SR, SF, ...
    time_limit = "01:00:00"       # the longest timeLimit a job in this queue may ask for
    max_jobs = 4                  # jobs running at once in this queue
    max_cores = 8                 # cores those jobs may hold at once
    partition = "debug"           # SLURM: the partition this queue maps to

With no [[clusters]] there is one local cluster named after this host.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from matjobs.sandbox import SandboxPolicy

KINDS = ("local", "slurm")
_TIME = re.compile(r"^(\d{1,4}):([0-5]\d):([0-5]\d)$")
# The platform's queue families (debug, on-demand regular and fast, saving regular and fast)
# with the time limits a workstation or a small cluster would give them.
DEFAULT_QUEUE_LIMITS = {"D": "01:00:00", "OR": "24:00:00", "OF": "24:00:00", "SR": "168:00:00", "SF": "168:00:00"}


class ClusterConfigError(ValueError):
    """The config file's clusters cannot be used; the message says which field and why."""


def seconds(hh_mm_ss: str) -> int:
    match = _TIME.match(hh_mm_ss)
    if match is None:
        raise ValueError(f"{hh_mm_ss!r} is not hh:mm:ss")
    hours, minutes, secs = (int(part) for part in match.groups())
    return hours * 3600 + minutes * 60 + secs


@dataclass(frozen=True)
class Queue:
    name: str
    time_limit: str
    max_jobs: int
    max_cores: int
    partition: str | None = None


@dataclass(frozen=True)
class Cluster:
    fqdn: str
    kind: str
    cores: int
    queues: dict[str, Queue] = field(default_factory=dict)
    submit_attempts: int = 5
    retry_delay_s: float = 2.0
    slurm_conf: str | None = None
    poll_interval_s: float = 0.0
    sandbox: SandboxPolicy | None = SandboxPolicy()  # None: jobs run unsandboxed


class Clusters:
    """The configured clusters, one of them the default."""

    def __init__(self, clusters: Iterable[Cluster], default: str) -> None:
        self.by_fqdn = {cluster.fqdn: cluster for cluster in clusters}
        if default not in self.by_fqdn:
            raise ClusterConfigError(f"default cluster {default!r} is not among {sorted(self.by_fqdn)}")
        self.default = self.by_fqdn[default]

    def find(self, fqdn: str) -> Cluster | None:
        return self.by_fqdn.get(fqdn)

    def names(self) -> list[str]:
        return sorted(self.by_fqdn)

    def __iter__(self) -> Iterator[Cluster]:
        return iter(self.by_fqdn.values())

    @classmethod
    def from_config(cls, tables: list[dict[str, Any]], *, hostname: str | None = None) -> Clusters:
        if not tables:
            local = local_default(hostname or socket.gethostname())
            return cls([local], local.fqdn)
        clusters = [_cluster(table, index) for index, table in enumerate(tables)]
        if len({c.fqdn for c in clusters}) != len(clusters):
            raise ClusterConfigError("clusters: two clusters share an fqdn")
        defaults = [table["fqdn"] for table in tables if table.get("default")]
        if len(defaults) > 1:
            raise ClusterConfigError(f"clusters: only one may be the default, not {defaults}")
        return cls(clusters, defaults[0] if defaults else clusters[0].fqdn)


def local_default(hostname: str) -> Cluster:
    cores = os.cpu_count() or 1
    queues = {
        name: Queue(name=name, time_limit=limit, max_jobs=cores, max_cores=cores)
        for name, limit in DEFAULT_QUEUE_LIMITS.items()
    }
    return Cluster(fqdn=hostname, kind="local", cores=cores, queues=queues)


def _cluster(table: dict[str, Any], index: int) -> Cluster:
    where = f"clusters[{index}]"
    fqdn = table.get("fqdn")
    if not isinstance(fqdn, str) or not fqdn:
        raise ClusterConfigError(f"{where}.fqdn: a non-empty string is required")
    kind = table.get("type", "local")
    if kind not in KINDS:
        raise ClusterConfigError(f"{where}.type: {kind!r} is not one of {KINDS}")
    cores = _positive(table.get("cores", os.cpu_count() or 1), f"{where}.cores")
    raw_queues = table.get("queues") or {name: {"time_limit": limit} for name, limit in DEFAULT_QUEUE_LIMITS.items()}
    if not isinstance(raw_queues, dict):
        raise ClusterConfigError(f"{where}.queues: a table of queues is required")
    queues = {name: _queue(name, spec, cores, f"{where}.queues.{name}") for name, spec in raw_queues.items()}
    delay = _seconds(table.get("retry_delay", 2.0), f"{where}.retry_delay")
    # A local cluster answers from memory; a SLURM poll is two commands and a controller's time.
    poll = _seconds(table.get("poll_interval", 0.5 if kind == "slurm" else 0.0), f"{where}.poll_interval")
    slurm_conf = table.get("slurm_conf")
    if slurm_conf is not None and (kind != "slurm" or not isinstance(slurm_conf, str) or not slurm_conf):
        raise ClusterConfigError(f"{where}.slurm_conf: a file path, for a slurm cluster only")
    return Cluster(
        fqdn=fqdn,
        kind=kind,
        cores=cores,
        queues=queues,
        submit_attempts=_positive(table.get("submit_attempts", 5), f"{where}.submit_attempts"),
        retry_delay_s=delay,
        slurm_conf=slurm_conf,
        poll_interval_s=poll,
        sandbox=_sandbox(table, where),
    )


def _sandbox(table: dict[str, Any], where: str) -> SandboxPolicy | None:
    sandboxed = _flag(table.get("sandbox", True), f"{where}.sandbox")
    network = _flag(table.get("network", False), f"{where}.network")
    account_users = _flag(table.get("account_users", False), f"{where}.account_users")
    binds = table.get("sandbox_binds", [])
    if not isinstance(binds, list) or not all(_absolute(path) for path in binds):
        raise ClusterConfigError(f"{where}.sandbox_binds: a list of absolute paths is required, got {binds!r}")
    tool = table.get("sandbox_tool", SandboxPolicy.tool)
    if not isinstance(tool, str) or not tool or ("/" in tool and not tool.startswith("/")):
        raise ClusterConfigError(f"{where}.sandbox_tool: a command name or an absolute path is required, got {tool!r}")
    if not sandboxed:
        given = [name for name in ("network", "sandbox_binds", "sandbox_tool", "account_users") if name in table]
        if given:
            raise ClusterConfigError(f"{where}: {', '.join(given)} has no effect with sandbox = false")
        return None
    return SandboxPolicy(tool=tool, network=network, binds=tuple(binds), account_users=account_users)


def _absolute(path: Any) -> bool:
    """An absolute path other than the root, without '..': a bind shows exactly the folder named."""
    return isinstance(path, str) and path.startswith("/") and path.rstrip("/") != "" and ".." not in path.split("/")


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ClusterConfigError(f"{where}: true or false is required, got {value!r}")
    return value


def _queue(name: str, spec: Any, cores: int, where: str) -> Queue:
    if not isinstance(spec, dict):
        raise ClusterConfigError(f"{where}: a table is required")
    limit = spec.get("time_limit", DEFAULT_QUEUE_LIMITS.get(name, "01:00:00"))
    try:
        seconds(limit)
    except (TypeError, ValueError):
        raise ClusterConfigError(f"{where}.time_limit: {limit!r} is not hh:mm:ss") from None
    partition = spec.get("partition")
    if partition is not None and not isinstance(partition, str):
        raise ClusterConfigError(f"{where}.partition: a string is required")
    return Queue(
        name=name,
        time_limit=limit,
        max_jobs=_positive(spec.get("max_jobs", cores), f"{where}.max_jobs"),
        max_cores=_positive(spec.get("max_cores", cores), f"{where}.max_cores"),
        partition=partition,
    )


def _seconds(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 3600:
        raise ClusterConfigError(f"{where}: seconds between 0 and 3600 are required, got {value!r}")
    return float(value)


def _positive(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ClusterConfigError(f"{where}: a positive integer is required, got {value!r}")
    return value
