"""Requests generated from the OpenAPI description (schemathesis) against a live server, over both
route tables: no answer is a 5xx, every answer matches its description (status code, content
type, body), and a rejected request (4xx) writes nothing.

One backend is enough for the generator (SQLite): what it finds lies in the handlers and the
description, not the dialect, which the rest of the suite covers on both. Settings:
- MATJOBS_FUZZ_CASES: generated cases in all (default 2000), spread over the operations and over
  schema-conforming and schema-violating data;
- MATJOBS_FUZZ_SEED: a seed; without it generation is derandomized (the same cases every run).
"""

from __future__ import annotations

import copy
import math
import os
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import requests
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode, openapi
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from matjobs.settings import Settings
from matjobs.store import Store, tables
from matjobs.store.migrate import upgrade
from tests.conftest import TEST_CLUSTERS, User, signed_up
from tests.servers import LiveServer

CASES = int(os.environ.get("MATJOBS_FUZZ_CASES", "2000"))
SEED = os.environ.get("MATJOBS_FUZZ_SEED")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# The account's tables, each read as (count, latest updatedAt) for the fingerprint.
ACCOUNT_TABLES = [
    tables.jobs,
    tables.projects,
    tables.materials,
    tables.properties,
    tables.workflows,
    tables.job_sets,
    tables.material_sets,
]
# uvicorn's HTTP parser refuses a request line over 64 KiB before the application sees it.
MAX_URL = 60_000
ID_PARAMETERS = {"job_id", "document_id", "setId", "oldSetId", "newSetId"}


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Store, Path]]:
    folder = tmp_path_factory.mktemp("fuzz")
    store = Store(f"sqlite:///{folder / 'matjobs.sqlite3'}")
    upgrade(store)
    settings = Settings(
        data_dir=folder / "data",
        database_url=store.url,
        max_body_bytes=1_000_000,
        clusters=TEST_CLUSTERS,
    )
    live = LiveServer(settings, store)
    live.start()
    yield live, store, folder / "data"
    live.stop()
    store.dispose()


def fingerprint(store: Store, user: User, data_dir: Path) -> tuple[Any, ...]:
    """What a write by this account would change: its documents, its tokens, the job folders."""
    with store.reading() as conn:
        documents = [
            tuple(
                conn.execute(
                    sa.select(sa.func.count(), sa.func.max(table.c.updated_at)).where(
                        table.c.account_id == user.account_id
                    )
                ).one()
            )
            for table in ACCOUNT_TABLES
        ]
        tokens = conn.execute(
            sa.select(sa.func.count()).select_from(tables.tokens).where(tables.tokens.c.user_id == user.user_id)
        ).scalar_one()
    files = sorted(str(path.relative_to(data_dir)) for path in (data_dir / "jobs").rglob("*"))
    return (documents, tokens, files)


def url_length(case: Any, base_url: str) -> int:
    sent = case.as_transport_kwargs(base_url=base_url)
    return len(requests.Request("GET", sent["url"], params=sent.get("params")).prepare().url or "")


def with_real_ids(spec: dict[str, Any], ids: list[str]) -> dict[str, Any]:
    """The description with the account's ids offered beside generated ones, so that generated
    requests reach real documents too; logout is left out (it would end the session), and so are
    the event streams (an answered stream never ends: test_event_stream.py sends them bad input)."""
    spec = copy.deepcopy(spec)
    spec["paths"] = {path: item for path, item in spec["paths"].items() if not path.endswith(("/logout", "/events"))}
    for item in spec["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] in ID_PARAMETERS and "schema" in parameter:
                    parameter["schema"] = {"anyOf": [{"type": "string", "enum": ids}, parameter["schema"]]}
    return spec


def run_operation(operation: Any, mode: GenerationMode, examples: int, call: Callable[[Any], None]) -> None:
    @hypothesis.settings(
        max_examples=examples,
        derandomize=SEED is None,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # failures are collected, not shrunk
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def generated(case: Any) -> None:
        call(case)

    if SEED is not None:
        generated = hypothesis.seed(int(SEED))(generated)
    try:
        generated()
    except hypothesis.errors.Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE  # nothing to get wrong: an operation without inputs


def test_generated_requests_answer_no_5xx_match_the_description_and_write_nothing_when_refused(
    sqlite_server: tuple[LiveServer, Store, Path],
) -> None:
    live, store, data_dir = sqlite_server
    with signed_up(store, live, "fuzz") as user:
        job = user.http.post("/api/v1/jobs", json={"name": "fuzzed"}).json()["data"]
        material = user.http.get("/api/v1/materials/default").json()["data"]
        workflow = user.http.get("/api/v1/workflows/default").json()["data"]
        job_set = user.http.post("/api/v1/jobs/create-set", json={"name": "fuzzed jobs"}).json()["data"]
        ids = [job["_id"], material["_id"], workflow["_id"], job_set["_id"]]
        spec = with_real_ids(user.http.get("/api/openapi.json").json(), ids)
        schema = openapi.from_dict(spec)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert {operation.path.split("/")[2] for operation in operations} >= {"v1", "2018-10-01"}
        modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
        per_operation = max(1, math.ceil(CASES / (len(operations) * len(modes))))
        session = requests.Session()
        auth = user.headers
        failures: dict[str, str] = {}
        answered: Counter[int] = Counter()
        sent = too_long = 0

        def call(case: Any) -> None:
            nonlocal sent, too_long
            if url_length(case, live.url) > MAX_URL:
                too_long += 1
                return
            before = fingerprint(store, user, data_dir)
            label = f"{case.operation.label}"
            try:
                response = case.call_and_validate(base_url=live.url, session=session, headers=auth, checks=CHECKS)
            except FailureGroup as error:  # each distinct failure is reported once, with its reproduction
                key = f"{label}: {str(error).splitlines()[0] if str(error) else type(error).__name__}"
                failures.setdefault(key, f"{error}\n{case.as_curl_command(headers=auth, base_url=live.url)}")
                sent += 1
                return
            sent += 1
            answered[response.status_code] += 1
            if 400 <= response.status_code < 500 and fingerprint(store, user, data_dir) != before:
                key = f"{label}: a {response.status_code} wrote"
                failures.setdefault(key, f"{response.text}\n{case.as_curl_command(headers=auth, base_url=live.url)}")

        for operation in operations:
            for mode in modes:
                run_operation(operation, mode, per_operation, call)

    report = "\n\n".join(f"{key}\n{detail}" for key, detail in sorted(failures.items()))
    assert not failures, f"{len(failures)} distinct failures in {sent} generated requests:\n\n{report}"
    assert too_long < sent / 10, f"{too_long} generated URLs over {MAX_URL} characters; bound the description"
    assert sent >= CASES * 0.9, f"only {sent} requests were generated; the description may be too narrow"
    # The generated requests reached documents and their checks, not only the front door.
    assert {200, 400, 404} <= set(answered), answered
