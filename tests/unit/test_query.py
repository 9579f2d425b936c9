"""The query language without a database: parsing into the tree, and the SQL it compiles to."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from matjobs.errors import InvalidQuery
from matjobs.query.ast import And, Compare, Eq, Field, In, Not, Or, Regex
from matjobs.query.compile import compile_selector
from matjobs.query.parse import parse, parse_json
from matjobs.store import Store


def test_literals_mean_equality_and_operators_split_per_path() -> None:
    assert parse({"status": "finished"}) == Field(("status",), Eq("finished"))
    assert parse({"compute.ppn": {"$gt": 1, "$lte": 4}}) == And(
        (Field(("compute", "ppn"), Compare("gt", 1)), Field(("compute", "ppn"), Compare("lte", 4)))
    )
    assert parse({"$or": [{"a": 1}, {"b": {"$nin": [2]}}]}) == Or(
        (Field(("a",), Eq(1)), Field(("b",), Not((In((2,)),))))
    )
    assert parse({"name": {"$regex": "^si", "$options": "i"}}) == Field(("name",), Regex("(?i)^si"))


@pytest.mark.parametrize("text", ['{"$where": "1"}', '{"a": {"$expr": 1}}', "nope", '{"a": {"$size": 1.5}}'])
def test_refusals_are_invalid_query_errors(text: str) -> None:
    with pytest.raises(InvalidQuery):
        parse_json(text)


def compiled(selector: dict, dialect) -> tuple[str, dict]:
    target = Store.job_target_for(dialect.name)
    clause = compile_selector(parse(selector), target)
    compiled_sql = clause.compile(dialect=dialect)
    return str(compiled_sql), compiled_sql.params


def test_a_path_the_schema_declares_a_string_compiles_to_one_extraction() -> None:
    sql, params = compiled({"compute.cluster.fqdn": "alpha"}, sqlite.dialect())
    assert sql.count("json_extract") == 1 and "json_each" not in sql and "json_type" not in sql
    assert "alpha" in params.values() and "alpha" not in sql


def test_an_unknown_path_also_searches_arrays_and_checks_types() -> None:
    sql, _ = compiled({"metadata.tags": "x"}, sqlite.dialect())
    assert "json_each" in sql and "json_type" in sql


def test_indexed_fields_use_their_columns() -> None:
    sql, params = compiled({"status": "finished", "owner._id": "A"}, postgresql.dialect())
    assert "jobs.status =" in sql and "jobs.account_id =" in sql and "finished" in params.values()


def test_postgresql_binds_values_as_jsonb() -> None:
    sql, params = compiled({"metadata.energy": {"$lt": 0}}, postgresql.dialect())
    assert "jsonb_typeof" in sql and "CAST(" in sql and "0" in params.values()


def test_values_never_appear_in_the_sql_text() -> None:
    hostile = "x' OR 1=1 --"
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        sql, params = compiled({"metadata.a": hostile, "name": {"$in": [hostile]}}, dialect)
        assert hostile not in sql
        assert isinstance(sa.text(sql), sa.TextClause)
