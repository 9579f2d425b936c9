"""A pure, step-wise interpreter of a platform workflow (the job's copy): it runs assignment,
condition, assertion and io units itself, and hands each execution unit to its caller as an
`Execute` step, taking the unit's results back with `deliver`. No processes, no I/O, no clock."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from matjobs.errors import FlowchartError
from matjobs.flowchart.expressions import evaluate
from matjobs.flowchart.state import ERROR, FINISHED, RUNNING, FlowchartState, unit_key
from matjobs.flowchart.templates import render_runtime

WORKFLOW = "workflow"  # the subworkflow id under which the workflow's own units are keyed
ACTIVE, DONE, FAILED = "active", "finished", "error"
# Units run in one advance() without reaching an execution unit: only a cycle with no condition
# on it (maxOccurrences bounds every loop through a condition) can use them up.
MAX_UNITS_PER_ADVANCE = 100_000


@dataclass(frozen=True)
class Execute:
    """Run this execution unit; render its `{% raw %}` parts with `scope`; then call `deliver`."""

    subworkflow_id: str
    flowchart_id: str
    unit: dict[str, Any]
    scope: dict[str, Any]


@dataclass(frozen=True)
class Done:
    """The flowchart ended: `outcome` is "finished" or "error", and `message` says why in error."""

    outcome: str
    message: str = ""


Step = Execute | Done


def start() -> FlowchartState:
    return FlowchartState()


def run_order(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    """The workflow's own units in the order they run: from the head along `next`, else as listed."""
    units = list(workflow.get("units") or [])
    if not any(unit.get("next") for unit in units):
        return units
    by_id = {unit.get("flowchartId"): unit for unit in units}
    current = next((unit for unit in units if unit.get("head")), units[0] if units else None)
    ordered: list[dict[str, Any]] = []
    while current is not None and current not in ordered:
        ordered.append(current)
        current = by_id.get(current.get("next"))
    return ordered


def advance(workflow: dict[str, Any], state: FlowchartState, now: float) -> tuple[FlowchartState, Step]:
    """Run units until one needs executing, or the flowchart ends."""
    state = copy.deepcopy(state)
    for _ in range(MAX_UNITS_PER_ADVANCE):
        if state.outcome != RUNNING:
            return state, Done(state.outcome, state.message)
        order = run_order(workflow)
        if state.subworkflow >= len(order):
            state.outcome = FINISHED
            continue
        outer = order[state.subworkflow]
        outer_key = unit_key(WORKFLOW, str(outer.get("flowchartId")))
        try:
            subworkflow = _subworkflow_of(workflow, outer)
            _move(state, outer_key, ACTIVE, now)
            if state.unit is None:
                state.unit = _head(subworkflow)
            if state.unit is None:
                _end_subworkflow(state, outer_key, now)
                continue
            unit = _unit(subworkflow, state.unit)
        except FlowchartError as problem:
            _fail(state, outer_key, None, f"{_label(outer)}: {problem.message}", now)
            continue
        key = unit_key(subworkflow["_id"], state.unit)
        if state.pending:
            return state, _execute(subworkflow, unit, state)
        _move(state, key, ACTIVE, now)
        try:
            following = _run(unit, key, state)
        except FlowchartError as problem:
            _fail(state, outer_key, key, f"{_label(unit)}: {problem.message}", now)
            continue
        if unit.get("type") == "execution":
            state.pending = True
            return state, _execute(subworkflow, unit, state)
        _move(state, key, DONE, now)
        _go_to(state, following, outer_key, now)
    _fail_active(state, f"ran {MAX_UNITS_PER_ADVANCE} units without an execution unit: a cycle with no condition", now)
    return state, Done(state.outcome, state.message)


def deliver(
    workflow: dict[str, Any],
    state: FlowchartState,
    results: dict[str, Any],
    now: float,
    to_global: dict[str, Any] | None = None,
) -> FlowchartState:
    """The pending execution unit finished with `results`: they become the scope under its
    flowchartId; `to_global`, values it gave the global scope (a python unit may)."""
    state = copy.deepcopy(state)
    outer, subworkflow, unit = _pending(workflow, state)
    state.unit_scopes[str(unit["flowchartId"])] = copy.deepcopy(results)
    state.global_scope.update(copy.deepcopy(to_global or {}))
    state.pending = False
    _move(state, unit_key(subworkflow["_id"], unit["flowchartId"]), DONE, now)
    _go_to(state, unit.get("next"), unit_key(WORKFLOW, str(outer.get("flowchartId"))), now)
    return state


def fail(workflow: dict[str, Any], state: FlowchartState, message: str, now: float) -> FlowchartState:
    """The pending execution unit failed (or the job was stopped): the flowchart ends in error."""
    state = copy.deepcopy(state)
    _fail_active(state, message, now)
    return state


def with_statuses(workflow: dict[str, Any], state: FlowchartState) -> dict[str, Any]:
    """A copy of the workflow whose units carry the state's `status` and `statusTrack`."""
    document = copy.deepcopy(workflow)
    events: dict[str, list[dict[str, Any]]] = {}
    for event in state.track:
        events.setdefault(event["unit"], []).append(event)
    for outer in document.get("units") or []:
        _stamp(outer, unit_key(WORKFLOW, str(outer.get("flowchartId"))), state, events)
    for subworkflow in document.get("subworkflows") or []:
        for unit in subworkflow.get("units") or []:
            _stamp(unit, unit_key(subworkflow.get("_id", ""), str(unit.get("flowchartId"))), state, events)
    return document


def _stamp(unit: dict[str, Any], key: str, state: FlowchartState, events: dict[str, list[dict[str, Any]]]) -> None:
    if key not in state.statuses:
        return
    unit["status"] = state.statuses[key]
    # The state holds the whole track: stamping again (a later look at the same run) replaces it.
    track = []
    repetition = -1
    for event in events.get(key, []):
        repetition += event["status"] == ACTIVE
        track.append({"trackedAt": event["trackedAt"], "status": event["status"], "repetition": max(repetition, 0)})
    unit["statusTrack"] = track


def _run(unit: dict[str, Any], key: str, state: FlowchartState) -> str | None:
    """Run one non-execution unit; the flowchartId to go to next."""
    kind = unit.get("type")
    if kind == "execution":
        return None
    if kind == "assignment":
        value = unit.get("value")
        names = _names(unit, state)
        result = evaluate(value, names) if isinstance(value, str) else copy.deepcopy(value)
        state.global_scope[str(unit["operand"])] = result
        return _next(unit)
    if kind == "condition":
        state.occurrences[key] = state.occurrences.get(key, 0) + 1
        bound = unit.get("maxOccurrences")
        if isinstance(bound, int) and state.occurrences[key] > bound:
            raise FlowchartError(f"loop did not end within maxOccurrences={bound}")
        chosen = unit.get("then") if evaluate(str(unit.get("statement")), _names(unit, state)) else unit.get("else")
        return str(chosen) if chosen else None
    if kind == "assertion":
        names = _names(unit, state)
        if not evaluate(str(unit.get("statement")), names):
            raise FlowchartError(_assertion_message(unit, names))
        return _next(unit)
    if kind == "io":
        _check_io(unit)
        return _next(unit)
    raise FlowchartError(f"units of type {kind!r} are not supported")


def _names(unit: dict[str, Any], state: FlowchartState) -> dict[str, Any]:
    """The global scope, with the unit's `input` entries brought in from other units' results."""
    names = dict(state.global_scope)
    for entry in unit.get("input") or []:
        name, scope = entry.get("name"), entry.get("scope")
        source = state.global_scope if scope == "global" else state.unit_scopes.get(str(scope), {})
        if name and name in source:
            names[name] = source[name]
    return names


def _assertion_message(unit: dict[str, Any], names: dict[str, Any]) -> str:
    message = str(unit.get("errorMessage") or f"assertion {unit.get('statement')!r} is false")
    try:
        return render_runtime(message, names)
    except FlowchartError:
        return message


def _check_io(unit: dict[str, Any]) -> None:
    # An io unit that names nothing (the bank's empty object-storage placeholders) has nothing to fetch.
    for entry in unit.get("input") or []:
        kind = entry.get("type") or unit.get("source")
        if kind == "api":
            raise FlowchartError(
                f"reads the platform's API ({entry.get('endpoint')}), an outside service this executor cannot fetch"
            )
        names_something = entry.get("basename") or any((entry.get("objectData") or {}).values())
        if names_something:
            where = entry.get("basename")
            raise FlowchartError(f"reads {kind} ({where!r}), an outside service this executor cannot fetch")


def _subworkflow_of(workflow: dict[str, Any], outer: dict[str, Any]) -> dict[str, Any]:
    if outer.get("type") != "subworkflow":
        raise FlowchartError(f"workflow units of type {outer.get('type')!r} are not supported")
    for subworkflow in workflow.get("subworkflows") or []:
        if subworkflow.get("_id") == outer.get("_id"):
            return dict(subworkflow)
    raise FlowchartError(f"names subworkflow {outer.get('_id')!r}, which the workflow does not have")


def _head(subworkflow: dict[str, Any]) -> str | None:
    units = subworkflow.get("units") or []
    head = next((unit for unit in units if unit.get("head")), units[0] if units else None)
    return str(head["flowchartId"]) if head else None


def _unit(subworkflow: dict[str, Any], flowchart_id: str) -> dict[str, Any]:
    for unit in subworkflow.get("units") or []:
        if unit.get("flowchartId") == flowchart_id:
            return dict(unit)
    raise FlowchartError(f"goes to unit {flowchart_id!r}, which subworkflow {subworkflow.get('name')!r} lacks")


def _next(unit: dict[str, Any]) -> str | None:
    following = unit.get("next")
    return str(following) if following else None


def _go_to(state: FlowchartState, following: str | None, outer_key: str, now: float) -> None:
    state.unit = following
    if following is None:
        _end_subworkflow(state, outer_key, now)


def _end_subworkflow(state: FlowchartState, outer_key: str, now: float) -> None:
    _move(state, outer_key, DONE, now)
    state.subworkflow += 1
    state.unit = None


def _execute(subworkflow: dict[str, Any], unit: dict[str, Any], state: FlowchartState) -> Execute:
    scope = _names(unit, state) | {"scopes": copy.deepcopy(state.unit_scopes)}
    return Execute(subworkflow["_id"], str(unit["flowchartId"]), copy.deepcopy(unit), copy.deepcopy(scope))


def _pending(workflow: dict[str, Any], state: FlowchartState) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    if not state.pending or state.unit is None:
        raise FlowchartError("no execution unit is waiting for results")
    outer = run_order(workflow)[state.subworkflow]
    subworkflow = _subworkflow_of(workflow, outer)
    return outer, subworkflow, _unit(subworkflow, state.unit)


def _move(state: FlowchartState, key: str, status: str, now: float) -> None:
    if state.statuses.get(key) == status:
        return
    state.statuses[key] = status
    state.track.append({"unit": key, "status": status, "trackedAt": now})


def _fail(state: FlowchartState, outer_key: str, key: str | None, message: str, now: float) -> None:
    if key is not None:
        _move(state, key, FAILED, now)
    _move(state, outer_key, FAILED, now)
    state.outcome, state.message, state.pending = ERROR, message, False


def _fail_active(state: FlowchartState, message: str, now: float) -> None:
    for key, status in list(state.statuses.items()):
        if status == ACTIVE:
            _move(state, key, FAILED, now)
    state.outcome, state.message, state.pending = ERROR, message, False


def _label(unit: dict[str, Any]) -> str:
    return f"unit {unit.get('name')!r} ({unit.get('flowchartId')})"
