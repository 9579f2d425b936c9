"""Each account's jobs as a Unix user of its own (a cluster's `account_users = true`): the user's
name for an account, the user made where it is missing, and the job's folder handed to it.

The drop to the user happens inside the sandbox (see `bubblewrap.as_user`), so the service keeps
running as root and reads every job's files."""

from __future__ import annotations

import hashlib
import os
import pwd
import subprocess
from dataclasses import dataclass
from pathlib import Path

PREFIX = "mj-"
USERADD_TIMEOUT_S = 30


class UserUnavailable(RuntimeError):
    """The account's Unix user cannot be had here; the message says what an administrator must do."""


@dataclass(frozen=True)
class UnixUser:
    name: str
    uid: int
    gid: int


def unix_user_name(account_id: str) -> str:
    """Linux user names are lower case and short, account ids mixed-case: a digest of the id
    keeps two accounts apart where lower-casing would not."""
    return PREFIX + hashlib.sha256(account_id.encode()).hexdigest()[:16]


def ensure_user(name: str) -> UnixUser:
    """The user, made as a system user without a home or a login shell if it is missing."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        _create(name)
        entry = pwd.getpwnam(name)
    return UnixUser(name, entry.pw_uid, entry.pw_gid)


def _create(name: str) -> None:
    if os.geteuid() != 0:
        raise UserUnavailable(
            f"Unix user {name} does not exist, and only root can make it: run matjobs as root, create the "
            "user, or set account_users = false for the cluster"
        )
    command = ["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent"]
    command += ["--shell", "/usr/sbin/nologin", "--user-group", name]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=USERADD_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as problem:
        raise UserUnavailable(f"useradd {name} failed: {problem}") from None
    # Exit 9: another runner made it meanwhile.
    if done.returncode not in (0, 9):
        raise UserUnavailable(f"useradd {name} exited {done.returncode}: {done.stderr.strip()}")


def hand_over(folder: Path, user: UnixUser) -> None:
    """The job's folder and what the runner wrote into it, owned by the job's user; links are
    changed themselves, never what they point to."""
    for root, folders, files in os.walk(folder):
        os.lchown(root, user.uid, user.gid)
        for name in folders + files:
            os.lchown(os.path.join(root, name), user.uid, user.gid)


def user_for(account: str | None) -> UnixUser:
    """The account's user, made if missing."""
    if account is None:
        raise UserUnavailable("the job names no account to run as (account_users = true)")
    return ensure_user(unix_user_name(account))


def account_user(account: str | None, workdir: Path) -> UnixUser:
    """The account's user, made if missing, with the job's folder handed to it."""
    user = user_for(account)
    hand_over(workdir, user)
    return user
