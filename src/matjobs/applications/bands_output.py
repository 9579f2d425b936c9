"""Band energies from pw.x `nscf`/`bands` runs (or bands.x's `filband`), as the platform's
`band_structure` and `band_gaps` property documents. Pure functions over the files' text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from matjobs.applications.qe_text import (
    NUMBER,
    Matrix,
    Unreadable,
    Vector,
    crystal_axes_alat,
    numbers_in,
    parse_plot_file,
    to_crystal,
    to_float,
)

_END_OF_BANDS = re.compile(r"^\s*End of (?:band structure|self-consistent) calculation\s*$", re.MULTILINE)
# What pw.x prints right after the last k-point's energies.
_AFTER_BANDS = re.compile(
    r"^\s*(?:highest occupied|the Fermi energ|the spin up/dw Fermi|Writing output data|!|total energy)", re.MULTILINE
)
_K_LINE = re.compile(r"^\s*k =(.*?)\(\s*\d+ PWs\)\s*bands \(ev\):\s*$", re.MULTILINE)
_SPIN_MARK = re.compile(r"^\s*-+\s*SPIN (UP|DOWN)\s*-+\s*$", re.MULTILINE)
_HEADER_K = re.compile(rf"^\s*k\(\s*\d+\) = \(\s*({NUMBER})\s+({NUMBER})\s+({NUMBER})\), wk =", re.MULTILINE)
_K_COUNT = re.compile(r"number of k points=\s*(\d+)")
_ELECTRONS = re.compile(rf"number of electrons\s*=\s*({NUMBER})")
_HOMO_LUMO = re.compile(rf"highest occupied, lowest unoccupied level \(ev\):\s*({NUMBER})\s+({NUMBER})")
_HOMO = re.compile(rf"highest occupied level \(ev\):\s*({NUMBER})")
_FERMI = re.compile(rf"the Fermi energy is\s*({NUMBER})\s*ev")
_NONCOLLINEAR = re.compile(r"Noncollinear calculation|spin-orbit", re.IGNORECASE)


@dataclass(frozen=True)
class Bands:
    """Energies in eV per spin channel, per k-point, per band; k-points in crystal coordinates."""

    kpoints: tuple[Vector, ...] = ()
    energies: tuple[tuple[tuple[float, ...], ...], ...] = ()
    spins: tuple[float, ...] = ()  # 0.5 or -0.5 per channel
    occupied_bands: int | None = None  # when known without a reference energy (a `bands` run's electrons)
    reference_ev: float | None = None  # between the occupied and empty levels: mid-gap, or the Fermi energy
    problem: str | None = None


def parse_bands_output(text: str) -> Bands:
    """The band energies of a pw.x output's last calculation."""
    ends = list(_END_OF_BANDS.finditer(text))
    if not ends:
        return Bands(problem="pw.x output has no band energies ('End of band structure calculation' missing)")
    section = text[ends[-1].end() :]
    stop = _AFTER_BANDS.search(section)
    if stop is None:
        return Bands(problem="pw.x output ends inside the band energies")
    section = section[: stop.start()]
    channels = _channels(section)
    lengths = {len(channel) for _, channel in channels}
    if not channels or 0 in lengths or len(lengths) != 1:
        return Bands(problem="pw.x output has no complete list of band energies")
    expected = _K_COUNT.search(text)
    count = lengths.pop()
    if expected is not None and int(expected.group(1)) not in (count, count * len(channels)):
        return Bands(problem=f"pw.x listed {expected.group(1)} k-points but printed energies for {count}")
    band_counts = {len(energies) for _, channel in channels for _, energies in channel}
    if len(band_counts) != 1:
        return Bands(problem="pw.x output has k-points with different numbers of bands")
    axes = crystal_axes_alat(text)
    header: list[Vector] = [(to_float(m[1]), to_float(m[2]), to_float(m[3])) for m in _HEADER_K.finditer(text)]
    # The header's list has 7 decimals, the band blocks 4; pw.x prints the list for fewer than 100 points.
    cartesian = header[:count] if len(header) in (count, count * len(channels)) else [k for k, _ in channels[0][1]]
    kpoints = tuple(to_crystal(k, axes[1]) if axes else k for k in cartesian)
    return Bands(
        kpoints=kpoints,
        energies=tuple(tuple(energies for _, energies in channel) for _, channel in channels),
        spins=tuple(spin for spin, _ in channels),
        occupied_bands=occupied_from_electrons(text, len(channels)),
        reference_ev=reference_energy(text),
        problem=None if axes else "pw.x output has no crystal axes: k-points left in cartesian units of 2π/alat",
    )


def parse_bands_plot(text: str, axes_alat: Matrix, *, electrons: float | None = None) -> Bands:
    """bands.x's `filband` (one spin channel); `axes_alat` from the pw.x output of the same run."""
    try:
        plot = parse_plot_file(text, what="bands.x file")
    except Unreadable as error:
        return Bands(problem=str(error))
    occupied = int(electrons) // 2 if electrons is not None and float(electrons).is_integer() else None
    return Bands(
        kpoints=tuple(to_crystal(point, axes_alat) for point in plot.points),
        energies=(plot.values,),
        spins=(0.5,),
        occupied_bands=occupied,
    )


def band_gaps(bands: Bands) -> list[dict[str, Any]]:
    """The direct and indirect gaps with their k-points; 0 where a band crosses the reference energy."""
    if not bands.energies:
        return []
    reference, known = bands.reference_ev, bands.occupied_bands
    counts = [_occupied_count(energies, reference, known) for channel in bands.energies for energies in channel]
    known_counts = [count for count in counts if count is not None]
    if len(known_counts) != len(counts):
        return []
    k_count = len(bands.kpoints)
    if len(set(known_counts)) > 1:  # a metal: some k-points have more occupied bands than others
        crossing = bands.kpoints[max(range(len(known_counts)), key=lambda i: known_counts[i]) % k_count]
        return [_gap(kind, 0.0, crossing, crossing, None, None) for kind in ("direct", "indirect")]
    occupied = known_counts[0]
    n_bands = len(bands.energies[0][0])
    if not 0 < occupied < n_bands:
        return []  # no empty band computed (or none filled): no gap to tell
    # Each (channel, k-point) as one index, as the platform flattens spin channels.
    valence = [energies[occupied - 1] for channel in bands.energies for energies in channel]
    conduction = [energies[occupied] for channel in bands.energies for energies in channel]
    direct = min(range(len(valence)), key=lambda i: conduction[i] - valence[i])
    top = max(range(len(valence)), key=lambda i: valence[i])
    bottom = min(range(len(conduction)), key=lambda i: conduction[i])
    k = bands.kpoints
    at_direct = k[direct % k_count]
    indirect_edges = (valence[top], conduction[bottom])
    return [
        _gap("direct", conduction[direct] - valence[direct], at_direct, at_direct, valence[direct], conduction[direct]),
        _gap("indirect", conduction[bottom] - valence[top], k[top % k_count], k[bottom % k_count], *indirect_edges),
    ]


def band_properties(bands: Bands) -> list[dict[str, Any]]:
    """`band_structure` (one document, however many k-points) and `band_gaps` where they can be told."""
    if not bands.energies:
        return []
    n_bands = len(bands.energies[0][0])
    series = [
        [energies[band] for energies in channel] for band in range(n_bands) for channel in bands.energies
    ]  # band by band, spin channels inside, as the platform orders them
    documents: list[dict[str, Any]] = [
        {
            "name": "band_structure",
            "xAxis": {"label": "kpoints", "units": "crystal"},
            "yAxis": {"label": "energy", "units": "eV"},
            "xDataArray": [list(point) for point in bands.kpoints],
            "yDataSeries": series,
            "spin": [spin for _ in range(n_bands) for spin in bands.spins],
        }
    ]
    gaps = band_gaps(bands)
    if gaps:
        documents.append({"name": "band_gaps", "values": gaps})
    return documents


def _channels(section: str) -> list[tuple[float, list[tuple[Vector, tuple[float, ...]]]]]:
    marks = list(_SPIN_MARK.finditer(section))
    if not marks:
        return [(0.5, _kpoint_blocks(section))]
    ends = [mark.start() for mark in marks[1:]] + [len(section)]
    return [
        (0.5 if mark.group(1) == "UP" else -0.5, _kpoint_blocks(section[mark.end() : end]))
        for mark, end in zip(marks, ends, strict=True)
    ]


def _kpoint_blocks(text: str) -> list[tuple[Vector, tuple[float, ...]]]:
    lines = list(_K_LINE.finditer(text))
    ends = [line.start() for line in lines[1:]] + ([len(text)] if lines else [])
    blocks = []
    for line, end in zip(lines, ends, strict=True):
        k = numbers_in(line.group(1))
        body = text[line.end() : end].split("occupation numbers")[0]  # verbose runs print them after
        if len(k) == 3:
            blocks.append(((k[0], k[1], k[2]), tuple(numbers_in(body))))
    return blocks


def occupied_from_electrons(text: str, channels: int) -> int | None:
    electrons = _ELECTRONS.search(text)
    if electrons is None or channels != 1:
        return None  # a spin-polarized run's channels fill unevenly: only a reference energy tells
    value = to_float(electrons.group(1))
    if not value.is_integer():
        return None
    return int(value) if _NONCOLLINEAR.search(text) else int(value) // 2


def reference_energy(text: str) -> float | None:
    both = _HOMO_LUMO.findall(text)
    if both:
        homo, lumo = both[-1]
        return (to_float(homo) + to_float(lumo)) / 2
    fermi = _FERMI.findall(text)
    if fermi:
        return to_float(fermi[-1])
    return None  # "highest occupied level" alone: no empty band was computed


def _occupied_count(energies: tuple[float, ...], reference: float | None, occupied: int | None) -> int | None:
    if reference is not None:
        return sum(1 for energy in energies if energy < reference)
    return occupied


def _gap(
    kind: str, value: float, valence_k: Vector, conduction_k: Vector, valence: float | None, conduction: float | None
) -> dict[str, Any]:
    gap: dict[str, Any] = {
        "type": kind,
        "value": value,
        "units": "eV",
        "kpointValence": list(valence_k),
        "kpointConduction": list(conduction_k),
    }
    if valence is not None and conduction is not None:
        gap["eigenvalueValence"] = valence
        gap["eigenvalueConduction"] = conduction
    return gap
