"""The platform's JSON schemas (from mat3ra-esse): validation, and what kind of value a path holds."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache, lru_cache
from typing import Any

import jsonschema
import jsonschema_rs
from jsonschema.exceptions import best_match
from mat3ra.esse import ESSE

from matjobs.errors import BadInput

Schema = dict[str, Any]
_MAX_MESSAGE = 400


@cache
def schema_for(entity: str) -> Schema:
    return ESSE().get_schema_by_id(entity)  # type: ignore[no-any-return]


@cache
def validator_for(entity: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(schema_for(entity))


@cache
def _fast_validator_for(entity: str) -> jsonschema_rs.Draft7Validator:
    return jsonschema_rs.Draft7Validator(schema_for(entity))


def validate(entity: str, document: dict[str, Any]) -> None:
    """Raise BadInput naming the field and the reason of the most relevant schema violation."""
    found = complaint(entity, document)
    if found is not None:
        raise BadInput(f"invalid {entity}: {found}")


def complaint(entity: str, document: dict[str, Any]) -> str | None:
    """What is wrong with the document, as `field: reason`, or None if it is valid."""
    # The compiled validator answers valid-or-not in tens of microseconds; the reference one
    # (milliseconds for a job with its workflow) only runs to explain a refusal.
    if _fast_validator_for(entity).is_valid(document):
        return None
    error = best_match(validator_for(entity).iter_errors(document))
    if error is None:
        return None
    where = ".".join(str(part) for part in error.absolute_path) or "(document)"
    message = error.message
    if len(message) > _MAX_MESSAGE:
        message = message[:_MAX_MESSAGE] + "..."
    return f"{where}: {message}"


def _branches(node: Schema) -> Iterator[Schema]:
    yield node
    for combinator in ("allOf", "anyOf", "oneOf"):
        for sub in node.get(combinator, ()):
            yield from _branches(sub)


def _declared_types(node: Schema) -> set[str] | None:
    types: set[str] = set()
    for branch in _branches(node):
        declared = branch.get("type")
        if isinstance(declared, str):
            types.add(declared)
        elif isinstance(declared, list):
            types.update(declared)
    return types or None


def _children(node: Schema, key: str) -> list[Schema]:
    """Schemas that `key` may lead to from `node`, looking through arrays as Mongo paths do."""
    found: list[Schema] = []
    for branch in _branches(node):
        properties = branch.get("properties", {})
        if key in properties:
            found.append(properties[key])
        items = branch.get("items")
        if isinstance(items, dict):
            if key.isdigit():
                found.append(items)
            else:
                found.extend(_children(items, key))
    return found


@lru_cache(maxsize=4096)
def path_types(entity: str, path: tuple[str, ...]) -> frozenset[str] | None:
    """The JSON types a valid document may hold at `path` (looking through arrays as Mongo
    paths do), or None where the schema does not say (free-form objects)."""
    nodes: list[Schema] = [schema_for(entity)]
    for key in path:
        nodes = [child for node in nodes for child in _children(node, key)]
        if not nodes:
            return None
    kinds: set[str] = set()
    for node in nodes:
        declared = _declared_types(node)
        if declared is None:
            return None
        kinds |= declared
    return frozenset(kinds)
