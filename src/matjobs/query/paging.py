"""Paging, sorting and field selection for list calls: v1 `pageIndex`/`pageSize`, `projection`, flat params."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from matjobs.errors import InvalidQuery
from matjobs.query.ast import Path
from matjobs.query.parameter import load_parameter

PAGE_SIZE_RANGE = (5, 100)  # the platform's v1 documentation
DEFAULT_BUDGET_MS = 5000


@dataclass(frozen=True)
class Page:
    limit: int
    skip: int = 0
    sort: tuple[tuple[Path, int], ...] = ()  # (path, 1 ascending | -1 descending)
    fields: tuple[tuple[Path, bool], ...] = ()  # (path, include) pairs; hashable, so pages can key caches
    budget_ms: int = DEFAULT_BUDGET_MS  # how long the database may take to find the page


@dataclass(frozen=True)
class ListParams:
    """The raw strings a list call may carry, before any interpretation."""

    projection: str | None = None
    limit: str | None = None
    skip: str | None = None
    sort: str | None = None
    page_index: str | None = None
    page_size: str | None = None


def parse_page(params: ListParams, *, default_limit: int, max_limit: int, budget_ms: int = DEFAULT_BUDGET_MS) -> Page:
    """Merge projection={...} with flat parameters; flat ones win where both are given."""
    projection = _projection(params.projection)
    limit = _integer("limit", projection.get("limit"), minimum=1, maximum=max_limit)
    skip = _integer("skip", projection.get("skip"), minimum=0)
    if params.page_size is not None or params.page_index is not None:
        low, high = PAGE_SIZE_RANGE
        size = _integer("pageSize", params.page_size, minimum=low, maximum=high) or default_limit
        index = _integer("pageIndex", params.page_index, minimum=0) or 0
        limit, skip = size, index * size
    if params.limit is not None:
        limit = _integer("limit", params.limit, minimum=1, maximum=max_limit)
    if params.skip is not None:
        skip = _integer("skip", params.skip, minimum=0)
    sort = _sort(projection.get("sort")) if "sort" in projection else ()
    if params.sort is not None:
        sort = _sort(params.sort)
    return Page(
        limit=limit or default_limit,
        skip=skip or 0,
        sort=sort,
        fields=tuple(_fields(projection.get("fields")).items()),
        budget_ms=budget_ms,
    )


def _projection(text: str | None) -> dict[str, Any]:
    if text is None or text == "":
        return {}
    value = load_parameter("projection", text)
    if not isinstance(value, dict):
        raise InvalidQuery("projection must be a JSON object with limit, skip, sort and fields")
    unknown = set(value) - {"limit", "skip", "sort", "fields"}
    if unknown:
        raise InvalidQuery(f"projection: unknown key {sorted(unknown)[0]!r}; known: limit, skip, sort, fields")
    return value


def _integer(name: str, raw: Any, *, minimum: int, maximum: int | None = None) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise InvalidQuery(f"{name} must be an integer")
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InvalidQuery(f"{name} must be an integer, got {raw!r}") from None
    if isinstance(raw, float) and raw != value:
        raise InvalidQuery(f"{name} must be an integer, got {raw!r}")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise InvalidQuery(f"{name} must be {bound}, got {value}")
    return value


def _sort(raw: Any) -> tuple[tuple[Path, int], ...]:
    if isinstance(raw, str) and raw.strip().startswith("{"):
        raw = load_parameter("sort", raw)
    keys: list[tuple[Path, int]] = []
    if isinstance(raw, str):
        for item in (part.strip() for part in raw.split(",")):
            if not item:
                continue
            direction = -1 if item.startswith("-") else 1
            keys.append((_path(item.lstrip("+-"), "sort"), direction))
    elif isinstance(raw, dict):
        for dotted, direction in raw.items():
            if direction not in (1, -1) or isinstance(direction, bool):
                raise InvalidQuery(f"sort: direction of {dotted!r} must be 1 or -1, got {direction!r}")
            keys.append((_path(dotted, "sort"), direction))
    else:
        raise InvalidQuery("sort must be a field name ('-createdAt') or an object ({\"createdAt\": -1})")
    if len(keys) > 8:
        raise InvalidQuery("sort takes at most 8 keys")
    return tuple(keys)


def _fields(raw: Any) -> dict[Path, bool]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidQuery('projection.fields must be an object such as {"status": 1}')
    fields: dict[Path, bool] = {}
    for dotted, flag in raw.items():
        if flag not in (0, 1, True, False):
            raise InvalidQuery(f"projection.fields: {dotted!r} must be 1 or 0")
        fields[_path(dotted, "projection.fields")] = bool(flag)
    kinds = {include for path, include in fields.items() if path != ("_id",)}
    if len(kinds) > 1:
        raise InvalidQuery("projection.fields cannot mix inclusion (1) and exclusion (0)")
    return fields


def _path(dotted: str, where: str) -> Path:
    parts = tuple(dotted.split("."))
    if not dotted or any(not part or part.startswith("$") or '"' in part for part in parts):
        raise InvalidQuery(f"{where}: invalid field path {dotted!r}")
    return parts


def select_fields(document: dict[str, Any], chosen: tuple[tuple[Path, bool], ...]) -> dict[str, Any]:
    """The document reduced to the chosen fields; `_id` stays unless excluded by name."""
    if not chosen:
        return document
    fields = dict(chosen)
    including = any(include for path, include in fields.items() if path != ("_id",)) or (
        fields.get(("_id",)) is True and len(fields) == 1
    )
    if including:
        result: dict[str, Any] = {}
        if fields.get(("_id",), True) and "_id" in document:
            result["_id"] = document["_id"]
        for path, include in fields.items():
            if include and path != ("_id",):
                _copy_path(document, result, path)
        return result
    result = json.loads(json.dumps(document))
    for path, include in fields.items():
        if not include:
            _drop_path(result, path)
    return result


def _copy_path(source: dict[str, Any], target: dict[str, Any], path: Path) -> None:
    node: Any = source
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return
        node = node[key]
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = node


def _drop_path(document: dict[str, Any], path: Path) -> None:
    node: Any = document
    for key in path[:-1]:
        if not isinstance(node, dict) or key not in node:
            return
        node = node[key]
    if isinstance(node, dict):
        node.pop(path[-1], None)
