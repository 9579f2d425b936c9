"""The second stage of the platform's two-stage templates: parts kept by `{% raw %}` in the first
stage are rendered at run time with the flowchart's scope, in a sandbox."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from matjobs.errors import FlowchartError

_ENVIRONMENT = SandboxedEnvironment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)


def render_runtime(text: str, scope: Mapping[str, Any]) -> str:
    """`text` rendered with the scope's values; a name the scope lacks (and no `default`) is an error."""
    try:
        return _ENVIRONMENT.from_string(text).render(dict(scope))
    except jinja2.UndefinedError as problem:
        raise FlowchartError(f"{problem.message} at run time") from None
    except jinja2.TemplateError as problem:
        raise FlowchartError(f"the run-time template failed: {problem}") from None
