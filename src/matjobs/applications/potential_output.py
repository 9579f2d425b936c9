"""average.x's `avg.dat` (planar and macroscopic averages of a potential along one axis) as the
platform's `average_potential_profile`; pp.x writes the potential, average.x averages it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matjobs.applications.pw_output import BOHR_TO_ANGSTROM, RY_TO_EV
from matjobs.applications.qe_text import Unreadable, table


@dataclass(frozen=True)
class AveragedPotential:
    positions_angstrom: tuple[float, ...] = ()
    planar_ev: tuple[float, ...] = ()
    macroscopic_ev: tuple[float, ...] = ()
    problem: str | None = None


def parse_average_file(text: str) -> AveragedPotential:
    """Three columns as average.x writes them: position (bohr), planar and macroscopic average (Ry)."""
    try:
        rows = table(text, columns=3, what="average.x file")
    except Unreadable as error:
        return AveragedPotential(problem=str(error))
    return AveragedPotential(
        tuple(row[0] * BOHR_TO_ANGSTROM for row in rows),
        tuple(row[1] * RY_TO_EV for row in rows),
        tuple(row[2] * RY_TO_EV for row in rows),
    )


def potential_properties(potential: AveragedPotential) -> list[dict[str, Any]]:
    if not potential.positions_angstrom:
        return []
    return [
        {
            "name": "average_potential_profile",
            "xAxis": {"label": "z coordinate", "units": "angstrom"},
            "yAxis": {"label": "energy", "units": "eV"},
            "xDataArray": list(potential.positions_angstrom),
            "yDataSeries": [list(potential.planar_ev), list(potential.macroscopic_ev)],  # planar, then macroscopic
        }
    ]
