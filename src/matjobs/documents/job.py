"""The job document: defaults on create, rules on update, validation against the `job` schema."""

from __future__ import annotations

import copy
import re
from typing import Any

from matjobs.clusters.registry import Clusters, seconds
from matjobs.documents import schema
from matjobs.documents.entity import Ref, check_not_server_fields, check_storable
from matjobs.documents.revisions import FIELD as REVISION
from matjobs.documents.update import Change, apply_changes
from matjobs.errors import BadInput, Conflict, NotFound
from matjobs.lifecycle import Status, can_transition, is_editable

ENTITY = "job"
DEFAULT_COMPUTE: dict[str, Any] = {
    "queue": "D",
    "nodes": 1,
    "ppn": 1,
    "timeLimit": "01:00:00",
    "notify": "n",
}
# The schema requires these of a workflow; a job may be created with a bare workflow reference.
WORKFLOW_SHELL: dict[str, Any] = {
    "name": "Unnamed workflow",
    "properties": [],
    "subworkflows": [],
    "units": [],
    "workflows": [],
}
# Set by the server and the runner only: where a job's files are, when it started, purging.
SERVER_FIELDS = frozenset(
    {
        "_id",
        "owner",
        "creator",
        "createdAt",
        "updatedAt",
        "status",
        "statusTrack",
        "workDir",
        "startTime",
        "purged",
        "purgedAt",
        REVISION,
    }
)
MAX_NAME = 512  # the indexed name column
_TIME_LIMIT = re.compile(r"^\d{1,4}:[0-5]\d:[0-5]\d$")
_NOTIFY = re.compile(r"^(n|[abe]{1,3})$")


def new_job(
    body: Any, *, job_id: str, owner: Ref, creator: Ref, project: Ref, created_at: str, tracked_at: float
) -> dict[str, Any]:
    """The stored document for a create request: client fields, defaults, server fields."""
    if not isinstance(body, dict):
        raise BadInput("the job must be a JSON object")
    # New top-level and compute/workflow dicts; nested values are shared with the body, which
    # is never changed in place (a deep copy cost as much as the rest of a create).
    given = dict(body)
    claimed_owner = given.get("owner")
    if isinstance(claimed_owner, dict) and claimed_owner.get("_id") not in (None, owner.id):
        raise NotFound(f"account {claimed_owner.get('_id')} not found")
    if given.get("status", Status.PRE_SUBMISSION) != Status.PRE_SUBMISSION:
        raise BadInput("status: jobs are created in pre-submission; submit them to run")
    for field in SERVER_FIELDS:
        given.pop(field, None)

    if "name" not in given and isinstance(given.get("title"), str):
        given["name"] = given["title"]
    given["workflow"] = _workflow(given)
    compute = given.get("compute", {})
    if not isinstance(compute, dict):
        raise BadInput("invalid job: compute: must be an object")
    given["compute"] = {**DEFAULT_COMPUTE, **compute}
    named_project = given.get("_project")
    if isinstance(named_project, dict) and named_project.get("_id") is None:
        del given["_project"]  # as the official clients write "none given"; like owner above
    given.setdefault("_project", project.as_dict())

    document = {
        "_id": job_id,
        **given,
        "status": Status.PRE_SUBMISSION.value,
        "statusTrack": [{"trackedAt": tracked_at, "status": Status.PRE_SUBMISSION.value}],
        "owner": owner.as_dict(),
        "creator": creator.as_dict(),
        "createdAt": created_at,
        "updatedAt": created_at,
    }
    validate_job(document)
    return document


def _workflow(given: dict[str, Any]) -> dict[str, Any]:
    workflow = given.get("workflow")
    if workflow is None:
        method = (given.get("model") or {}).get("method") if isinstance(given.get("model"), dict) else None
        workflow = method.get("workflow") if isinstance(method, dict) else None
    if workflow is None:
        workflow = {}
    if not isinstance(workflow, dict):
        raise BadInput("invalid job: workflow: must be an object")
    return {**copy.deepcopy(WORKFLOW_SHELL), **workflow}


def updated_job(document: dict[str, Any], changes: list[Change], *, updated_at: str) -> dict[str, Any]:
    """The document after a PATCH's changes, checked as a create is, or an error naming why not."""
    check_not_server_fields(changes, SERVER_FIELDS)
    status = Status(document["status"])
    for change in changes:
        if not is_editable(status, change.path[0]):
            raise Conflict(
                f"job {document['_id']} is {status.value}: only name, title, tags and description "
                f"can change after submission, not {change.dotted}"
            )
    result = apply_changes(document, changes)
    result["updatedAt"] = updated_at
    validate_job(result)
    return result


def validate_job(document: dict[str, Any]) -> None:
    """What a job must be to be stored, created or updated alike (the documents it names are
    the caller's: `matjobs.entities.check_references` looks them up)."""
    check_storable(document)
    schema.validate(ENTITY, document)
    if len(document["name"]) > MAX_NAME:
        raise BadInput(f"invalid job: name: at most {MAX_NAME} characters, got {len(document['name'])}")
    compute = document["compute"]
    if not _TIME_LIMIT.match(compute["timeLimit"]):
        raise BadInput(f"invalid job: compute.timeLimit: {compute['timeLimit']!r} is not hh:mm:ss")
    for field in ("nodes", "ppn"):
        if compute[field] < 1:
            raise BadInput(f"invalid job: compute.{field}: must be at least 1, got {compute[field]}")
    notify = compute.get("notify")
    if notify is not None and not _NOTIFY.match(notify):
        raise BadInput(f"invalid job: compute.notify: {notify!r} is not 'n' or letters of 'abe'")


def placed_on_cluster(document: dict[str, Any], clusters: Clusters, *, fill: bool = False) -> dict[str, Any]:
    """The document, checked against where it would run: a known cluster (the default when it
    names none), one of that cluster's queues, within the queue's time and core limits.

    With `fill`, as at submit, a missing compute.cluster.fqdn becomes the default cluster's.
    """
    compute = document["compute"]
    fqdn = (compute.get("cluster") or {}).get("fqdn")
    cluster = clusters.default if fqdn is None else clusters.find(fqdn)
    if cluster is None:
        raise BadInput(f"compute.cluster.fqdn: unknown cluster {fqdn!r}; known clusters: {', '.join(clusters.names())}")
    queue = cluster.queues.get(compute["queue"])
    if queue is None:
        raise BadInput(
            f"compute.queue: cluster {cluster.fqdn} has no queue {compute['queue']!r}; "
            f"its queues: {', '.join(sorted(cluster.queues))}"
        )
    if seconds(compute["timeLimit"]) > seconds(queue.time_limit):
        raise BadInput(
            f"compute.timeLimit: {compute['timeLimit']} is over the limit of queue {queue.name} "
            f"on {cluster.fqdn} ({queue.time_limit})"
        )
    cores = compute["nodes"] * compute["ppn"]
    if cores > queue.max_cores:
        raise BadInput(
            f"compute: {compute['nodes']} nodes x {compute['ppn']} ppn = {cores} cores, more than queue "
            f"{queue.name} on {cluster.fqdn} allows ({queue.max_cores})"
        )
    if fill and fqdn is None:
        return {**document, "compute": {**compute, "cluster": {**(compute.get("cluster") or {}), "fqdn": cluster.fqdn}}}
    return document


def moved_to(document: dict[str, Any], target: Status, *, tracked_at: float, updated_at: str) -> dict[str, Any]:
    """The job in its new status, the change tracked; Conflict if the lifecycle forbids it."""
    status = Status(document["status"])
    if not can_transition(status, target):
        raise Conflict(f"job {document['_id']} is {status.value} and cannot become {target.value}")
    return {
        **document,
        "status": target.value,
        "statusTrack": [*document.get("statusTrack", []), {"trackedAt": tracked_at, "status": target.value}],
        "updatedAt": updated_at,
    }
