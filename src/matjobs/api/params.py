"""Query-string parameters as the platform's own documentation sends them, and their description."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from matjobs.api import schemas
from matjobs.query.paging import PAGE_SIZE_RANGE
from matjobs.settings import Settings


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


# The parameters' description for the API page and for clients; the handlers read them from the
# query string (which also accepts the document's encoded `query%3D...` form), so FastAPI does no
# per-request work for them. JSON-valued ones are declared as JSON content.
QUERY_HELP = (
    'JSON Mongo-style selector, e.g. {"status": "finished"} or {"compute.ppn": {"$gte": 2}}. '
    "Operators: $eq $ne $gt $gte $lt $lte $in $nin $exists $regex (RE2 syntax; $options i, m, s) $and $or $nor $not "
    "$all $size $elemMatch."
)
# A selector's field conditions: a value, or an object of operators ({"$gte": 2}).
_CONDITION: dict[str, Any] = {
    "anyOf": [
        {"type": ["string", "number", "boolean", "null"]},
        {"type": "object", "propertyNames": {"pattern": "^[$]"}, "maxProperties": 4},
    ]
}
_CLAUSES: dict[str, Any] = {
    "type": "array",
    "items": {"type": "object", "additionalProperties": _CONDITION, "maxProperties": 4},
    "maxItems": 16,
}
_SELECTOR: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": _CONDITION,
        "status": _CONDITION,
        "$or": _CLAUSES,
        "$and": _CLAUSES,
        "$nor": _CLAUSES,
    },
    "additionalProperties": _CONDITION,
    "maxProperties": 16,
}
_DIRECTIONS: dict[str, Any] = {
    "type": "object",
    "propertyNames": {"pattern": schemas.FIELD_PATH},
    "additionalProperties": {"type": "integer", "enum": [1, -1]},
    "maxProperties": 8,
}
_PROJECTION: dict[str, Any] = {
    "type": "object",
    "properties": {
        "limit": {"type": "integer", "minimum": 1, "maximum": Settings.model_fields["max_limit"].default},
        "skip": {"type": "integer", "minimum": 0},
        "sort": _DIRECTIONS,
        "fields": {
            "type": "object",
            "propertyNames": {"pattern": schemas.FIELD_PATH},
            "additionalProperties": {"type": "integer", "enum": [0, 1]},
        },
    },
    "additionalProperties": False,
}


def query_parameter(name: str, description: str, schema: dict[str, Any], example: Any = None) -> dict[str, Any]:
    parameter: dict[str, Any] = {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }
    if example is not None:
        parameter["example"] = example
    return parameter


def json_parameter(name: str, description: str, schema: dict[str, Any], example: Any) -> dict[str, Any]:
    """A query parameter whose value is a JSON text (OpenAPI `content`, not `schema`)."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "content": {"application/json": {"schema": schema, "example": example}},
    }


def path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schemas.ID, "example": "RhCFP2WuehvG4hCLp"}


def id_parameter(name: str, description: str) -> dict[str, Any]:
    return query_parameter(name, description, schemas.ID)


LOW, HIGH = PAGE_SIZE_RANGE
LIST_PARAMETERS = [
    json_parameter("query", QUERY_HELP, _SELECTOR, {"status": "finished"}),
    json_parameter(
        "projection", "limit, skip, sort and fields of the page", _PROJECTION, {"limit": 5, "sort": {"createdAt": -1}}
    ),
    query_parameter(
        "limit",
        "at most the server's max_limit (500 by default); default 20 (50 on the dated API)",
        {"type": "integer", "minimum": 1, "maximum": Settings.model_fields["max_limit"].default},
    ),
    query_parameter("skip", "how many to leave out", {"type": "integer", "minimum": 0}),
    query_parameter(
        "sort",
        "a field, '-field' for descending, comma-separated for more (at most 8)",
        {"type": "string", "pattern": r"^[+-]?[^$.,\"+-][^.,\"]*(\.[^$.,\"][^.,\"]*)*$"},
        "-createdAt",
    ),
    query_parameter("pageIndex", "v1 paging: page number from 0", {"type": "integer", "minimum": 0}),
    query_parameter("pageSize", "v1 paging", {"type": "integer", "minimum": LOW, "maximum": HIGH}),
    id_parameter("setId", "only the members of this set"),
    json_parameter(
        "advancedSearches",
        "selectors, each of which must match as well",
        {"type": "array", "items": _SELECTOR, "maxItems": 8},
        [{"name": {"$regex": "^Si"}}],
    ),
    query_parameter(
        "globalSearch",
        "accepted for the platform's clients; an account searches its own documents",
        {"type": "string"},
    ),
]
ACCOUNT_ID = id_parameter("accountId", "the caller's own account, as the official client sends it")
MOVE_PARAMETERS = [id_parameter("oldSetId", "the set it leaves"), id_parameter("newSetId", "the set it joins")]
IF_MATCH: dict[str, Any] = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "the ETag of the version this change is based on: a newer one answers 412 and changes nothing",
    "schema": {"type": "string"},
}
