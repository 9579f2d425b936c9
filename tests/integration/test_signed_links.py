"""Signed file links: genuine ones work without credentials; expired, tampered and escaping
ones, links through symlinks out of the job's folder, and uploads over the limit do not.

Links are signed here with the server's own secret (`Signer.for_data_dir`), so that a request
gets past the signature check and reaches the checks behind it: the job's folder, the limit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from matjobs.files import LINK_LIFETIME_S, Signer
from matjobs.store import Store
from tests.conftest import User, signed_up
from tests.helpers import FINAL, submit, wait_for
from tests.servers import LOCAL, LiveServer, serving_with_runner

UPLOAD_LIMIT = 1024
ESCAPE = "../../link-secret"  # from <data>/jobs/<id>/ to the secret the links are signed with


@pytest.fixture(scope="module")
def links_server(backend: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("links-data")
    with serving_with_runner(backend, data_dir, [LOCAL], max_upload_bytes=UPLOAD_LIMIT) as live:
        yield live


@pytest.fixture
def ivy(backend: Store, links_server: LiveServer) -> Iterator[User]:
    with signed_up(backend, links_server, "ivy") as user:
        yield user


def signer(server: LiveServer) -> Signer:
    return Signer.for_data_dir(server.settings.data_dir)


def escaping(link: str) -> str:
    """The link with the key's slashes percent-encoded, so that no client folds the `..` away."""
    return link.replace(ESCAPE, ESCAPE.replace("/", "%2F"))


def finished_job(user: User, script: str) -> str:
    job_id = submit(user, script)
    job = wait_for(user, job_id, FINAL)
    assert job["status"] == "finished", job["compute"].get("errors")
    return job_id


def test_a_genuinely_signed_key_that_leads_out_of_the_jobs_folder_is_refused(
    ivy: User, links_server: LiveServer
) -> None:
    job_id = finished_job(ivy, "echo result > out.txt")
    secret = (links_server.settings.data_dir / "link-secret").read_bytes()
    sign = signer(links_server)
    # The same signer's link to a file of the job works: the signature below is one the server accepts.
    assert httpx.get(sign.link(links_server.url, job_id, "out.txt")).text == "result\n"
    out = httpx.get(escaping(sign.link(links_server.url, job_id, ESCAPE)))
    assert out.status_code == 404 and out.json()["status"] == "error"
    assert secret not in out.content

    draft = ivy.http.post("/api/v1/jobs", json={"name": "draft"}).json()["data"]["_id"]
    upload = escaping(sign.link(links_server.url, draft, ESCAPE, method="PUT"))
    refused = httpx.put(upload, content=b"not a secret")
    assert refused.status_code == 400 and "outside the job's folder" in refused.json()["data"]["message"]
    assert (links_server.settings.data_dir / "link-secret").read_bytes() == secret


def test_an_expired_link_is_refused_saying_so(ivy: User, links_server: LiveServer) -> None:
    job_id = finished_job(ivy, "echo result > out.txt")
    sign = signer(links_server)
    an_hour_ago = time.time() - LINK_LIFETIME_S - 60
    expired = httpx.get(sign.link(links_server.url, job_id, "out.txt", now=an_hour_ago))
    assert expired.status_code == 404 and "expired" in expired.json()["data"]["message"]
    assert httpx.get(sign.link(links_server.url, job_id, "out.txt")).status_code == 200


def test_a_tampered_link_is_refused(ivy: User, links_server: LiveServer) -> None:
    job_id = finished_job(ivy, "echo RESULT > out.txt; echo OTHER > other.txt")
    [entry] = [e for e in ivy.http.get(f"/api/v1/jobs/{job_id}/files").json()["data"] if e["key"] == "out.txt"]
    link = entry["signedUrl"]
    assert httpx.get(link).text == "RESULT\n"
    signature = link.rsplit("signature=", 1)[1]
    flipped = link[: -len(signature)] + ("0" if signature[0] != "0" else "1") + signature[1:]
    expires = int(link.split("expires=")[1].split("&")[0])
    later = link.replace(f"expires={expires}", f"expires={expires + 86400}")
    for tampered in (
        flipped,  # another signature
        later,  # a longer life
        link.replace("out.txt", "other.txt"),  # another file of the same job
        link.replace(job_id, finished_job(ivy, "echo x > out.txt")),  # the same file of another job
        link.split("&signature=")[0],  # no signature at all
    ):
        answer = httpx.get(tampered)
        assert answer.status_code == 404, tampered
        assert b"RESULT" not in answer.content and b"OTHER" not in answer.content
    # A download link does not upload either.
    assert httpx.put(link, content=b"overwritten").status_code == 404
    assert httpx.get(link).text == "RESULT\n"


def test_symlinks_out_of_the_jobs_folder_are_neither_listed_nor_served(
    ivy: User, links_server: LiveServer, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.txt").write_text("not the job's\n")
    job_id = finished_job(
        ivy,
        f"echo mine > mine.txt; ln -s {outside / 'private.txt'} leak.txt; ln -s {outside} leaks; "
        "ln -s mine.txt alias.txt",
    )
    listed = {entry["key"] for entry in ivy.http.get(f"/api/v1/jobs/{job_id}/files").json()["data"]}
    assert "mine.txt" in listed and not listed & {"leak.txt", "leaks/private.txt"}
    sign = signer(links_server)
    for key in ("leak.txt", "leaks/private.txt"):
        served = httpx.get(sign.link(links_server.url, job_id, key))
        assert served.status_code == 404 and b"not the job's" not in served.content, key
        named = ivy.http.post(f"/api/v1/jobs/{job_id}/output-files", json={"name": key})
        assert named.status_code == 404 and b"not the job's" not in named.content, key
    # A link that stays inside the folder leads to the job's own file.
    assert httpx.get(sign.link(links_server.url, job_id, "alias.txt")).text == "mine\n"


def test_an_upload_over_the_limit_is_refused_with_413_and_leaves_nothing(ivy: User, links_server: LiveServer) -> None:
    job_id = ivy.http.post("/api/v1/jobs", json={"name": "uploads"}).json()["data"]["_id"]
    links = ivy.http.post(f"/api/v1/jobs/{job_id}/presigned-urls", json={"files": ["big.bin", "fits.bin"]})
    urls = {link["file"]: link["URL"] for link in links.json()["data"]["presignedURLs"]}
    assert httpx.put(urls["fits.bin"], content=b"x" * UPLOAD_LIMIT).status_code == 200
    over = httpx.put(urls["big.bin"], content=b"x" * (UPLOAD_LIMIT + 1))
    assert over.status_code == 413
    assert over.json()["data"]["message"] == f"the file is over the upload limit of {UPLOAD_LIMIT} bytes"
    # Nor does a body sent in chunks, with no length given, get past the limit.
    chunked = httpx.put(urls["big.bin"], content=iter([b"x" * 600, b"x" * 600]))
    assert chunked.status_code == 413
    listed = ivy.http.get(f"/api/v1/jobs/{job_id}/files").json()["data"]
    assert [(entry["key"], entry["size"]) for entry in listed] == [("fits.bin", UPLOAD_LIMIT)]
