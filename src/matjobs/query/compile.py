"""The selector tree into a SQLAlchemy boolean expression, with every value a bound parameter.

Mongo semantics in SQL: a path reaches through arrays (an array anywhere on the path is
searched element by element), and negations are two-valued (missing counts as "not equal").
The schema says where arrays and mixed types can occur; where it declares a plain type,
the compiler leaves out the array searches and type guards, which keeps scans to one
JSON extraction per row. Dialect differences live in the two Node classes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement

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

Bool = ColumnElement[bool]
PathTypes = Callable[[Path], frozenset[str] | None]
_OPS = {"gt": "__gt__", "gte": "__ge__", "lt": "__lt__", "lte": "__le__"}
_SCALAR_KINDS = frozenset({"string", "number", "integer", "boolean", "null"})
# Each step of a path that may hold an array doubles its tests (the value itself, and each
# element), so a long unknown path grows the SQL exponentially: 14 steps took a minute of
# Python, holding the GIL, before the database (and its time budget) saw anything. The
# compiler stops past this many tests and array searches, well under a second of work.
MAX_COMPILED = 2000


@dataclass(frozen=True)
class Target:
    """What a selector is compiled against: one table's JSON document and its indexed columns."""

    dialect: str
    document: ColumnElement[Any]
    columns: Mapping[Path, ColumnElement[Any]]
    path_types: PathTypes


def compile_selector(selector: Selector, target: Target) -> Bool:
    root = _root_node(target)
    return _Compiler(target).selector(selector, root)


def sort_key(path: Path, target: Target) -> ColumnElement[Any]:
    if path in target.columns:
        return target.columns[path]
    node = _root_node(target)
    for key in path:
        node = node.child(key)
    return node.sort_value()


def _root_node(target: Target) -> Node:
    if target.dialect == "postgresql":
        return PgNode(sa.type_coerce(target.document, JSONB), (), target.path_types)
    return SqliteNode(target.document, "$", (), target.path_types)


class _Compiler:
    def __init__(self, target: Target) -> None:
        self.target = target
        self.spent = 0

    def _spend(self, count: int = 1) -> None:
        self.spent += count
        if self.spent > MAX_COMPILED:
            raise InvalidQuery(
                f"query expands to more than {MAX_COMPILED} tests, searching every array its paths may cross; "
                "name fewer or shorter paths, or fewer $in values"
            )

    def selector(self, selector: Selector, node: Node) -> Bool:
        if isinstance(selector, And):
            return sa.and_(sa.true(), *(self.selector(c, node) for c in selector.clauses))
        if isinstance(selector, Or):
            return sa.or_(*(self.selector(c, node) for c in selector.clauses))
        if isinstance(selector, Nor):
            return sa.and_(*(_negate(self.selector(c, node)) for c in selector.clauses))
        return self.field(selector, node)

    def field(self, field: Field, node: Node) -> Bool:
        column = self.target.columns.get(field.path) if node.is_root else None
        if column is not None:
            return _column_test(column, field.test)
        return self._reach(node, field.path, field.test)

    def _reach(self, node: Node, keys: Path, test: Test) -> Bool:
        """True when some value that `keys` leads to from `node` passes `test`."""
        if isinstance(test, Not):
            return _negate(sa.and_(*(self._reach(node, keys, t) for t in test.tests)))
        if not keys:
            return self._at(node, test)
        key, rest = keys[0], keys[1:]
        direct = self._reach(node.child(key), rest, test)
        if node.is_root or not node.may_be_array():
            return direct
        self._spend()
        through_elements = node.any_element(lambda element: self._reach(element.child(key), rest, test))
        return sa.or_(direct, through_elements)

    def _at(self, node: Node, test: Test) -> Bool:
        if isinstance(test, Exists):
            return node.exists() if test.present else _negate(node.exists())
        if isinstance(test, Size):
            return node.size_is(test.length)
        if isinstance(test, All):
            if not test.values:
                return sa.false()
            return sa.and_(*(self._at(node, Eq(value)) for value in test.values))
        if isinstance(test, ElemMatchDocument):
            return node.any_element(lambda element: self.selector(test.selector, element))
        if isinstance(test, ElemMatchValue):
            return node.any_element(lambda element: sa.and_(*(self._value(element, t) for t in test.tests)))
        value_test = self._value(node, test)
        if not node.may_be_array():
            return value_test
        self._spend()
        return sa.or_(value_test, node.any_element(lambda element: self._value(element, test)))

    def _value(self, node: Node, test: Test) -> Bool:
        """A test of the value at `node` itself, without looking into arrays."""
        self._spend(len(test.values) if isinstance(test, In) else 1)
        if isinstance(test, Eq):
            return node.equals(test.value)
        if isinstance(test, In):
            if not test.values:
                return sa.false()
            return sa.or_(*(node.equals(value) for value in test.values))
        if isinstance(test, Compare):
            return node.compare(test.op, test.value)
        if isinstance(test, Regex):
            return node.matches(test.pattern)
        if isinstance(test, Not):
            return _negate(sa.and_(*(self._value(node, t) for t in test.tests)))
        return self._at(node, test)


def _negate(clause: Bool) -> Bool:
    # SQL NULL (a missing value) must count as "no match", so NOT turns it into a match.
    return sa.not_(sa.func.coalesce(clause, sa.false()))


def _column_test(column: ColumnElement[Any], test: Test) -> Bool:
    """Tests on values kept in their own indexed, string-valued column. A nullable column is NULL
    where the document has no value there; the documents of its kind hold only strings there."""
    optional = isinstance(column, sa.Column) and bool(column.nullable)
    if isinstance(test, Eq):
        if test.value is None:
            return column.is_(None) if optional else sa.false()  # null matches a missing field
        return column == test.value if isinstance(test.value, str) else sa.false()
    if isinstance(test, In):
        strings = [value for value in test.values if isinstance(value, str)]
        found = column.in_(strings) if strings else sa.false()
        return sa.or_(found, column.is_(None)) if optional and None in test.values else found
    if isinstance(test, Compare):
        if not isinstance(test.value, str):
            return sa.false()
        return getattr(column, _OPS[test.op])(test.value)  # type: ignore[no-any-return]
    if isinstance(test, Exists):
        if optional:
            return column.is_not(None) if test.present else column.is_(None)
        return sa.true() if test.present else sa.false()
    if isinstance(test, Regex):
        return column.regexp_match(test.pattern)
    if isinstance(test, Not):
        return _negate(sa.and_(*(_column_test(column, t) for t in test.tests)))
    if isinstance(test, All):
        return sa.and_(*(_column_test(column, Eq(v)) for v in test.values)) if test.values else sa.false()
    if isinstance(test, ElemMatchValue):
        return sa.and_(*(_column_test(column, t) for t in test.tests))
    return sa.false()  # $size and document $elemMatch need arrays; these columns hold strings


class Node:
    """A place in a JSON document that SQL can test."""

    is_root: bool
    schema_path: Path
    path_types: PathTypes

    def declared(self) -> frozenset[str] | None:
        return None if self.is_root else self.path_types(self.schema_path)

    def may_be_array(self) -> bool:
        declared = self.declared()
        return declared is None or "array" in declared

    def only(self, *kinds: str) -> bool:
        """The schema promises the value, if present, is of these JSON types only."""
        declared = self.declared()
        return declared is not None and declared <= set(kinds) | {"null"}

    def child(self, key: str) -> Node:
        raise NotImplementedError

    def any_element(self, test: Callable[[Node], Bool]) -> Bool:
        raise NotImplementedError

    def equals(self, value: Any) -> Bool:
        raise NotImplementedError

    def compare(self, op: str, value: Any) -> Bool:
        raise NotImplementedError

    def matches(self, pattern: str) -> Bool:
        raise NotImplementedError

    def exists(self) -> Bool:
        raise NotImplementedError

    def size_is(self, length: int) -> Bool:
        raise NotImplementedError

    def sort_value(self) -> ColumnElement[Any]:
        raise NotImplementedError


class SqliteNode(Node):
    """A JSON path into the document column: SQLite's json_extract, json_type and json_each."""

    def __init__(
        self, document: ColumnElement[Any], path: str | ColumnElement[str], schema_path: Path, path_types: PathTypes
    ) -> None:
        self.document = document
        self.path = path
        self.schema_path = schema_path
        self.path_types = path_types
        self.is_root = schema_path == () and isinstance(path, str)

    def _path_param(self) -> ColumnElement[str]:
        return sa.literal(self.path) if isinstance(self.path, str) else self.path

    def _extract(self) -> ColumnElement[Any]:
        return sa.func.json_extract(self.document, self._path_param())

    def _type(self) -> ColumnElement[str]:
        return sa.func.json_type(self.document, self._path_param())

    def child(self, key: str) -> Node:
        step = f"[{int(key)}]" if key.isdigit() else f'."{key}"'
        path = self.path + step if isinstance(self.path, str) else self.path + sa.literal(step)
        return SqliteNode(self.document, path, (*self.schema_path, key), self.path_types)

    def any_element(self, test: Callable[[Node], Bool]) -> Bool:
        elements = sa.func.json_each(self.document, self._path_param()).table_valued("fullkey").alias()
        element = SqliteNode(self.document, elements.c.fullkey, self.schema_path, self.path_types)
        element.is_root = False
        # json_each also walks objects; only an array's elements count.
        condition = sa.and_(self._type() == "array", test(element))
        return sa.exists(sa.select(1).select_from(elements).where(condition).correlate_except(elements))

    def equals(self, value: Any) -> Bool:
        if value is None:
            return self._extract().is_(None)
        if isinstance(value, bool):
            return self._type() == ("true" if value else "false")
        if isinstance(value, int | float):
            found = self._extract() == value
            return found if self.only("number", "integer") else sa.and_(self._type().in_(("integer", "real")), found)
        if isinstance(value, str):
            found = self._extract() == value
            return found if self.only("string") else sa.and_(self._type() == "text", found)
        kind = "array" if isinstance(value, list) else "object"
        return sa.and_(self._type() == kind, self._extract() == sa.func.json(json.dumps(value)))

    def compare(self, op: str, value: Any) -> Bool:
        found = getattr(self._extract(), _OPS[op])(value)
        if isinstance(value, str):
            return found if self.only("string") else sa.and_(self._type() == "text", found)
        if self.only("number", "integer"):
            return found  # type: ignore[no-any-return]
        return sa.and_(self._type().in_(("integer", "real")), found)

    def matches(self, pattern: str) -> Bool:
        found = self._extract().regexp_match(pattern)
        return found if self.only("string") else sa.and_(self._type() == "text", found)

    def exists(self) -> Bool:
        return self._type().is_not(None)

    def size_is(self, length: int) -> Bool:
        return sa.and_(self._type() == "array", sa.func.json_array_length(self.document, self._path_param()) == length)

    def sort_value(self) -> ColumnElement[Any]:
        return self._extract()


class PgNode(Node):
    """A jsonb value: PostgreSQL's ->, jsonb_typeof and jsonb_array_elements."""

    def __init__(
        self, value: ColumnElement[Any], schema_path: Path, path_types: PathTypes, is_root: bool = True
    ) -> None:
        self.value = value
        self.schema_path = schema_path
        self.path_types = path_types
        self.is_root = is_root and schema_path == ()

    def _type(self) -> ColumnElement[str]:
        return sa.func.jsonb_typeof(self.value)

    def _text(self) -> ColumnElement[str]:
        return self.value.op("#>>", return_type=sa.Text)(sa.literal_column("'{}'"))

    def child(self, key: str) -> Node:
        step: Any = int(key) if key.isdigit() else key
        return PgNode(
            self.value.op("->", return_type=JSONB)(sa.literal(step)),
            (*self.schema_path, key),
            self.path_types,
            is_root=False,
        )

    def any_element(self, test: Callable[[Node], Bool]) -> Bool:
        # jsonb_array_elements raises on anything but an array, so feed it an empty one instead.
        array = sa.case((self._type() == "array", self.value), else_=sa.cast(sa.literal("[]"), JSONB))
        elements = sa.func.jsonb_array_elements(array).table_valued(sa.column("value", JSONB)).alias()
        element = PgNode(elements.c.value, self.schema_path, self.path_types, is_root=False)
        return sa.exists(sa.select(1).select_from(elements).where(test(element)).correlate_except(elements))

    def _json(self, value: Any) -> ColumnElement[Any]:
        return sa.cast(sa.literal(json.dumps(value)), JSONB)

    def equals(self, value: Any) -> Bool:
        if value is None:
            return sa.or_(self.value.is_(None), self._type() == "null")
        return self.value == self._json(value)

    def compare(self, op: str, value: Any) -> Bool:
        kind = "string" if isinstance(value, str) else "number"
        return sa.and_(self._type() == kind, getattr(self.value, _OPS[op])(self._json(value)))

    def matches(self, pattern: str) -> Bool:
        return sa.and_(self._type() == "string", self._text().regexp_match(pattern))

    def exists(self) -> Bool:
        return self.value.is_not(None)

    def size_is(self, length: int) -> Bool:
        size = sa.case((self._type() == "array", sa.func.jsonb_array_length(self.value)), else_=None)
        return size == length

    def sort_value(self) -> ColumnElement[Any]:
        return self.value
