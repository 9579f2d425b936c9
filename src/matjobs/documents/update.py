"""Update operators as clients send them: plain objects, dotted keys, `$set` and `$unset`."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from matjobs.errors import BadInput

OPERATORS = ("$set", "$unset")


@dataclass(frozen=True)
class Change:
    operator: str  # "$set" or "$unset"
    path: tuple[str, ...]
    value: Any = None


def split_path(dotted: str) -> tuple[str, ...]:
    parts = tuple(dotted.split("."))
    if not dotted or any(part == "" for part in parts):
        raise BadInput(f"invalid field path {dotted!r}: empty segment")
    if any(part.startswith("$") for part in parts):
        raise BadInput(f"invalid field path {dotted!r}: segments may not start with '$'")
    return parts


def parse_update(body: Any) -> list[Change]:
    if not isinstance(body, dict) or not body:
        raise BadInput("the update must be a non-empty JSON object")
    operator_keys = [key for key in body if key.startswith("$")]
    if operator_keys and len(operator_keys) != len(body):
        raise BadInput("an update mixes operators and plain fields; use one form or the other")
    if not operator_keys:
        sections = {"$set": body}
    else:
        unknown = [key for key in operator_keys if key not in OPERATORS]
        if unknown:
            raise BadInput(f"unsupported update operator {unknown[0]}; supported: $set, $unset")
        sections = body
    changes: list[Change] = []
    for operator, fields in sections.items():
        if not isinstance(fields, dict) or not fields:
            raise BadInput(f"{operator} takes a non-empty object of fields")
        for dotted, value in fields.items():
            changes.append(Change(operator, split_path(dotted), value))
    _reject_overlaps(changes)
    return changes


def _reject_overlaps(changes: list[Change]) -> None:
    paths = sorted(change.path for change in changes)
    for first, second in zip(paths, paths[1:], strict=False):
        if second[: len(first)] == first:
            raise BadInput(f"update paths {'.'.join(first)} and {'.'.join(second)} conflict")


def apply_changes(document: dict[str, Any], changes: list[Change]) -> dict[str, Any]:
    """A new document with the changes applied; the input is left as it was."""
    result = copy.deepcopy(document)
    for change in changes:
        parent = _container(result, change.path, create=change.operator == "$set")
        if parent is None:
            continue
        key = change.path[-1]
        if change.operator == "$set":
            _assign(parent, key, copy.deepcopy(change.value), change.path)
        elif isinstance(parent, dict):
            parent.pop(key, None)
    return result


def _container(document: dict[str, Any], path: tuple[str, ...], *, create: bool) -> Any:
    node: Any = document
    for depth, key in enumerate(path[:-1]):
        if isinstance(node, dict):
            if key not in node:
                if not create:
                    return None
                node[key] = {}
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            if not create:
                return None
            where = ".".join(path[: depth + 1])
            raise BadInput(f"cannot set {'.'.join(path)}: {where} is not an object")
    if not isinstance(node, dict | list):
        if not create:
            return None
        raise BadInput(f"cannot set {'.'.join(path)}: {'.'.join(path[:-1])} is not an object")
    return node


def _assign(parent: Any, key: str, value: Any, path: tuple[str, ...]) -> None:
    if isinstance(parent, dict):
        parent[key] = value
    elif key.isdigit() and int(key) < len(parent):
        parent[int(key)] = value
    else:
        raise BadInput(f"cannot set {'.'.join(path)}: index {key} is outside the array")
