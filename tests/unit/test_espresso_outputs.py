"""Parsers of the Quantum ESPRESSO executables beyond pw.x's SCF, pinned on real QE 6.7 runs captured in
tests/data/espresso/<executable>/ (inputs and commands beside them), and their properties' ESSE schemas."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import jsonschema
import pytest
from mat3ra.esse import ESSE

from matjobs.applications.bands_output import band_properties, parse_bands_output, parse_bands_plot
from matjobs.applications.dos_output import dos_properties, parse_dos_file, parse_projwfc_files
from matjobs.applications.epsilon_output import epsilon_properties, parse_epsilon_files
from matjobs.applications.neb_output import neb_properties, parse_neb_output
from matjobs.applications.phonon_output import (
    modes_in_dos,
    parse_dispersions,
    parse_ph_output,
    parse_phonon_dos,
    phonon_properties,
)
from matjobs.applications.potential_output import parse_average_file, potential_properties
from matjobs.applications.pw_output import BOHR_TO_ANGSTROM, RY_TO_EV
from matjobs.applications.qe_text import crystal_axes_alat
from matjobs.applications.structure_output import parse_final_structure, structure_properties
from matjobs.documents.property import check_property

DATA = Path(__file__).parents[1] / "data" / "espresso"


def text(path: str) -> str:
    return (DATA / path).read_text()


@cache
def validator(property_name: str) -> jsonschema.Draft7Validator:
    schema_id = "material" if property_name == "final_structure" else None
    schema_id = schema_id or ESSE().get_property_manifest(property_name)["schemaId"]
    return jsonschema.Draft7Validator(ESSE().get_schema_by_id(schema_id))


def assert_schema_valid(documents: list[dict]) -> None:
    assert documents
    for document in documents:
        errors = [error.message for error in validator(document["name"]).iter_errors(document)]
        assert errors == [], (document["name"], errors)
        # The service's own check before storing; a final structure's materialId is the id of the new
        # material the runner makes of it, which the parser cannot know.
        check_property(
            {"materialId": "new-material", **document} if document["name"] == "final_structure" else document
        )


def by_name(documents: list[dict]) -> dict[str, dict]:
    return {document["name"]: document for document in documents}


def printed(pattern: str, source: str) -> list[float]:
    """Figures read from the output with a pattern of the test's own, not the parser's."""
    match = re.search(pattern, source)
    assert match is not None, pattern
    return [float(value) for value in match.groups()]


# --- band structure and gaps ---------------------------------------------------------------------------------


def test_nscf_gaps_are_the_printed_highest_occupied_and_lowest_unoccupied_levels() -> None:
    source = text("pw.x/nscf.out")
    homo, lumo = printed(r"highest occupied, lowest unoccupied level \(ev\):\s+(\S+)\s+(\S+)", source)
    gaps = {gap["type"]: gap for gap in by_name(band_properties(parse_bands_output(source)))["band_gaps"]["values"]}
    assert gaps["indirect"]["value"] == pytest.approx(lumo - homo, abs=1e-9)
    assert gaps["indirect"]["kpointValence"] == [0.0, 0.0, 0.0]  # Si's valence top is at Γ
    assert gaps["indirect"]["kpointConduction"] != [0.0, 0.0, 0.0]
    # The direct gap is Γ's: its 5th band minus its 4th, as printed under "k = 0.0000 0.0000 0.0000".
    gamma = printed(r"k = 0\.0000 0\.0000 0\.0000 \(.*\n\n" + r"\s+(\S+)" * 8, source)
    assert gaps["direct"]["value"] == pytest.approx(gamma[4] - gamma[3], abs=1e-9)
    assert gaps["direct"]["value"] > gaps["indirect"]["value"]


def test_bands_run_gives_one_band_structure_document_with_its_gaps_from_the_electron_count() -> None:
    source = text("pw.x/bands.out")
    documents = band_properties(parse_bands_output(source))
    assert_schema_valid(documents)
    structure = by_name(documents)["band_structure"]
    assert len(structure["xDataArray"]) == 28 and len(structure["yDataSeries"]) == 8
    assert structure["spin"] == [0.5] * 8
    # L = (1/2, 1/2, 1/2) 2π/a is (0, 1/2, 0) on pw.x's ibrav=2 axes; its energies as printed.
    assert structure["xDataArray"][0] == [0.0, 0.5, 0.0]
    first = printed(r"k = 0\.5000 0\.5000 0\.5000 \(.*\n\n" + r"\s+(\S+)" * 8, source)
    assert [series[0] for series in structure["yDataSeries"]] == first
    # 8 electrons fill 4 bands: the gap is the 5th band's lowest minus the 4th band's highest on the path.
    valence, conduction = structure["yDataSeries"][3], structure["yDataSeries"][4]
    gaps = {gap["type"]: gap["value"] for gap in by_name(documents)["band_gaps"]["values"]}
    assert gaps["indirect"] == pytest.approx(min(conduction) - max(valence))


def test_bands_x_file_matches_the_pw_x_bands_output() -> None:
    pw = parse_bands_output(text("pw.x/bands.out"))
    axes = crystal_axes_alat(text("pw.x/bands.out"))
    assert axes is not None
    plot = parse_bands_plot(text("bands.x/si.bands.dat"), axes[1], electrons=8)
    assert plot.problem is None
    for from_file, from_output in zip(plot.kpoints, pw.kpoints, strict=True):
        assert from_file == pytest.approx(from_output, abs=1e-5)
    for from_file, from_output in zip(plot.energies[0], pw.energies[0], strict=True):
        assert from_file == pytest.approx(from_output, abs=1e-3)  # bands.x prints 3 decimals


def test_a_band_structure_of_thousands_of_kpoints_is_one_document() -> None:
    # The captured bands run with its blocks repeated: pw.x lists no k-points in its header beyond 100.
    source = text("pw.x/bands.out")
    head, tail = source.split("End of band structure calculation")
    blocks, rest = tail.split("     Writing output data file", 1)
    head = re.sub(r"number of k points=\s+28", "number of k points=  2800", head)
    head = re.sub(r"^\s+k\(.*\n", "", head, flags=re.MULTILINE)
    big = head + "End of band structure calculation" + blocks * 100 + "     Writing output data file" + rest
    documents = band_properties(parse_bands_output(big))
    assert [document["name"] for document in documents] == ["band_structure", "band_gaps"]
    assert len(documents[0]["xDataArray"]) == 2800
    assert documents[0]["xDataArray"][0] == pytest.approx([0.0, 0.5, 0.0])
    assert_schema_valid(documents)


def test_truncated_band_energies_are_a_problem_not_an_exception() -> None:
    source = text("pw.x/nscf.out")
    cut = source[: source.index("highest occupied, lowest unoccupied") - 300]
    assert parse_bands_output(cut).problem == "pw.x output ends inside the band energies"
    assert band_properties(parse_bands_output(cut)) == []
    assert "no band energies" in (parse_bands_output(source[:2000]).problem or "")


def test_scf_with_only_occupied_bands_gives_no_gap() -> None:
    documents = band_properties(parse_bands_output(text("pw.x/scf.out")))
    assert [document["name"] for document in documents] == ["band_structure"]


# --- densities of states -------------------------------------------------------------------------------------


def test_dos_x_total_dos_holds_two_states_per_band() -> None:
    dos = parse_dos_file(text("dos.x/si.dos"))
    assert dos.problem is None and dos.fermi_energy_ev == 6.554
    values = dos.series[0][1]
    step = dos.energies[1] - dos.energies[0]
    assert sum(values) * step == pytest.approx(16, rel=0.02)  # 8 bands, 2 electrons each
    assert_schema_valid(dos_properties(dos))


def test_projwfc_gives_the_total_then_each_atom_and_orbital() -> None:
    folder = DATA / "projwfc.x"
    files = {path.name: path.read_text() for path in folder.glob("si.pdos*")}
    dos = parse_projwfc_files(files)
    assert dos.problem is None
    legends = [legend for legend, _ in dos.series]
    assert legends == [
        {},
        {"element": "Si", "index": 0, "electronicState": "s"},
        {"element": "Si", "index": 0, "electronicState": "p"},
        {"element": "Si", "index": 1, "electronicState": "s"},
        {"element": "Si", "index": 1, "electronicState": "p"},
    ]
    # The projections add up to pdos_tot's projected column.
    projected = [row.split()[2] for row in files["si.pdos_tot"].splitlines()[1:]]
    sums = [sum(values[i] for _, values in dos.series[1:]) for i in range(len(projected))]
    assert sums == pytest.approx([float(value) for value in projected], rel=0.01, abs=1e-3)  # 3 digits each
    assert_schema_valid(dos_properties(dos))


def test_broken_dos_files_are_problems() -> None:
    lines = text("dos.x/si.dos").splitlines()
    lines[50] = lines[50][:10]
    assert "line 51 has 1 numbers" in (parse_dos_file("\n".join(lines)).problem or "")
    assert parse_projwfc_files({}).problem == "projwfc.x wrote no .pdos_tot file"


# --- phonons -------------------------------------------------------------------------------------------------


def test_ph_x_gamma_frequencies_as_printed() -> None:
    ph = parse_ph_output(text("ph.x/ph_gamma.out"))
    assert ph.problem is None and ph.qpoints == ((0.0, 0.0, 0.0),)
    assert ph.frequencies[0][3:] == (516.164401,) * 3
    grid = parse_ph_output(text("ph.x/ph_grid.out"))
    assert len(grid.qpoints) == 3  # Γ, L and X: the 2x2x2 grid's irreducible points


def test_matdyn_dispersion_at_gamma_agrees_with_ph_x_within_one_percent() -> None:
    axes = crystal_axes_alat(text("pw.x/scf_ph.out"))
    assert axes is not None
    dispersions = parse_dispersions(text("matdyn.x/si.freq"), axes[1])
    documents = phonon_properties(dispersions=dispersions)
    assert_schema_valid(documents)
    document = by_name(documents)["phonon_dispersions"]
    assert document["xAxis"]["units"] == "crystal" and document["xDataArray"][0] == [0.0, 0.0, 0.0]
    assert len(document["xDataArray"]) == 26 and len(document["yDataSeries"]) == 6
    optical = parse_ph_output(text("ph.x/ph_gamma.out")).frequencies[0][5]
    assert document["yDataSeries"][5][0] == pytest.approx(optical, rel=0.01)


def test_zero_point_energy_from_the_phonon_dos() -> None:
    dos = parse_phonon_dos(text("matdyn.x/si.phdos"))
    assert dos.problem is None
    assert modes_in_dos(dos) == pytest.approx(6, rel=0.02)  # 3 modes per atom, 2 atoms
    documents = phonon_properties(dos=dos)
    assert_schema_valid(documents)
    zpe = by_name(documents)["zero_point_energy"]["value"]
    assert 0.05 < zpe / 2 < 0.08  # eV per atom; Si's is about 0.06
    # Half of the mean phonon energy times the modes: the DOS's own first moment, by hand.
    pairs = list(zip(dos.frequencies, dos.dos, strict=True))
    moment = sum(w * g for w, g in pairs) * (dos.frequencies[1] - dos.frequencies[0])
    assert zpe == pytest.approx(0.5 * moment * 1.239841984e-4, rel=0.01)


def test_broken_phonon_files_are_problems() -> None:
    nan_dos = text("matdyn.x/si.phdos").replace("3.7315996152E-07", "NaN", 1)
    assert "could not print" in (parse_phonon_dos(nan_dos).problem or "")
    source = text("ph.x/ph_gamma.out")
    cut = source[: source.index("freq (    4)")]
    assert parse_ph_output(cut).problem is not None
    assert "numbers" in (parse_dispersions(text("matdyn.x/si.freq")[:-200]).problem or "")


# --- relaxations ---------------------------------------------------------------------------------------------


def test_vc_relax_final_structure_is_the_last_cell_and_positions() -> None:
    source = text("pw.x/vc-relax.out")
    structure = parse_final_structure(source)
    assert structure.problem is None
    last_cell = source.rsplit("CELL_PARAMETERS (angstrom)", 1)[1].splitlines()[1:4]
    assert structure.cell_angstrom == tuple(tuple(float(x) for x in row.split()) for row in last_cell)
    assert structure.crystal_positions[1] == (0.2546730308, 0.2501578233, 0.2451477112)
    documents = structure_properties(structure)
    assert_schema_valid(documents)
    assert documents[0]["isRelaxed"] is True
    lattice = documents[0]["lattice"]
    assert lattice["a"] == pytest.approx(sum(x * x for x in structure.cell_angstrom[0]) ** 0.5)
    assert documents[0]["basis"]["elements"] == [{"id": 0, "value": "Si"}, {"id": 1, "value": "Si"}]


def test_fixed_cell_relax_keeps_the_header_cell() -> None:
    structure = parse_final_structure(text("pw.x/relax.out"))
    assert structure.problem is None
    lattice = structure_properties(structure)[0]["lattice"]
    assert lattice["a"] == pytest.approx(3.867, abs=1e-4)  # the input's a, through pw.x's alat of 7.3076 bohr
    assert lattice["alpha"] == pytest.approx(60, abs=1e-3)


def test_unfinished_relaxation_says_so() -> None:
    source = text("pw.x/vc-relax.out")
    cut = source[: source.index("End of BFGS Geometry Optimization")]
    assert parse_final_structure(cut).problem == "pw.x output ends before the end of the relaxation"
    assert parse_final_structure(text("pw.x/scf.out")).problem is not None


# --- potential, dielectric tensor, NEB -----------------------------------------------------------------------


def test_average_x_profile_in_angstrom_and_ev() -> None:
    potential = parse_average_file(text("average.x/avg.dat"))
    documents = potential_properties(potential)
    assert_schema_valid(documents)
    assert len(potential.positions_angstrom) == 300
    first = text("average.x/avg.dat").split()[:3]
    assert potential.positions_angstrom[1] == pytest.approx(0.024041631 * BOHR_TO_ANGSTROM)
    assert documents[0]["yDataSeries"][0][0] == pytest.approx(float(first[1]) * RY_TO_EV)
    assert documents[0]["yDataSeries"][1][0] == pytest.approx(float(first[2]) * RY_TO_EV)


def test_epsilon_x_real_and_imaginary_parts() -> None:
    tensor = parse_epsilon_files(text("epsilon.x/epsr_si.dat"), text("epsilon.x/epsi_si.dat"))
    documents = epsilon_properties(tensor)
    assert_schema_valid(documents)
    values = {value["part"]: value for value in documents[0]["values"]}
    assert values["real"]["components"][0] == [30.242105892, 30.242105675, 30.24210597]
    assert values["imaginary"]["frequencies"][1] == 0.100334448
    # epsilon.x writes asterisks for a figure too wide for its field (as a metal's Drude term at 0 eV).
    starred = text("epsilon.x/epsr_si.dat").replace("30.242105892", "************", 1)
    assert "could not print" in (parse_epsilon_files(starred, text("epsilon.x/epsi_si.dat")).problem or "")


def test_neb_profile_and_barrier_as_printed() -> None:
    source = text("neb.x/neb.out")
    path = parse_neb_output(source)
    assert path.problem is None and len(path.energies_ev) == 5
    documents = neb_properties(path)
    assert_schema_valid(documents)
    profile = by_name(documents)["reaction_energy_profile"]
    assert profile["xDataArray"] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert profile["yDataSeries"][0][2] == pytest.approx(-42.6305974 - -42.5890507)
    forward = printed(r"activation energy \(->\)\s*=\s*(\S+) eV", source[source.rindex("activation energy (->)") :])
    assert by_name(documents)["reaction_energy_barrier"]["value"] == forward[0]
    cut = source[: source.rindex("image        energy (eV)") + 80]
    assert parse_neb_output(cut).problem is not None


def test_a_ph_x_that_stopped_with_an_error_is_a_problem_not_an_exception() -> None:
    """Raised, it held the runner: every round read the same output and failed again."""
    stopped = parse_ph_output(text("ph.x/ph_error.out"))
    assert stopped.problem is not None and not stopped.qpoints
