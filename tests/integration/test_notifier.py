"""The notifier over a real store, a real SMTP server and real webhook receivers on loopback:
from status changes in the event feed to signed deliveries, retried until a receiver that was
down is back, and each delivered once however many notifiers share the store."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from matjobs import jobs
from matjobs.clusters.registry import Clusters
from matjobs.json_text import dumps
from matjobs.notify import accounts
from matjobs.notify.notifier import Notifier
from matjobs.notify.retry import Retry
from matjobs.notify.send_email import SmtpServer
from matjobs.notify.sign import verify
from matjobs.store import Store
from matjobs.store.accounts import Principal, create_user
from matjobs.store.tables import events, notify_cursors, notify_outbox
from tests.helpers import shell_workflow, wait_until
from tests.servers import LOCAL, MailCatcher, WebhookReceiver

CLUSTERS = Clusters.from_config([LOCAL])
PAGE = "https://matjobs.example.org"
_names = itertools.count()


@dataclass
class Feed:
    """The store's event feed, written as the API and the runner write it."""

    store: Store

    def status(self, principal: Principal, job: dict, previous: str | None, status: str) -> None:
        data = {"jobId": job["_id"], "name": job["name"], "status": status, "previous": previous, "at": time.time()}
        with self.store.writing() as conn:
            conn.execute(
                sa.insert(events).values(
                    account_id=principal.account_id,
                    job_id=job["_id"],
                    type="job.status",
                    data=dumps(data),
                    created_at=time.time(),
                )
            )


@pytest.fixture
def feed(backend: Store) -> Feed:
    """The feed, each test's notifiers starting past what earlier tests wrote to it."""
    with backend.writing() as conn:
        conn.execute(sa.delete(notify_cursors))
        conn.execute(sa.delete(notify_outbox))
        latest = conn.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.id), 0))).scalar_one()
        conn.execute(sa.insert(notify_cursors).values(name="notifier", event_id=latest))
    return Feed(backend)


@pytest.fixture
def mail() -> Iterator[MailCatcher]:
    catcher = MailCatcher()
    catcher.start()
    yield catcher
    catcher.stop()


@contextlib.contextmanager
def notifying(store: Store, mail: MailCatcher, count: int = 1) -> Iterator[list[Notifier]]:
    smtp = SmtpServer("127.0.0.1", mail.port, "matjobs@example.org")
    notifiers = [
        Notifier(store, page_url=PAGE, smtp=smtp, retry=Retry(first_delay_s=0.2, attempts=100), interval_s=0.05)
        for _ in range(count)
    ]
    for notifier in notifiers:
        notifier.start()
    try:
        yield notifiers
    finally:
        for notifier in notifiers:
            notifier.stop()


def _account(store: Store, email: str | None = None) -> Principal:
    with store.writing() as conn:
        name = f"fed{next(_names)}_{os.getpid()}"
        principal = create_user(conn, username=name, password="correct horse").principal
    if email:
        accounts.set_email_address(store, user_id=principal.user_id, address=email)
    return principal


def _job(store: Store, principal: Principal, notify: str) -> dict:
    body = {"name": f"notified job {next(_names)}", "workflow": shell_workflow("true"), "compute": {"notify": notify}}
    return jobs.create_job(store, CLUSTERS, principal, body)


def _pending(store: Store) -> int:
    with store.reading() as conn:
        return int(conn.execute(sa.select(sa.func.count()).where(notify_outbox.c.state == "pending")).scalar_one())


def test_notices_are_mailed_and_posted_signed_and_a_receiver_that_was_down_gets_them(
    backend: Store, feed: Feed, mail: MailCatcher
) -> None:
    alice, bob = _account(backend, "alice@example.org"), _account(backend, "bob@example.org")
    down = WebhookReceiver()  # not listening yet
    hook = accounts.add_webhook(backend, account_id=alice.account_id, body={"url": down.url})
    bobs = WebhookReceiver()
    bobs.start()
    accounts.add_webhook(backend, account_id=bob.account_id, body={"url": bobs.url})
    job = _job(backend, alice, "abe")
    with notifying(backend, mail):
        feed.status(alice, job, "queued", "active")
        feed.status(alice, job, "active", "finished")
        wait_until(lambda: len(mail.messages) >= 2, seconds=10, what=lambda: f"mail: {mail.messages}")
        down.start()  # back: what it missed comes now
        try:
            wait_until(lambda: len(down.received) >= 2, seconds=10, what="the webhook's notices once it was back")
            wait_until(lambda: _pending(backend) == 0, seconds=10, what="every delivery done")
        finally:
            down.stop()
            bobs.stop()
    assert [message["To"] for message in mail.messages] == ["alice@example.org", "alice@example.org"]
    assert [message["Subject"] for message in mail.messages] == [
        f"matjobs: job {job['name']!r} began (active)",
        f"matjobs: job {job['name']!r} ended (finished)",
    ]
    assert f"Job page: {PAGE}/#/jobs/{job['_id']}" in mail.messages[1].get_content()
    bodies = [json.loads(body) for _headers, body in down.received]
    assert [body["event"] for body in bodies] == ["job.begin", "job.end"]
    assert {body["job"]["_id"] for body in bodies} == {job["_id"]}
    for headers, body in down.received:
        assert verify(hook["secret"], headers, body, now=time.time())
    assert len({headers["X-Matjobs-Delivery"] for headers, _body in down.received}) == 2
    assert bobs.received == []  # another account's webhook hears nothing of alice's jobs


def test_letters_decide_what_is_sent_and_to_whom(backend: Store, feed: Feed, mail: MailCatcher) -> None:
    principal = _account(backend, "carol@example.org")
    receiver = WebhookReceiver()
    receiver.start()
    accounts.add_webhook(backend, account_id=principal.account_id, body={"url": receiver.url, "events": ["abort"]})
    quiet, ends, aborts = _job(backend, principal, "n"), _job(backend, principal, "e"), _job(backend, principal, "a")
    try:
        with notifying(backend, mail):
            for job in (quiet, ends, aborts):
                feed.status(principal, job, "queued", "active")
                feed.status(principal, job, "active", "error")
            wait_until(lambda: len(mail.messages) >= 2 and receiver.received, seconds=10, what="the notices")
            wait_until(lambda: _pending(backend) == 0, seconds=10, what="every delivery done")
    finally:
        receiver.stop()
    assert sorted(message["Subject"] for message in mail.messages) == sorted(
        [f"matjobs: job {ends['name']!r} ended (error)", f"matjobs: job {aborts['name']!r} was aborted (error)"]
    )
    # The webhook hears only of aborts: one job's error, as `a` asked.
    assert [json.loads(body)["job"]["_id"] for _headers, body in receiver.received] == [aborts["_id"]]


def test_two_notifiers_on_one_store_deliver_each_notice_once(backend: Store, feed: Feed, mail: MailCatcher) -> None:
    principal = _account(backend)
    receiver = WebhookReceiver()
    receiver.start()
    accounts.add_webhook(backend, account_id=principal.account_id, body={"url": receiver.url})
    started = [_job(backend, principal, "b") for _ in range(12)]
    try:
        with notifying(backend, mail, count=2):
            for job in started:
                feed.status(principal, job, "queued", "active")
            wait_until(lambda: len(receiver.received) >= len(started), seconds=10, what="a notice per job")
            wait_until(lambda: _pending(backend) == 0, seconds=10, what="every delivery done")
    finally:
        receiver.stop()
    posted = sorted(json.loads(body)["job"]["_id"] for _headers, body in receiver.received)
    assert posted == sorted(job["_id"] for job in started)
    assert mail.messages == []  # the account has no address
