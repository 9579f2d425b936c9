"""A document's revision: a number every write raises by one, sent as its ETag, and the
preconditions a write may be made under (`If-Match`, or the revision the client read).

mat3ra-esse has no field for this (`schemaVersion` is the version of the schema), so the
field is `revision`, an integer from 1; the ETag is its decimal in quotes, e.g. `"3"`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matjobs.documents.update import Change
from matjobs.errors import BadInput, PreconditionFailed

FIELD = "revision"
FIRST = 1
# A list of entity-tags (RFC 9110, 8.8.3): each quoted, optionally weak, separated by commas.
_TAG = r'(?:W/)?"[\x21\x23-\x7e]*"'
_TAG_LIST = re.compile(rf"\s*{_TAG}\s*(?:,\s*{_TAG}\s*)*")
_ONE_TAG = re.compile(_TAG)


def revision_of(document: dict[str, Any]) -> int:
    """The document's revision; one written before revisions were kept is at the first."""
    value = document.get(FIELD)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= FIRST else FIRST


def as_read(document: dict[str, Any], revision: int) -> dict[str, Any]:
    """The document as read, with the revision its row holds (the column is the one written last)."""
    return {**document, FIELD: revision}


def advance(document: dict[str, Any]) -> int:
    """Move the document to its next revision, in place (the caller answers with it); the
    revision it was read at, which the row must still hold when it is written."""
    read_at = revision_of(document)
    document[FIELD] = read_at + 1
    return read_at


def etag(revision: int) -> str:
    return f'"{revision}"'


@dataclass(frozen=True)
class Precondition:
    """The revisions a write expects to find, as ETags; None means any (`If-Match: *`)."""

    tags: frozenset[str] | None
    source: str  # where the client said so, for the message: "If-Match" or "revision"

    def check(self, entity: str, document_id: str, revision: int) -> None:
        if self.tags is None or etag(revision) in self.tags:
            return
        expected = ", ".join(sorted(self.tags))
        raise PreconditionFailed(
            f"{entity} {document_id} is at revision {revision}, not {expected} as {self.source} says: "
            "it changed since it was read; nothing was written. Read it again and retry"
        )


def if_match(header: str | None) -> Precondition | None:
    """The precondition of an `If-Match` header, None without one; a malformed one is a 400."""
    if header is None:
        return None
    if header.strip() == "*":
        return Precondition(None, "If-Match")
    if not _TAG_LIST.fullmatch(header):
        raise BadInput(
            f"If-Match: {header[:80]!r} is not a list of quoted ETags; send the ETag a GET answered, "
            'e.g. If-Match: "3", or * for "exists"'
        )
    # A weak tag never matches in If-Match (strong comparison), and this server sends none.
    return Precondition(frozenset(_ONE_TAG.findall(header)), "If-Match")


def stated(changes: Sequence[Change]) -> tuple[list[Change], Precondition | None]:
    """The changes without the revision a client sent in the update (plain or `$set`), and
    that revision as a precondition: a document read, edited and sent back says what it was."""
    named = [change for change in changes if change.path == (FIELD,) and change.operator == "$set"]
    if not named:
        return list(changes), None
    value = named[0].value
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadInput(f"{FIELD}: the revision the update expects, an integer as the document holds it")
    return [change for change in changes if change not in named], Precondition(frozenset({etag(value)}), FIELD)


def check_all(preconditions: Sequence[Precondition | None], entity: str, document: dict[str, Any]) -> None:
    for precondition in preconditions:
        if precondition is not None:
            precondition.check(entity, document["_id"], revision_of(document))
