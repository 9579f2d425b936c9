"""Update operators as clients send them: plain objects, dotted keys, `$set` and `$unset`, and
the array operators `$push`, `$addToSet` (both with `$each`) and `$pull` (a value, or `$in`)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from matjobs.errors import BadInput

OPERATORS = ("$set", "$unset", "$push", "$addToSet", "$pull")
APPENDING = ("$push", "$addToSet")
_MISSING = object()


@dataclass(frozen=True)
class Change:
    operator: str  # one of OPERATORS
    path: tuple[str, ...]
    value: Any = None  # $push and $addToSet: the list of items to add; $pull: the condition

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


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
            raise BadInput(f"unsupported update operator {unknown[0]}; supported: {', '.join(OPERATORS)}")
        sections = body
    changes: list[Change] = []
    for operator, fields in sections.items():
        if not isinstance(fields, dict) or not fields:
            raise BadInput(f"{operator} takes a non-empty object of fields")
        for dotted, value in fields.items():
            changes.append(Change(operator, split_path(dotted), _operand(operator, dotted, value)))
    _reject_overlaps(changes)
    return changes


def _operand(operator: str, dotted: str, value: Any) -> Any:
    """What an operator works with, checked: the items to append, or what `$pull` removes."""
    modifiers = [key for key in value if key.startswith("$")] if isinstance(value, dict) else []
    if operator in APPENDING:
        if not modifiers:
            return [value]
        if modifiers != ["$each"] or len(value) != 1:
            raise BadInput(f"{operator} {dotted}: only the modifier $each is supported, alone")
        if not isinstance(value["$each"], list):
            raise BadInput(f"{operator} {dotted}: $each takes an array of values")
        return value["$each"]
    if operator == "$pull":
        if modifiers and (modifiers != ["$in"] or len(value) != 1 or not isinstance(value["$in"], list)):
            raise BadInput(f"$pull {dotted}: the condition is a value to remove, or {{$in: [values]}}")
        if _names_operator(value["$in"] if modifiers else value):
            raise BadInput(f"$pull {dotted}: query operators inside the condition are not supported")
    return value


def _names_operator(value: Any) -> bool:
    if isinstance(value, dict):
        return any(key.startswith("$") or _names_operator(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_names_operator(item) for item in value)
    return False


def _reject_overlaps(changes: list[Change]) -> None:
    paths = sorted(change.path for change in changes)
    for first, second in zip(paths, paths[1:], strict=False):
        if second[: len(first)] == first:
            raise BadInput(f"update paths {'.'.join(first)} and {'.'.join(second)} conflict")


def apply_changes(document: dict[str, Any], changes: list[Change]) -> dict[str, Any]:
    """A new document with the changes applied; the input is left as it was."""
    result = copy.deepcopy(document)
    for change in changes:
        creates = change.operator in ("$set", *APPENDING)
        parent = _container(result, change, create=creates)
        if parent is None:
            continue
        key = change.path[-1]
        if change.operator == "$set":
            _assign(parent, key, copy.deepcopy(change.value), change)
        elif change.operator == "$unset":
            if isinstance(parent, dict):
                parent.pop(key, None)
        else:
            _apply_to_array(parent, key, change)
    return result


def _apply_to_array(parent: Any, key: str, change: Change) -> None:
    current = _get(parent, key)
    if current is _MISSING:
        if change.operator == "$pull":
            return
        current = []
    if not isinstance(current, list):
        raise BadInput(f"cannot {change.operator} {change.dotted}: it holds {_kind(current)}, not an array")
    if change.operator == "$pull":
        kept = [item for item in current if not _pulled(change.value, item)]
    elif change.operator == "$push":
        kept = [*current, *copy.deepcopy(change.value)]
    else:
        kept = list(current)
        for item in change.value:
            if not any(same(item, present) for present in kept):
                kept.append(copy.deepcopy(item))
    _assign(parent, key, kept, change)


def _pulled(condition: Any, item: Any) -> bool:
    """Whether `$pull` removes the item: it equals the condition (or a value of its `$in`), or,
    as Mongo matches documents in an array, it holds every field the condition names, equal."""
    if isinstance(condition, dict) and list(condition) == ["$in"]:
        return any(same(value, item) for value in condition["$in"])
    if isinstance(condition, dict) and isinstance(item, dict):
        return all(key in item and same(value, item[key]) for key, value in condition.items())
    return same(condition, item)


def same(first: Any, second: Any) -> bool:
    """JSON equality: true and 1 differ (as in Mongo), 1 and 1.0 do not."""
    if isinstance(first, bool) or isinstance(second, bool):
        return isinstance(first, bool) and isinstance(second, bool) and first == second
    if isinstance(first, dict) and isinstance(second, dict):
        return first.keys() == second.keys() and all(same(value, second[key]) for key, value in first.items())
    if isinstance(first, list) and isinstance(second, list):
        return len(first) == len(second) and all(same(a, b) for a, b in zip(first, second, strict=True))
    if isinstance(first, dict | list) or isinstance(second, dict | list):
        return False
    return bool(first == second)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number" if isinstance(value, int | float) else "a string"


def _get(parent: Any, key: str) -> Any:
    if isinstance(parent, dict):
        return parent.get(key, _MISSING)
    if key.isdigit() and int(key) < len(parent):
        return parent[int(key)]
    return _MISSING


def _container(document: dict[str, Any], change: Change, *, create: bool) -> Any:
    path = change.path
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
            raise BadInput(f"cannot {_verb(change)} {change.dotted}: {where} is not an object")
    if not isinstance(node, dict | list):
        if not create:
            return None
        raise BadInput(f"cannot {_verb(change)} {change.dotted}: {'.'.join(path[:-1])} is not an object")
    return node


def _verb(change: Change) -> str:
    return "set" if change.operator == "$set" else change.operator


def _assign(parent: Any, key: str, value: Any, change: Change) -> None:
    if isinstance(parent, dict):
        parent[key] = value
    elif key.isdigit() and int(key) < len(parent):
        parent[int(key)] = value
    else:
        raise BadInput(f"cannot {_verb(change)} {change.dotted}: index {key} is outside the array")
