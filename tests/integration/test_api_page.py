"""The interactive API page (Swagger UI, served locally) over a complete OpenAPI description."""

from __future__ import annotations

import httpx

from matjobs.api.operation import Operation
from matjobs.api.operations import OPERATIONS
from matjobs.api.tables import build

DATED = "/api/2018-10-01"

# Literal anchors, whatever the list of operations says: calls clients rely on, in both APIs.
ANCHORS = {
    ("get", "/api/health"),
    ("post", "/api/v1/login"),
    ("get", "/api/v1/jobs"),
    ("post", "/api/v1/jobs"),
    ("get", "/api/v1/jobs/{job_id}"),
    ("post", "/api/v1/jobs/{job_id}"),
    ("get", "/api/v1/jobs/sets/{document_id}"),
    ("get", "/api/v1/jobs/events"),
    ("get", "/api/2018-10-01/jobs/{job_id}/events"),
    ("get", "/api/v1/files/{job_id}/{key}"),
    ("put", "/api/v1/files/{job_id}/{key}"),
    ("delete", "/api/v1/users/me/tokens/{token_id}"),
    ("put", "/api/v1/users/me/email"),
    ("delete", "/api/v1/webhooks/{webhook_id}"),
    ("get", "/api/v1/projects/default"),
    ("post", "/api/v1/materials/import"),
    ("post", "/api/v1/bank-workflows/{document_id}/copy"),
    ("post", f"{DATED}/login"),
    ("put", f"{DATED}/jobs/create"),
    ("get", f"{DATED}/jobs/{{job_id}}"),
    ("post", f"{DATED}/jobs/{{job_id}}/submit"),
    ("get", f"{DATED}/other/clusters"),
    ("put", f"{DATED}/materials/create-set"),
    ("get", f"{DATED}/properties/{{document_id}}"),
}
# v1 calls the dated API does not have (it submits with POST jobs/{id}/submit, creates with PUT).
NOT_DATED = {("post", f"{DATED}/jobs/{{job_id}}"), ("post", f"{DATED}/jobs"), ("get", f"{DATED}/clusters")}


def _v1(operation: Operation) -> tuple[str, str]:
    path = operation.path if operation.unversioned else "/api/v1" + operation.path
    return operation.method.lower(), path.replace(":path}", "}")


def _dated(operation: Operation) -> tuple[str, str] | None:
    call = operation.dated_call
    return None if call is None else (call[0].lower(), DATED + call[1])


def _concrete(path: str) -> str:
    concrete = path.replace("{job_id}", "RhCFP2WuehvG4hCLp").replace("{document_id}", "RhCFP2WuehvG4hCLp")
    return concrete.replace("{token_id}", "RhCFP2WuehvG4hCLpX").replace("{key}", "out/pw.out")


def test_the_page_loads_swagger_ui_from_this_server(anonymous: httpx.Client) -> None:
    page = anonymous.get("/api/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "/api/docs/static/swagger-ui-bundle.js" in page.text and "/api/openapi.json" in page.text
    assert "cdn." not in page.text  # self-hosted: no network needed
    script = anonymous.get("/api/docs/static/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.content) > 100_000


def test_openapi_describes_every_route_with_examples_and_auth(anonymous: httpx.Client) -> None:
    spec = anonymous.get("/api/openapi.json").json()
    described = {(method, path) for path, item in spec["paths"].items() for method in item}
    assert described >= ANCHORS and not NOT_DATED & described
    assert {(method, path) for method, path in described if not path.startswith(DATED)} == {
        _v1(operation) for operation in OPERATIONS
    }
    # Every route of the dated table, described as the v1 route with the same handler.
    dated_routes = build(OPERATIONS).dated
    dated_table = {(m.lower(), DATED + route.path) for route in dated_routes for m in route.methods - {"HEAD"}}
    assert {(method, path) for method, path in described if path.startswith(DATED)} == dated_table
    assert spec["paths"][f"{DATED}/jobs/create"]["put"]["summary"] == "Create a job"
    assert "security" not in spec["paths"][f"{DATED}/login"]["post"]
    create = spec["paths"]["/api/v1/jobs"]["post"]
    assert create["requestBody"]["content"]["application/json"]["example"]["title"].startswith("New Job")
    assert {"400", "401", "413", "415"} <= set(create["responses"])
    schemes = spec["components"]["securitySchemes"]
    assert {scheme.get("name") for scheme in schemes.values()} >= {"X-Auth-Token", "X-User-Id", "X-Account-Id"}
    listing = {p["name"] for p in spec["paths"]["/api/v1/jobs"]["get"]["parameters"]}
    assert {"query", "projection", "limit", "skip", "sort", "pageIndex", "pageSize"} <= listing


def test_options_and_405_allow_every_method_a_path_serves(anonymous: httpx.Client) -> None:
    spec = anonymous.get("/api/openapi.json").json()
    for path, item in spec["paths"].items():
        concrete = path.replace("{job_id}", "RhCFP2WuehvG4hCLp").replace("{document_id}", "RhCFP2WuehvG4hCLp")
        concrete = concrete.replace("{key}", "out/pw.out")
        described = {method.upper() for method in item}
        answer = anonymous.options(concrete)
        assert answer.status_code == 204, (path, answer.text)
        allowed = {method.strip() for method in answer.headers["allow"].split(",")}
        assert described | {"OPTIONS"} <= allowed, (path, allowed)
        unserved = sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - allowed)
        if unserved:
            refused = anonymous.request(unserved[0], concrete)
            assert refused.status_code == 405, (path, unserved[0], refused.status_code)
            assert {method.strip() for method in refused.headers["allow"].split(",")} == allowed, path
    jobs = anonymous.options("/api/v1/jobs").headers["allow"]
    assert {"GET", "POST"} <= {method.strip() for method in jobs.split(",")}
    assert anonymous.options("/api/v1/no-such-thing").status_code == 404


def test_parameters_and_bodies_are_typed_for_clients_and_generators(anonymous: httpx.Client) -> None:
    spec = anonymous.get("/api/openapi.json").json()
    for prefix in ("/api/v1", DATED):
        listing = {p["name"]: p for p in spec["paths"][f"{prefix}/jobs"]["get"]["parameters"]}
        assert listing["pageSize"]["schema"] == {"type": "integer", "minimum": 5, "maximum": 100}
        assert listing["limit"]["schema"]["type"] == "integer" and listing["skip"]["schema"]["minimum"] == 0
        for name in ("query", "projection", "advancedSearches"):
            assert "schema" in listing[name]["content"]["application/json"], name
        item = spec["paths"][f"{prefix}/jobs/{{job_id}}"]
        [job_id] = [p for p in item["get"]["parameters"] if p["in"] == "path"]
        assert job_id["schema"]["pattern"] and job_id["schema"]["maxLength"] == 17
        update = item["patch"]["requestBody"]["content"]["application/json"]["schema"]
        assert {"$set", "$unset", "$push", "$addToSet", "$pull"} <= set(update["anyOf"][0]["properties"])
        assert {"If-Match"} <= {p["name"] for p in item["patch"]["parameters"] + item["delete"]["parameters"]}
        assert "412" in item["patch"]["responses"] and "412" in item["delete"]["responses"]
    create = spec["paths"]["/api/v1/jobs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"name", "_project", "_material", "workflow", "compute"} <= set(create["properties"])
    login = spec["paths"][f"{DATED}/login"]["post"]
    assert login["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["required"] == [
        "username",
        "password",
    ]
    assert "429" in login["responses"]
    uploads = spec["paths"]["/api/v1/jobs/{job_id}/presigned-urls"]["post"]["requestBody"]["content"]
    assert uploads["application/json"]["schema"]["required"] == ["files"]


def test_every_operation_is_served_under_each_api_that_has_it(anonymous: httpx.Client) -> None:
    """Each call reaches a handler (one that asks for credentials, or reads a signed link), not a
    404 or 405 of the route tables, under v1 and, where it has one, the dated path."""
    calls = [_v1(operation) for operation in OPERATIONS] + [
        call for operation in OPERATIONS if (call := _dated(operation)) is not None
    ]
    assert len(calls) > 100
    public = {_v1(operation) for operation in OPERATIONS if operation.public}
    public |= {call for operation in OPERATIONS if operation.public and (call := _dated(operation))}
    for method, path in calls:
        if path.endswith(("/login", "/logout")):  # tested with their own bodies elsewhere
            continue
        answer = anonymous.request(method, _concrete(path), content=b"{}")
        if (method, path) in public:
            assert answer.status_code in (200, 404), (method, path, answer.status_code)
            if answer.status_code == 404:
                assert "link" in answer.json()["message"], (method, path, answer.text)
        else:
            assert answer.status_code == 401, (method, path, answer.status_code, answer.text)
