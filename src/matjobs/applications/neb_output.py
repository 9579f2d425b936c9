"""neb.x's standard output (the last table of image energies, and the activation energies) as the
platform's `reaction_energy_profile` and `reaction_energy_barrier`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from matjobs.applications.qe_text import NUMBER, to_float

_FORWARD = re.compile(rf"activation energy \(->\)\s*=\s*({NUMBER})\s*eV")
_TABLE = re.compile(r"^\s*image\s+energy \(eV\)\s+error \(eV/A\)\s+frozen\s*$", re.MULTILINE)
_IMAGE = re.compile(rf"^\s*(\d+)\s+({NUMBER})\s+({NUMBER})\s+[TF]\s*$")
_PATH_LENGTH = re.compile(rf"path length\s*=\s*({NUMBER})\s*bohr")
_CONVERGED = re.compile(r"neb: convergence achieved")


@dataclass(frozen=True)
class NebPath:
    energies_ev: tuple[float, ...] = ()  # per image, as neb.x printed them last
    path_length_bohr: float | None = None
    barrier_ev: float | None = None  # neb.x's forward activation energy
    converged: bool = False
    problem: str | None = None


def parse_neb_output(text: str) -> NebPath:
    tables = list(_TABLE.finditer(text))
    if not tables:
        return NebPath(problem="neb.x output has no table of image energies")
    energies: list[float] = []
    for line in text[tables[-1].end() :].splitlines()[1:]:
        match = _IMAGE.match(line)
        if match is None:
            if energies:
                break
            continue
        energies.append(to_float(match.group(2)))
    if len(energies) < 2:
        return NebPath(problem="neb.x output ends inside its table of image energies")
    forward = _FORWARD.findall(text)
    length = _PATH_LENGTH.findall(text)
    converged = bool(_CONVERGED.search(text))
    return NebPath(
        tuple(energies),
        to_float(length[-1]) if length else None,
        to_float(forward[-1]) if forward else None,
        converged,
        None if converged else "neb.x did not reach convergence (nstep_path reached, or the output is cut short)",
    )


def neb_properties(path: NebPath) -> list[dict[str, Any]]:
    if not path.energies_ev:
        return []
    first = path.energies_ev[0]
    last = len(path.energies_ev) - 1
    documents: list[dict[str, Any]] = [
        {
            "name": "reaction_energy_profile",
            "xAxis": {"label": "reaction coordinate"},
            "yAxis": {"label": "energy", "units": "eV"},
            # Images equally spaced along the path (neb.x keeps them so): 0 at the first, 1 at the last.
            "xDataArray": [index / last for index in range(len(path.energies_ev))],
            "yDataSeries": [[energy - first for energy in path.energies_ev]],
        }
    ]
    if path.barrier_ev is not None:
        documents.append({"name": "reaction_energy_barrier", "value": path.barrier_ev, "units": "eV"})
    return documents
