"""Domain errors, raised anywhere below the API and mapped to HTTP codes only in matjobs.api.

MatjobsError
├── BadInput            the client sent something malformed or invalid      (400)
│   └── InvalidQuery    a selector, projection or paging parameter         (400)
│       └── QueryOverBudget  a list's query ran past its time budget       (400)
├── Unauthenticated     missing, unknown or revoked credentials            (401)
├── NotFound            no such entity *for this account*                  (404)
├── Conflict            the entity's state forbids the change              (409)
├── PreconditionFailed  the entity changed since the revision a write names (412)
├── TooLarge            request body over the configured limit             (413)
├── UnsupportedMedia    a body in a content type we do not read            (415)
├── TryLater            refused for now; `retry_after` says for how long
│   ├── Throttled       too many failed logins for a name or an address     (429)
│   └── Busy            too much work of one kind already waiting           (503)
└── FlowchartError      a job's flowchart cannot go on (ends the job in error, no HTTP code)
    └── ExpressionError a flowchart expression refused or failed
"""

from __future__ import annotations


class MatjobsError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(MatjobsError):
    pass


class InvalidQuery(BadInput):
    pass


class QueryOverBudget(InvalidQuery):
    """The client's selector, not the service, is what must change: hence a 400."""


class Unauthenticated(MatjobsError):
    pass


class NotFound(MatjobsError):
    pass


class Conflict(MatjobsError):
    pass


class PreconditionFailed(MatjobsError):
    pass


class TooLarge(MatjobsError):
    pass


class UnsupportedMedia(MatjobsError):
    pass


class TryLater(MatjobsError):
    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after + 0.999))  # whole seconds, never 0


class Throttled(TryLater):
    pass


class Busy(TryLater):
    pass


class FlowchartError(MatjobsError):
    """A job's flowchart cannot go on (a loop past maxOccurrences, a false assertion, ...): the job's error."""


class ExpressionError(FlowchartError):
    """A flowchart expression refused or failed; the message says what was refused."""
