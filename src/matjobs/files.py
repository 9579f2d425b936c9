"""A job's files: its folder, listing, and time-limited signed links that need no auth headers.

Paths are resolved inside the job's folder and refused if they lead out of it (.., links).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from matjobs.errors import BadInput, NotFound

LINK_LIFETIME_S = 3600


def job_folder(jobs_dir: Path, job_id: str) -> Path:
    if not job_id or "/" in job_id or job_id in (".", ".."):
        raise NotFound(f"job {job_id} not found")
    return jobs_dir / job_id


def inside(folder: Path, relative: str) -> Path:
    """The file `relative` names in `folder`, or NotFound if it is not there or leads out."""
    root = folder.resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise NotFound(f"no file {relative!r} for this job")
    return target


def writable(folder: Path, relative: str) -> Path:
    """Where an upload of `relative` goes in `folder`; BadInput if it would lead out of it."""
    if not relative or relative.startswith("/") or "\x00" in relative:
        raise BadInput(f"file {relative!r}: give a path relative to the job's folder")
    root = folder.resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root) or target == root:
        raise BadInput(f"file {relative!r} is outside the job's folder")
    if target.is_dir() or any(folder.exists() and not folder.is_dir() for folder in target.parents):
        raise BadInput(f"file {relative!r}: a file and a folder of the job cannot share a name")
    return target


@dataclass(frozen=True)
class FileEntry:
    key: str
    name: str
    size: int
    last_modified: str


def list_files(folder: Path) -> list[FileEntry]:
    if not folder.is_dir():
        return []
    root = folder.resolve()
    return [_entry(root, path) for path in sorted(root.rglob("*")) if not path.is_symlink() and path.is_file()]


def file_entry(folder: Path, relative: str) -> FileEntry:
    """The entry of one file in the folder (NotFound if it is not there or leads out)."""
    return _entry(folder.resolve(), inside(folder, relative))


def _entry(root: Path, path: Path) -> FileEntry:
    stat = path.stat()
    modified = datetime.fromtimestamp(stat.st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return FileEntry(str(path.relative_to(root)), path.name, stat.st_size, modified)


class Signer:
    """HMAC-SHA256 links over (job, key, expiry) with a secret kept in the data folder."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> Signer:
        path = data_dir / "link-secret"
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(secrets.token_bytes(32))
            path.chmod(0o600)
        return cls(path.read_bytes())

    def _signature(self, method: str, job_id: str, key: str, expires: int) -> str:
        # The method is signed: a download link must not be usable to write the file.
        message = f"{method}\n{job_id}\n{key}\n{expires}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def link(self, base: str, job_id: str, key: str, now: float | None = None, *, method: str = "GET") -> str:
        expires = int((now or time.time()) + LINK_LIFETIME_S)
        signature = self._signature(method, job_id, key, expires)
        return f"{base}/api/v1/files/{job_id}/{quote(key)}?expires={expires}&signature={signature}"

    def check(self, job_id: str, key: str, expires: str, signature: str, *, method: str = "GET") -> None:
        """NotFound, as for a missing file, unless the link is genuine and not expired."""
        if not expires.isdigit() or int(expires) < time.time():
            raise NotFound("this link has expired; ask for a fresh one")
        if not hmac.compare_digest(self._signature(method, job_id, key, int(expires)), signature):
            raise NotFound(f"no file {key!r} for this job")
