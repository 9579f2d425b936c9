"""The pseudopotential a job runs with for an element it names none for, chosen from the registry's
documents by its workflow's model: pure, and the same file every time for the same job and registry."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matjobs.errors import BadInput

Document = dict[str, Any]


@dataclass(frozen=True)
class Registry:
    """The pseudopotentials a run can be given: their documents, and the folder their files are in."""

    folder: Path
    documents: tuple[Document, ...] = ()


@dataclass(frozen=True)
class _Wanted:
    functional: str | None  # the platform's slug, e.g. "pbe"
    approximation: str | None  # lda, gga, mgga, hybrid
    type: str | None  # nc, nc-fr, us, paw
    fully_relativistic: bool

    @classmethod
    def of(cls, model: Mapping[str, Any]) -> _Wanted:
        functional = model.get("functional")
        if isinstance(functional, dict):  # {"slug": "pbe", ...} or the bare slug
            functional = functional.get("slug")
        method = model.get("method")
        subtype = method.get("subtype") if isinstance(method, dict) else None
        # Spin-orbit coupling needs fully relativistic files; without it pw.x averages them, a second best.
        fully = model.get("spinOrbitCoupling") is True or subtype == "nc-fr"
        return cls(
            functional=functional.lower() if isinstance(functional, str) else None,
            approximation=model.get("subtype") if isinstance(model.get("subtype"), str) else None,
            type="nc-fr" if fully and subtype == "nc" else subtype if isinstance(subtype, str) else None,
            fully_relativistic=fully,
        )

    def rank(self, document: Document) -> tuple[bool, bool, bool, bool, bool, str]:
        """Lower is better: the functional, then the approximation, the type, the relativity,
        a real pseudopotential, and the file name to settle ties."""
        xc = document.get("exchangeCorrelation") or {}
        return (
            self.functional is None or xc.get("functional") != self.functional,
            self.approximation is None or xc.get("approximation") != self.approximation,
            document.get("type") != self.type,
            fully_relativistic(document) != self.fully_relativistic,
            document.get("type") == "coulomb",  # a bare 1/r potential: its cutoffs are far above the others'
            str(document["filename"]),
        )


def choose(elements: Iterable[str], model: Mapping[str, Any], registry: Registry) -> dict[str, Document]:
    """Each element's registry document that best fits `model`, a workflow's model: its `functional`
    (a slug), its approximation (`subtype`: lda, gga, ...), the type its method wants (`method.subtype`:
    us, nc, paw, nc-fr) and `spinOrbitCoupling`.

    Best is, in order: the model's functional and type; its functional, of any type; its approximation;
    any file for the element. Within each, files of the wanted type first, then scalar-relativistic ones
    (fully relativistic ones when the model asks for them), then by file name.
    Raises BadInput naming the first element the registry has no file for.
    """
    wanted = _Wanted.of(model)
    chosen: dict[str, Document] = {}
    for element in dict.fromkeys(elements):
        candidates = [
            document
            for document in registry.documents
            if document.get("element") == element and isinstance(document.get("filename"), str)
        ]
        if not candidates:
            raise BadInput(f"no pseudopotential for element {element} in the registry ({registry.folder})")
        chosen[element] = min(candidates, key=wanted.rank)
    return chosen


def fully_relativistic(document: Document) -> bool:
    # The platform's types tell fully relativistic files apart only for norm-conserving ones
    # ("nc-fr"); for the others, QE's file names do: Pt.rel-pbe-n-rrkjus.UPF.
    return document.get("type") == "nc-fr" or ".rel-" in str(document.get("filename", ""))


def pseudopotential_model(workflow: Mapping[str, Any]) -> dict[str, Any] | None:
    """The model of the workflow's first subworkflow whose method runs on pseudopotentials, if any."""
    for subworkflow in workflow.get("subworkflows") or []:
        model = _pseudopotential_model_of(subworkflow)
        if model is not None:
            return model
    return None


def with_pseudopotentials(workflow: dict[str, Any], pseudopotentials: tuple[Document, ...]) -> dict[str, Any]:
    """The workflow with `pseudopotentials` as the list of each subworkflow whose method runs on them
    (model.method.data.pseudo, where the platform's clients look), copying only what changes."""
    subworkflows = []
    for subworkflow in workflow.get("subworkflows") or []:
        model = _pseudopotential_model_of(subworkflow)
        if model is not None:
            method = model["method"]
            data = method.get("data") if isinstance(method.get("data"), dict) else {}
            method = {**method, "data": {**data, "pseudo": list(pseudopotentials)}}
            subworkflow = {**subworkflow, "model": {**model, "method": method}}
        subworkflows.append(subworkflow)
    return {**workflow, "subworkflows": subworkflows}


def _pseudopotential_model_of(subworkflow: Any) -> dict[str, Any] | None:
    model = subworkflow.get("model") if isinstance(subworkflow, dict) else None
    method = model.get("method") if isinstance(model, dict) else None
    return model if isinstance(method, dict) and method.get("type") == "pseudopotential" else None
