"""File names a job's folder cannot hold (a lone surrogate, a NUL) are refused with a 400 that
names the file, on both route tables, and nothing is written."""

from __future__ import annotations

import pytest

from tests.conftest import User

JSON = {"Content-Type": "application/json"}
# JSON text, as a client sends it: the escapes stay escapes until the server parses them.
BAD_NAMES = [
    ("presigned-urls", b'{"files": ["ok.txt", "bad\\ud800.txt"]}', "bad\\ud800.txt"),
    ("presigned-urls", b'{"files": ["lone\\udc80"]}', "lone\\udc80"),
    ("output-files", b'{"name": "bad\\ud800.out"}', "bad\\ud800.out"),
    ("output-files", b'[{"name": "pw.out"}, {"key": "nul\\u0000.out"}]', "nul\\x00.out"),
]


@pytest.mark.parametrize("prefix", ["/api/v1", "/api/2018-10-01"])
@pytest.mark.parametrize(("route", "body", "named"), BAD_NAMES)
def test_a_name_no_file_can_have_is_a_400_naming_it(
    alice: User, prefix: str, route: str, body: bytes, named: str
) -> None:
    job = alice.http.post("/api/v1/jobs", json={"name": "files"}).json()["data"]
    answer = alice.http.post(f"{prefix}/jobs/{job['_id']}/{route}", content=body, headers=JSON)
    assert answer.status_code == 400, answer.text
    assert named in answer.json()["data"]["message"]
    assert alice.http.get(f"/api/v1/jobs/{job['_id']}/files").json()["data"] == []
    assert alice.http.get(f"/api/v1/jobs/{job['_id']}").json()["data"] == job


def test_a_name_in_any_language_still_works(alice: User) -> None:
    job = alice.http.post("/api/v1/jobs", json={"name": "files"}).json()["data"]
    links = alice.http.post(f"/api/v1/jobs/{job['_id']}/presigned-urls", json={"files": ["é ü.txt"]})
    assert links.status_code == 200 and links.json()["data"]["presignedURLs"][0]["file"] == "é ü.txt"
