"""The flowchart interpreter, pure: loops, scopes, maxOccurrences, assertions, branches, order and
statuses, on small flowcharts and on the bank's own workflows with a fake executor."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from matjobs.flowchart.interpreter import Done, Execute, advance, deliver, fail, start, with_statuses
from matjobs.flowchart.state import FlowchartState
from matjobs.flowchart.templates import render_runtime

Executor = Callable[[Execute], dict[str, Any]]


def run(workflow: dict[str, Any], executor: Executor) -> tuple[FlowchartState, Done, list[Execute]]:
    """Drive the flowchart to its end with `executor` as the fake that runs execution units."""
    state, executed, now = start(), [], 0.0
    while True:
        now += 1
        state, step = advance(workflow, state, now)
        if isinstance(step, Done):
            return state, step, executed
        executed.append(step)
        state = deliver(workflow, state, executor(step), now)


def unit(flowchart_id: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {"flowchartId": flowchart_id, "type": kind, "name": flowchart_id.replace("-", " "), **fields}


def flowchart(*units: dict[str, Any]) -> dict[str, Any]:
    return subworkflows([list(units)])


def subworkflows(unit_lists: list[list[dict[str, Any]]], order: list[int] | None = None) -> dict[str, Any]:
    subs = [{"_id": f"sw{i}", "name": f"sub {i}", "units": units} for i, units in enumerate(unit_lists)]
    outer = [{"type": "subworkflow", "_id": f"sw{i}", "flowchartId": f"w{i}"} for i in order or range(len(subs))]
    return {"name": "test", "units": outer, "subworkflows": subs}


def energy(step: Execute) -> dict[str, Any]:
    return {"total_energy": -15.6}


COUNTER_LOOP = [
    unit("init", "assignment", operand="N", value=0, head=True, next="add"),
    unit("add", "assignment", operand="N", value="N + 1", next="check"),
    unit("check", "condition", statement="N >= LIMIT", then="end", **{"else": "add"}, maxOccurrences=5),
    unit("end", "assignment", operand="DONE", value=True),
]


@pytest.mark.parametrize(
    ("limit", "outcome", "message", "final_n"),
    [
        (3, "finished", "", 3),
        (5, "finished", "", 5),
        (6, "error", "unit 'check' (check): loop did not end within maxOccurrences=5", 6),
    ],
)
def test_loops_end_by_their_condition_or_at_max_occurrences(
    limit: int, outcome: str, message: str, final_n: int
) -> None:
    workflow = flowchart(
        unit("limit", "assignment", operand="LIMIT", value=limit, head=True, next="init"), *COUNTER_LOOP
    )
    workflow["subworkflows"][0]["units"][1]["head"] = False
    state, done, _ = run(workflow, energy)
    assert (done.outcome, done.message) == (outcome, message)
    assert state.global_scope["N"] == final_n


@pytest.mark.parametrize(
    ("statement", "chosen"),
    [("X > 1", "big"), ("X <= 1", "small"), ("X == 2 and Y == 'a'", "big")],
)
def test_a_condition_chooses_then_or_else(statement: str, chosen: str) -> None:
    workflow = flowchart(
        unit("x", "assignment", operand="X", value=2, head=True, next="y"),
        unit("y", "assignment", operand="Y", value="'a'", next="c"),
        unit("c", "condition", statement=statement, then="t", **{"else": "e"}, maxOccurrences=1),
        unit("t", "assignment", operand="CHOSEN", value="'big'"),
        unit("e", "assignment", operand="CHOSEN", value="'small'"),
    )
    state, done, _ = run(workflow, energy)
    assert done.outcome == "finished" and state.global_scope["CHOSEN"] == chosen


def test_an_execution_units_results_reach_a_later_assignment_through_input_with_scope() -> None:
    workflow = flowchart(
        unit("pw-scf", "execution", head=True, next="store"),
        unit(
            "store",
            "assignment",
            operand="E",
            value="total_energy * 2",
            input=[{"name": "total_energy", "scope": "pw-scf"}],
        ),
    )
    state, done, executed = run(workflow, energy)
    assert done.outcome == "finished"
    assert [step.flowchart_id for step in executed] == ["pw-scf"]
    assert state.unit_scopes == {"pw-scf": {"total_energy": -15.6}}
    assert state.global_scope["E"] == pytest.approx(-31.2)


def test_a_name_from_another_units_scope_is_not_global_without_input() -> None:
    workflow = flowchart(
        unit("pw-scf", "execution", head=True, next="store"),
        unit("store", "assignment", operand="E", value="total_energy"),
    )
    _, done, _ = run(workflow, energy)
    assert done.outcome == "error" and "'total_energy' is undefined" in done.message and "(store)" in done.message


@pytest.mark.parametrize(
    ("statement", "outcome", "message"),
    [
        ("E < 0", "finished", ""),
        ("E > 0", "error", "unit 'check' (check): energy -15.6 is not positive"),
    ],
)
def test_assertions(statement: str, outcome: str, message: str) -> None:
    workflow = flowchart(
        unit("e", "assignment", operand="E", value=-15.6, head=True, next="check"),
        unit("check", "assertion", statement=statement, errorMessage="energy {{ E }} is not positive"),
    )
    _, done, _ = run(workflow, energy)
    assert (done.outcome, done.message) == (outcome, message)


def test_subworkflows_run_in_the_order_of_the_workflows_units() -> None:
    workflow = subworkflows(
        [[unit("a", "execution", head=True)], [unit("b", "execution", head=True)], [unit("c", "execution", head=True)]],
        order=[2, 0, 1],
    )
    _, done, executed = run(workflow, energy)
    assert done.outcome == "finished" and [step.flowchart_id for step in executed] == ["c", "a", "b"]


@pytest.mark.parametrize(
    ("io_input", "message"),
    [
        ([{"type": "api", "endpoint": "materials", "name": "DATA"}], "reads the platform's API (materials)"),
        ([{"type": "object_storage", "basename": "data.csv", "objectData": {}}], "reads object_storage ('data.csv')"),
    ],
)
def test_an_io_unit_naming_an_outside_service_ends_in_error_saying_so(
    io_input: list[dict[str, Any]], message: str
) -> None:
    _, done, _ = run(flowchart(unit("io-data", "io", head=True, input=io_input)), energy)
    assert done.outcome == "error" and message in done.message and "cannot fetch" in done.message


def test_statuses_move_idle_active_finished_and_error_in_the_workflow_copy() -> None:
    workflow = flowchart(
        unit("pw-scf", "execution", head=True, next="check", status="idle", statusTrack=[]),
        unit("check", "assertion", statement="False", errorMessage="stop", next="never", status="idle", statusTrack=[]),
        unit("never", "assignment", operand="X", value=1, status="idle", statusTrack=[]),
    )
    state, step = advance(workflow, start(), 1.0)
    assert isinstance(step, Execute)
    running = with_statuses(workflow, state)
    assert [u["status"] for u in running["subworkflows"][0]["units"]] == ["active", "idle", "idle"]
    assert running["units"][0]["status"] == "active"
    state = deliver(workflow, state, {"total_energy": 1.0}, 2.0)
    state, step = advance(workflow, state, 3.0)
    ended = with_statuses(workflow, state)
    assert [u["status"] for u in ended["subworkflows"][0]["units"]] == ["finished", "error", "idle"]
    assert ended["units"][0]["status"] == "error"
    assert [(t["trackedAt"], t["status"]) for t in ended["subworkflows"][0]["units"][0]["statusTrack"]] == [
        (1.0, "active"),
        (2.0, "finished"),
    ]
    assert workflow["subworkflows"][0]["units"][0]["status"] == "idle"  # the input is not changed


def test_a_state_saved_mid_flowchart_resumes_the_pending_unit_and_keeps_statuses() -> None:
    workflow = flowchart(unit("one", "execution", head=True, next="two"), unit("two", "execution"))
    state, _ = advance(workflow, start(), 1.0)
    state = deliver(workflow, state, {"x": 1}, 2.0)
    state, step = advance(workflow, state, 3.0)
    saved = json.loads(json.dumps(state.to_dict()))
    restored = FlowchartState.from_dict(saved)
    assert restored == state
    again, step_again = advance(workflow, restored, 4.0)
    assert isinstance(step_again, Execute) and step_again.flowchart_id == "two" == getattr(step, "flowchart_id", None)
    stopped = fail(workflow, again, "terminated by its owner", 5.0)
    statuses = [u["status"] for u in with_statuses(workflow, stopped)["subworkflows"][0]["units"]]
    assert statuses == ["finished", "error"] and stopped.message == "terminated by its owner"


def test_render_runtime_renders_the_raw_parts_with_the_scope() -> None:
    assert render_runtime("K_POINTS automatic\n{{PARAMETER | default('1')}} 1 1 0 0 0\n", {"PARAMETER": 3}) == (
        "K_POINTS automatic\n3 1 1 0 0 0\n"
    )
    assert render_runtime("{{PARAMETER | default('1')}}", {}) == "1"
    with pytest.raises(Exception, match="'MISSING' is undefined"):
        render_runtime("{{ MISSING }}", {})
    with pytest.raises(Exception, match="unsafe|not safely callable|attribute"):
        render_runtime("{{ ''.__class__.__mro__[1].__subclasses__() }}", {})
