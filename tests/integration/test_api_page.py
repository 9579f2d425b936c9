"""The interactive API page (Swagger UI, served locally) over a complete OpenAPI description."""

from __future__ import annotations

import httpx

from matjobs.api.routes import dated

DATED = "/api/2018-10-01"

ROUTES = {
    ("get", "/api/v1/jobs"),
    ("post", "/api/v1/jobs"),
    ("get", "/api/v1/jobs/{job_id}"),
    ("patch", "/api/v1/jobs/{job_id}"),
    ("delete", "/api/v1/jobs/{job_id}"),
    ("post", "/api/v1/jobs/{job_id}"),
    ("post", "/api/v1/jobs/{job_id}/terminate"),
    ("get", "/api/v1/jobs/{job_id}/files"),
    ("post", "/api/v1/jobs/{job_id}/purge"),
    ("get", "/api/v1/jobs/{job_id}/properties"),
    ("post", "/api/v1/jobs/{job_id}/copy"),
    ("post", "/api/v1/jobs/{job_id}/submit"),
    ("post", "/api/v1/jobs/create-set"),
    ("get", "/api/v1/jobs/sets"),
    ("get", "/api/v1/jobs/sets/{document_id}"),
    ("get", "/api/v1/materials/sets"),
    ("get", "/api/v1/materials/sets/{document_id}"),
    ("post", "/api/v1/jobs/{job_id}/move-to-set"),
    ("post", "/api/v1/jobs/{job_id}/presigned-urls"),
    ("post", "/api/v1/jobs/{job_id}/output-files"),
    ("get", "/api/v1/jobs/events"),
    ("get", "/api/v1/jobs/{job_id}/events"),
    ("get", "/api/v1/files/{job_id}/{key}"),
    ("put", "/api/v1/files/{job_id}/{key}"),
    ("get", "/api/v1/users/me"),
    ("get", "/api/v1/users/me/tokens"),
    ("delete", "/api/v1/users/me/tokens/{token_id}"),
    ("post", "/api/v1/login"),
    ("post", "/api/v1/logout"),
    ("get", "/api/health"),
    ("get", "/api/v1/clusters"),
    ("get", "/api/v1/projects"),
    ("post", "/api/v1/projects"),
    ("get", "/api/v1/projects/{document_id}"),
    ("patch", "/api/v1/projects/{document_id}"),
    ("post", "/api/v1/projects/{document_id}/copy"),
    ("post", "/api/v1/projects/{document_id}/set-default"),
    ("get", "/api/v1/projects/default"),
    ("post", "/api/v1/materials/create-set"),
    ("post", "/api/v1/materials/{document_id}/move-to-set"),
    ("get", "/api/v1/pseudopotentials"),
    ("get", "/api/v1/pseudopotentials/{document_id}"),
    ("post", "/api/v1/materials/import"),
    ("get", "/api/v1/properties"),
    ("post", "/api/v1/properties"),
    ("post", "/api/v1/properties/{document_id}/copy"),
    ("get", "/api/v1/properties/{document_id}"),
    *{
        (method, path)
        for plural in ("materials", "workflows")
        for method, path in [
            ("get", f"/api/v1/{plural}"),
            ("post", f"/api/v1/{plural}"),
            ("get", f"/api/v1/{plural}/{{document_id}}"),
            ("patch", f"/api/v1/{plural}/{{document_id}}"),
            ("delete", f"/api/v1/{plural}/{{document_id}}"),
            ("post", f"/api/v1/{plural}/{{document_id}}/copy"),
            ("post", f"/api/v1/{plural}/{{document_id}}/set-default"),
            ("get", f"/api/v1/{plural}/default"),
            ("get", f"/api/v1/bank-{plural}"),
            ("get", f"/api/v1/bank-{plural}/{{document_id}}"),
            ("post", f"/api/v1/bank-{plural}/{{document_id}}/copy"),
        ]
    },
}


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
    assert {(method, path) for method, path in described if not path.startswith(DATED)} == ROUTES
    # Every route of the dated table, described as the v1 route with the same handler.
    dated_table = {(m.lower(), DATED + route.path) for route in dated.routes() for m in route.methods - {"HEAD"}}
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
