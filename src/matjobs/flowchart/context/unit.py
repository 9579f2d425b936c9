"""One execution unit's whole rendering context: the defaults of the providers its template names,
under the entries the unit itself stores (a user's edits), plus the platform's external context
(material, method data, the subworkflow's assignments)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jinja2
from jinja2 import meta

from matjobs.flowchart.context import grids, paths, providers, qe_input
from matjobs.flowchart.subworkflows import subworkflow_context

__all__ = ["JsArray", "subworkflow_context", "unit_context"]
_PARSER = jinja2.Environment(autoescape=False)  # noqa: S701 - parses only, to list the names a template uses
_PARSER.filters["sprintf"] = lambda value, pattern: value  # the platform's filter: known, for parsing

Material = dict[str, Any]


class JsArray(list[Any]):
    """A list that behaves as a JavaScript array where the platform's templates, written for
    Nunjucks, rely on it: `kpath.length` is its length, and `input.perMaterial["1"]` (an
    assignment's value is a string) is its second item."""

    @property
    def length(self) -> int:
        return len(self)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, str) and index.isdigit():
            index = int(index)
        return super().__getitem__(index)


def unit_context(
    unit: dict[str, Any],
    material: Material,
    method: dict[str, Any] | None = None,
    *,
    application: str = "espresso",
    materials: list[Material] | None = None,
    pseudopotentials: list[dict[str, Any]] | None = None,
    subworkflow_context: dict[str, Any] | None = None,
    workflow_has_relaxation: bool = False,
    job_has_parent: bool = False,
) -> dict[str, Any]:
    """The variables of the unit's templates. `pseudopotentials` ({element, filename}) default to
    the method's `data.pseudo`; `materials` (a NEB's images, a material set) to `[material]`."""
    method_data = (method or {}).get("data") or {}
    pseudo = pseudopotentials if pseudopotentials is not None else list(method_data.get("pseudo") or [])
    every = materials or [material]
    stored = _stored(unit)
    defaults: dict[str, Callable[[], Any]] = {
        "cutoffs": lambda: providers.cutoffs(application),
        "kgrid": lambda: grids.default_grid("kgrid", material),
        "qgrid": lambda: grids.default_grid("qgrid", material),
        "igrid": lambda: grids.default_grid("igrid", material),
        "kpath": lambda: paths.default_path(material),
        "qpath": lambda: paths.default_path(material),
        "ipath": lambda: paths.default_path(material),
        "explicitKPath": lambda: paths.default_path(material),
        "explicitKPath2PIBA": lambda: paths.default_path(material),
        "collinearMagnetization": lambda: providers.collinear_magnetization(material),
        "nonCollinearMagnetization": lambda: providers.non_collinear_magnetization(material),
        "boundaryConditions": lambda: providers.boundary_conditions(material),
        "hubbard_u": lambda: providers.hubbard_u(material),
        "hubbard_j": lambda: providers.hubbard_j(material),
        "hubbard_v": lambda: providers.hubbard_v(material),
        "hubbard_legacy": lambda: providers.hubbard_legacy(material),
        "neb": providers.neb,
        "dynamics": providers.dynamics,
    }
    if _is_neb(unit):
        defaults["input"] = lambda: qe_input.neb_input(every, pseudopotentials=pseudo)
    else:
        restart = workflow_has_relaxation or job_has_parent
        defaults["input"] = lambda: qe_input.pw_input(material, every, pseudopotentials=pseudo, restart=restart)
    wanted = _wanted(unit, defaults)
    context: dict[str, Any] = {name: entry for name, entry in stored.items() if name not in defaults}
    for name in wanted:
        data = stored[name] if name in stored else defaults[name]()
        context[name] = _for_rendering(name, data, material)
    context.update(
        {
            "material": material,
            "materials": every,
            "application": {"name": application},
            "methodData": method_data,
            "subworkflowContext": dict(subworkflow_context or {}),
            "jobHasParent": job_has_parent,
            "workflowHasRelaxation": workflow_has_relaxation,
        }
    )
    return {name: _js(value) for name, value in context.items()}


def _stored(unit: dict[str, Any]) -> dict[str, Any]:
    """The unit's own entries that stand: edited ones, and those a client sent without the flag.
    An entry saved with `isEdited: false` is a default computed for some earlier material."""
    entries = unit.get("context") or []
    return {
        str(entry["name"]): entry.get("data")
        for entry in entries
        if isinstance(entry, dict) and "name" in entry and entry.get("isEdited", True) is not False
    }


def _wanted(unit: dict[str, Any], defaults: dict[str, Callable[[], Any]]) -> list[str]:
    """The providers the unit's templates use (a user may have edited them to use any): only
    those are computed, since some are costly (the k-path's symmetry analysis loads scipy).
    A unit without templates gets them all."""
    used: set[str] = set()
    templates = [
        content
        for entry in unit.get("input") or []
        if isinstance(entry, dict) and isinstance(content := (entry.get("template") or {}).get("content"), str)
    ]
    if not templates:
        return list(defaults)
    for content in templates:
        try:
            used |= meta.find_undeclared_variables(_PARSER.parse(content))
        except jinja2.TemplateSyntaxError:
            return list(defaults)  # the render will say what is wrong with it
    return [name for name in defaults if name in used]


def _is_neb(unit: dict[str, Any]) -> bool:
    return (unit.get("executable") or {}).get("name") == "neb.x"


def _for_rendering(name: str, data: Any, material: Material) -> Any:
    if name in ("kgrid", "qgrid", "igrid") and isinstance(data, dict):
        return grids.edited_grid(name, material, data)
    if name in ("kpath", "qpath", "ipath", "explicitKPath", "explicitKPath2PIBA") and isinstance(data, list):
        return paths.path_for_rendering(
            material, data, explicit=name.startswith("explicit"), tpiba=name == "explicitKPath2PIBA"
        )
    return data


def _js(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _js(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return JsArray(_js(item) for item in value)
    return value
