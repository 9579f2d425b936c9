"""Text no store, file name or hash can take, whatever a client sends: a NUL character, which
PostgreSQL cannot store, or half of a UTF-16 surrogate pair (JSON's "\\ud800" alone), which is no
character and cannot be written as UTF-8."""

from __future__ import annotations


def flaw(value: str) -> str | None:
    """What makes `value` unusable as text ("a NUL character", "a lone surrogate"), or None."""
    if "\x00" in value:
        return "a NUL character"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "a lone surrogate (such as \\ud800)"
    return None
