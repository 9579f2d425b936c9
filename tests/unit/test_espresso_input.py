"""pw.x input rendered from the platform's own unit template: the same text as the platform's
renderer, and, run by pw.x, the reference total energy of silicon."""

from __future__ import annotations

import copy
import math
import os
import subprocess
from pathlib import Path

import pytest
from mat3ra.standata.materials import Materials
from mat3ra.standata.workflows import WorkflowStandata

from matjobs.applications.espresso_input import pw_context, render
from matjobs.applications.pw_output import parse_pw_output
from matjobs.errors import BadInput

DATA = Path(__file__).parents[1] / "data" / "espresso"
PSEUDO_DIR = Path("/usr/share/espresso/pseudo")
SI = "Si-[Silicon]-FCC_[Fd-3m]_3D_[Bulk]-[mp-149]"


def total_energy_unit() -> dict:
    workflow = WorkflowStandata.find_by_application_and_name("espresso", "Total Energy")
    return copy.deepcopy(workflow["subworkflows"][0]["units"][0])


def si(**lattice: float) -> dict:
    material = copy.deepcopy(Materials.get_by_name_first_match(SI))
    material["lattice"].update(lattice)
    return material


def si_input(material: dict) -> str:
    template = total_energy_unit()["input"][0]["template"]["content"]
    context = pw_context(
        material, {"Si": "Si.pz-vbc.UPF"}, kgrid=[2, 2, 2], cutoffs={"wavefunction": 20, "density": 80}
    )
    return render(template, context)


def without_cell(text: str) -> str:
    start = text.index("CELL_PARAMETERS")
    return text[:start] + text[start:].split("\n", 4)[-1]


def test_the_input_is_the_platform_renderers_byte_for_byte_but_for_the_cell_s_orientation() -> None:
    # wode_si_total_energy.in: rendered by mat3ra-wode 2026.10.26.post0 from the same workflow and material.
    # Its cell (c along z) leaves pw.x 4 of Si's 48 symmetry operations; matjobs turns it (below).
    assert without_cell(si_input(si())) == without_cell((DATA / "wode_si_total_energy.in").read_text())


def cell_rows(text: str) -> list[list[float]]:
    rows = text[text.index("CELL_PARAMETERS") :].splitlines()[1:4]
    return [[float(x) for x in row.split()] for row in rows]


def test_an_fcc_cell_is_written_as_the_standard_primitive_cell_the_same_crystal_turned() -> None:
    rows = cell_rows(si_input(si()))
    half = 3.866975333 / math.sqrt(2)  # the mean of a, b, c (standard data rounds them apart by 1e-6)
    assert rows == [pytest.approx(row, abs=1e-8) for row in ([0, half, half], [half, 0, half], [half, half, 0])]


def test_a_cell_that_is_not_its_type_s_primitive_cell_keeps_the_generic_placement() -> None:
    rows = cell_rows(si_input(si(alpha=59.0)))
    assert rows[2][:2] == [0, 0]  # c along z


@pytest.mark.usefixtures("pw_x", "espresso_data")
def test_pw_x_finds_all_48_symmetry_operations_of_si_s_cell(tmp_path: Path) -> None:
    """With 4 of them, projwfc.x and vc-relax stop ("not orthogonal operation")."""
    assert "48 Sym. Ops., with inversion" in run_pw_x(si_input(si()), tmp_path)


def test_an_element_without_a_pseudopotential_is_named() -> None:
    template = total_energy_unit()["input"][0]["template"]["content"]
    with pytest.raises(BadInput, match="no pseudopotential given for Si"):
        render(template, pw_context(si(), {}, kgrid=[1, 1, 1], cutoffs={"wavefunction": 20, "density": 80}))


@pytest.mark.usefixtures("pw_x", "espresso_data")
def test_pw_x_on_the_rendered_input_gives_the_reference_total_energy_of_silicon(tmp_path: Path) -> None:
    # The reference run (celldm(1) = 10.20 bohr, fcc): the primitive cell's edge is 10.20 / sqrt(2) bohr.
    edge = 10.20 / math.sqrt(2) * 0.529177210903
    result = parse_pw_output(run_pw_x(si_input(si(a=edge, b=edge, c=edge)), tmp_path))
    # compute-stack.md's reference: -15.65472304 Ry; the template's conv_thr (1e-6) leaves 3e-8 Ry.
    assert result.total_energy_ry == pytest.approx(-15.65472304, abs=1e-6)


def run_pw_x(text: str, tmp_path: Path) -> str:
    (tmp_path / "pseudo").mkdir()
    (tmp_path / "pseudo" / "Si.pz-vbc.UPF").symlink_to(PSEUDO_DIR / "Si.pz-vbc.UPF")
    (tmp_path / "pw_scf.in").write_text(text.replace("{{ JOB_WORK_DIR }}", str(tmp_path)))
    run = subprocess.run(
        ["pw.x", "-in", "pw_scf.in"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    return run.stdout
