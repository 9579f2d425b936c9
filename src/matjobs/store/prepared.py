"""Statements compiled once and run straight on the driver's cursor, for the hottest reads.

SQLAlchemy's per-call work (building the statement, its cache key, the execution context)
costs several times what SQLite needs to answer a primary-key or index read. A prepared
statement is compiled once per store and key; its values remain bound parameters. The
parameters given at run time are marked in the statement with `parameter(name)`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

MAX_PREPARED = 1024
Guard = Callable[[Any], contextlib.AbstractContextManager[None]]


def parameter(name: str) -> sa.BindParameter[Any]:
    """A value given each time a prepared statement runs (not compiled into it)."""
    return sa.bindparam(name, required=False)


class Prepared:
    def __init__(self, statement: sa.Select[Any], dialect: sa.Dialect) -> None:
        # IN lists are expanded now: their values are part of what the statement is keyed on.
        compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        self.sql = compiled.string
        self.order = compiled.positiontup  # None where the driver takes named parameters
        self.bound = dict(compiled.params)  # the literal values compiled into the statement

    def parameters(self, values: dict[str, Any]) -> Sequence[Any] | dict[str, Any]:
        merged = {**self.bound, **values}
        return merged if self.order is None else [merged[name] for name in self.order]


class PreparedReads:
    """A bounded cache of prepared statements of one engine, and the means to run them.

    On SQLite each thread keeps one connection of its own for these reads: they run in
    autocommit, so it holds nothing open between them, and the pool's checkout and reset
    cost more than the read. Other databases take a pooled connection for each read.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._cache: dict[Hashable, Prepared] = {}
        self._own_connections = engine.dialect.name == "sqlite"
        self._local = threading.local()
        self._held: list[Any] = []

    def prepare(self, key: Hashable, build: Callable[[], sa.Select[Any]]) -> Prepared:
        prepared = self._cache.get(key)
        if prepared is None:
            if len(self._cache) >= MAX_PREPARED:
                self._cache.clear()  # crude, but bounded; hot keys come straight back
            prepared = self._cache[key] = Prepared(build(), self.engine.dialect)
        return prepared

    def rows(
        self, prepared: Prepared, values: dict[str, Any], *, limit: int | None = None, guard: Guard | None = None
    ) -> list[tuple[Any, ...]]:
        """`guard`, given the DB-API connection, wraps the statement's run (a time budget)."""
        if self._own_connections:
            return self._run(self._thread_connection(), prepared, values, limit, guard)
        connection = self.engine.raw_connection()
        try:
            return self._run(connection, prepared, values, limit, guard)
        finally:
            connection.close()

    def _thread_connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            pooled = self.engine.raw_connection()
            pooled.detach()  # ours for the thread's life; the pool neither counts nor resets it
            connection = self._local.connection = pooled
            self._held.append(pooled)
        return connection

    def _run(
        self, connection: Any, prepared: Prepared, values: dict[str, Any], limit: int | None, guard: Guard | None
    ) -> list[tuple[Any, ...]]:
        parameters = prepared.parameters(values)
        cursor = connection.cursor()
        try:
            with guard(connection) if guard is not None else contextlib.nullcontext():
                cursor.execute(prepared.sql, parameters)
                found = cursor.fetchmany(limit) if limit is not None else cursor.fetchall()
        except self.engine.dialect.loaded_dbapi.DataError as error:
            # Callers handle SQLAlchemy's exception family, whichever path ran the statement.
            raise sa.exc.DataError(prepared.sql, parameters, error) from None
        finally:
            cursor.close()
        return [tuple(row) for row in found]

    def close(self) -> None:
        for connection in self._held:
            connection.close()
        self._held.clear()
