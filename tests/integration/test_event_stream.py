"""The event stream (GET /jobs/events, GET /jobs/{id}/events, in both APIs): a listener sees its
own jobs move as they move, never another account's, resumes without loss after a reconnect, and
sees pw.x's SCF iterations and a unit's output lines."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
import pytest

from matjobs.events.kinds import Event
from matjobs.store import Store
from matjobs.store.events import events_after, insert_events, last_event_id, prune_events
from tests.conftest import User
from tests.events_client import Listening
from tests.helpers import submit, wait_for, wait_until

DATED = "/api/2018-10-01"


@pytest.fixture
def carol(researchers: Callable[[str], User]) -> User:
    return researchers("carol")


@pytest.fixture
def dave(researchers: Callable[[str], User]) -> User:
    return researchers("dave")


def listening(user: User, path: str = "/api/v1/jobs/events", **params: object) -> Listening:
    return Listening(str(user.http.base_url), path, user.headers, **params)


def test_a_listener_sees_its_job_move_from_creation_to_its_end(carol: User) -> None:
    with listening(carol) as stream:
        job_id = submit(carol, "echo hello")
        stream.wait_for_status(job_id, "finished")
        statuses = stream.statuses(job_id)
        assert statuses[0] == "pre-submission" and statuses[1] == "submitted" and statuses[-1] == "finished"
        assert "active" in statuses
        events = stream.of("job.status", job_id)
        assert [e.data["previous"] for e in events[1:]] == statuses[:-1]
        ids = [e.id for e in stream.received if e.id is not None]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        wait_until(lambda: [e.data["status"] for e in stream.of("unit.status", job_id)][-1:] == ["finished"])


def test_another_account_sees_none_of_its_events(carol: User, dave: User) -> None:
    with listening(dave) as theirs, listening(carol) as own:
        job_id = submit(carol, "echo private")
        own.wait_for_status(job_id, "finished")
        assert theirs.received == []
    refused = dave.http.get(f"/api/v1/jobs/{job_id}/events")
    assert refused.status_code == 404, refused.text
    assert dave.http.get(f"{DATED}/jobs/{job_id}/events").status_code == 404


def test_a_reconnect_with_last_event_id_gets_exactly_what_it_missed(carol: User) -> None:
    with listening(carol) as stream:
        first = submit(carol, "echo one")
        stream.wait_for_status(first, "finished")
        wait_until(
            lambda: (
                stream.of("unit.status", first)[-1:]
                and stream.of("unit.status", first)[-1].data["status"] == "finished"
            )
        )
        last = max(e.id for e in stream.received if e.id is not None)
    second = submit(carol, "echo two")  # while nobody listens
    wait_for(carol, second, {"finished"})
    with Listening(
        str(carol.http.base_url), f"{DATED}/jobs/events", {**carol.headers, "Last-Event-ID": str(last)}
    ) as resumed:
        wait_until(lambda: "finished" in resumed.statuses(second), seconds=10)
        assert resumed.statuses(second)[:2] == ["pre-submission", "submitted"]
        assert resumed.of("job.status", first) == []
        ids = [e.id for e in resumed.received if e.id is not None]
        assert min(ids) > last and ids == sorted(ids)


def test_a_last_event_id_that_is_no_number_is_a_400(carol: User) -> None:
    answer = carol.http.get("/api/v1/jobs/events", headers={"Last-Event-ID": "yesterday"})
    assert answer.status_code == 400 and "Last-Event-ID" in answer.json()["message"]


def test_one_job_s_stream_carries_its_new_output_lines(carol: User) -> None:
    job_id = submit(carol, "for i in 1 2 3 4; do echo line-$i; sleep 0.5; done")
    with listening(carol, f"/api/v1/jobs/{job_id}/events", output="true") as stream:
        stream.wait_for_status(job_id, "finished", seconds=60) if stream.statuses(job_id) else None
        lines = lambda: [line for e in stream.of("output", job_id) for line in e.data["lines"]]  # noqa: E731
        wait_until(lambda: "line-4" in lines(), seconds=30, what=lambda: f"{lines()}")
        assert [line for line in lines() if line.startswith("line-")] == ["line-1", "line-2", "line-3", "line-4"]
        assert {e.data["file"] for e in stream.of("output", job_id)} == {"job.out"}


def test_pw_x_iterations_and_ionic_steps_arrive_before_the_job_ends(
    once_over_sqlite: None, pw_x: None, espresso_data: None, carol: User
) -> None:
    with listening(carol) as stream:
        material = carol.http.get("/api/v1/materials/default").json()["data"]
        workflow = carol.http.get("/api/v1/workflows/default").json()["data"]
        body = {"name": "si scf", "_material": {"_id": material["_id"]}, "workflow": {"_id": workflow["_id"]}}
        created = carol.http.post("/api/v1/jobs", json={**body, "compute": {"cluster": {"fqdn": "local"}}})
        assert created.status_code == 200, created.text
        job_id = created.json()["data"]["_id"]
        assert carol.http.post(f"/api/v1/jobs/{job_id}?submit=true").status_code == 200
        stream.wait_for_status(job_id, "finished", seconds=120)
    iterations = stream.of("scf.iteration", job_id)
    steps = stream.of("ionic.step", job_id)
    assert len(iterations) >= 3 and [e.data["iteration"] for e in iterations] == list(range(1, len(iterations) + 1))
    assert all(e.data["units"] == "eV" and e.data["file"] == "pw_scf.out" for e in iterations)
    assert iterations[-1].data["accuracy"] < iterations[0].data["accuracy"]
    query = json.dumps({"source.info.jobId": job_id, "data.name": "total_energy"})
    energy = carol.http.get("/api/v1/properties", params={"query": query})
    (total,) = [p["data"]["value"] for p in energy.json()["data"]]
    assert len(steps) == 1 and steps[0].data["energy"] == pytest.approx(total, abs=1e-6)
    order = [e.id for e in stream.received]
    finished = next(e.id for e in stream.of("job.status", job_id) if e.data["status"] == "finished")
    assert order.index(iterations[-1].id) < order.index(finished)


def test_a_stream_without_credentials_is_a_401(carol: User) -> None:
    for path in ("/api/v1/jobs/events", f"{DATED}/jobs/events"):
        answer = httpx.get(str(carol.http.base_url) + path, timeout=10)
        assert answer.status_code == 401 and "credentials" in answer.json()["message"]


def test_events_past_their_keeping_time_are_pruned_and_the_rest_kept(backend: Store, carol: User) -> None:
    old, recent = (
        Event("job.status", carol.account_id, "old-job", {"status": "finished"}, at=time.time() - 8 * 86400),
        Event("job.status", carol.account_id, "new-job", {"status": "finished"}, at=time.time()),
    )
    with backend.writing() as conn:
        start = last_event_id(conn)
        insert_events(conn, [old, recent])
        prune_events(conn, older_than=time.time() - 7 * 86400)
        kept = events_after(conn, start, account_id=carol.account_id)
    assert [event.job_id for event in kept] == ["new-job"]


def test_a_listener_that_falls_behind_catches_up_without_loss_or_repeats(backend: Store, alice: User) -> None:
    """More events at once than a listener's queue holds: it reads the rest from the table."""
    burst = [Event("job.status", alice.account_id, f"job-{n}", {"n": n}, at=time.time()) for n in range(3000)]
    with Listening(str(alice.http.base_url), "/api/v1/jobs/events", alice.headers) as stream:
        with backend.writing() as conn:
            start = last_event_id(conn)
            insert_events(conn, burst)
        wait_until(lambda: len(stream.received) >= len(burst), seconds=60, what=lambda: f"{len(stream.received)}")
        assert alice.http.get("/api/v1/jobs").status_code == 200
    assert [r.data["n"] for r in stream.received] == list(range(3000))
    assert [r.id for r in stream.received] == list(range(start + 1, start + 3001))
