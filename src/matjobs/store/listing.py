"""One page of an account's documents of one table, filtered and ordered in the database: the
part of listing that jobs, projects and the entities to come share."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DataError

from matjobs.errors import InvalidQuery
from matjobs.query.ast import Path, Selector
from matjobs.query.compile import Target, compile_selector, sort_key
from matjobs.query.paging import DEFAULT_BUDGET_MS, Page
from matjobs.store.engine import Store

DEFAULT_SORT: tuple[tuple[Path, int], ...] = ((("createdAt",), -1),)  # newest first


def list_statement(
    store: Store, table: sa.Table, target: Target, scope: sa.ColumnElement[bool], selector: Selector | None, page: Page
) -> sa.Select[Any]:
    statement = sa.select(store.document_text(target.document)).where(scope)
    if selector is not None:
        statement = statement.where(compile_selector(selector, target))
    sort = page.sort or DEFAULT_SORT
    order = [
        sort_key(path, target).desc() if direction < 0 else sort_key(path, target).asc() for path, direction in sort
    ]
    order.append(table.c.id.desc() if sort[-1][1] < 0 else table.c.id.asc())  # ties broken by id
    return statement.order_by(*order).limit(page.limit).offset(page.skip)


def listed_texts(
    store: Store,
    key: Hashable,
    build: Callable[[], sa.Select[Any]],
    values: dict[str, Any],
    budget_ms: int = DEFAULT_BUDGET_MS,
) -> list[str]:
    """Run a list statement prepared once per key (the selector's text and the page), within
    the page's time budget: a client's selector must not hold a connection and a thread for long."""
    prepared = store.prepared.prepare(key, build)
    try:
        rows = store.prepared.rows(prepared, values, guard=store.query_budget(budget_ms))
    except DataError as error:
        # Values the parser accepts but the database cannot evaluate, such as a regex dialect gap.
        raise InvalidQuery(f"query could not be evaluated: {error.orig}") from None
    return [str(row[0]) for row in rows]
