"""Engines and transactions, with each database's differences kept here.

SQLite: WAL, foreign keys, a busy timeout, and BEGIN IMMEDIATE for transactions that write,
so two writers queue instead of failing at commit. PostgreSQL: row locks with FOR UPDATE.
A client's list query runs under a time budget: SQLite's progress handler, PostgreSQL's
statement_timeout; the runner's own statements run without one.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.url import make_url

from matjobs.documents.schema import path_types
from matjobs.errors import QueryOverBudget
from matjobs.json_text import dumps
from matjobs.query.ast import Path as DocPath
from matjobs.query.compile import Target
from matjobs.query.regex import matches
from matjobs.store.prepared import PreparedReads
from matjobs.store.tables import jobs
from matjobs.store.writers import WriterTurns

_WRITE = "matjobs_write"
# As many connections as the thread pool has threads: overflow connections are closed on
# return, and reopening one per request (file, WAL, pragmas) costs more than the query.
# PostgreSQL gets half that per worker process, to stay under its default max_connections.
POOL_SIZE = 40
# SQLite calls the budget's clock every this many virtual-machine steps: well under a
# millisecond of work, and few enough calls that they cost nothing measurable.
PROGRESS_STEPS = 10_000


def over_budget(budget_ms: int) -> QueryOverBudget:
    return QueryOverBudget(
        f"query ran past its time budget of {budget_ms} ms; narrow it: select on status, name, _id or "
        "createdAt, anchor a $regex at the start (^...), or ask for a smaller page"
    )


@contextmanager
def _sqlite_budget(connection: Any, budget_ms: int) -> Iterator[None]:
    driver = getattr(connection, "dbapi_connection", connection)  # under the pool's proxy
    deadline = time.monotonic() + budget_ms / 1000
    stopped = False

    def past_deadline() -> bool:
        nonlocal stopped
        stopped = time.monotonic() > deadline
        return stopped

    driver.set_progress_handler(past_deadline, PROGRESS_STEPS)
    try:
        yield
    except sqlite3.OperationalError:
        if stopped:  # "interrupted": our handler's doing, not a fault
            raise over_budget(budget_ms) from None
        raise
    finally:
        driver.set_progress_handler(None, 0)


@contextmanager
def _postgres_budget(connection: Any, budget_ms: int) -> Iterator[None]:
    # SET LOCAL lasts until the read's transaction ends (the pool rolls it back on return), so
    # the runner's statements on this connection later run without it. PostgreSQL's own regex
    # engine can backtrack on some patterns RE2 accepts; this timeout is what bounds them.
    cursor = connection.cursor()
    try:
        cursor.execute(f"SET LOCAL statement_timeout = {int(budget_ms)}")
    finally:
        cursor.close()
    try:
        yield
    except psycopg.errors.QueryCanceled:
        raise over_budget(budget_ms) from None


def create_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(
            url, json_serializer=dumps, pool_pre_ping=True, pool_size=POOL_SIZE // 2, max_overflow=POOL_SIZE // 2
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url,
        json_serializer=dumps,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=POOL_SIZE,
        max_overflow=10,
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        # RE2: a client's pattern cannot backtrack inside this callback, which holds the GIL.
        dbapi_connection.create_function("regexp", 2, matches, deterministic=True)
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "foreign_keys=ON",
            "busy_timeout=30000",
            # Per connection; the OS page cache holds the rest of the file without counting as our memory.
            "cache_size=-8192",
            "temp_store=MEMORY",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def database_now(dialect: str) -> sa.ColumnElement[float]:
    """Now, in seconds since the epoch, on the database server's clock: what leases are
    measured on, so that runners on machines whose clocks disagree still agree."""
    if dialect == "postgresql":
        # clock_timestamp(), not now(): a long transaction must not see time stand still.
        return sa.cast(sa.extract("epoch", sa.func.clock_timestamp()), sa.Double)
    return sa.cast((sa.func.julianday("now") - 2440587.5) * 86400.0, sa.Double)


def _job_path_types(path: DocPath) -> frozenset[str] | None:
    return path_types("job", path)


StatementFactory = Callable[["Store"], sa.Select[Any]]


class Store:
    """One database: an engine, transactions for reading and for writing, and prepared reads."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self.dialect = self.engine.dialect.name
        self.job_target = self.job_target_for(self.dialect)
        self.prepared = PreparedReads(self.engine)
        self._writer: WriterTurns | contextlib.nullcontext[None] = contextlib.nullcontext()
        if self.dialect == "sqlite":
            database = self.engine.url.database
            self._writer = WriterTurns(Path(database) if database and database != ":memory:" else None)
        # SQLite answers an index read from its page cache in microseconds, less than a hop to
        # the thread pool costs; PostgreSQL waits on a socket, so its reads go to the pool.
        self.cheap_reads_inline = self.dialect == "sqlite"

    def first(self, factory: StatementFactory, **values: Any) -> tuple[Any, ...] | None:
        """The first row of a prepared read (built by `factory` once per store)."""
        found = self.prepared.rows(self.prepared.prepare(factory, lambda: factory(self)), values, limit=1)
        return found[0] if found else None

    def all_rows(self, factory: StatementFactory, **values: Any) -> list[tuple[Any, ...]]:
        """Every row of a prepared read (built by `factory` once per store)."""
        return self.prepared.rows(self.prepared.prepare(factory, lambda: factory(self)), values)

    def query_budget(self, budget_ms: int) -> Callable[[Any], contextlib.AbstractContextManager[None]]:
        """What runs a read of a client's query within `budget_ms` on a DB-API connection."""
        limit = _postgres_budget if self.dialect == "postgresql" else _sqlite_budget
        return lambda connection: limit(connection, budget_ms)

    @staticmethod
    def job_target_for(dialect: str) -> Target:
        """What job selectors compile against: the document and the fields copied into columns."""
        return Target(
            dialect=dialect,
            document=jobs.c.doc,
            columns={
                ("_id",): jobs.c.id,
                ("owner", "_id"): jobs.c.account_id,
                ("_project", "_id"): jobs.c.project_id,
                ("status",): jobs.c.status,
                ("name",): jobs.c.name,
                ("createdAt",): jobs.c.created_at,
                ("updatedAt",): jobs.c.updated_at,
            },
            path_types=_job_path_types,
        )

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        with self._writer, self.engine.connect() as connection:
            connection.execution_options(**{_WRITE: True})
            with connection.begin():
                yield connection

    def document_text(self, column: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
        """A JSON document column read back as its text, to be sent on without parsing."""
        if self.dialect == "postgresql":
            return sa.cast(column, sa.Text)
        return sa.type_coerce(column, sa.Text)

    def dispose(self) -> None:
        if isinstance(self._writer, WriterTurns):
            self._writer.close()
        self.prepared.close()
        self.engine.dispose()


__all__ = ["Store", "create_engine", "database_now"]
