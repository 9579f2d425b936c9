"""Documents' revisions over HTTP: the `ETag` a read or a write answers with, and the
precondition of an `If-Match` header."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from matjobs.documents.revisions import Precondition, etag, if_match, revision_of


def precondition(request: Request) -> Precondition | None:
    """The request's If-Match (None without one; a malformed one is a 400)."""
    return if_match(request.headers.get("if-match"))


def tagged(response: Response, revision: int) -> Response:
    response.headers["ETag"] = etag(revision)
    return response


def tagged_document(response: Response, document: dict[str, Any]) -> Response:
    return tagged(response, revision_of(document))
