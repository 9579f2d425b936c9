"""epsilon.x's `epsr_<prefix>.dat` and `epsi_<prefix>.dat` (the diagonal of the dielectric tensor
against frequency) as the platform's `dielectric_tensor`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matjobs.applications.qe_text import Unreadable, Vector, table


@dataclass(frozen=True)
class DielectricTensor:
    frequencies_ev: tuple[float, ...] = ()
    real: tuple[Vector, ...] = ()  # xx, yy, zz per frequency
    imaginary: tuple[Vector, ...] = ()
    problem: str | None = None


def parse_epsilon_files(real_text: str, imaginary_text: str) -> DielectricTensor:
    try:
        real = table(real_text, columns=4, what="epsilon.x epsr file")
        imaginary = table(imaginary_text, columns=4, what="epsilon.x epsi file")
    except Unreadable as error:
        return DielectricTensor(problem=str(error))
    frequencies = tuple(row[0] for row in real)
    if frequencies != tuple(row[0] for row in imaginary):
        return DielectricTensor(problem="epsilon.x's real and imaginary files have different frequency grids")
    return DielectricTensor(
        frequencies,
        tuple((row[1], row[2], row[3]) for row in real),
        tuple((row[1], row[2], row[3]) for row in imaginary),
    )


def epsilon_properties(tensor: DielectricTensor) -> list[dict[str, Any]]:
    if not tensor.frequencies_ev:
        return []
    parts = (("real", tensor.real), ("imaginary", tensor.imaginary))
    values = [
        {"part": part, "frequencies": list(tensor.frequencies_ev), "components": [list(row) for row in rows]}
        for part, rows in parts
    ]
    return [{"name": "dielectric_tensor", "values": values}]
