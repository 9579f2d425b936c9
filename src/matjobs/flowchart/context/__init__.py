"""The context the platform's templates are rendered with, computed as its context providers
(mat3ra-wode) compute it: pure functions of the material, the unit's stored context and the method."""

from matjobs.flowchart.context.unit import JsArray, subworkflow_context, unit_context

__all__ = ["JsArray", "subworkflow_context", "unit_context"]
