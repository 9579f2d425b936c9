"""Phonons from ph.x (frequencies per q-point), matdyn.x's `flfrq` (dispersions) and `fldos` (the
phonon DOS), as the platform's `phonon_dispersions`, `phonon_dos` and `zero_point_energy`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from matjobs.applications.qe_text import (
    NUMBER,
    Matrix,
    Unreadable,
    Vector,
    parse_plot_file,
    table,
    to_crystal,
    to_float,
)

# 1 cm-1 as an energy: h c / e * 100 (exact SI constants).
CM1_TO_EV = 6.62607015e-34 * 299792458.0 / 1.602176634e-19 * 100
_DIAGONALIZING = re.compile(r"^\s*Diagonalizing the dynamical matrix\s*$", re.MULTILINE)
_Q = re.compile(rf"q = \(\s*({NUMBER})\s+({NUMBER})\s+({NUMBER})\s*\)")
_FREQUENCY = re.compile(rf"^\s*freq \(\s*\d+\)\s*=\s*{NUMBER}\s*\[THz\]\s*=\s*({NUMBER})\s*\[cm-1\]", re.MULTILINE)
_JOB_DONE = re.compile(r"^\s*JOB DONE\.\s*$", re.MULTILINE)


@dataclass(frozen=True)
class PhFrequencies:
    """ph.x's frequencies (cm-1) per q-point (cartesian, 2π/alat), in the order it computed them."""

    qpoints: tuple[Vector, ...] = ()
    frequencies: tuple[tuple[float, ...], ...] = ()
    problem: str | None = None


@dataclass(frozen=True)
class Dispersions:
    qpoints: tuple[Vector, ...] = ()
    frequencies: tuple[tuple[float, ...], ...] = ()  # cm-1, per q-point per mode
    crystal: bool = False  # False: q-points left in cartesian units of 2π/alat
    problem: str | None = None


@dataclass(frozen=True)
class PhononDos:
    frequencies: tuple[float, ...] = ()  # cm-1
    dos: tuple[float, ...] = ()  # states per cm-1 per cell; integrates to 3 x atoms
    problem: str | None = None


def parse_ph_output(text: str) -> PhFrequencies:
    qpoints: list[Vector] = []
    frequencies: list[tuple[float, ...]] = []
    marks = list(_DIAGONALIZING.finditer(text))
    ends = [m.start() for m in marks[1:]] + ([len(text)] if marks else [])
    for mark, end in zip(marks, ends, strict=True):
        block = text[mark.end() : end]
        q = _Q.search(block)
        found = tuple(to_float(value) for value in _FREQUENCY.findall(block))
        if q is None or not found:
            return PhFrequencies(problem="ph.x output ends while printing the frequencies")
        qpoints.append((to_float(q.group(1)), to_float(q.group(2)), to_float(q.group(3))))
        frequencies.append(found)
    if not qpoints:
        return PhFrequencies(problem="ph.x output has no frequencies ('Diagonalizing the dynamical matrix' missing)")
    if _JOB_DONE.search(text) is None:
        return PhFrequencies(tuple(qpoints), tuple(frequencies), problem="ph.x output ends before JOB DONE")
    return PhFrequencies(tuple(qpoints), tuple(frequencies))


def parse_dispersions(text: str, axes_alat: Matrix | None = None) -> Dispersions:
    """matdyn.x's `flfrq` file; with the crystal axes (in units of alat) the q-points become crystal."""
    try:
        plot = parse_plot_file(text, what="matdyn.x frequencies file")
    except Unreadable as error:
        return Dispersions(problem=str(error))
    points = tuple(to_crystal(q, axes_alat) for q in plot.points) if axes_alat else plot.points
    return Dispersions(points, plot.values, crystal=axes_alat is not None)


def parse_phonon_dos(text: str) -> PhononDos:
    """matdyn.x's `fldos` file: frequency (cm-1), total DOS, then one PDOS column per atom."""
    try:
        rows = table(text, columns=2, what="matdyn.x DOS file")
    except Unreadable as error:
        return PhononDos(problem=str(error))
    return PhononDos(tuple(row[0] for row in rows), tuple(row[1] for row in rows))


def zero_point_energy_ev(dos: PhononDos) -> float | None:
    """ZPE of the cell: 1/2 of the integral of g(w) h w, by the trapezoid rule over the DOS's grid.
    Frequencies below zero (unstable or numerically noisy modes) carry no zero-point energy."""
    if len(dos.frequencies) < 2:
        return None
    total = 0.0
    for (w0, g0), (w1, g1) in zip(
        zip(dos.frequencies, dos.dos, strict=True), zip(dos.frequencies[1:], dos.dos[1:], strict=True), strict=False
    ):
        total += (w1 - w0) * (g0 * max(w0, 0.0) + g1 * max(w1, 0.0)) / 2
    return 0.5 * total * CM1_TO_EV


def modes_in_dos(dos: PhononDos) -> float:
    """The DOS's integral, 3 x atoms for a complete one: a check on the grid the ZPE came from."""
    pairs = list(zip(dos.frequencies, dos.dos, strict=True))
    return sum((w1 - w0) * (g0 + g1) / 2 for (w0, g0), (w1, g1) in zip(pairs, pairs[1:], strict=False))


def phonon_properties(dispersions: Dispersions | None = None, dos: PhononDos | None = None) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    if dispersions is not None and dispersions.frequencies:
        modes = len(dispersions.frequencies[0])
        documents.append(
            {
                "name": "phonon_dispersions",
                "xAxis": {"label": "qpoints", "units": "crystal" if dispersions.crystal else "cartesian"},
                "yAxis": {"label": "frequency", "units": "cm-1"},
                "xDataArray": [list(q) for q in dispersions.qpoints],
                "yDataSeries": [[row[mode] for row in dispersions.frequencies] for mode in range(modes)],
            }
        )
    if dos is not None and dos.frequencies:
        documents.append(
            {
                "name": "phonon_dos",
                "xAxis": {"label": "frequency", "units": "cm-1"},
                "yAxis": {"label": "Phonon DOS", "units": "states/cm-1"},
                "xDataArray": list(dos.frequencies),
                "yDataSeries": [list(dos.dos)],
            }
        )
        zpe = zero_point_energy_ev(dos)
        if zpe is not None:
            documents.append({"name": "zero_point_energy", "value": zpe, "units": "eV"})
    return documents
