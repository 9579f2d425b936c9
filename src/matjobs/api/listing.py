"""Listing, as every resource does it: the query and paging parameters in, a page of documents out."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request, Response

from matjobs.api.dialect import dialect_of
from matjobs.api.envelope import success, success_raw
from matjobs.api.params import query_params
from matjobs.errors import BadInput
from matjobs.query.paging import ListParams, Page, parse_page, select_fields
from matjobs.query.parameter import load_parameter
from matjobs.query.parse import parse_json


def list_request(request: Request) -> tuple[str | None, Page]:
    """The selector's text (checked: a bad one is a 400 before any work) and the page."""
    settings = request.app.state.settings
    params = query_params(request)
    text = selector_text(params.get("query") or None, params.get("setId"), params.get("advancedSearches"))
    if text:
        parse_json(text)
    page = parse_page(
        ListParams(
            projection=params.get("projection"),
            limit=params.get("limit"),
            skip=params.get("skip"),
            sort=params.get("sort"),
            page_index=params.get("pageIndex"),
            page_size=params.get("pageSize"),
        ),
        default_limit=dialect_of(request).default_limit or settings.default_page_size,
        max_limit=settings.max_limit,
        budget_ms=settings.query_budget_ms,
    )
    return text, page


def selector_text(query: str | None, set_id: str | None, advanced: str | None) -> str | None:
    """One selector for the query and the flat parameters the newest clients send beside it."""
    if not set_id and not advanced:
        return query
    parts: list[Any] = [load_parameter("query", query)] if query else []
    if set_id:
        parts.append({"inSet._id": set_id})
    if advanced:
        searches = load_parameter("advancedSearches", advanced)
        if not isinstance(searches, list) or not all(isinstance(item, dict) for item in searches):
            raise BadInput("advancedSearches: a JSON list of selectors")
        parts.extend(searches)
    return json.dumps(parts[0] if len(parts) == 1 else {"$and": parts})


def listed(texts: list[str], page: Page) -> Response:
    """Stored JSON texts sent on as they are, unless the page asks for some fields only."""
    if page.fields:
        return success([select_fields(json.loads(text), page.fields) for text in texts])
    return success_raw("[" + ",".join(texts) + "]")
