"""What a subworkflow gives its units' templates besides their own context: its assignments.
Light on purpose: the driver imports it in every job, before any science is loaded."""

from __future__ import annotations

from typing import Any


def subworkflow_context(subworkflow: dict[str, Any]) -> dict[str, Any]:
    """The subworkflow's assignments, operand to value, as its templates see them."""
    return {
        unit["operand"]: unit.get("value")
        for unit in subworkflow.get("units") or []
        if unit.get("type") == "assignment" and "operand" in unit
    }
