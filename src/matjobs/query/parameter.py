"""The one reader of a list call's JSON parameters (query, projection, advancedSearches, sort):
nesting bounded before decoding, and no string that no database can bind."""

from __future__ import annotations

import json
import re
from typing import Any

from matjobs.errors import InvalidQuery

MAX_NESTING = 64
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_SURROGATE = re.compile("[\ud800-\udfff]")


def load_parameter(name: str, text: str) -> Any:
    """`text` decoded as JSON; an error names the parameter `name`."""
    _check_nesting(name, text)
    try:
        value = json.loads(text)
    except ValueError as error:
        raise InvalidQuery(f"{name} is not valid JSON: {error}") from None
    _check_strings(name, value)
    return value


def _check_nesting(name: str, text: str) -> None:
    # json.loads recurses once per level, and a deep enough text ends in RecursionError; a
    # count of the brackets outside strings stops it first, in one pass without recursion.
    depth = 0
    for bracket in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        depth = depth + 1 if bracket in "[{" else depth - 1
        if depth > MAX_NESTING:
            raise InvalidQuery(f"{name} is nested deeper than {MAX_NESTING} levels")


def _check_strings(name: str, value: Any) -> None:
    """A lone surrogate (a JSON escape such as \\ud800) is text no database can store or bind."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            _refuse_surrogate(name, node, where)
        elif isinstance(node, dict):
            for key, child in node.items():
                path = f"{where}.{key}" if where else key
                _refuse_surrogate(name, key, path)
                stack.append((child, path))
        elif isinstance(node, list):
            stack.extend((child, f"{where}.{index}" if where else str(index)) for index, child in enumerate(node))


def _refuse_surrogate(name: str, text: str, where: str) -> None:
    if _SURROGATE.search(text):
        shown = where.encode("utf-8", "backslashreplace").decode()  # the message itself must be text
        place = f" at {shown}" if where else ""
        raise InvalidQuery(f"{name}{place}: a lone surrogate (such as \\ud800) is not text; send UTF-8")
