"""A Quantum ESPRESSO unit's input from its own template, in the platform's two stages: first with
the unit's context (strict: a name the context lacks is an error naming the unit and the name), then,
for the parts kept by `{% raw %}`, with the flowchart's scope and the job's folder (`JOB_WORK_DIR`)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from matjobs.errors import BadInput, FlowchartError
from matjobs.flowchart.templates import render_runtime


class NunjucksStrictUndefined(jinja2.StrictUndefined):
    """Strict everywhere but in a test: `{% if subworkflowContext.MATERIAL_INDEX %}` is false when
    the name is absent, as in Nunjucks, for which the platform's templates are written."""

    def __bool__(self) -> bool:  # type: ignore[override]  # jinja2 declares it Never-returning
        return False


def render_unit_input(
    template: str, context: dict[str, Any], *, label: str, workdir: Path, scope: Mapping[str, Any] | None = None
) -> str:
    """`label` names the unit and its input file in errors: "unit 'pw_bands' (pw_bands.in)";
    `scope`: the flowchart's, for the second stage."""
    try:
        first = _environment().from_string(template).render(**context)
    except jinja2.UndefinedError as error:
        raise BadInput(f"{label}: {error.message} in its input template") from None
    except jinja2.TemplateError as error:
        raise BadInput(f"{label}: its input template cannot be rendered: {error}") from None
    try:
        return render_runtime(first, {**(scope or {}), "JOB_WORK_DIR": str(workdir)})
    except FlowchartError as error:
        raise BadInput(f"{label}: {error}") from None


@cache
def _environment() -> jinja2.Environment:
    # Whole numbers print as integers (ecutwfc = 20, not 20.0), as the platform's renderer prints them.
    environment = jinja2.Environment(
        undefined=NunjucksStrictUndefined,
        finalize=lambda value: int(value) if isinstance(value, float) and value.is_integer() else value,
        keep_trailing_newline=False,
        autoescape=False,  # noqa: S701 - the output is a Quantum ESPRESSO input file, not HTML
    )
    environment.filters["sprintf"] = lambda value, pattern: pattern % value
    return environment
