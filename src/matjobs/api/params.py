"""Query-string parameters as the platform's own documentation sends them."""

from __future__ import annotations

from fastapi import Request


def query_params(request: Request) -> dict[str, str]:
    """The query string as a dict, first value wins.

    The platform's docs percent-encode the `=` too (`?query%3D%7B...%7D`), which arrives as a
    key `query={...}` with no value; such a pair is split back into its name and value.
    """
    params: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if value == "" and "=" in key:
            key, value = key.split("=", 1)
        params.setdefault(key, value)
    return params
