"""JSON selectors into the typed tree of `matjobs.query.ast`; every error names the operator and path.

Operators (each with an example):
    {"status": "finished"}                         equality; on an array, any element equal
    {"compute.ppn": {"$gt": 1}}                    $gt $gte $lt $lte: numbers or strings
    {"status": {"$ne": "error"}}                   $ne: not equal (missing counts as not equal)
    {"status": {"$in": ["queued", "active"]}}      $in / $nin: one of / none of
    {"parent": {"$exists": false}}                 $exists: the path is present / absent
    {"name": {"$regex": "^si", "$options": "i"}}   $regex (RE2 syntax) with $options i, m, s
    {"$and": [...]} {"$or": [...]} {"$nor": [...]} logical combinations of selectors
    {"compute.ppn": {"$not": {"$gt": 4}}}          $not: negates operators on one path
    {"tags": {"$all": ["a", "b"]}}                 $all: the array holds every value
    {"tags": {"$size": 2}}                         $size: the array has exactly n elements
    {"statusTrack": {"$elemMatch": {"status": "submitted"}}}  one element meets all conditions

Size: an operator takes at most MAX_CLAUSES clauses or values, and a selector holds at most
MAX_CONDITIONS conditions in all; past them the SQL grows past what the databases parse
(SQLite stops at an expression 1000 deep, which 998 `$or` clauses reach).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from matjobs.errors import InvalidQuery
from matjobs.query.ast import (
    All,
    And,
    Compare,
    ElemMatchDocument,
    ElemMatchValue,
    Eq,
    Exists,
    Field,
    In,
    Nor,
    Not,
    Or,
    Path,
    Regex,
    Selector,
    Size,
    Test,
)
from matjobs.query.parameter import load_parameter
from matjobs.query.regex import compiled

MAX_DEPTH = 32
MAX_REGEX_LENGTH = 1000
MAX_CLAUSES = 500
MAX_CONDITIONS = 500
_LOGICAL: dict[str, type[And] | type[Or] | type[Nor]] = {"$and": And, "$or": Or, "$nor": Nor}
_COMPARISONS = {"$gt": "gt", "$gte": "gte", "$lt": "lt", "$lte": "lte"}
_REGEX_OPTIONS = set("ims")


@lru_cache(maxsize=1024)
def parse_json(text: str) -> Selector:
    """Cached: clients poll with the same selectors, and the tree is immutable."""
    return parse(load_parameter("query", text))


def parse(raw: Any) -> Selector:
    if not isinstance(raw, dict):
        raise InvalidQuery('query must be a JSON object, such as {"status": "finished"}')
    _check_depth(raw)
    selector = _selector(raw)
    conditions = _conditions(selector)
    if conditions > MAX_CONDITIONS:
        raise InvalidQuery(f"query holds {conditions} conditions; at most {MAX_CONDITIONS} in all")
    return selector


def _check_depth(value: Any) -> None:
    """Depth, and NUL characters, which no stored string can hold."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidQuery(f"query is nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, str) and "\x00" in node:
            raise InvalidQuery("query strings may not contain NUL characters")
        if isinstance(node, dict) and any("\x00" in key for key in node):
            raise InvalidQuery("query paths may not contain NUL characters")
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children)


def _selector(raw: dict[str, Any]) -> Selector:
    clauses: list[Selector] = []
    for key, value in raw.items():
        if key in _LOGICAL:
            if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
                raise InvalidQuery(f"{key} takes a non-empty array of selectors")
            _check_count(key, len(value), "clauses")
            clauses.append(_LOGICAL[key](tuple(_selector(v) for v in value)))
        elif key.startswith("$"):
            raise InvalidQuery(f"unsupported operator {key}; supported at top level: $and, $or, $nor")
        else:
            path = _path(key)
            clauses.extend(Field(path, test) for test in _tests(value, path))
    return clauses[0] if len(clauses) == 1 else And(tuple(clauses))


def _path(dotted: str) -> Path:
    parts = tuple(dotted.split("."))
    if any(part == "" for part in parts):
        raise InvalidQuery(f"invalid path {dotted!r}: empty segment")
    for part in parts:
        if part.startswith("$"):
            raise InvalidQuery(f"invalid path {dotted!r}: {part} is not allowed in a path")
        if '"' in part or "\\" in part:
            raise InvalidQuery(f"invalid path {dotted!r}: quotes and backslashes are not allowed")
    return parts


def _is_operator_object(value: Any) -> bool:
    return isinstance(value, dict) and any(key.startswith("$") for key in value)


def _tests(value: Any, path: Path) -> list[Test]:
    """The tests one path's value asks for: a literal means equality, an object of operators each."""
    where = ".".join(path)
    if not _is_operator_object(value):
        return [Eq(value)]
    if not all(key.startswith("$") for key in value):
        raise InvalidQuery(f"{where}: an object mixes operators and plain fields")
    tests: list[Test] = []
    options = value.get("$options")
    if options is not None and "$regex" not in value:
        raise InvalidQuery(f"{where}: $options needs $regex")
    for operator, argument in value.items():
        if operator == "$options":
            continue
        tests.append(_test(operator, argument, where, options))
    return tests


def _test(operator: str, argument: Any, where: str, options: Any = None) -> Test:
    if operator == "$eq":
        return Eq(argument)
    if operator == "$ne":
        return Not((Eq(argument),))
    if operator in _COMPARISONS:
        if isinstance(argument, bool) or not isinstance(argument, int | float | str):
            raise InvalidQuery(f"{where}: {operator} compares numbers or strings, got {json.dumps(argument)}")
        return Compare(_COMPARISONS[operator], argument)
    if operator in ("$in", "$nin"):
        if not isinstance(argument, list):
            raise InvalidQuery(f"{where}: {operator} takes an array")
        _check_count(f"{where}: {operator}", len(argument), "values")
        found = In(tuple(argument))
        return found if operator == "$in" else Not((found,))
    if operator == "$exists":
        return Exists(bool(argument))
    if operator == "$regex":
        return Regex(_regex(argument, options, where))
    if operator == "$all":
        if not isinstance(argument, list):
            raise InvalidQuery(f"{where}: $all takes an array")
        _check_count(f"{where}: $all", len(argument), "values")
        return All(tuple(argument))
    if operator == "$size":
        if isinstance(argument, bool) or not isinstance(argument, int) or argument < 0:
            raise InvalidQuery(f"{where}: $size takes a non-negative integer")
        return Size(argument)
    if operator == "$elemMatch":
        if not isinstance(argument, dict) or not argument:
            raise InvalidQuery(f"{where}: $elemMatch takes a non-empty object")
        if _is_operator_object(argument):
            return ElemMatchValue(tuple(_tests(argument, tuple(where.split(".")))))
        return ElemMatchDocument(_selector(argument))
    if operator == "$not":
        if not _is_operator_object(argument):
            raise InvalidQuery(f'{where}: $not takes an object of operators, such as {{"$gt": 1}}')
        return Not(tuple(_tests(argument, tuple(where.split(".")))))
    raise InvalidQuery(f"{where}: unsupported operator {operator}")


def _check_count(operator: str, count: int, what: str) -> None:
    if count > MAX_CLAUSES:
        raise InvalidQuery(f"{operator} takes at most {MAX_CLAUSES} {what}, got {count}")


def _conditions(node: Selector | Test) -> int:
    """How many tests the SQL will hold: what bounds its size and depth."""
    if isinstance(node, And | Or | Nor):
        return sum(_conditions(clause) for clause in node.clauses)
    if isinstance(node, Field):
        return _conditions(node.test)
    if isinstance(node, Not | ElemMatchValue):
        return sum(_conditions(test) for test in node.tests)
    if isinstance(node, ElemMatchDocument):
        return _conditions(node.selector)
    if isinstance(node, In):
        return max(1, len(node.values))
    if isinstance(node, All):
        return max(1, len(node.values))
    return 1


def _regex(pattern: Any, options: Any, where: str) -> str:
    if not isinstance(pattern, str):
        raise InvalidQuery(f"{where}: $regex takes a string")
    if len(pattern) > MAX_REGEX_LENGTH:
        raise InvalidQuery(f"{where}: $regex is longer than {MAX_REGEX_LENGTH} characters")
    flags = options or ""
    if not isinstance(flags, str) or not set(flags) <= _REGEX_OPTIONS:
        raise InvalidQuery(f"{where}: $options takes letters of 'ims', got {json.dumps(options)}")
    full = f"(?{''.join(sorted(set(flags)))}){pattern}" if flags else pattern
    try:
        compiled(full)
    except InvalidQuery as error:
        raise InvalidQuery(
            f"{where}: $regex is not a regular expression RE2 accepts (no backreferences or lookaround): "
            f"{error.message}"
        ) from None
    return full
