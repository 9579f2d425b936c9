"""Electronic densities of states from dos.x (`fildos`) and projwfc.x (`filpdos`.pdos_*), as the
platform's `density_of_states` property: the total first, then per atom and orbital."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from matjobs.applications.qe_text import NUMBER, Unreadable, table, to_float

_FERMI = re.compile(rf"EFermi\s*=\s*({NUMBER})\s*eV")
_SPIN_COLUMNS = re.compile(r"dosup|ldosup", re.IGNORECASE)
# projwfc.x names each file by atom, element and wavefunction: prefix.pdos_atm#1(Si)_wfc#2(p)
_PDOS_NAME = re.compile(r"\.pdos_atm#(\d+)\(([A-Za-z]+)\)_wfc#(\d+)\(([spdfg](?:_j[\d.]+)?)\)$")


@dataclass(frozen=True)
class Dos:
    energies: tuple[float, ...] = ()  # eV, as QE prints them (not shifted to the Fermi energy)
    series: tuple[tuple[dict[str, Any], tuple[float, ...]], ...] = ()  # (legend entry, states/eV per cell)
    fermi_energy_ev: float | None = None
    problem: str | None = None


def parse_dos_file(text: str) -> Dos:
    """dos.x's file: E, dos(E), integrated dos(E); spin-polarized runs give dosup, dosdw first."""
    spin = bool(_SPIN_COLUMNS.search(text.split("\n", 1)[0]))
    try:
        rows = table(text, columns=4 if spin else 3, what="dos.x file")
    except Unreadable as error:
        return Dos(problem=str(error))
    fermi = _FERMI.search(text)
    series: list[tuple[dict[str, Any], tuple[float, ...]]]
    if spin:
        series = [({"spin": 0.5}, _column(rows, 1)), ({"spin": -0.5}, _column(rows, 2))]
    else:
        series = [({}, _column(rows, 1))]
    return Dos(_column(rows, 0), tuple(series), to_float(fermi.group(1)) if fermi else None)


def parse_projwfc_files(files: Mapping[str, str]) -> Dos:
    """projwfc.x's files by name: `<filpdos>.pdos_tot` and one `.pdos_atm#N(El)_wfc#M(l)` per atomic state."""
    total_name = next((name for name in files if name.endswith(".pdos_tot")), None)
    if total_name is None:
        return Dos(problem="projwfc.x wrote no .pdos_tot file")
    total = _pdos_series(files[total_name], {}, what=total_name)
    if isinstance(total, str):
        return Dos(problem=total)
    energies, series = total
    partial: list[tuple[tuple[int, int], list[tuple[dict[str, Any], tuple[float, ...]]]]] = []
    seen_of_element: dict[str, int] = {}
    for name in sorted(files, key=_pdos_order):
        match = _PDOS_NAME.search(name)
        if match is None:
            continue
        atom, element, wavefunction, orbital = int(match.group(1)), match.group(2), int(match.group(3)), match.group(4)
        # The atom's place among the atoms of its element, counted from 0.
        earlier = sum(1 for key in seen_of_element if key.startswith(f"{element}#"))
        index = seen_of_element.setdefault(f"{element}#{atom}", earlier)
        legend = {"element": element, "index": index, "electronicState": orbital}
        parsed = _pdos_series(files[name], legend, what=name)
        if isinstance(parsed, str):
            return Dos(problem=parsed)
        if parsed[0] != energies:
            return Dos(problem=f"{name}: its energies differ from the total's")
        partial.append(((atom, wavefunction), parsed[1]))
    for _, entries in partial:
        series.extend(entries)
    return Dos(energies, tuple(series))


def dos_properties(dos: Dos) -> list[dict[str, Any]]:
    if not dos.series:
        return []
    document: dict[str, Any] = {
        "name": "density_of_states",
        "xAxis": {"label": "energy", "units": "eV"},
        "yAxis": {"label": "density of states", "units": "states/unitcell"},
        # One shared energy axis, as the platform writes it.
        "xDataArray": [list(dos.energies)],
        "yDataSeries": [list(values) for _, values in dos.series],
        "legend": [legend for legend, _ in dos.series],
    }
    if dos.fermi_energy_ev is not None:
        document["fermiEnergy"] = dos.fermi_energy_ev
    return [document]


def _column(rows: list[list[float]], index: int) -> tuple[float, ...]:
    return tuple(row[index] for row in rows)


def _pdos_order(name: str) -> tuple[int, int, str]:
    match = _PDOS_NAME.search(name)
    return (int(match.group(1)), int(match.group(3)), name) if match else (0, 0, name)


def _pdos_series(
    text: str, legend: dict[str, Any], *, what: str
) -> tuple[tuple[float, ...], list[tuple[dict[str, Any], tuple[float, ...]]]] | str:
    """Energies and the summed (l)dos column(s): one, or up and down for a spin-polarized run."""
    spin = bool(_SPIN_COLUMNS.search(text.split("\n", 1)[0]))
    try:
        rows = table(text, columns=4 if spin else 2, what=what)
    except Unreadable as error:
        return str(error)
    if spin:
        up, down = ({**legend, "spin": 0.5}, _column(rows, 1)), ({**legend, "spin": -0.5}, _column(rows, 2))
        return _column(rows, 0), [up, down]
    return _column(rows, 0), [(legend, _column(rows, 1))]
