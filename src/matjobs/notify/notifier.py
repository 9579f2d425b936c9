"""The notifier: reads job status changes from the event feed, writes the notices they ask for
into the outbox (with its cursor, in one transaction), and delivers the due ones.

It runs in a thread of the runner's process, beside the runner and never in its way: its own
transactions are short, and every send has a timeout of seconds. Safe to run twice (two
runners on one store): the cursor is locked while it is read and moved, and each delivery is
claimed for a while before it is sent. A delivery is sent at least once; a receiver tells a
retry by its delivery id.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from matjobs.json_text import dumps
from matjobs.lifecycle import FINAL, Status
from matjobs.notify.cursor import advanced
from matjobs.notify.decide import Notice, notice_for
from matjobs.notify.message import compose, payload, subject, text
from matjobs.notify.retry import Retry
from matjobs.notify.send_email import SmtpServer, send_email
from matjobs.notify.send_webhook import post_webhook
from matjobs.settings import Settings
from matjobs.store import Store
from matjobs.store import notifications as outbox
from matjobs.store.events import last_event_id
from matjobs.store.notifications import EMAIL, Delivery, Due, Event

log = logging.getLogger("matjobs.notify")

CURSOR = "notifier"
STATUS_EVENT = "job.status"
READ_BATCH = 500  # events read per round
SEND_BATCH = 16  # deliveries claimed per round
SENDERS = 4  # deliveries sent at once: one slow receiver does not hold up the others
CLAIM_S = 120.0  # longer than a batch of sends can take, with their timeouts
STALE_AFTER_S = 86_400.0  # a change older than this (the notifier was off) is no longer news
KEEP_DONE_S = 7 * 86_400.0
CLEAN_UP_EVERY_S = 3600.0

SendEmail = Callable[[SmtpServer, str, str, str], None]
PostWebhook = Callable[..., int]


class Notifier:
    def __init__(
        self,
        store: Store,
        *,
        page_url: str,
        smtp: SmtpServer | None,
        retry: Retry,
        interval_s: float = 0.5,
        email: SendEmail = send_email,
        webhook: PostWebhook = post_webhook,
    ) -> None:
        self.store = store
        self.page_url = page_url
        self.smtp = smtp
        self.retry = retry
        self.interval_s = interval_s
        self._email, self._webhook = email, webhook
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._next_clean_up = 0.0

    @classmethod
    def from_settings(cls, store: Store, settings: Settings) -> Notifier:
        smtp = None
        if settings.smtp_host:
            smtp = SmtpServer(
                host=settings.smtp_host,
                port=settings.smtp_port,
                sender=settings.smtp_from,
                user=settings.smtp_user,
                password=settings.smtp_password,
                starttls=settings.smtp_starttls,
            )
        retry = Retry(first_delay_s=settings.notify_retry_seconds, attempts=settings.notify_attempts)
        return cls(store, page_url=settings.page_url, smtp=smtp, retry=retry)

    # -- in a thread of its own ---------------------------------------------------------------

    def start(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="notify-send")
        self._thread = threading.Thread(target=self._run, name="notifier", daemon=True)
        self._thread.start()
        log.info("notifier at work (email: %s)", f"{self.smtp.host}:{self.smtp.port}" if self.smtp else "off")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            busy = False
            try:
                busy = self.step()
            except Exception:  # one bad round must not end the notifier; the next one retries
                log.exception("notifier round failed")
            if not busy:
                self._stop.wait(self.interval_s)

    def step(self) -> bool:
        """One round; whether a full batch was found, so that more may wait (then the next round
        comes at once). Events flow all the time while jobs run: a round per interval reads
        them, rather than one write transaction after another beside the runner's."""
        read = self.enqueue()
        tried = self.deliver()
        if time.monotonic() >= self._next_clean_up:
            self._next_clean_up = time.monotonic() + CLEAN_UP_EVERY_S
            with self.store.writing() as conn:
                outbox.forget_done(conn, older_than_s=KEEP_DONE_S)
        return read >= READ_BATCH or tried >= SEND_BATCH

    # -- from the event feed to the outbox ------------------------------------------------------

    def enqueue(self) -> int:
        """Notices for the status changes after the cursor; returns how many events were read."""
        with self.store.reading() as conn:  # an idle notifier must not take the write lock
            if last_event_id(conn) <= (outbox.read_cursor(conn, CURSOR) or 0):
                return 0
        with self.store.writing() as conn:
            cursor = outbox.lock_cursor(conn, CURSOR)
            batch = outbox.events_after(conn, cursor, limit=READ_BATCH, types=(STATUS_EVENT,))
            moved = advanced(cursor, [(event.id, event.created_at) for event in batch], now=time.time())
            taken = [event for event in batch if event.id <= moved]
            outbox.add_deliveries(conn, self._deliveries(conn, taken))
            outbox.move_cursor(conn, CURSOR, moved)
        return len(taken)

    def _deliveries(self, conn: Any, events: Sequence[Event]) -> list[Delivery]:
        changes = [event for event in events if event.type == STATUS_EVENT and event.job_id]
        documents = outbox.job_documents(conn, {str(event.job_id) for event in changes})
        now = time.time()
        found: list[Delivery] = []
        for event in changes:
            job = documents.get(str(event.job_id))
            if job is None or job.get("status") == Status.DELETED.value or now - event.created_at > STALE_AFTER_S:
                continue
            data = event.data
            # The feed tells each status the job passed (queued -> active -> finished even when one
            # write recorded both: events/derive.py), so one event is at most one notice.
            found_notice = notice_for(job.get("compute", {}).get("notify"), data.get("previous"), data["status"])
            if found_notice is None:
                continue
            notices = (found_notice,)
            results = (
                outbox.results_of(conn, account_id=event.account_id, job_id=job["_id"])
                if data["status"] in FINAL
                else []
            )
            address = outbox.owner_email(conn, account_id=event.account_id) if self.smtp else None
            hooks = outbox.listening(conn, account_id=event.account_id)
            for notice in notices:
                change = data if notice is not Notice.BEGIN else {**data, "status": Status.ACTIVE.value}
                message = compose(notice, change, job, results, self.page_url)
                base = {"event_id": event.id, "account_id": event.account_id, "job_id": job["_id"], "notice": notice}
                if address:
                    found.append(
                        Delivery(**base, target=EMAIL, recipient=address, subject=subject(message), body=text(message))
                    )
                for hook, hears in hooks:
                    if notice.value in hears:
                        body = dumps(payload(message, delivery=f"{event.id}.{notice.value}.{hook}"))
                        found.append(Delivery(**base, target=hook, body=body))
        return found

    # -- from the outbox to the receivers ----------------------------------------------------------

    def deliver(self) -> int:
        """Send the due deliveries; returns how many were tried."""
        with self.store.reading() as conn:
            if not outbox.any_due(conn):
                return 0
        with self.store.writing() as conn:
            due = outbox.claim_due(conn, limit=SEND_BATCH, lease_s=CLAIM_S)
        if not due:
            return 0
        if self._pool is not None:
            outcomes = list(self._pool.map(self._send, due))
        else:
            outcomes = [self._send(delivery) for delivery in due]
        with self.store.writing() as conn:
            for delivery, (problem, retry) in zip(due, outcomes, strict=True):
                if problem is None:
                    outbox.mark_delivered(conn, delivery.id)
                    continue
                failures = delivery.attempts + 1
                retry_in = None if not retry or self.retry.given_up(failures) else self.retry.delay(failures)
                outbox.mark_failed(conn, delivery.id, problem=problem, retry_in_s=retry_in)
                where = delivery.recipient or delivery.url
                if retry_in is None:
                    log.warning("notice %d to %s given up after %d attempts: %s", delivery.id, where, failures, problem)
                else:
                    log.info("notice %d to %s failed (%s); next try in %.0f s", delivery.id, where, problem, retry_in)
        return len(due)

    def _send(self, delivery: Due) -> tuple[str | None, bool]:
        """(what went wrong or None, whether trying again may help)."""
        try:
            if delivery.target == EMAIL:
                if self.smtp is None:
                    return "no SMTP server is configured (smtp_host)", True
                self._email(self.smtp, str(delivery.recipient), str(delivery.subject), delivery.body)
            else:
                if delivery.url is None or delivery.secret is None:
                    return "the webhook was deleted", False
                sent = json.loads(delivery.body)
                self._webhook(
                    delivery.url,
                    delivery.secret,
                    delivery.body.encode(),
                    delivery=str(sent.get("delivery")),
                    event=str(sent.get("event")),
                )
        except Exception as problem:  # noqa: BLE001 - whatever the receiver did, the notice is retried
            return f"{type(problem).__name__}: {problem}", True
        return None, False
