"""What a caller can do with jobs: the use cases that every API version's routes share.

Each call is one transaction; documents are checked before anything is written.
"""

from __future__ import annotations

import json
from typing import Any

from matjobs import entities
from matjobs.clusters.registry import Cluster, Clusters
from matjobs.documents import revisions
from matjobs.documents.entity import Ref, in_set
from matjobs.documents.job import SERVER_FIELDS as JOB_SERVER_FIELDS
from matjobs.documents.job import new_job, placed_on_cluster, updated_job
from matjobs.documents.property import check_property
from matjobs.documents.references import References, references_of, with_references
from matjobs.documents.revisions import Precondition
from matjobs.documents.update import parse_update
from matjobs.errors import BadInput, Conflict, NotFound
from matjobs.ids import new_id, now_epoch, now_iso
from matjobs.lifecycle import FINAL, IN_FLIGHT, TERMINABLE, Status
from matjobs.query.paging import Page
from matjobs.query.parse import parse_json
from matjobs.store import Store
from matjobs.store import documents as document_rows
from matjobs.store import jobs as job_rows
from matjobs.store.accounts import Principal, default_project_id
from matjobs.store.documents import JOB_SETS, MATERIALS, PROJECTS, PROPERTIES, PSEUDOPOTENTIALS, WORKFLOWS, Kind
from matjobs.store.events import record_job_change

MAX_PROPERTIES = 500  # a job's units give a handful each


def create_job(store: Store, clusters: Clusters, principal: Principal, body: Any) -> dict[str, Any]:
    return _stored_job(store, clusters, principal, _resolved(store, principal, body))


def copy_job(store: Store, clusters: Clusters, principal: Principal, job_id: str) -> dict[str, Any]:
    """A new pre-submission job with the original's material, workflow (as the job holds it, edits
    included), project and compute; nothing of the original's run comes along."""
    original = json.loads(get_job_text(store, principal, job_id))
    compute = {key: value for key, value in original["compute"].items() if key != "errors"}
    compute["cluster"] = {key: value for key, value in (compute.get("cluster") or {}).items() if key != "jid"}
    kept = {key: value for key, value in original.items() if key not in JOB_SERVER_FIELDS}
    return _stored_job(store, clusters, principal, {**kept, "compute": compute})


def _stored_job(store: Store, clusters: Clusters, principal: Principal, body: Any) -> dict[str, Any]:
    # Built and checked before the write transaction: writers take turns, so it stays short.
    document = new_job(
        body,
        job_id=new_id(),
        owner=principal.owner,
        creator=principal.creator,
        project=_project_of(store, principal, body),
        created_at=now_iso(),
        tracked_at=now_epoch(),
    )
    placed_on_cluster(document, clusters)
    with store.writing() as conn:
        # Its project was looked up above; what else it names (material, sets) is looked up here.
        entities.check_references(conn, principal, "job", document, before={"_project": document["_project"]})
        job_rows.insert_job(conn, document)
    return document


def _resolved(store: Store, principal: Principal, body: Any) -> Any:
    """The body with what it names by id looked up: the caller's workflow and material, and
    pseudopotentials of the registry. A name that leads nowhere is refused, naming it."""
    named = references_of(body)
    if named == References(None, None, ()):
        return body
    return with_references(
        body,
        workflow=_named(store, WORKFLOWS, principal, named.workflow),
        material=_named(store, MATERIALS, principal, named.material),
        pseudopotentials={
            pseudo_id: document
            for pseudo_id in named.pseudopotentials
            if (document := _named(store, PSEUDOPOTENTIALS, principal, pseudo_id)) is not None
        },
    )


def _project_of(store: Store, principal: Principal, body: Any) -> Ref:
    """The project a job goes in: the one it names, which must be the caller's, or the default."""
    named = body.get("_project") if isinstance(body, dict) else None
    project_id = named.get("_id") if isinstance(named, dict) else None
    if project_id is None:
        return Ref(default_project_id(store, principal.account_id), "Project", "default")
    project = _named(store, PROJECTS, principal, str(project_id))
    assert project is not None
    return Ref(project["_id"], "Project", project["slug"])


def _named(store: Store, kind: Kind, principal: Principal, document_id: str | None) -> dict[str, Any] | None:
    if document_id is None:
        return None
    if not document_id.isascii() or not document_id.isprintable():
        raise BadInput(f"invalid job: {kind.entity} {document_id!a} not found")
    try:
        return document_rows.get(store, kind, account_id=principal.account_id, document_id=document_id)
    except NotFound:
        # Another account's document is missing too, as far as this caller can tell.
        raise BadInput(f"invalid job: {kind.entity} {document_id} not found") from None


def job_property_texts(store: Store, principal: Principal, job_id: str) -> list[str]:
    """The results of the caller's job (404 for a job it cannot see), oldest first."""
    job_rows.get_job_text(store, account_id=principal.account_id, job_id=job_id)
    query = json.dumps({"source.info.jobId": job_id})
    page = Page(limit=MAX_PROPERTIES, sort=((("createdAt",), 1),))
    return entities.list_texts(store, PROPERTIES, principal, query, page)


def add_property(store: Store, principal: Principal, body: Any) -> dict[str, Any]:
    """A result the caller computed elsewhere, kept beside the runs' own: it names one of the
    caller's jobs (`source.info.jobId`), like theirs."""
    source = body.get("source") if isinstance(body, dict) else None
    info = source.get("info") if isinstance(source, dict) else None
    job_id = info.get("jobId") if isinstance(info, dict) else None
    if not isinstance(job_id, str):
        raise BadInput("invalid property: source.info.jobId: the id of the job it is a result of is required")
    try:
        get_job_text(store, principal, job_id)
    except NotFound:
        raise BadInput(f"invalid property: job {job_id} not found") from None
    check_property(body.get("data"))
    return entities.create(store, PROPERTIES, principal, body)


def get_job_text(store: Store, principal: Principal, job_id: str) -> str:
    return job_rows.get_job_text(store, account_id=principal.account_id, job_id=job_id)


def read_job(store: Store, principal: Principal, job_id: str) -> tuple[str, int]:
    """The job as stored, and its revision (the ETag)."""
    return job_rows.read_job(store, account_id=principal.account_id, job_id=job_id)


def list_job_texts(store: Store, principal: Principal, query: str | None, page: Page) -> list[str]:
    """`query` is the selector's JSON text (parsed once and cached)."""
    selector = parse_json(query) if query else None
    return job_rows.list_job_texts(
        store, account_id=principal.account_id, selector=selector, selector_key=query, page=page
    )


def list_is_cheap(query: str | None, page: Page) -> bool:
    """An index bounds the rows the list reads, so it may run where only quick calls may."""
    return job_rows.is_index_bounded(parse_json(query) if query else None, page)


def update_job(
    store: Store,
    clusters: Clusters,
    principal: Principal,
    job_id: str,
    body: Any,
    expected: Precondition | None = None,
) -> dict[str, Any]:
    """The job after a PATCH, read and written in one transaction with its row locked, so that
    concurrent updates (and `$push`es) all land; `expected` is the client's If-Match."""
    changes, stated = revisions.stated(parse_update(body))
    with store.writing() as conn:
        current = job_rows.lock_job(conn, account_id=principal.account_id, job_id=job_id)
        revisions.check_all((expected, stated), "job", current)
        document = updated_job(current, changes, updated_at=now_iso())
        if document["compute"] != current["compute"]:
            placed_on_cluster(document, clusters)
        entities.check_references(conn, principal, "job", document, before=current)
        job_rows.replace_job(conn, document)
    return document


def delete_job(store: Store, principal: Principal, job_id: str, expected: Precondition | None = None) -> None:
    """Gone for the API at once. A job its cluster may be running becomes `deleted`, and the
    runner stops it there before removing it: no work is left running for a deleted job."""
    with store.writing() as conn:
        current = job_rows.lock_job(conn, account_id=principal.account_id, job_id=job_id)
        revisions.check_all((expected,), "job", current)
        if Status(current["status"]) in IN_FLIGHT:
            job_rows.transition_job(
                conn, account_id=principal.account_id, job_id=job_id, target=Status.DELETED, document=current
            )
        else:
            job_rows.delete_job(conn, account_id=principal.account_id, job_id=job_id)
            record_job_change(conn, current, None)


def terminate_job(store: Store, principal: Principal, job_id: str) -> dict[str, Any]:
    """A queued or running job is stopped on its cluster (terminate-queued, then terminated)."""
    with store.writing() as conn:
        current = job_rows.lock_job(conn, account_id=principal.account_id, job_id=job_id)
        status = Status(current["status"])
        if status is Status.TERMINATE_QUEUED:
            return current
        if status not in TERMINABLE:
            raise Conflict(f"job {job_id} is {status.value}; only submitted, queued or active jobs can be terminated")
        return job_rows.transition_job(
            conn, account_id=principal.account_id, job_id=job_id, target=Status.TERMINATE_QUEUED, document=current
        )


def submit_job(
    store: Store, clusters: Clusters, principal: Principal, job_id: str, *, final_ok: bool = False
) -> dict[str, Any]:
    """pre-submission becomes submitted, on its cluster (the default one if it names none);
    a job already on its way is left as it is, and so is a final one when `final_ok` (the official
    client's terminate and purge post to submit)."""
    with store.writing() as conn:
        current = job_rows.lock_job(conn, account_id=principal.account_id, job_id=job_id)
        status = Status(current["status"])
        if status in IN_FLIGHT or (final_ok and status in FINAL):
            return current
        if status in FINAL:
            raise Conflict(f"job {job_id} is {status.value}; a finished job cannot be submitted again")
        placed = placed_on_cluster(current, clusters, fill=True)
        return job_rows.transition_job(
            conn, account_id=principal.account_id, job_id=job_id, target=Status.SUBMITTED, document=placed
        )


def move_job_to_set(
    store: Store, principal: Principal, job_id: str, old_set_id: str | None, new_set_id: str | None
) -> dict[str, Any]:
    """Set membership is bookkeeping: it changes in any state, unlike the job's content."""
    with store.writing() as conn:
        leaving, joining = entities.joined_set(conn, JOB_SETS, principal, old_set_id, new_set_id)
        current = job_rows.lock_job(conn, account_id=principal.account_id, job_id=job_id)
        document = {**in_set(current, leaving=leaving, joining=joining), "updatedAt": now_iso()}
        job_rows.replace_job(conn, document)
    return document


def sandbox_shown(cluster: Cluster) -> dict[str, Any]:
    """How the cluster's jobs are confined, as users should know it before they submit."""
    if cluster.sandbox is None:
        return {"sandbox": None, "unsandboxed": "jobs on this cluster run without a sandbox (sandbox = false)"}
    policy = cluster.sandbox
    return {"sandbox": {"tool": "bubblewrap", "network": policy.network, "accountUsers": policy.account_users}}


def cluster_loads(store: Store, clusters: Clusters) -> list[dict[str, Any]]:
    """Every cluster with its queues, their limits, and the jobs running and waiting in each."""
    with store.reading() as conn:
        load = job_rows.count_jobs_in_flight(conn)
    listed = []
    for cluster in clusters:
        queues: list[dict[str, Any]] = []
        for queue in cluster.queues.values():
            running, queued = load.get((cluster.fqdn, queue.name), (0, 0))
            queues.append(
                {
                    "name": queue.name,
                    "timeLimit": queue.time_limit,
                    "maxJobs": queue.max_jobs,
                    "maxCores": queue.max_cores,
                    "running": running,
                    "queued": queued,
                }
            )
        listed.append(
            {
                "fqdn": cluster.fqdn,
                "type": cluster.kind,
                "isDefault": cluster is clusters.default,
                "cores": cluster.cores,
                **sandbox_shown(cluster),
                "running": sum(q["running"] for q in queues),
                "queued": sum(q["queued"] for q in queues),
                "queues": queues,
            }
        )
    return listed
