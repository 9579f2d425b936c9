"""Notifications' pure decisions: which notice a change gives, what it says, how it is signed,
when it is retried, how far the event feed is read, and what an account may configure."""

from __future__ import annotations

import json

import pytest

from matjobs.errors import BadInput
from matjobs.notify.cursor import advanced
from matjobs.notify.decide import Notice, notice_for
from matjobs.notify.inputs import checked_email, checked_email_body, checked_webhook
from matjobs.notify.message import compose, duration, key_results, payload, subject, text, wall_time
from matjobs.notify.retry import Retry
from matjobs.notify.sign import signature, signed_headers, verify

B, E, A = Notice.BEGIN, Notice.END, Notice.ABORT


@pytest.mark.parametrize(
    ("flags", "previous", "status", "notice"),
    [
        ("n", "queued", "active", None),
        (None, "queued", "active", None),
        ("", "active", "finished", None),
        ("b", "queued", "active", B),
        ("b", "submitted", "active", B),
        ("abe", "queued", "active", B),
        ("ae", "queued", "active", None),
        ("b", "active", "finished", None),
        ("e", "active", "finished", E),
        ("abe", "active", "finished", E),
        ("a", "active", "finished", None),
        # "ends" is any end, as PBS's and SLURM's END mail: e alone hears of errors too.
        ("e", "active", "error", E),
        ("e", "terminate-queued", "terminated", E),
        ("e", "active", "timeout", E),
        # a hears of what did not finish; where a and e both apply, one notice: the abort.
        ("a", "active", "error", A),
        ("a", "terminate-queued", "terminated", A),
        ("a", "queued", "timeout", A),
        ("abe", "active", "error", A),
        ("ea", "queued", "terminated", A),
        # Not a begin or an end: nothing, whatever the letters.
        ("abe", None, "pre-submission", None),
        ("abe", "pre-submission", "submitted", None),
        ("abe", "submitted", "queued", None),
        ("abe", "active", "terminate-queued", None),
        ("abe", "active", "deleted", None),
        ("abe", "active", "active", None),
        ("abe", "active", "no-such-status", None),
    ],
)
def test_a_change_gives_the_notice_its_letters_ask_for(
    flags: str | None, previous: str | None, status: str, notice: Notice | None
) -> None:
    assert notice_for(flags, previous, status) is notice


TRACK = [
    {"trackedAt": 100.0, "status": "pre-submission"},
    {"trackedAt": 101.0, "status": "submitted"},
    {"trackedAt": 102.0, "status": "queued"},
    {"trackedAt": 110.5, "status": "active"},
    {"trackedAt": 3841.5, "status": "finished"},
]
JOB = {"_id": "J0b2345678ABCDEFG", "name": "Si bands", "statusTrack": TRACK, "compute": {"notify": "abe"}}
GAPS = {
    "name": "band_gaps",
    "values": [
        {"type": "direct", "value": 2.55, "units": "eV"},
        {"type": "indirect", "value": 0.61, "units": "eV"},
    ],
}
COARSE_GAPS = {  # another unit's, on fewer k-points: larger gaps
    "name": "band_gaps",
    "values": [
        {"type": "direct", "value": 2.6, "units": "eV"},
        {"type": "indirect", "value": 0.65, "units": "eV"},
    ],
}
RESULTS = [
    {"name": "total_energy", "value": -200.0, "units": "eV"},
    GAPS,
    {"name": "total_energy", "value": -215.625, "units": "eV"},  # a later unit's: the one told
    COARSE_GAPS,
]


def test_wall_time_runs_from_the_first_active_to_the_final_status() -> None:
    assert wall_time(TRACK) == pytest.approx(3731.0)
    assert wall_time(TRACK[:4]) is None  # still running
    assert wall_time([*TRACK[:3], {"trackedAt": 105.0, "status": "terminated"}]) is None  # never ran


def test_the_key_results_are_the_last_total_energy_and_the_band_gaps() -> None:
    found = {result.key: (result.value, result.units) for result in key_results(RESULTS)}
    assert found == {
        "total_energy": (-215.625, "eV"),
        "band_gap_indirect": (0.61, "eV"),
        "band_gap_direct": (2.55, "eV"),
    }
    assert key_results([{"name": "pressure", "value": 1.0}, {"name": "total_energy", "value": "x"}]) == ()


def test_an_end_notice_says_the_name_status_results_wall_time_and_link() -> None:
    change = {"jobId": JOB["_id"], "name": "Si bands", "status": "finished", "previous": "active", "at": 3841.5}
    message = compose(E, change, JOB, RESULTS, "https://matjobs.example.org/")
    assert message.link == "https://matjobs.example.org/#/jobs/J0b2345678ABCDEFG"
    assert subject(message) == "matjobs: job 'Si bands' ended (finished)"
    body = text(message)
    for line in (
        "Status: finished (was active)",
        "Wall time: 1 h 02 min 11 s",
        "Total energy: -215.625 eV",
        "Band gap (indirect): 0.61 eV",
        "Band gap (direct): 2.55 eV",
        "Job page: https://matjobs.example.org/#/jobs/J0b2345678ABCDEFG",
    ):
        assert line in body.splitlines()
    sent = payload(message, delivery="7.hook")
    assert json.loads(json.dumps(sent)) == sent
    assert sent["event"] == "job.end" and sent["delivery"] == "7.hook"
    assert sent["job"]["results"]["total_energy"] == {"value": -215.625, "units": "eV"}
    assert sent["job"]["wallTime"] == pytest.approx(3731.0) and sent["job"]["status"] == "finished"


def test_a_begin_notice_has_no_results_or_wall_time_and_an_abort_says_why() -> None:
    began = compose(B, {"jobId": "j", "name": "x", "status": "active", "previous": "queued"}, JOB, RESULTS, "http://h")
    assert began.results == () and began.wall_time_s is None and "Wall time" not in text(began)
    failed = {**JOB, "compute": {"errors": [{"reason": "exit code 1", "message": "pw.x: S matrix not positive"}]}}
    change = {"jobId": "j", "name": "x", "status": "error", "previous": "active"}
    assert "Error: pw.x: S matrix not positive" in text(compose(A, change, failed, [], "http://h"))


def test_a_name_with_a_line_break_stays_on_the_subject_line() -> None:
    change = {"jobId": "j", "name": "a\r\nBcc: x@example.org", "status": "active", "previous": "queued"}
    assert "\n" not in subject(compose(B, change, JOB, [], "http://h"))


@pytest.mark.parametrize(("seconds", "shown"), [(0.25, "0.2 s"), (59.0, "59.0 s"), (61, "1 min 01 s")])
def test_durations_read_as_people_write_them(seconds: float, shown: str) -> None:
    assert duration(seconds) == shown


def test_a_signature_covers_the_timestamp_and_the_body() -> None:
    body = b'{"event":"job.end"}'
    headers = signed_headers("s3cret", 1_700_000_000, body)
    assert headers["X-Matjobs-Signature"] == signature("s3cret", 1_700_000_000, body)
    assert headers["X-Matjobs-Signature"].startswith("sha256=") and len(headers["X-Matjobs-Signature"]) == 71
    assert verify("s3cret", headers, body, now=1_700_000_010)
    assert not verify("other", headers, body, now=1_700_000_010)
    assert not verify("s3cret", headers, body + b" ", now=1_700_000_010)
    assert not verify("s3cret", headers, body, now=1_700_000_000 + 3600)  # an old request replayed
    replayed = {**headers, "X-Matjobs-Timestamp": "1700003600"}  # a fresh stamp on the old signature
    assert not verify("s3cret", replayed, body, now=1_700_003_600)


def test_retries_wait_twice_as_long_each_time_up_to_a_bound_then_give_up() -> None:
    retry = Retry(first_delay_s=5, max_delay_s=60, attempts=4)
    assert [retry.delay(n) for n in (1, 2, 3, 4, 5, 10)] == [5, 10, 20, 40, 60, 60]
    assert [retry.given_up(n) for n in (1, 3, 4)] == [False, False, True]


def test_the_cursor_stops_at_a_gap_until_it_fills_or_is_old() -> None:
    now = 1000.0
    assert advanced(4, [], now=now) == 4
    assert advanced(4, [(5, now), (6, now), (7, now)], now=now) == 7
    assert advanced(4, [(5, now), (7, now), (8, now)], now=now) == 5  # 6 may still be being written
    assert advanced(4, [(5, now), (7, now - 10), (9, now)], now=now) == 7  # 6 never came: rolled back
    assert advanced(0, [(3, now - 60)], now=now) == 3  # a feed whose first events were pruned


@pytest.mark.parametrize("address", ["ada@example.org", "a.b+jobs@sub.example.co.uk", None])
def test_an_address_is_accepted_or_null(address: str | None) -> None:
    assert checked_email(address) == address


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"email": "no-at-sign"}, "not an address"),
        ({"email": "ada@example.org\r\nBcc: x@example.org"}, "not an address"),
        ({"email": "Ada <ada@example.org>"}, "not an address"),
        ({"email": "ada@localhost"}, "not an address"),
        ({"email": 5}, "must be a string"),
        ({"email": "a" * 250 + "@example.org"}, "at most 254"),
        ({}, "send a JSON object"),
        ([], "send a JSON object"),
        ({"email": None, "name": "x"}, "unknown fields: name"),
    ],
)
def test_a_bad_address_is_refused_saying_why(body: object, said: str) -> None:
    with pytest.raises(BadInput, match=said):
        checked_email_body(body)


def test_a_webhook_hears_all_notices_unless_it_names_some() -> None:
    assert checked_webhook({"url": "https://example.org/h"}) == ("https://example.org/h", (B, E, A))
    assert checked_webhook({"url": "http://127.0.0.1:9/h?x=1", "events": ["abort", "end"]})[1] == (E, A)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"url": "ftp://example.org/h"}, "scheme must be http or https"),
        ({"url": "file:///etc/passwd"}, "scheme must be http or https"),
        ({"url": "example.org/h"}, "scheme must be http or https"),
        ({"url": "http:///h"}, "names no host"),
        ({"url": "https://user:pw@example.org/h"}, "must not carry a user"),
        ({"url": "https://example.org/h x"}, "spaces"),
        ({"url": "https://example.org:99999/h"}, "url: Port out of range"),
        ({"url": "https://example.org/" + "x" * 2100}, "at most 2048"),
        ({"url": 7}, "url: required"),
        ({}, "url: required"),
        ({"url": "https://example.org/h", "events": []}, "non-empty list"),
        ({"url": "https://example.org/h", "events": ["end", "finish"]}, "unknown 'finish'"),
        ({"url": "https://example.org/h", "events": "end"}, "non-empty list"),
        ({"url": "https://example.org/h", "secret": "mine"}, "unknown fields: secret"),
        ("https://example.org/h", "must be a JSON object"),
    ],
)
def test_a_bad_webhook_is_refused_saying_why(body: object, said: str) -> None:
    with pytest.raises(BadInput, match=said):
        checked_webhook(body)
