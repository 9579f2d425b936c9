"""Band energies from pw.x's data file (`<outdir>/<prefix>.save/data-file-schema.xml`), for the runs
whose output leaves them out: with 100 k-points or more and `verbosity = 'low'` (the bank's Band
Structure path has 101), pw.x prints "set verbosity='high' to print the bands" instead."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from datetime import datetime

from matjobs.applications.bands_output import Bands, occupied_from_electrons, reference_energy
from matjobs.applications.qe_text import Matrix, Vector, numbers_in, to_crystal, to_float

BANDS_NOT_PRINTED = re.compile(r"set verbosity='high' to print the bands")
HARTREE_TO_EV = 27.211386245988  # CODATA 2018
_TERMINATED = re.compile(r"This run was terminated on:\s*(\d+:\s*\d+:\s*\d+)\s+(\d+\s*\w+\s*\d+)")
_STARTED = re.compile(r"starts on\s+(\d+\s*\w+\s*\d+)\s+at\s+(\d+:\s*\d+:\s*\d+)")


def parse_bands_xml(xml_text: str, output_text: str, calculation: str) -> Bands:
    """The bands of the run whose standard output is `output_text`. The data file is the last pw.x
    run's in that `outdir`: one written by a later unit is refused, not read as this one's."""
    try:
        root = ElementTree.fromstring(xml_text)
    except ElementTree.ParseError as error:
        return Bands(problem=f"pw.x data file is unreadable ({error})")
    created = root.find("general_info/created")
    written = _moment(created.get("DATE", ""), created.get("TIME", "")) if created is not None else None
    ended = _TERMINATED.search(output_text)
    started = _STARTED.search(output_text)
    end = _moment(ended.group(2), ended.group(1)) if ended else None
    start = _moment(started.group(1), started.group(2)) if started else None
    # pw.x writes its data file a moment before it prints its end (a second apart, at times); a later
    # run's file is written after this run ended, an earlier one's before it started.
    if (
        written is None
        or end is None
        or not (written == end or (start is not None and start < written <= end))
        or (root.findtext("input/control_variables/calculation") or "").strip() != calculation
    ):
        return Bands(problem="pw.x printed no band energies and its data file is another run's (a later unit's?)")
    axes = _axes_alat(root)
    if axes is None:
        return Bands(problem="pw.x data file has no crystal axes: k-points left in cartesian units of 2π/alat")
    two_channels = (root.findtext("output/band_structure/lsda") or "").strip() == "true"
    kpoints: list[Vector] = []
    up: list[tuple[float, ...]] = []
    down: list[tuple[float, ...]] = []
    for block in root.iterfind("output/band_structure/ks_energies"):
        k = numbers_in(block.findtext("k_point") or "")
        energies = tuple(value * HARTREE_TO_EV for value in numbers_in(block.findtext("eigenvalues") or ""))
        if len(k) != 3 or not energies:
            return Bands(problem="pw.x data file has a k-point without its energies")
        kpoints.append(to_crystal((k[0], k[1], k[2]), axes))
        half = len(energies) // 2
        up.append(energies[:half] if two_channels else energies)
        down.append(energies[half:])
    if not kpoints:
        return Bands(problem="pw.x data file has no band energies")
    channels = (tuple(up), tuple(down)) if two_channels else (tuple(up),)
    return Bands(
        kpoints=tuple(kpoints),
        energies=channels,
        spins=(0.5, -0.5) if two_channels else (0.5,),
        occupied_bands=occupied_from_electrons(output_text, len(channels)),
        reference_ev=reference_energy(output_text),
    )


def _axes_alat(root: ElementTree.Element) -> Matrix | None:
    """The data file's axes at full precision (the output prints 7 decimals: k-points off by 1e-7)."""
    structure = root.find("output/atomic_structure")
    if structure is None or structure.get("alat") is None:
        return None
    alat = to_float(structure.get("alat", ""))
    axes = [numbers_in(structure.findtext(f"cell/a{i}") or "") for i in (1, 2, 3)]
    if alat <= 0 or any(len(axis) != 3 for axis in axes):
        return None
    return tuple((a[0] / alat, a[1] / alat, a[2] / alat) for a in axes)  # type: ignore[return-value]


def _moment(date: str, time: str) -> datetime | None:
    """QE's "2Dec2026" and "18: 5:20" (padded with blanks) as one moment."""
    try:
        day = datetime.strptime(re.sub(r"\s+", "", date), "%d%b%Y")
        hours, minutes, seconds = (int(part) for part in time.split(":"))
    except ValueError:
        return None
    return day.replace(hour=hours, minute=minutes, second=seconds)
