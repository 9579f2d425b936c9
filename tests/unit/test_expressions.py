"""The flowchart's expressions: what the bank writes evaluates; anything hostile is refused with a reason."""

import pytest

from matjobs.errors import ExpressionError
from matjobs.flowchart.expressions import evaluate

SCOPE = {
    "PREV_RESULT": -15.0,
    "RESULT": -15.6,
    "TOL": 1e-5,
    "DATA": [{"_id": "a"}],
    "band_energies": [-3.0, -1.0, 0.5, 2.0],
    "fermi_energy": 0.0,
    "STDOUT": '{"minima": [1, 2]}',
    "band_gaps": {"values": [{"type": "direct", "value": 1.2}, {"type": "indirect", "value": 0.6}]},
}


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("abs((PREV_RESULT-RESULT)/RESULT) < TOL", False),
        ("PREV_RESULT + 1", -14.0),
        ("DATA[0] if DATA else None", {"_id": "a"}),
        ("[i for i in range(len(band_energies)) if band_energies[i] <= fermi_energy]", [0, 1]),
        ("json.loads(STDOUT)['minima']", [1, 2]),
        ("[g for g in band_gaps['values'] if g['type'] == 'indirect'][0]['value']", 0.6),
        ("abs(-2) + np.abs(-1) * np.sign(-3)", 1),
        ("min(1, 2) + max([3, 4]) + round(2.567, 1) + len('ab')", pytest.approx(1 + 4 + 2.6 + 2)),
        ("sorted(list(set([3, 1, 3])))", [1, 3]),
        ("'qe:dft:gga:pbe'", "qe:dft:gga:pbe"),
    ],
)
def test_the_banks_expressions_evaluate(expression: str, value: object) -> None:
    assert evaluate(expression, SCOPE) == value


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("'a'*10**9", "repeating a sequence"),
        ("9**9**9", "too large a number"),
        ("(2**4000000)*(2**4000000)", "too large a number"),
        ("().__class__", "attribute access (.__class__)"),
        ("[].__class__.__bases__[0].__subclasses__()", "attribute access"),
        ("DATA.pop", "attribute access (.pop)"),
        ("json.dumps(1)", "attribute access (.dumps)"),
        ("__import__('os')", "calling __import__()"),
        ("open('/etc/passwd')", "calling open()"),
        ("type(1)", "calling type()"),
        ("dict(a=1)", "calling dict()"),
        ("import os", "not a single expression"),
        ("x = 1", "not a single expression"),
        ("1; 2", "not a single expression"),
        ("lambda: 1", "Lambda"),
        ("(lambda: 1)()", "only named functions"),
        ("[x for x in range(10**9)]", "range of 1000000000"),
        ("[x*y for x in range(9999) for y in range(9999)]", "too many elements"),
        ("sum([[1]*100000]*100000)", "sum() adds numbers only"),
        ("len(sum([[1]*100000]*100000, []))", "TypeError"),
        ("'%0999999999d' % 1", "formatting with %"),
        ("f'{1:999999999}'", "JoinedStr"),
        ("(x := 1)", "NamedExpr"),
        ("-" * 50 + "1" + "+1" * 2000, "characters"),
        ("[" * 70 + "]" * 70, "nested deeper"),
        ("-(" * 80 + "1" + ")" * 80, "nested deeper"),
        ("UNKNOWN + 1", "'UNKNOWN' is undefined"),
        ("1/0", "ZeroDivisionError"),
        ("DATA[5]", "IndexError"),
        ("max", "a function, not a value"),
    ],
)
def test_hostile_or_broken_expressions_are_refused_with_the_reason(expression: str, reason: str) -> None:
    with pytest.raises(ExpressionError) as refused:
        evaluate(expression, SCOPE)
    assert reason in refused.value.message
    assert "Traceback" not in refused.value.message


def test_nested_references_do_not_cost_their_expanded_size() -> None:
    # 10**5 references to one list of 10**5: simpleeval's own check would walk 10**10 items
    assert evaluate("len([[1]*100000]*100000)", {}) == 100000


@pytest.mark.parametrize(
    "expression",
    [
        "[[1] * 9999 for a in range(9999)]",  # each step within limits; 10**8 items in all
        "[range(9999) for a in range(9999)]",
        "[x for x in range(10000) if x in list(range(10000))]",
    ],
)
def test_what_one_expression_builds_in_all_is_bounded(expression: str) -> None:
    with pytest.raises(ExpressionError, match="builds more than 1000000 items in all"):
        evaluate(expression, {})


def test_an_expression_that_runs_too_long_is_stopped() -> None:
    """Nothing built here, but 10**4 searches of a 10**5-long list from the scope: 5 * 10**8 steps."""
    with pytest.raises(ExpressionError, match="ran longer than 1 s"):
        evaluate("[x for x in range(10000) if -x - 1 in values]", {"values": list(range(100_000))})
