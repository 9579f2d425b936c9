"""Small readers shared by the Quantum ESPRESSO output parsers: numbers as QE prints them, column
tables, the `&plot nbnd=.., nks=.. /` files of bands.x and matdyn.x, and pw.x's header axes."""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[EeDd][-+]?\d+)?"
_NUMBER = re.compile(NUMBER)
_PLOT_HEADER = re.compile(r"&plot\s+nbnd\s*=\s*(\d+)\s*,\s*nks\s*=\s*(\d+)\s*/", re.IGNORECASE)
_ALAT = re.compile(rf"lattice parameter \(alat\)\s*=\s*({NUMBER})\s*a\.u\.")
_AXIS = re.compile(rf"^\s*a\(([123])\)\s*=\s*\(\s*({NUMBER})\s+({NUMBER})\s+({NUMBER})\s*\)", re.MULTILINE)
# Fortran writes a number too wide for its field as asterisks; NaN where a sum went wrong.
_UNREADABLE = re.compile(r"\*{3,}|\bnan\b", re.IGNORECASE)

Vector = tuple[float, float, float]
Matrix = tuple[Vector, Vector, Vector]


class Unreadable(ValueError):
    """The text is not what the executable writes: truncated, garbled or of another program."""


def to_float(token: str) -> float:
    return float(token.replace("D", "E").replace("d", "e"))


def numbers_in(text: str) -> list[float]:
    """QE runs negative numbers together ("-0.5000-0.2500"): find them, do not split on spaces."""
    return [to_float(token) for token in _NUMBER.findall(text)]


def table(text: str, *, columns: int, what: str) -> list[list[float]]:
    """Rows of at least `columns` numbers, skipping '#' comments; Unreadable on a broken row."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if _UNREADABLE.search(stripped):
            raise Unreadable(f"{what}: line {number} has a number QE could not print: {stripped[:80]!r}")
        values = numbers_in(stripped)
        if len(values) < columns:
            raise Unreadable(f"{what}: line {number} has {len(values)} numbers, not {columns}: {stripped[:80]!r}")
        rows.append(values)
    if not rows:
        raise Unreadable(f"{what}: no data rows")
    return rows


@dataclass(frozen=True)
class PlotFile:
    """A bands.x `filband` or matdyn.x `flfrq` file: points in cartesian units of 2π/alat, and per point
    one value per band (eV for bands, cm-1 for phonons)."""

    points: tuple[Vector, ...]
    values: tuple[tuple[float, ...], ...]


def parse_plot_file(text: str, *, what: str) -> PlotFile:
    header = _PLOT_HEADER.search(text)
    if header is None:
        raise Unreadable(f"{what}: no '&plot nbnd=..., nks=... /' header")
    bands, count = int(header.group(1)), int(header.group(2))
    if _UNREADABLE.search(text[header.end() :]):
        raise Unreadable(f"{what}: a number QE could not print (***** or NaN)")
    numbers = numbers_in(text[header.end() :])
    if len(numbers) != count * (3 + bands):
        need = count * (3 + bands)
        raise Unreadable(f"{what}: {count} points of {bands} bands need {need} numbers, found {len(numbers)}")
    step = 3 + bands
    points = tuple((numbers[i], numbers[i + 1], numbers[i + 2]) for i in range(0, len(numbers), step))
    values = tuple(tuple(numbers[i + 3 : i + step]) for i in range(0, len(numbers), step))
    return PlotFile(points, values)


def crystal_axes_alat(text: str) -> tuple[float, Matrix] | None:
    """alat in bohr and the crystal axes in units of alat, as pw.x's header prints them."""
    alat = _ALAT.search(text)
    axes = {int(match.group(1)): tuple(to_float(match.group(i)) for i in (2, 3, 4)) for match in _AXIS.finditer(text)}
    if alat is None or len(axes) != 3:
        return None
    a1, a2, a3 = (axes[i] for i in (1, 2, 3))
    return to_float(alat.group(1)), (a1, a2, a3)  # type: ignore[return-value]


def to_crystal(point: Vector, axes_alat: Matrix) -> Vector:
    """A k- or q-point in cartesian units of 2π/alat to crystal coordinates: k·a_i, as b_j·a_i = δ_ij."""
    return tuple(round(sum(p * a for p, a in zip(point, axis, strict=True)), 10) for axis in axes_alat)  # type: ignore[return-value]
