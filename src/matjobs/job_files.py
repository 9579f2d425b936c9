"""What a caller can do with a job's files: list them, upload inputs before submission, name
outputs, purge a final job's folder. Both API versions share these use cases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from matjobs.errors import BadInput, Conflict, NotFound
from matjobs.files import FileEntry, file_entry, job_folder, list_files, writable
from matjobs.ids import now_epoch, now_iso
from matjobs.jobs import get_job_text
from matjobs.lifecycle import FINAL, Status
from matjobs.store import Store
from matjobs.store import jobs as job_rows
from matjobs.store.accounts import Principal
from matjobs.text import flaw


def upload_keys(store: Store, principal: Principal, jobs_dir: Path, job_id: str, body: Any) -> list[str]:
    """The paths of `{"files": [...]}` that may be uploaded into the job's folder: a job's inputs
    are added before it is submitted, never into a run."""
    files = body.get("files") if isinstance(body, dict) else None
    if not isinstance(files, list) or not files or not all(isinstance(name, str) for name in files):
        raise BadInput('files: a non-empty list of paths relative to the job\'s folder, e.g. {"files": ["pw.in"]}')
    status = Status(json.loads(get_job_text(store, principal, job_id))["status"])
    if status is not Status.PRE_SUBMISSION:
        raise Conflict(f"job {job_id} is {status.value}; files can be uploaded before it is submitted only")
    folder = job_folder(jobs_dir, job_id)
    for name in files:
        writable(folder, checked_name(name))
    return list(files)


def upload_target(store: Store, jobs_dir: Path, job_id: str, key: str) -> Path:
    """Where a signed upload writes, while the job is still in pre-submission."""
    status = job_rows.status_of(store, job_id)
    if status is None:
        raise NotFound(f"job {job_id} not found")
    if status != Status.PRE_SUBMISSION.value:
        raise Conflict(f"job {job_id} is {status}; files can be uploaded before it is submitted only")
    return writable(job_folder(jobs_dir, job_id), key)


def output_file_entries(store: Store, principal: Principal, jobs_dir: Path, job_id: str, body: Any) -> list[FileEntry]:
    """The entries of the files a record (or list of records) names by `name` or `key`: each must be
    in the job's folder, where an upload or the run put it."""
    get_job_text(store, principal, job_id)
    records = body if isinstance(body, list) else [body]
    names = [record.get("key") or record.get("name") if isinstance(record, dict) else None for record in records]
    if not names or not all(isinstance(name, str) and name for name in names):
        raise BadInput('output files: give {"name": <path in the job\'s folder>} or a list of them')
    folder = job_folder(jobs_dir, job_id)
    checked = [checked_name(str(name)) for name in names]  # every name before any lookup
    return [file_entry(folder, name) for name in checked]


def checked_name(name: str) -> str:
    """A file name a path can carry (`matjobs.text.flaw`: a lone surrogate, which JSON's escapes
    allow, cannot be a file name nor a link)."""
    if problem := flaw(name):
        raise BadInput(f"file {name!r}: a file name cannot contain {problem}")
    return name


def list_job_files(store: Store, principal: Principal, jobs_dir: Path, job_id: str) -> list[FileEntry]:
    """The files in the job's folder (inputs, outputs, stdout and stderr); none before it ran."""
    get_job_text(store, principal, job_id)  # NotFound for a job that is not this account's
    return list_files(job_folder(jobs_dir, job_id))


def purge_job(store: Store, principal: Principal, jobs_dir: Path, job_id: str) -> dict[str, Any]:
    """Delete a final job's working files; the job stays, marked purged."""
    with store.writing() as conn:
        current = job_rows.lock_job(conn, account_id=principal.account_id, job_id=job_id)
        status = Status(current["status"])
        if status not in FINAL:
            raise Conflict(f"job {job_id} is {status.value}; only finished, failed or stopped jobs can be purged")
        shutil.rmtree(job_folder(jobs_dir, job_id), ignore_errors=True)
        purged = {**current, "purged": True, "purgedAt": now_epoch(), "updatedAt": now_iso()}
        job_rows.replace_job(conn, purged)
    return purged
