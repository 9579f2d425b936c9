"""Every operation of the API, once: the v1 and dated route tables, the OpenAPI description and
the `Allow` answers are generated from this list (`api.tables`), so a new endpoint is one entry.

Order is the list's, except that a route is moved ahead of any earlier one that would take its
paths (`/jobs/sets` ahead of `/jobs/{job_id}`).
"""

from __future__ import annotations

from matjobs.api import schemas
from matjobs.api.catalog import MATERIAL_IMPORT, SERVED, SETS, operations_of
from matjobs.api.operation import Operation
from matjobs.api.params import IF_MATCH, LIST_PARAMETERS, MOVE_PARAMETERS, path_id, query_parameter
from matjobs.api.routes import clusters, events, files, jobs, meta, notifications, session

JOB_ID = path_id("job_id")
BY_JOB_ID = {"parameters": [JOB_ID]}
ITEM = "/jobs/{job_id}"

SERVICE = [
    Operation(
        "GET",
        "/api/health",
        meta.health,
        "Service",
        "Liveness: answers without touching the database",
        unversioned=True,
        public=True,
    ),
]

SESSION = [
    Operation(
        "POST",
        "/login",
        session.post_login,
        "Authentication",
        "Exchange a username and password for an API token",
        dated="POST /login",
        public=True,
        response_model=schemas.CredentialsEnvelope,
        responses={**schemas.errors(400, 401, 413, 415), **session.LATER},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {"schema": schemas.LOGIN},
                    "application/json": {"schema": schemas.LOGIN},
                },
            }
        },
    ),
    Operation(
        "POST",
        "/logout",
        session.post_logout,
        "Authentication",
        "Revoke the token this request carries",
        dated="POST /logout",
        response_model=schemas.MessageEnvelope,
        responses=schemas.errors(401),
    ),
    Operation(
        "GET",
        "/users/me",
        session.me,
        "Authentication",
        "The caller and its accounts, in the shape the official client reads",
        dated="GET /users/me",
        responses={200: schemas.answer(session.ME), **schemas.errors(401)},
    ),
    Operation(
        "GET",
        "/users/me/tokens",
        session.my_tokens,
        "Authentication",
        "The caller's API tokens: public id, issue and expiry times (never the token itself)",
        responses=schemas.errors(401),
    ),
    Operation(
        "DELETE",
        "/users/me/tokens/{token_id}",
        session.revoke_my_token,
        "Authentication",
        "Revoke one of the caller's API tokens by its public id",
        response_model=schemas.MessageEnvelope,
        responses=schemas.errors(401, 404),
    ),
]

JOBS = [
    Operation(
        "GET",
        "/jobs/events",
        events.stream_events,
        "Jobs",
        "Stream the caller's jobs' events",
        dated="GET /jobs/events",
        description=events.DESCRIPTION,
        responses={200: events.STREAM, **schemas.errors(400, 401)},
        openapi_extra={"parameters": [events.LAST_EVENT_ID]},
    ),
    Operation(
        "GET",
        f"{ITEM}/events",
        events.stream_job_events,
        "Jobs",
        "Stream one job's events",
        dated=f"GET {ITEM}/events",
        description=events.DESCRIPTION,
        responses={200: events.STREAM, **schemas.errors(400, 401, 404)},
        openapi_extra={"parameters": [JOB_ID, events.LAST_EVENT_ID, events.OUTPUT_PARAMETER]},
    ),
    Operation(
        "GET",
        "/jobs",
        jobs.list_jobs,
        "Jobs",
        "List the caller's jobs",
        dated="GET /jobs",
        hot=True,
        response_model=schemas.JobListEnvelope,
        responses=schemas.errors(400, 401),
        openapi_extra={"parameters": LIST_PARAMETERS},
    ),
    Operation(
        "POST",
        "/jobs",
        jobs.create_job,
        "Jobs",
        "Create a job",
        dated="PUT /jobs/create",
        hot=True,
        response_model=schemas.JobEnvelope,
        responses=schemas.errors(400, 401, 404, 413, 415),
        openapi_extra=schemas.json_body(
            schemas.CREATE_EXAMPLE, "the job; defaults fill what is left out", schemas.JOB_CREATE
        ),
    ),
    Operation(
        "POST",
        "/jobs/create-set",
        jobs.create_job_set,
        "Jobs",
        "Create a set of jobs",
        dated="PUT /jobs/create-set",
        responses={200: schemas.answer(schemas.DOCUMENT), **schemas.errors(400, 401, 413, 415)},
        openapi_extra=schemas.json_body({"name": "my jobs"}, "the set's name", schemas.SET_CREATE),
    ),
    Operation(
        "GET",
        ITEM,
        jobs.get_job,
        "Jobs",
        "Get a job by id",
        dated=f"GET {ITEM}",
        hot=True,
        response_model=schemas.JobEnvelope,
        responses=schemas.errors(401, 404),
        openapi_extra=BY_JOB_ID,
    ),
    Operation(
        "PATCH",
        ITEM,
        jobs.update_job,
        "Jobs",
        "Update a job",
        dated=f"PATCH {ITEM}",
        description='A plain object, dotted keys ({"compute.ppn": 4}), or operators: $set, $unset, $push, '
        "$addToSet, $pull. Name, title, tags and description change at any time; everything else only in "
        "pre-submission.",
        response_model=schemas.JobEnvelope,
        responses=schemas.errors(400, 401, 404, 409, 412, 413, 415),
        openapi_extra={
            "parameters": [JOB_ID, IF_MATCH],
            **schemas.json_body({"title": "New Job Feb 15th 2017, 18:32 PM"}, "fields to change", schemas.UPDATE),
        },
    ),
    Operation(
        "DELETE",
        ITEM,
        jobs.delete_job,
        "Jobs",
        "Delete a job",
        dated=f"DELETE {ITEM}",
        response_model=schemas.MessageEnvelope,
        responses=schemas.errors(401, 404, 412),
        openapi_extra={"parameters": [JOB_ID, IF_MATCH]},
    ),
    Operation(
        "POST",
        ITEM,
        jobs.submit_job,
        "Jobs",
        "Submit a job (?submit=true) or terminate it (?terminate=true)",
        hot=True,
        description="pre-submission becomes submitted. Submitting a job already on its way changes nothing; "
        "a job in a final state answers 409.",
        response_model=schemas.JobEnvelope,
        responses=schemas.errors(400, 401, 404, 409),
        openapi_extra={
            "parameters": [
                JOB_ID,
                query_parameter("submit", "true to submit", {"type": "boolean"}, True),
                query_parameter("terminate", "true to terminate", {"type": "boolean"}),
            ]
        },
    ),
    Operation(
        "POST",
        f"{ITEM}/terminate",
        jobs.terminate_job,
        "Jobs",
        "Terminate a job",
        dated=f"POST {ITEM}/terminate",
        description="A submitted, queued or active job becomes terminate-queued, and terminated once its cluster "
        "has stopped it. Other states answer 409.",
        response_model=schemas.JobEnvelope,
        responses=schemas.errors(401, 404, 409),
        openapi_extra=BY_JOB_ID,
    ),
    Operation(
        "POST",
        f"{ITEM}/submit",
        jobs.submit_job_once,
        "Jobs",
        "Submit a job (the official client's path)",
        dated=f"POST {ITEM}/submit",
        description="pre-submission becomes submitted. A job already submitted, running or final is answered as "
        "it is and nothing runs again: the official client's terminate() and purge() post here too.",
        response_model=schemas.JobEnvelope,
        responses=schemas.errors(401, 404),
        openapi_extra=BY_JOB_ID,
    ),
    Operation(
        "POST",
        f"{ITEM}/copy",
        jobs.copy_job,
        "Jobs",
        "Copy a job",
        dated=f"POST {ITEM}/copy",
        description="A new pre-submission job with the original's material, workflow, project and compute.",
        response_model=schemas.JobEnvelope,
        responses=schemas.errors(401, 404),
        openapi_extra=BY_JOB_ID,
    ),
    Operation(
        "POST",
        f"{ITEM}/move-to-set",
        jobs.move_job_to_set,
        "Jobs",
        "Move a job out of a set (oldSetId), into another (newSetId), or both",
        dated=f"POST {ITEM}/move-to-set",
        description='List a set\'s jobs with `?setId=` or the query `{"inSet._id": ...}`.',
        response_model=schemas.JobEnvelope,
        responses=schemas.errors(400, 401, 404),
        openapi_extra={"parameters": [JOB_ID, *MOVE_PARAMETERS]},
    ),
    Operation(
        "GET",
        f"{ITEM}/properties",
        jobs.job_properties,
        "Jobs",
        "The job's results (properties)",
        dated=f"GET {ITEM}/properties",
        description='The same documents as `GET /properties` with `{"source.info.jobId": <job id>}`.',
        responses={200: schemas.answer({"type": "array", "items": schemas.DOCUMENT}), **schemas.errors(401, 404)},
        openapi_extra=BY_JOB_ID,
    ),
]

FILES = [
    Operation(
        "GET",
        f"{ITEM}/files",
        files.list_files,
        "Files",
        "List a job's files with time-limited download links",
        dated=f"GET {ITEM}/files",
        responses={200: schemas.answer(schemas.FILE_ENTRIES, files.FILES_EXAMPLE), **schemas.errors(401, 404)},
        openapi_extra=BY_JOB_ID,
    ),
    Operation(
        "POST",
        f"{ITEM}/purge",
        files.purge,
        "Files",
        "Delete a final job's working files; the job stays, marked purged",
        dated=f"POST {ITEM}/purge",
        response_model=schemas.JobEnvelope,
        responses=schemas.errors(401, 404, 409),
        openapi_extra=BY_JOB_ID,
    ),
    Operation(
        "POST",
        f"{ITEM}/presigned-urls",
        files.presigned_urls,
        "Files",
        "Time-limited links to upload files into a pre-submission job's folder (PUT, no auth headers)",
        dated=f"POST {ITEM}/presigned-urls",
        responses={
            200: schemas.answer(
                schemas.UPLOAD_LINKS,
                {"presignedURLs": [{"file": "pw.in", "URL": "http://127.0.0.1:8000/api/v1/files/..."}]},
            ),
            **schemas.errors(400, 401, 404, 409, 413, 415),
        },
        openapi_extra={
            "parameters": [JOB_ID],
            **schemas.json_body({"files": ["pw.in"]}, "paths in the job's folder", schemas.UPLOADS),
        },
    ),
    Operation(
        "POST",
        f"{ITEM}/output-files",
        files.output_files,
        "Files",
        "The entries of files in the job's folder, named by `name` or `key` (one record or a list)",
        dated=f"POST {ITEM}/output-files",
        responses={200: schemas.answer(schemas.FILE_ENTRIES), **schemas.errors(400, 401, 404, 413, 415)},
        openapi_extra={"parameters": [JOB_ID], **files.OUTPUT_FILES_BODY},
    ),
    # Signed links: the signature is the credential. FastAPI fills these handlers' arguments.
    Operation(
        "GET",
        "/files/{job_id}/{key:path}",
        files.download,
        "Files",
        "Download a job's file through a signed link (no auth headers)",
        public=True,
        responses={404: {"model": schemas.ErrorEnvelope, "description": "no such file, or the link is bad or expired"}},
    ),
    Operation(
        "PUT",
        "/files/{job_id}/{key:path}",
        files.upload,
        "Files",
        "Upload a file into a pre-submission job's folder through a link from presigned-urls",
        public=True,
        responses={
            404: {"model": schemas.ErrorEnvelope, "description": "no such job, or the link is bad or expired"},
            409: {"model": schemas.ErrorEnvelope, "description": "the job was submitted since"},
            413: {"model": schemas.ErrorEnvelope, "description": "the file is over the upload limit"},
        },
    ),
]

CLUSTERS = [
    Operation(
        "GET",
        "/clusters",
        clusters.list_clusters,
        "Clusters",
        "List clusters with their queues and current load",
        dated="GET /other/clusters",
        description="`running` counts active jobs (and those being terminated), `queued` submitted and queued "
        "ones, over all accounts. `sandbox` says how each job is confined (bubblewrap: its own folder, the system "
        "read-only, a private /tmp, the network only if `network`, as a Unix user of the account's own if "
        "`accountUsers`); `null` means jobs run unsandboxed.",
        responses={
            200: schemas.answer({"type": "array", "items": clusters.CLUSTER}, clusters.EXAMPLE),
            **schemas.errors(401),
        },
    ),
]

NOTIFICATIONS = [
    Operation(
        "GET",
        "/users/me/email",
        notifications.my_email,
        "Notifications",
        "The address the caller's job notices are emailed to",
        responses={200: schemas.answer(notifications.EMAIL, {"email": "ada@example.org"}), **schemas.errors(401)},
    ),
    Operation(
        "PUT",
        "/users/me/email",
        notifications.set_my_email,
        "Notifications",
        "Set the address job notices are emailed to (null: none)",
        responses={
            200: schemas.answer(notifications.EMAIL, {"email": "ada@example.org"}),
            **schemas.errors(400, 401, 413, 415),
        },
        openapi_extra=schemas.json_body({"email": "ada@example.org"}, "the address, or null", notifications.EMAIL),
    ),
    Operation(
        "GET",
        "/webhooks",
        notifications.list_webhooks,
        "Notifications",
        "The account's webhooks (never their secrets)",
        description=notifications.SIGNING,
        responses={
            200: schemas.answer({"type": "array", "items": notifications.WEBHOOK}, [notifications.HOOK_EXAMPLE]),
            **schemas.errors(401),
        },
    ),
    Operation(
        "POST",
        "/webhooks",
        notifications.add_webhook,
        "Notifications",
        "Add a webhook; the answer carries its signing secret, shown this once",
        description=notifications.SIGNING,
        responses={
            200: schemas.answer(notifications.WEBHOOK, {**notifications.HOOK_EXAMPLE, "secret": "9f2c…"}),
            **schemas.errors(400, 401, 413, 415),
        },
        openapi_extra=schemas.json_body(
            {"url": "https://example.org/hooks/matjobs", "events": ["end", "abort"]},
            "where to POST, and when",
            notifications.WEBHOOK_IN,
        ),
    ),
    Operation(
        "DELETE",
        "/webhooks/{webhook_id}",
        notifications.delete_webhook,
        "Notifications",
        "Delete a webhook; notices it had yet to receive are dropped",
        response_model=schemas.MessageEnvelope,
        responses=schemas.errors(401, 404),
        openapi_extra={"parameters": [path_id("webhook_id")]},
    ),
]

OPERATIONS: tuple[Operation, ...] = (
    *SERVICE,
    *(operation for served in SETS for operation in operations_of(served)),
    *SESSION,
    *JOBS,
    *FILES,
    *CLUSTERS,
    *NOTIFICATIONS,
    MATERIAL_IMPORT,
    *(operation for served in SERVED for operation in operations_of(served)),
)
