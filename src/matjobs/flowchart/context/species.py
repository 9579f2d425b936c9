"""A material's atoms as the platform's providers see them: element, label and constraints."""

from __future__ import annotations

from typing import Any


def elements(material: dict[str, Any]) -> list[str]:
    basis = material.get("basis") or {}
    return [str(entry["value"]) for entry in basis.get("elements") or []]


def labels(material: dict[str, Any]) -> list[str]:
    """Each atom's label ("" for none): Fe1 and Fe2 are two species of one element."""
    basis = material.get("basis") or {}
    by_id = {entry.get("id"): str(entry.get("value", "")) for entry in basis.get("labels") or []}
    return [by_id.get(entry.get("id"), "") for entry in basis.get("elements") or []]


def constraints(material: dict[str, Any]) -> list[list[bool]]:
    """Each atom's free directions; an atom without an entry moves freely."""
    basis = material.get("basis") or {}
    by_id = {entry.get("id"): [bool(v) for v in entry.get("value", [])] for entry in basis.get("constraints") or []}
    return [by_id.get(entry.get("id"), [True, True, True]) for entry in basis.get("elements") or []]


def unique_elements(material: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(elements(material)))


def unique_species_with_labels(material: dict[str, Any]) -> list[str]:
    """Element and label joined (`elementsWithLabelsArray`), each once, in the basis' order."""
    return list(dict.fromkeys(e + label for e, label in zip(elements(material), labels(material), strict=True)))
