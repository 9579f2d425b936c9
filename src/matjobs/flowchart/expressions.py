"""The safe evaluator of the flowchart's expressions (assignment values, condition and assertion
statements), configured on simpleeval: arithmetic, comparisons, indexing, the scope's names, a few
functions, and bounds on size and time. Anything refused raises ExpressionError, saying what."""

from __future__ import annotations

import ast
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import simpleeval

from matjobs.errors import ExpressionError

MAX_EXPRESSION_LENGTH = 4000  # the bank's longest is under 500 characters
MAX_DEPTH = 60  # nesting of the parsed expression; deeper ones could exhaust the interpreter's stack
MAX_INT_BITS = 64_000  # about 19,000 decimal digits: integers beyond are refused, not computed
MAX_RANGE = 10_000
MAX_ITEMS = simpleeval.MAX_STRING_LENGTH  # strings and containers the expression may build
# What one evaluation may build in all, and how long it may take: a comprehension of 9,999
# lists of 9,999 items passes every per-step limit above and builds 10**8 items (7 s, 1 GB).
MAX_ITEMS_BUILT = 1_000_000
MAX_SECONDS = 1.0
# The nodes whose value is built by the expression (not read from the scope): their sizes count.
_BUILDING = (ast.BinOp, ast.Call, ast.ListComp, ast.SetComp, ast.DictComp, ast.List, ast.Set, ast.Dict)


def _bounded_power(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1 and a.bit_length() * b > MAX_INT_BITS:
        raise ExpressionError(f"refused: {a} ** {b} would be too large a number")
    if isinstance(b, (int, float)) and abs(b) > simpleeval.MAX_POWER:
        raise ExpressionError(f"refused: the exponent {b} is too large")
    return a**b


def _bounded_mult(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_INT_BITS:
        raise ExpressionError("refused: the product would be too large a number")
    for sized, times in ((a, b), (b, a)):
        if hasattr(sized, "__len__") and isinstance(times, int) and times * len(sized) > MAX_ITEMS:
            raise ExpressionError(f"refused: repeating a sequence beyond {MAX_ITEMS} items")
    return a * b


def _bounded_mod(a: Any, b: Any) -> Any:
    if isinstance(a, (str, bytes)):
        # '%09999999999d' % 1 would build a string of any size: no %-formatting
        raise ExpressionError("refused: string formatting with % is not allowed")
    return a % b


def _bounded_range(*args: int) -> list[int]:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise ExpressionError(f"refused: range of {len(numbers)} numbers (at most {MAX_RANGE})")
    return list(numbers)


def _numbers_sum(items: Iterable[Any]) -> Any:
    # sum(lists, []) would concatenate without bound: numbers only
    total: Any = 0
    for item in items:
        if not isinstance(item, (int, float)):
            raise ExpressionError("refused: sum() adds numbers only")
        total += item
    return total


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


class Namespace:
    """A few functions reached as `name.member` (the bank writes json.loads, np.abs, np.sign)."""

    def __init__(self, name: str, members: Mapping[str, Callable[..., Any]]) -> None:
        self.name = name
        self.members = dict(members)


NAMESPACES = {
    "json": Namespace("json", {"loads": json.loads}),
    "np": Namespace("np", {"abs": abs, "sign": _sign, "sqrt": math.sqrt}),
}
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "min": min,
    "max": max,
    "round": round,
    "len": len,
    # and what the bank's workflows use
    "sorted": sorted,
    "list": list,
    "set": set,
    "sum": _numbers_sum,
    "range": _bounded_range,
}


class _Evaluator(simpleeval.EvalWithCompoundTypes):  # type: ignore[misc]
    def __init__(self, names: Mapping[str, Any]) -> None:
        super().__init__(functions=dict(FUNCTIONS), names={**NAMESPACES, **names})
        self.functions = dict(FUNCTIONS)  # the base class adds dict() and tuple(): not allowed
        self.operators[ast.Pow] = _bounded_power
        self.operators[ast.Mult] = _bounded_mult
        self.operators[ast.Mod] = _bounded_mod
        # f'{x:99999999}' builds a string of any size
        del self.nodes[ast.JoinedStr], self.nodes[ast.FormattedValue]
        self._deadline = time.monotonic() + MAX_SECONDS
        self._built = 0

    def _eval(self, node: ast.AST) -> Any:
        if time.monotonic() > self._deadline:
            raise ExpressionError(f"refused: the expression ran longer than {MAX_SECONDS:g} s")
        value = super()._eval(node)
        if isinstance(node, _BUILDING) and hasattr(value, "__len__"):
            self._built += len(value)
            if self._built > MAX_ITEMS_BUILT:
                raise ExpressionError(f"refused: the expression builds more than {MAX_ITEMS_BUILT} items in all")
        return value

    def _check_disallowed_items(self, item: Any) -> None:
        # simpleeval walks every container after every node: [[1]*10**5]*10**5 costs 10**10 steps.
        # Nothing here can reach a module or a forbidden function anyway: names are JSON values and
        # Namespaces, calls are FUNCTIONS only, and attribute access reaches Namespace members only.
        return

    def _eval_attribute(self, node: ast.Attribute) -> Any:
        base = self._eval(node.value) if isinstance(node.value, ast.Name) else None
        if isinstance(base, Namespace) and node.attr in base.members:
            return base.members[node.attr]
        raise ExpressionError(f"refused: attribute access (.{node.attr}) is not allowed")

    def _eval_call(self, node: ast.Call) -> Any:
        if isinstance(node.func, ast.Name) and node.func.id not in self.functions:
            raise ExpressionError(f"refused: calling {node.func.id}() is not allowed")
        if not isinstance(node.func, (ast.Name, ast.Attribute)):
            raise ExpressionError("refused: only named functions may be called")
        return super()._eval_call(node)


def _depth(tree: ast.AST) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    return deepest


def parse(expression: str) -> ast.expr:
    """The expression's tree, or ExpressionError if it is too long, too deep or not an expression."""
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"refused: expression of {len(expression)} characters (at most {MAX_EXPRESSION_LENGTH})")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as problem:
        raise ExpressionError(f"not a single expression: {expression[:80]!r} ({type(problem).__name__})") from None
    if _depth(tree) > MAX_DEPTH:
        raise ExpressionError(f"refused: expression nested deeper than {MAX_DEPTH} levels")
    return tree.body


def evaluate(expression: str, names: Mapping[str, Any]) -> Any:
    """The value of `expression` over `names`; ExpressionError says why one is refused or fails."""
    tree = parse(expression)
    try:
        value = _Evaluator(names).eval(expression, previously_parsed=tree)
    except ExpressionError:
        raise
    except simpleeval.NameNotDefined as problem:
        raise ExpressionError(f"{problem.name!r} is undefined in {expression[:80]!r}") from None
    except simpleeval.FunctionNotDefined as problem:
        raise ExpressionError(f"refused: calling {problem.func_name}() is not allowed") from None
    except simpleeval.InvalidExpression as problem:
        raise ExpressionError(f"refused: {problem} in {expression[:80]!r}") from None
    except RecursionError:
        raise ExpressionError(f"refused: {expression[:80]!r} recurses too deeply") from None
    except Exception as problem:  # any failure of the expression is the expression's error, never a traceback
        raise ExpressionError(f"{expression[:80]!r} failed: {type(problem).__name__}: {problem}") from None
    if hasattr(value, "__len__") and not isinstance(value, Namespace) and len(value) > MAX_ITEMS:
        raise ExpressionError(f"refused: a result of {len(value)} items (at most {MAX_ITEMS})")
    if isinstance(value, Namespace) or callable(value):
        raise ExpressionError(f"refused: {expression[:80]!r} is a function, not a value")
    return value


def is_true(statement: str, names: Mapping[str, Any]) -> bool:
    return bool(evaluate(statement, names))
