"""A job's command wrapped into a bubblewrap (`bwrap`) argv: pure, the same for every cluster.

Inside, a job sees the system's programs and libraries read-only, a few files of /etc, the
pseudopotential registry read-only, its own folder read-write at its own absolute path (its
inputs name it), a private /tmp, and its own processes only. It has no capabilities, no
network unless its cluster allows it, and none of the runner's environment variables.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from matjobs.pseudopotentials import DEBIAN_PSEUDO_DIR
from matjobs.sandbox.users import UnixUser

PACKAGE = "bubblewrap"  # Debian's package of bwrap
TOOL = "bwrap"
# Folders or (on a merged /usr) links into /usr. Where the layout is known (this host's, see
# `system_layout`) links are made as links, cheaper than binds; elsewhere (a SLURM node) each is
# bound if it exists: bwrap binds what a link points to, so that argv serves both layouts.
SYSTEM_FOLDERS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# /etc entry by entry, never the whole of it: root inside would read /etc/shadow.
# alternatives: the links mpirun and friends are reached through; openmpi: its default MCA settings;
# passwd and group: `id` and MPI's user lookups; ld.so.cache: the loader's. Each costs a mount
# per job (about 0.1 ms): nothing is here that jobs do not need.
ETC_ENTRIES = (
    "/etc/alternatives",
    "/etc/openmpi",
    "/etc/passwd",
    "/etc/group",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/ld.so.cache",
    "/etc/localtime",
)
# The CPU topology, read-only: OpenMPI's hwloc reads it to place ranks, and without it every
# mpirun warns "failed to find sysfs cpu topology directory" and places them blind.
SYS_TOPOLOGY = ("/sys/devices/system/cpu", "/sys/devices/system/node")
# The runner's environment is not the job's: it may hold the database URL with its password
# (MATJOBS_DATABASE_URL). Under SLURM, the SLURM_* variables would tell OpenMPI to start ranks
# on other nodes of the allocation through srun, which cannot reach slurmctld from inside (no
# network): without them, `mpirun -np N` starts its N ranks on the node itself, the one place
# a sandboxed job may use (checked on SLURM 22 with OpenMPI 4.1: `mpirun -np 2` in the sandbox
# of a 2-task allocation runs both ranks). Multi-node jobs need another launcher: not yet.
# `--unshare-all` less two namespaces. The user one: bwrap run by root needs none (it costs a job
# 1.2 ms, a sixth of the sandbox), since `--cap-drop ALL` empties the bounding set, so that even
# root's execve gains no capability back; run by another user, bwrap makes one by itself. The
# UTS one (host name): changing it takes CAP_SYS_ADMIN, which no job has, and it cost 0.5-1 ms
# of CPU per job. The network one is added unless the cluster shares the network.
NAMESPACES = ("--unshare-pid", "--unshare-ipc", "--unshare-cgroup-try")
KEPT_VARIABLES = ("PATH", "LANG", "LC_ALL", "TZ")
# A job run as an account's user: root inside the sandbox keeps only what it takes to become
# that user, and setpriv gives even that up (inheritable and bounding sets emptied) before the
# job's command; no_new_privs keeps setuid programs from raising it again.
SETPRIV = "/usr/bin/setpriv"
USER_CAPABILITIES = ("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP")
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclass(frozen=True)
class SandboxPolicy:
    """One cluster's sandbox: which bubblewrap, whether the network is shared, what else to see."""

    tool: str = TOOL  # a name looked up on PATH, or an absolute path
    network: bool = False
    binds: tuple[str, ...] = ()  # absolute paths, read-only, beside the system's (e.g. /opt/intel)
    account_users: bool = False  # each account's jobs as a Unix user of its own (see users.py)

    @property
    def read_only(self) -> tuple[str, ...]:
        # The registry's files are copied into each job's folder; pw.x reads them there, but a
        # unit may name the registry folder itself, so it is there, read-only, even if it is not under /usr.
        return (str(DEBIAN_PSEUDO_DIR), *self.binds)


@cache
def driver_folders() -> tuple[str, ...]:
    """What the flowchart driver, run inside, is made of: this Python (its installation and
    virtual environment) and matjobs' own code. Read-only: a job can run them, not change them."""
    import matjobs

    found = [Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(matjobs.__file__).resolve().parents[1]]
    kept: list[Path] = []
    for folder in sorted(set(found), key=lambda path: len(path.parts)):
        if folder.parts[:2] != ("/", "usr") and not any(folder.is_relative_to(outer) for outer in kept):
            kept.append(folder)
    return tuple(str(folder) for folder in kept)


def bwrap_argv(
    policy: SandboxPolicy,
    workdir: Path,
    command: list[str],
    env: Mapping[str, str],
    layout: Mapping[str, str | None] | None = None,
    user: UnixUser | None = None,
    reads: tuple[str, ...] = (),
) -> list[str]:
    """The argv that runs `command` in `workdir` inside the sandbox, with exactly `env`.

    `layout`: the system folders of the machine the job runs on, each a link's target or None
    for a folder (see `system_layout`); None where it is not known.

    No `--new-session`: the job stays in its caller's process group, so a time limit or a
    terminate that signals the group reaches it. `--die-with-parent`: a killed wrapper leaves
    nothing behind. `--cap-drop ALL` is required: bwrap run by root keeps every capability
    otherwise (a job could create a disk's device node and mount it)."""
    folder = str(workdir)
    read_only = (*policy.read_only, *reads)  # `reads`: what this job needs besides (the driver's code)
    argv = [policy.tool, "--ro-bind", "/usr", "/usr"]
    if layout is None:
        for path in SYSTEM_FOLDERS:
            argv += ["--ro-bind-try", path, path]
    else:
        for path, target in sorted(layout.items()):
            argv += ["--symlink", target, path] if target is not None else ["--ro-bind", path, path]
    # bwrap makes the folders above a bind's destination private to root, where an account's
    # user could not pass them: they are made first, open to all (those in /tmp once it is there).
    parents = _parents([*ETC_ENTRIES, *SYS_TOPOLOGY, *read_only, folder])
    argv += _folders([parent for parent in parents if not _in_tmp(parent)])
    for path in ETC_ENTRIES + SYS_TOPOLOGY:
        argv += ["--ro-bind-try", path, path]
    argv += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"]
    argv += _folders([parent for parent in parents if _in_tmp(parent)])
    # After the private /tmp, so that a folder under /tmp is bound over it, not hidden by it.
    for path in read_only:
        argv += ["--ro-bind-try", path, path]
    argv += ["--bind", folder, folder, "--chdir", folder]
    argv += [*NAMESPACES, *([] if policy.network else ["--unshare-net"]), "--die-with-parent"]
    argv += ["--cap-drop", "ALL"]
    if user is not None:
        for capability in USER_CAPABILITIES:
            argv += ["--cap-add", capability]
    argv += ["--clearenv"]
    for name, value in sorted(env.items()):
        argv += ["--setenv", name, value]
    return [*argv, "--", *(as_user(user, command) if user is not None else command)]


def as_user(user: UnixUser, command: list[str]) -> list[str]:
    drop = [SETPRIV, f"--reuid={user.uid}", f"--regid={user.gid}", "--clear-groups"]
    drop += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    return [*drop, "--", *command]


def _parents(paths: list[str]) -> list[str]:
    """The folders above these paths, each once, outermost first; not /, /tmp (the private
    tmpfs) or what /usr holds (bound whole)."""
    made_whole = (Path("/"), Path("/tmp"))
    found = {
        str(parent)
        for path in paths
        for parent in Path(path).parents
        if parent not in made_whole and not parent.is_relative_to("/usr")
    }
    return sorted(found, key=lambda path: (path.count("/"), path))


def _in_tmp(path: str) -> bool:
    return Path(path).is_relative_to("/tmp")


def _folders(paths: list[str]) -> list[str]:
    argv: list[str] = []
    for path in paths:
        argv += ["--perms", "0755", "--dir", path]
    return argv


def job_environment(workdir: Path, host: Mapping[str, str], **extra: str) -> dict[str, str]:
    """What a sandboxed job is given: a few of the host's locale and path variables, its folder
    as HOME, and `extra`."""
    env = {name: host[name] for name in KEPT_VARIABLES if name in host}
    env.setdefault("PATH", DEFAULT_PATH)
    return {**env, "HOME": str(workdir), "TMPDIR": "/tmp", **extra}


def system_layout() -> dict[str, str | None]:
    """This machine's system folders that exist: each a link's target, or None for a folder."""
    layout: dict[str, str | None] = {}
    for path in SYSTEM_FOLDERS:
        if os.path.islink(path):
            layout[path] = os.readlink(path)
        elif os.path.isdir(path):
            layout[path] = None
    return layout


def tool_available(policy: SandboxPolicy) -> bool:
    found = shutil.which(policy.tool)
    return found is not None and os.access(found, os.X_OK)


def missing_tool_reason(fqdn: str, policy: SandboxPolicy) -> str:
    """What an administrator reads when the sandbox cannot run: what to install, or what to set."""
    return (
        f"cluster {fqdn} runs every job in a sandbox, and its tool {policy.tool!r} is not installed here: "
        f"install the Debian package {PACKAGE} (apt-get install {PACKAGE}), or set sandbox = false for "
        f"cluster {fqdn} in the config file to run its jobs unsandboxed, with the service's view of the disk"
    )
