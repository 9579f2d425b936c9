"""Updates that cannot be lost: every document carries a revision (its ETag, and `revision` in
the body) that each write raises; PATCH and DELETE with `If-Match` (or the revision the client
read, in the body) answer 412 when the document changed in between, and change nothing."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from mat3ra.standata.materials import Materials
from mat3ra.standata.workflows import WorkflowStandata

from matjobs.lifecycle import Status
from matjobs.store import Store
from matjobs.store.jobs import transition_job
from tests.conftest import User
from tests.servers import LiveServer

V1, DATED = "/api/v1", "/api/2018-10-01"
SI = "Si-[Silicon]-FCC_[Fd-3m]_3D_[Bulk]-[mp-149]"
BODIES: dict[str, Callable[[], dict]] = {
    "jobs": lambda: {"name": "versioned"},
    "projects": lambda: {"name": "versioned"},
    "materials": lambda: copy.deepcopy(Materials.get_by_name_first_match(SI)),
    "workflows": lambda: copy.deepcopy(WorkflowStandata.find_by_application_and_name("espresso", "Total Energy")),
}


def created(user: User, plural: str) -> dict:
    response = user.http.post(f"{V1}/{plural}", json=BODIES[plural]())
    assert response.status_code == 200, response.text
    return response.json()["data"]


def read(user: User, path: str) -> tuple[dict, str]:
    response = user.http.get(path)
    assert response.status_code == 200, response.text
    return response.json()["data"], response.headers["ETag"]


@pytest.fixture(params=list(BODIES))
def plural(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=[V1, DATED])
def api(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_a_read_answers_the_revision_and_each_update_raises_it(alice: User, plural: str, api: str) -> None:
    document = created(alice, plural)
    path = f"{api}/{plural}/{document['_id']}"
    assert document["revision"] == 1
    stored, etag = read(alice, path)
    assert etag == '"1"' and stored["revision"] == 1
    renamed = alice.http.patch(path, json={"name": "renamed"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.headers["ETag"] == '"2"' and renamed.json()["data"]["revision"] == 2
    stored, etag = read(alice, path)
    assert etag == '"2"' and stored == renamed.json()["data"]


def test_a_refused_update_leaves_the_revision(alice: User) -> None:
    job = created(alice, "jobs")
    path = f"{V1}/jobs/{job['_id']}"
    assert alice.http.patch(path, json={"compute.ppn": "many"}).status_code == 400
    assert read(alice, path) == (job, '"1"')


def test_every_write_raises_the_revision_not_only_updates(alice: User, backend: Store) -> None:
    """Submits, set moves, the runner's status changes, make-default: a client holding an
    older ETag must hear that the document changed."""
    job = created(alice, "jobs")
    path = f"{V1}/jobs/{job['_id']}"
    revisions = [read(alice, path)[1]]
    job_set = alice.http.post(f"{V1}/jobs/create-set", json={"name": "mine"}).json()["data"]
    moved = alice.http.post(f"{path}/move-to-set", params={"newSetId": job_set["_id"]})
    assert moved.status_code == 200, moved.text
    revisions.append(read(alice, path)[1])
    assert alice.http.post(path, params={"submit": "true"}).status_code == 200
    revisions.append(read(alice, path)[1])
    with backend.writing() as conn:  # the runner's part, through the store as the runner does it
        transition_job(conn, account_id=alice.account_id, job_id=job["_id"], target=Status.QUEUED)
    revisions.append(read(alice, path)[1])
    assert revisions == ['"1"', '"2"', '"3"', '"4"']

    material = created(alice, "materials")
    chosen = alice.http.post(f"{V1}/materials/{material['_id']}/set-default")
    assert chosen.status_code == 200, chosen.text
    assert read(alice, f"{V1}/materials/{material['_id']}")[1] == '"2"'


# Projects have no DELETE: the default one holds every job created without one.
WRITES = [
    (plural, method)
    for plural in BODIES
    for method in ("PATCH", "DELETE")
    if (plural, method) != ("projects", "DELETE")
]


@pytest.mark.parametrize(("plural", "method"), WRITES)
def test_a_stale_if_match_answers_412_and_changes_nothing(alice: User, plural: str, api: str, method: str) -> None:
    document = created(alice, plural)
    path = f"{api}/{plural}/{document['_id']}"
    assert alice.http.patch(path, json={"name": "changed by another"}).status_code == 200
    before = read(alice, path)
    body = {"json": {"name": "stale"}} if method == "PATCH" else {}
    stale = alice.http.request(method, path, headers={"If-Match": '"1"'}, **body)
    assert stale.status_code == 412, stale.text
    message = stale.json()["data"]["message"]
    assert "revision 2" in message and "changed since it was read" in message
    assert read(alice, path) == before
    current = alice.http.request(method, path, headers={"If-Match": before[1]}, **body)
    assert current.status_code == 200, current.text


def test_if_match_star_means_the_document_exists(alice: User) -> None:
    job = created(alice, "jobs")
    path = f"{V1}/jobs/{job['_id']}"
    assert alice.http.patch(path, json={"name": "any"}, headers={"If-Match": "*"}).status_code == 200
    assert alice.http.delete(path, headers={"If-Match": "*"}).status_code == 200
    assert alice.http.patch(path, json={"name": "gone"}, headers={"If-Match": "*"}).status_code == 404


def test_if_match_may_list_several_etags(alice: User) -> None:
    job = created(alice, "jobs")
    path = f"{V1}/jobs/{job['_id']}"
    listed = alice.http.patch(path, json={"name": "either"}, headers={"If-Match": '"7", "1"'})
    assert listed.status_code == 200, listed.text
    weak = alice.http.patch(path, json={"name": "weak"}, headers={"If-Match": 'W/"2"'})
    assert weak.status_code == 412  # If-Match compares strongly: a weak tag never matches


@pytest.mark.parametrize("header", ["1", '"1', "abc, *", '"1";"2"'])
def test_a_malformed_if_match_is_a_400(alice: User, header: str) -> None:
    job = created(alice, "jobs")
    path = f"{V1}/jobs/{job['_id']}"
    for method, body in (("PATCH", {"json": {"name": "x"}}), ("DELETE", {})):
        refused = alice.http.request(method, path, headers={"If-Match": header}, **body)
        assert refused.status_code == 400, refused.text
        assert "If-Match" in refused.json()["data"]["message"]
    assert read(alice, path) == (job, '"1"')


def test_the_revision_sent_back_in_the_body_is_a_precondition(alice: User, plural: str) -> None:
    """A client that reads a document, edits it and sends the fields back with the revision it
    read is told when someone wrote in between."""
    document = created(alice, plural)
    path = f"{V1}/{plural}/{document['_id']}"
    fresh = alice.http.patch(path, json={"name": "first", "revision": 1})
    assert fresh.status_code == 200, fresh.text
    assert fresh.json()["data"]["revision"] == 2 and fresh.json()["data"]["name"] == "first"
    before = read(alice, path)
    stale = alice.http.patch(path, json={"$set": {"name": "second", "revision": 1}})
    assert stale.status_code == 412, stale.text
    assert read(alice, path) == before
    for refused in ({"revision": "2"}, {"$unset": {"revision": ""}}, {"revision.x": 1}):
        assert alice.http.patch(path, json=refused).status_code == 400
    assert read(alice, path) == before


def test_a_create_ignores_a_revision_it_is_sent(alice: User) -> None:
    job = alice.http.post(f"{V1}/jobs", json={"name": "new", "revision": 40}).json()["data"]
    assert job["revision"] == 1
    copied = alice.http.post(f"{V1}/jobs/{job['_id']}/copy").json()["data"]
    assert copied["revision"] == 1


THREADS, ROUNDS = 8, 25


def test_concurrent_conditional_updates_lose_no_acknowledged_write(
    backend: Store, server: LiveServer, alice: User
) -> None:
    """Each of 8 writers appends its markers to `tags` by reading, editing and writing back
    under If-Match, retrying on 412: every answer is 200 or 412, and every marker a 200
    acknowledged is in the final document."""
    job = created(alice, "jobs")
    path = f"{V1}/jobs/{job['_id']}"
    answers: list[int] = []
    acknowledged: list[str] = []
    lock = threading.Lock()

    def writer(number: int) -> None:
        with httpx.Client(base_url=server.url, headers=alice.http.headers, timeout=60) as http:
            for round_ in range(ROUNDS):
                marker = f"w{number}-{round_}"
                while True:
                    current = http.get(path)
                    tags = current.json()["data"].get("tags", [])
                    written = http.patch(
                        path, json={"tags": [*tags, marker]}, headers={"If-Match": current.headers["ETag"]}
                    )
                    with lock:
                        answers.append(written.status_code)
                        if written.status_code == 200:
                            acknowledged.append(marker)
                    if written.status_code != 412:
                        break

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(writer, range(THREADS)))
    assert set(answers) <= {200, 412}, sorted(set(answers))
    final, etag = read(alice, path)
    assert sorted(final["tags"]) == sorted(acknowledged)
    assert len(acknowledged) == THREADS * ROUNDS
    assert etag == f'"{1 + THREADS * ROUNDS}"'  # one revision per acknowledged write, none other
