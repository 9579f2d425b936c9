"""The route table of the dated API (`/api/2018-10-01`), as the official Python client calls it.

The handlers are the v1 table's; only paths differ (create is `PUT {ent}/create`, submit is
`POST jobs/{id}/submit`, the clusters are `other/clusters`). Fixed paths come before `{id}` ones.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from matjobs.api.catalog import MATERIAL_DOCUMENTS, SERVED, SETS, Served
from matjobs.api.routes import clusters, events, files, jobs, session

ITEM = "/{document_id}"


def routes() -> list[BaseRoute]:
    table: list[BaseRoute] = [route for served in SETS for route in _document_routes(served)]
    table += [
        Route("/login", session.post_login, methods=["POST"]),
        Route("/logout", session.post_logout, methods=["POST"]),
        Route("/users/me", session.me, methods=["GET"]),
        Route("/other/clusters", clusters.list_clusters, methods=["GET"]),
        Route("/materials/import", MATERIAL_DOCUMENTS.import_from_text, methods=["POST"]),
        *_job_routes(),
    ]
    for served in SERVED:
        table.extend(_document_routes(served))
    return table


def _job_routes() -> list[BaseRoute]:
    item = "/jobs/{job_id}"
    return [
        Route("/jobs", jobs.list_jobs, methods=["GET"]),
        Route("/jobs/create", jobs.create_job, methods=["PUT"]),
        Route("/jobs/create-set", jobs.create_job_set, methods=["PUT"]),
        Route("/jobs/events", events.stream_events, methods=["GET"]),
        Route(f"{item}/events", events.stream_job_events, methods=["GET"]),
        Route(item, jobs.get_job, methods=["GET"]),
        Route(item, jobs.update_job, methods=["PATCH"]),
        Route(item, jobs.delete_job, methods=["DELETE"]),
        Route(f"{item}/submit", jobs.submit_job_once, methods=["POST"]),
        Route(f"{item}/terminate", jobs.terminate_job, methods=["POST"]),
        Route(f"{item}/copy", jobs.copy_job, methods=["POST"]),
        Route(f"{item}/move-to-set", jobs.move_job_to_set, methods=["POST"]),
        Route(f"{item}/properties", jobs.job_properties, methods=["GET"]),
        Route(f"{item}/files", files.list_files, methods=["GET"]),
        Route(f"{item}/purge", files.purge, methods=["POST"]),
        Route(f"{item}/presigned-urls", files.presigned_urls, methods=["POST"]),
        Route(f"{item}/output-files", files.output_files, methods=["POST"]),
    ]


def _document_routes(served: Served) -> list[BaseRoute]:
    documents, plural = served.documents, f"/{served.documents.plural}"
    item = f"{plural}{ITEM}"
    every = {
        "default": Route(f"{plural}/default", documents.default, methods=["GET"]),
        "create": Route(f"{plural}/create", documents.create, methods=["PUT"]),
        "create-set": Route(f"{plural}/create-set", documents.create_set, methods=["PUT"]),
        "list": Route(plural, documents.list, methods=["GET"]),
        "get": Route(item, documents.get, methods=["GET"]),
        "update": Route(item, documents.update, methods=["PATCH"]),
        "delete": Route(item, documents.delete, methods=["DELETE"]),
        "copy": Route(f"{item}/copy", documents.copy, methods=["POST"]),
        "set-default": Route(f"{item}/set-default", documents.set_default, methods=["POST"]),
        "move-to-set": Route(f"{item}/move-to-set", documents.move_to_set, methods=["POST"]),
    }
    return [route for operation, route in every.items() if operation in served.operations]
