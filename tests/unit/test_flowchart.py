"""The flowchart interpreter, pure: loops, scopes, maxOccurrences, assertions, branches, order and
statuses, on small flowcharts and on the bank's own workflows with a fake executor."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from matjobs.flowchart.interpreter import Done, Execute, advance, deliver, fail, start, with_statuses
from matjobs.flowchart.state import FlowchartState, scope_track
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


def bank_workflow(file_name: str) -> dict[str, Any]:
    from mat3ra.standata.workflows import WorkflowStandata

    return copy.deepcopy(dict(WorkflowStandata.data.filesMapByName.dictionary)[file_name])


def converging_energy(step: Execute) -> dict[str, Any]:
    """A fake pw.x whose energy converges as the k-grid grows (PARAMETER)."""
    return {"total_energy": -15.8 + 1.0 / step.scope["PARAMETER"] ** 8}


def test_k_point_convergence_as_written_ends_at_max_occurrences_naming_its_loop() -> None:
    state, done, executed = run(bank_workflow("espresso/kpoint_convergence.json"), converging_energy)
    assert done.outcome == "error"
    assert done.message == "unit 'check convergence' (check-convergence): loop did not end within maxOccurrences=50"
    assert len(executed) == 51 and {step.scope["PARAMETER"] for step in executed} == {1}  # PARAMETER never grows


def test_k_point_convergence_with_its_increment_unit_corrected_converges_and_finishes() -> None:
    workflow = bank_workflow("espresso/kpoint_convergence.json")
    (increment,) = [u for u in workflow["subworkflows"][0]["units"] if u["flowchartId"] == "increment-parameter"]
    increment["operand"] = "PARAMETER"
    state, done, executed = run(workflow, converging_energy)
    assert done.outcome == "finished"
    assert [step.scope["PARAMETER"] for step in executed] == [1, 2, 3, 4]
    assert state.global_scope["PARAMETER"] == 4
    content = executed[-1].unit["input"][0]["template"]["content"]
    k_points = content.split("K_POINTS automatic\n{% raw %}")[1].split("{% endraw %}")[0]
    assert k_points == "{{PARAMETER | default('1')}} {{PARAMETER | default('1')}} {{PARAMETER | default('1')}} 0 0 0"
    assert render_runtime(k_points, executed[-1].scope) == "4 4 4 0 0 0"


def test_equation_of_state_runs_its_nine_volumes() -> None:
    state, done, executed = run(bank_workflow("espresso/equation_of_state.json"), energy)
    assert done.outcome == "finished"
    assert [round(step.scope["VOLUME_SCALE"], 2) for step in executed] == [
        0.88,
        0.91,
        0.94,
        0.97,
        1.0,
        1.03,
        1.06,
        1.09,
        1.12,
    ]
    assert state.global_scope["VOLUME_INDEX"] == 9


def test_band_structure_and_dos_runs_its_execution_units_in_order_and_finishes() -> None:
    workflow = bank_workflow("espresso/band_structure_dos.json")
    state, done, executed = run(workflow, energy)
    expected = [u["flowchartId"] for u in workflow["subworkflows"][0]["units"]]
    assert done.outcome == "finished" and [step.flowchart_id for step in executed] == expected
    assert {u["status"] for u in with_statuses(workflow, state)["subworkflows"][0]["units"]} == {"finished"}


def test_a_bank_workflow_with_assertions_stops_at_its_io_unit_saying_the_service() -> None:
    # Every assertion of the bank sits behind an io unit that reads the platform's API.
    _, done, executed = run(bank_workflow("espresso/formation_energy.json"), energy)
    assert done.outcome == "error" and "reads the platform's API (materials)" in done.message and executed == []


def test_the_scope_track_shows_the_global_scope_and_units_small_results_only() -> None:
    state = FlowchartState(
        global_scope={"PARAMETER": 4, "BIG": list(range(2000))},
        unit_scopes={"pw": {"total_energy": -15.8, "band_structure": {"xDataArray": [[0.0, 0.0, 0.0]] * 500}}},
    )
    assert scope_track(state) == [
        {"repetition": 0, "scope": {"global": {"PARAMETER": 4}, "local": {"pw": {"total_energy": -15.8}}}}
    ]
