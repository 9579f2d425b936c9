"""The benchmark's data: one user and N realistic job documents in a SQLite file, built once.

Documents follow the mat3ra-esse example job, trimmed to about 2 KB, with name, status,
cluster, ppn and times varied. The file is reused while its marker says it holds N jobs.
"""

from __future__ import annotations

import json
import os
import random
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from mat3ra.esse import ESSE

from matjobs.ids import new_id
from matjobs.store import Store
from matjobs.store.accounts import create_user, default_project_id, find_user, issue_token
from matjobs.store.jobs import _columns
from matjobs.store.migrate import upgrade
from matjobs.store.tables import jobs

# MATJOBS_BENCH_WORK moves the databases elsewhere (the smoke test keeps them in its own folder).
WORK = Path(os.environ.get("MATJOBS_BENCH_WORK") or Path(__file__).parent / ".work")
VERSION = 1  # bump when the documents change, so old files are rebuilt
USERNAME = "bench"
PASSWORD = "bench-password"
BATCH = 20_000
SAMPLE_IDS = 5_000
SEED = 20240601

# Status shares: finished is the largest, as on a busy platform.
STATUSES = {
    "finished": 40,
    "error": 12,
    "active": 12,
    "queued": 13,
    "submitted": 8,
    "pre-submission": 15,
}
PATHS = {  # the statusTrack each status went through
    "pre-submission": ["pre-submission"],
    "submitted": ["pre-submission", "submitted"],
    "queued": ["pre-submission", "submitted", "queued"],
    "active": ["pre-submission", "submitted", "queued", "active"],
    "finished": ["pre-submission", "submitted", "queued", "active", "finished"],
    "error": ["pre-submission", "submitted", "queued", "active", "error"],
}
CLUSTERS = {
    "master-production-20160630-cluster-001.exabyte.io": 45,
    "master-production-20160630-cluster-007.exabyte.io": 25,
    "master-production-20160630-cluster-012.exabyte.io": 15,
    "hpc-login-01.cluster.example.edu": 10,
    "hpc-login-02.cluster.example.edu": 5,
}
COMMON_FQDN = "master-production-20160630-cluster-007.exabyte.io"
RARE_FQDN = "gpu-sandbox-01.exabyte.io"
RARE_EVERY = 100_000  # one job in this many runs on the rare cluster (at least one in a smaller set)
MATERIALS = ["silicon-fcc", "gaas-zb", "mos2-2h", "graphene", "tio2-rutile", "cu-fcc"]
WORKFLOWS = ["Band Structure", "Total Energy", "Relaxation", "Phonons", "Density of States"]
ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"
START = datetime(2021, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=3 * 365)


@dataclass(frozen=True)
class Dataset:
    """A built database and what the scenarios need to know about it."""

    path: str
    jobs: int
    user_id: str
    account_id: str
    ids_file: str
    common_fqdn: str
    rare_fqdn: str
    rare_jobs: int
    bytes_per_job: int
    build_seconds: float | None  # None when an existing file was reused

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def token(self) -> str:
        """A fresh API token for the benchmark user."""
        store = Store(self.url)
        try:
            with store.writing() as conn:
                principal = find_user(conn, USERNAME)
                assert principal is not None
                return str(issue_token(conn, principal))
        finally:
            store.dispose()


def ensure(count: int) -> Dataset:
    """The dataset with `count` jobs: reused when its marker matches, built otherwise."""
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"jobs-{count}.sqlite3"
    marker = WORK / f"jobs-{count}.json"
    if path.exists() and marker.exists():
        recorded = json.loads(marker.read_text())
        if recorded.pop("version", None) == VERSION and recorded["jobs"] == count:
            store = Store(f"sqlite:///{path}")
            upgrade(store)  # a database built by an older schema gets the newer migrations
            store.dispose()
            return Dataset(**{**recorded, "build_seconds": None})
    dataset = _build(path, count)
    marker.write_text(json.dumps({"version": VERSION, **asdict(dataset)}, indent=2))
    return dataset


def _template() -> str:
    """The esse example job as JSON text, trimmed toward 2 KB and still valid as a `job`."""
    example = next(x["data"] for x in ESSE().wrapped_examples if x["path"] == "job")
    job = json.loads(json.dumps(example))
    workflow = job["workflow"]
    for key in ("createdAt", "creator", "owner", "exabyteId", "hash", "schemaVersion", "slug"):
        workflow.pop(key, None)
    subworkflow = workflow["subworkflows"][0]
    subworkflow["model"]["method"].pop("data", None)
    unit = subworkflow["units"][0]
    unit["input"] = []  # rendered at submission
    for key in ("monitors", "postProcessors", "preProcessors", "results"):
        unit["executable"].pop(key, None)
    return json.dumps(job)


def _rare_every(count: int) -> int:
    return max(1, min(RARE_EVERY, count))


def _pick(rng: random.Random, shares: dict[str, int]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def _ref_id(rng: random.Random) -> str:
    """An id for a referenced entity (material, workflow); the job's own _id uses new_id."""
    return "".join(rng.choices(ID_ALPHABET, k=17))


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _job(template: str, index: int, count: int, rng: random.Random, refs: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Job number `index` of `count`: created in order over three years, varied fields."""
    job: dict[str, Any] = json.loads(template)
    status = _pick(rng, STATUSES)
    every = _rare_every(count)
    fqdn = RARE_FQDN if index % every == every // 2 else _pick(rng, CLUSTERS)
    created = START + SPAN * (index / count) + timedelta(seconds=rng.randint(0, 59))
    workflow_name = rng.choice(WORKFLOWS)
    material = rng.choice(MATERIALS)
    ppn = rng.choice((1, 2, 4, 8, 16, 32))
    job_id = new_id()
    steps = PATHS[status]
    epoch = created.timestamp()

    job["_id"] = job_id
    job["name"] = f"{workflow_name} {material} #{index}"
    job["status"] = status
    tracked = [epoch]
    for _ in steps[1:]:
        tracked.append(tracked[-1] + rng.randint(5, 3600))
    job["statusTrack"] = [{"trackedAt": at, "status": step} for at, step in zip(tracked, steps, strict=True)]
    job["_material"]["slug"] = material
    job["_material"]["_id"] = _ref_id(rng)
    job["_project"] = refs["project"]
    job["owner"] = refs["owner"]
    job["creator"] = refs["creator"]
    job["createdAt"] = _iso(created)
    job["updatedAt"] = _iso(datetime.fromtimestamp(job["statusTrack"][-1]["trackedAt"], UTC))
    compute = job["compute"]
    compute["ppn"] = ppn
    compute["nodes"] = rng.choice((1, 1, 1, 2, 4))
    compute["queue"] = rng.choice(("D", "OR", "OF", "SR", "GOF"))
    compute["cluster"] = {"fqdn": fqdn, "jid": f"{100_000 + index}.{fqdn}"}
    if status != "error":
        compute.pop("errors", None)
    job["workflow"]["_id"] = _ref_id(rng)
    job["workflow"]["name"] = workflow_name
    return job


def _build(path: Path, count: int) -> Dataset:
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    store = Store(f"sqlite:///{path}")
    try:
        upgrade(store)
        with store.writing() as conn:
            issued = create_user(conn, username=USERNAME, password=PASSWORD)
        project_id = default_project_id(store, issued.principal.account_id)
        principal = issued.principal
        refs = {
            "owner": {"_id": principal.account_id, "cls": "Account", "slug": principal.account_name},
            "creator": {"_id": principal.user_id, "cls": "User", "slug": principal.username},
            "project": {"_id": project_id, "cls": "Project", "slug": "default"},
        }
        template = _template()
        rng = random.Random(SEED)
        sample_every = max(1, count // SAMPLE_IDS)
        sampled: list[str] = []
        sampled_bytes = 0
        for first in range(0, count, BATCH):
            rows = []
            for index in range(first, min(first + BATCH, count)):
                document = _job(template, index, count, rng, refs)
                if index % sample_every == 0:
                    sampled.append(document["_id"])
                    sampled_bytes += len(json.dumps(document, separators=(",", ":")))
                rows.append({"id": document["_id"], "account_id": principal.account_id, **_columns(document)})
            with store.writing() as conn:
                conn.execute(sa.insert(jobs), rows)
    finally:
        store.dispose()
    ids_file = path.with_suffix(".ids")
    rng.shuffle(sampled)
    ids_file.write_text("\n".join(sampled) + "\n")
    return Dataset(
        path=str(path.resolve()),
        jobs=count,
        user_id=principal.user_id,
        account_id=principal.account_id,
        ids_file=str(ids_file.resolve()),
        common_fqdn=COMMON_FQDN,
        rare_fqdn=RARE_FQDN,
        rare_jobs=len(range(_rare_every(count) // 2, count, _rare_every(count))),
        bytes_per_job=sampled_bytes // max(1, len(sampled)),
        build_seconds=round(time.perf_counter() - started, 1),
    )
