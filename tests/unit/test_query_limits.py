"""The pure limits on what a list call's parameters may hold: nesting, size, text, and RE2."""

from __future__ import annotations

import json

import pytest

from matjobs.errors import InvalidQuery
from matjobs.query.compile import MAX_COMPILED, compile_selector
from matjobs.query.parameter import MAX_NESTING, load_parameter
from matjobs.query.parse import MAX_CLAUSES, MAX_CONDITIONS, parse_json
from matjobs.query.regex import matches
from matjobs.store import Store


def test_nesting_is_counted_outside_strings_only() -> None:
    inside = "[" * 10_000
    assert load_parameter("query", json.dumps({"name": inside})) == {"name": inside}
    at_limit = "[" * MAX_NESTING + "]" * MAX_NESTING
    assert load_parameter("query", at_limit) is not None
    with pytest.raises(InvalidQuery, match=f"^projection is nested deeper than {MAX_NESTING} levels"):
        load_parameter("projection", "[" + at_limit + "]")


def test_a_lone_surrogate_names_the_parameter_and_path() -> None:
    with pytest.raises(InvalidQuery, match=r"^advancedSearches at 0\.tags\.1: a lone surrogate"):
        load_parameter("advancedSearches", '[{"tags": ["ok", "\\ud800"]}]')
    paired = load_parameter("query", '{"name": "\\ud83d\\ude00"}')  # an escaped pair is one character
    assert paired == {"name": "\U0001f600"}


def test_an_operator_takes_at_most_max_clauses() -> None:
    clauses = [{"name": f"n{i}"} for i in range(MAX_CLAUSES)]
    assert parse_json(json.dumps({"$or": clauses}))
    with pytest.raises(InvalidQuery, match=rf"^\$nor takes at most {MAX_CLAUSES} clauses, got {MAX_CLAUSES + 1}"):
        parse_json(json.dumps({"$nor": [*clauses, {"name": "x"}]}))
    with pytest.raises(InvalidQuery, match=rf"^tags: \$in takes at most {MAX_CLAUSES} values"):
        parse_json(json.dumps({"tags": {"$in": list(range(MAX_CLAUSES + 1))}}))


def test_conditions_are_counted_through_every_operator() -> None:
    half = MAX_CONDITIONS // 2
    nested = {"$or": [{"tags": {"$all": list(range(half))}}, {"a": {"$not": {"$in": list(range(half + 1))}}}]}
    with pytest.raises(InvalidQuery, match=f"holds {MAX_CONDITIONS + 1} conditions"):
        parse_json(json.dumps(nested))


@pytest.mark.parametrize("pattern", ["(a)\\1", "(?=a)", "(?<=a)b", "a\\Z", "a{1001}"])
def test_patterns_re2_cannot_run_are_refused_at_parse(pattern: str) -> None:
    with pytest.raises(InvalidQuery, match=r"^name: \$regex is not a regular expression RE2 accepts"):
        parse_json(json.dumps({"name": {"$regex": pattern}}))


def test_the_sqlite_function_never_raises() -> None:
    assert matches("(?i)^SI", "silicon") is True
    assert matches("(a+)+$", "a" * 30 + "!") is False
    assert matches("a", 3) is None  # not text: no match
    assert matches("(", "a") is None  # refused at parse; inside SQLite it only fails to match
    assert matches("a", "\ud800a") is None


def test_a_path_that_may_cross_many_arrays_is_refused_before_it_grows() -> None:
    target = Store.job_target_for("sqlite")
    four = parse_json(json.dumps({"metadata.a.b.c": 1}))
    assert compile_selector(four, target) is not None
    thirty = parse_json(json.dumps({".".join(f"k{i}" for i in range(30)): 1}))  # 2**29 array searches
    with pytest.raises(InvalidQuery, match=f"^query expands to more than {MAX_COMPILED} tests"):
        compile_selector(thirty, target)
