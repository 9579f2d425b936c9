"""Clusters and queues: where a job may run is checked at create, update and submit."""

from __future__ import annotations

import pytest

from tests.conftest import User


def create(user: User, **compute):
    return user.http.post("/api/v1/jobs", json={"name": "placed", "compute": compute})


def test_clusters_are_listed_with_their_queues_and_load(alice: User) -> None:
    response = alice.http.get("/api/v1/clusters")
    assert response.status_code == 200
    clusters = {cluster["fqdn"]: cluster for cluster in response.json()["data"]}
    assert set(clusters) == {"workstation", "AWS-cluster-001", "alpha", "beta"}
    assert clusters["workstation"]["isDefault"] and clusters["workstation"]["type"] == "local"
    queues = {queue["name"]: queue for queue in clusters["alpha"]["queues"]}
    assert {"D", "OR", "OF", "SR", "SF"} <= set(queues)
    assert queues["D"]["timeLimit"] == "01:00:00" and queues["D"]["maxCores"] == 16


def test_load_counts_submitted_jobs_on_their_cluster_and_queue(alice: User) -> None:
    def waiting_on_beta_or() -> int:
        clusters = {c["fqdn"]: c for c in alice.http.get("/api/v1/clusters").json()["data"]}
        return next(q["queued"] for q in clusters["beta"]["queues"] if q["name"] == "OR")

    before = waiting_on_beta_or()
    job = create(alice, cluster={"fqdn": "beta"}, queue="OR").json()["data"]
    assert waiting_on_beta_or() == before  # not counted before it is submitted
    alice.http.post(f"/api/v1/jobs/{job['_id']}?submit=true")
    assert waiting_on_beta_or() == before + 1


def test_submit_fills_in_the_default_cluster(alice: User) -> None:
    job = create(alice).json()["data"]
    assert "cluster" not in job["compute"]
    submitted = alice.http.post(f"/api/v1/jobs/{job['_id']}?submit=true").json()["data"]
    assert submitted["compute"]["cluster"]["fqdn"] == "workstation"


@pytest.mark.parametrize(
    ("compute", "named"),
    [
        ({"cluster": {"fqdn": "nowhere.example.org"}}, "known clusters: AWS-cluster-001, alpha, beta, workstation"),
        ({"queue": "GOF"}, "its queues: D, OF, OR, SF, SR"),
        ({"cluster": {"fqdn": "alpha"}, "queue": "D", "timeLimit": "02:00:00"}, "over the limit of queue D"),
        ({"nodes": 2, "ppn": 9}, "18 cores"),
    ],
)
def test_an_impossible_placement_is_a_400_naming_what_is_known(alice: User, compute: dict, named: str) -> None:
    response = create(alice, **compute)
    assert response.status_code == 400, response.text
    assert named in response.json()["data"]["message"]


def test_updates_are_checked_too_and_change_nothing_when_refused(alice: User) -> None:
    job = create(alice).json()["data"]
    response = alice.http.patch(f"/api/v1/jobs/{job['_id']}", json={"compute.cluster.fqdn": "nowhere"})
    assert response.status_code == 400 and "known clusters" in response.json()["data"]["message"]
    assert alice.http.get(f"/api/v1/jobs/{job['_id']}").json()["data"] == job
    moved = alice.http.patch(f"/api/v1/jobs/{job['_id']}", json={"compute.cluster.fqdn": "alpha"})
    assert moved.status_code == 200 and moved.json()["data"]["compute"]["cluster"]["fqdn"] == "alpha"
