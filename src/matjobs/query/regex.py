"""`$regex` on RE2, which never backtracks: a match takes time linear in the text, whatever the
pattern, so no client's pattern can hold a thread (and, in SQLite's callback, the GIL) for long."""

from __future__ import annotations

from functools import lru_cache

import re2

from matjobs.errors import InvalidQuery

# One query may hold 500 patterns (MAX_CONDITIONS in parse), and SQLite asks for each on every
# row: the cache must hold them all, or each row recompiles. RE2's memory per pattern is capped
# (a larger pattern is refused at parse; a match that needs more falls back to a slower, still
# linear, engine), which caps the cache at CACHED * MAX_MEMORY.
CACHED = 512
MAX_MEMORY = 512 * 1024


def _options() -> re2.Options:
    options = re2.Options()
    options.max_mem = MAX_MEMORY
    options.never_capture = True  # only "does it match" is asked
    options.log_errors = False  # a client's bad pattern is a 400, not a line on the server's stderr
    return options


_OPTIONS = _options()


@lru_cache(maxsize=CACHED)
def compiled(pattern: str) -> re2._Regexp[str]:
    """The pattern compiled once; raises InvalidQuery with RE2's reason if it cannot be."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as error:
        reason = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else str(error)
        raise InvalidQuery(reason) from None


def matches(pattern: str, value: object) -> bool | None:
    """SQLite's `regexp(pattern, value)`: it must never raise inside the database, so a value
    that is not text, or a pattern that parse would have refused, simply does not match."""
    if not isinstance(value, str):
        return None
    try:
        # Bytes skip the binding's per-match offset decoding; RE2 reads them as UTF-8 all the same.
        return compiled(pattern).search(value.encode()) is not None
    except (InvalidQuery, UnicodeEncodeError):
        return None
