"""Jobs notify as their compute.notify asks, end to end: a shell job run by the runner (on the
local cluster, and on SLURM), its begin and end mailed through a real SMTP server and posted,
signed, to webhooks on loopback, each within 10 s of the status; a receiver that is down at
first gets both once it is back."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from matjobs.notify.sign import verify
from matjobs.store import Store
from tests.conftest import User, signed_up
from tests.helpers import Gate, submit, wait_for, wait_until
from tests.servers import LOCAL, SLURM, LiveServer, MailCatcher, WebhookReceiver, serving_with_runner

PAGE = "https://matjobs.example.org"
WITHIN_S = 10  # from a status to its notice
GAPS = [
    {"type": "indirect", "value": 0.61, "units": "eV", "kpointValence": [0, 0, 0], "kpointConduction": [0.5, 0, 0.5]},
    {"type": "direct", "value": 2.55, "units": "eV", "kpointValence": [0, 0, 0], "kpointConduction": [0, 0, 0]},
]


@pytest.fixture
def mail() -> Iterator[MailCatcher]:
    catcher = MailCatcher()
    catcher.start()
    yield catcher
    catcher.stop()


@pytest.fixture(params=["local", "slurm"])
def notifying_server(
    request: pytest.FixtureRequest, backend: Store, mail: MailCatcher, tmp_path: Path
) -> Iterator[tuple[LiveServer, str]]:
    """A server whose runner mails through `mail`, and the cluster the test runs its job on.
    SLURM's leg runs once, on SQLite: what it adds is the cluster, not the database."""
    clusters = [LOCAL]
    if request.param == "slurm":
        if not backend.url.startswith("sqlite"):
            pytest.skip("the SLURM leg runs once, over SQLite")
        if request.getfixturevalue("slurm") is None:
            pytest.skip("SLURM is not available on this machine (CI requires it)")
        clusters = [LOCAL, SLURM]
    env = {
        "MATJOBS_SMTP_HOST": "127.0.0.1",
        "MATJOBS_SMTP_PORT": str(mail.port),
        "MATJOBS_SMTP_FROM": "matjobs@example.org",
        "MATJOBS_PUBLIC_URL": PAGE,
        "MATJOBS_NOTIFY_RETRY_SECONDS": "0.2",
        "MATJOBS_NOTIFY_ATTEMPTS": "100",
    }
    with serving_with_runner(backend, tmp_path, clusters, runner_env=env) as live:
        yield live, str(request.param)


def _subjects(mail: MailCatcher, to: str) -> list[str]:
    return [str(message["Subject"]) for message in mail.messages if message["To"] == to]


def _events(receiver: WebhookReceiver) -> list[str]:
    return [json.loads(body)["event"] for _headers, body in receiver.received]


def test_a_job_mails_and_posts_its_begin_and_end(
    backend: Store, notifying_server: tuple[LiveServer, str], mail: MailCatcher
) -> None:
    server, cluster = notifying_server
    with signed_up(backend, server, "notified") as user:
        _begin_and_end(user, cluster, mail)


def _begin_and_end(user: User, cluster: str, mail: MailCatcher) -> None:
    address = f"{user.username}@example.org"
    assert user.http.put("/api/v1/users/me/email", json={"email": address}).status_code == 200
    receiver, late = WebhookReceiver(), WebhookReceiver()
    receiver.start()  # `late` listens only once the job has ended
    secret = user.http.post("/api/v1/webhooks", json={"url": receiver.url}).json()["data"]["secret"]
    late_secret = user.http.post("/api/v1/webhooks", json={"url": late.url}).json()["data"]["secret"]
    try:
        gate = Gate()
        job_id = submit(user, gate.wait, cluster, notify="abe")
        job = wait_for(user, job_id, {"active"})
        began = f"matjobs: job {job['name']!r} began (active)"
        wait_until(lambda: began in _subjects(mail, address), seconds=WITHIN_S, what="the begin email")
        wait_until(lambda: "job.begin" in _events(receiver), seconds=WITHIN_S, what="the begin webhook")

        for data in ({"name": "total_energy", "value": -215.625, "units": "eV"}, {"name": "band_gaps", "values": GAPS}):
            source = {"type": "job", "info": {"jobId": job_id, "unitId": "scf"}}
            result = {"data": data, "source": source, "exabyteId": [], "repetition": 0}
            stored = user.http.post("/api/v1/properties", json=result)
            assert stored.status_code == 200, stored.text
        gate.open(user, job_id)
        wait_for(user, job_id, {"finished"})
        ended = f"matjobs: job {job['name']!r} ended (finished)"
        wait_until(lambda: ended in _subjects(mail, address), seconds=WITHIN_S, what="the end email")
        wait_until(lambda: "job.end" in _events(receiver), seconds=WITHIN_S, what="the end webhook")

        late.start()  # back: it gets what it missed
        wait_until(lambda: len(late.received) >= 2, seconds=30, what="the notices the late receiver missed")
    finally:
        receiver.stop()
        late.stop()

    assert _subjects(mail, address) == [began, ended]
    text = next(message for message in mail.messages if message["Subject"] == ended).get_content()
    lines = text.splitlines()
    assert "Status: finished (was active)" in lines
    assert "Total energy: -215.625 eV" in lines
    assert "Band gap (indirect): 0.61 eV" in lines and "Band gap (direct): 2.55 eV" in lines
    assert any(line.startswith("Wall time: ") for line in lines)
    assert f"Job page: {PAGE}/#/jobs/{job_id}" in lines

    for hook, key in ((receiver, secret), (late, late_secret)):
        assert _events(hook) == ["job.begin", "job.end"]
        for headers, body in hook.received:
            assert verify(key, headers, body, now=time.time()), headers
    end = json.loads(receiver.received[-1][1])["job"]
    assert end["_id"] == job_id and end["status"] == "finished" and end["link"] == f"{PAGE}/#/jobs/{job_id}"
    assert end["results"]["total_energy"] == {"value": -215.625, "units": "eV"}
    assert end["results"]["band_gap_indirect"] == {"value": 0.61, "units": "eV"}
    assert end["wallTime"] > 0
